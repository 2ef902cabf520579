/**
 * The one application error. Services throw it with a stable code; the HTTP error handler
 * turns it into `{code, message}` with its status. Clients and tests rely on the codes.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Named fields beside code and message that clients rely on (a taken task's `takenBy`). */
    readonly fields?: Record<string, unknown>,
  ) {
    super(message)
    this.name = 'AppError'
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details)
export const unauthorized = (code = 'unauthorized', message = 'Sign in to continue.') =>
  new AppError(401, code, message)
export const forbidden = (code = 'forbidden', message = 'You do not have permission to do that.') =>
  new AppError(403, code, message)
export const notFound = (code = 'not_found', message = 'Not found.') => new AppError(404, code, message)
export const conflict = (code: string, message: string) => new AppError(409, code, message)
export const tooMany = (code: string, message: string, retryAfterSeconds: number) =>
  new AppError(429, code, message, { retryAfterSeconds })
