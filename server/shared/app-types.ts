import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import type { AppContext } from './context'

/** The Fastify instance as features see it: with TypeBox types on every route. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/** The origin links should use: PUBLIC_URL when set, else what the browser used. */
export function publicOrigin(ctx: AppContext, request: FastifyRequest): string {
  return ctx.config.publicUrl?.origin ?? `${request.protocol}://${request.host}`
}

export function requestMeta(request: FastifyRequest): { ip: string; userAgent: string } {
  return { ip: request.ip, userAgent: (request.headers['user-agent'] ?? '').slice(0, 256) }
}
