import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { EpochMs, withErrors } from '../shared/schemas'
import { requireShop } from '../settings/service'
import { auditToCsv, listAudit } from './service'

const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ maxLength: 64, pattern: '^[a-z_.]*$' })),
    actorId: Type.Optional(Type.Integer({ minimum: 1 })),
    targetId: Type.Optional(Type.Integer({ minimum: 1 })),
    from: Type.Optional(EpochMs),
    to: Type.Optional(EpochMs),
    beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
)

const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.Number(),
  actorId: Type.Union([Type.Integer(), Type.Null()]),
  actorName: Type.String(),
  action: Type.String(),
  targetId: Type.Union([Type.Integer(), Type.Null()]),
  targetName: Type.String(),
  ip: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
})

export function registerAuditRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/audit',
    {
      config: { ownerOnly: true },
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first',
        querystring: AuditQuery,
        response: withErrors({ 200: Type.Array(AuditEntry) }),
      },
    },
    async (request) => listAudit(ctx.db, { ...request.query, limit: request.query.limit ?? 100 }),
  )

  app.get(
    '/api/audit.csv',
    {
      config: { ownerOnly: true },
      schema: { tags: ['audit'], summary: 'The audit log as CSV', querystring: AuditQuery, produces: ['text/csv'] },
    },
    async (request, reply) => {
      const shop = await requireShop(ctx)
      const rows = await listAudit(ctx.db, { ...request.query, limit: request.query.limit ?? 100_000 })
      const day = new Date(ctx.clock.now()).toISOString().slice(0, 10)
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="backboard-audit-${day}.csv"`)
        .send(auditToCsv(rows, shop.timezone))
    },
  )
}
