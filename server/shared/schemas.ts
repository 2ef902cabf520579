/** Schema pieces used by several features. */
import { Type, type TSchema } from 'typebox'

export const ErrorBody = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
    /** With `task_taken`: who has the task. */
    takenBy: Type.Optional(Type.Object({ id: Type.Integer(), displayName: Type.String() })),
  },
  { $id: 'Error' },
)

export const Ok = Type.Object({ ok: Type.Literal(true) })

/** A schema or null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

/** The first and last moments any time field accepts: 2000-01-01 and 2100-01-01, UTC. */
export const EARLIEST_TIME = Date.UTC(2000, 0, 1)
export const LATEST_TIME = Date.UTC(2100, 0, 1)

/**
 * A moment in integer epoch milliseconds. Every time a client sends is bounded, so that a
 * mistyped or hostile value (9000000000000000, year 1900) is refused rather than stored and
 * shown to everyone as an invalid date.
 */
export const EpochMs = Type.Integer({ minimum: EARLIEST_TIME, maximum: LATEST_TIME })

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })

/** A strict JSON body: unknown fields are refused. */
export function Body<T extends Parameters<typeof Type.Object>[0]>(properties: T) {
  return Type.Object(properties, { additionalProperties: false })
}

/** Error responses every authenticated route may give, for the OpenAPI document. */
export function withErrors<T extends Record<number, TSchema>>(responses: T) {
  const error = Type.Ref('Error')
  return { 400: error, 401: error, 403: error, 404: error, 409: error, 429: error, ...responses }
}
