/** Schema pieces used by several features. */
import { Type, type TSchema } from 'typebox'

export const ErrorBody = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) },
  { $id: 'Error' },
)

export const Ok = Type.Object({ ok: Type.Literal(true) })

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
