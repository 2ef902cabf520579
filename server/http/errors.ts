/** The one error handler: `{code, message}` with a stable code, never a stack trace. */
import type { FastifyError } from 'fastify'
import type { App } from '../shared/app-types'
import { AppError } from '../shared/errors'

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_VALIDATION: 'invalid_request',
}

export function registerErrorHandling(app: App): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds
      if (error.status === 429 && retry) reply.header('retry-after', String(retry))
      const body: Record<string, unknown> = { ...error.fields, code: error.code, message: error.message }
      if (error.details !== undefined && error.status !== 429) body.details = error.details
      return reply.status(error.status).send(body)
    }
    if ('validation' in error && error.validation) {
      const where = error.validationContext ?? 'request'
      return reply.status(400).send({
        code: 'invalid_request',
        message: `The ${where} is not valid: ${error.message}`,
        details: error.validation.map((v) => ({ path: v.instancePath, message: v.message, keyword: v.keyword })),
      })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const code =
        FASTIFY_CODES[error.code] ??
        (error instanceof SyntaxError ? 'invalid_json' : status === 429 ? 'rate_limited' : 'bad_request')
      return reply.status(status).send({ code, message: error.message })
    }
    request.log.error({ err: error }, 'unexpected error')
    return reply
      .status(500)
      .send({ code: 'internal', message: 'Something went wrong on the server. It has been logged.' })
  })

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` })
  })
}
