import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { IdParams, Ok, withErrors } from '../shared/schemas'
import { backUpAndPrune } from '../backup/service'
import { systemStatus } from './service'

const Counts = Type.Object({
  channel: Type.String(),
  pending: Type.Integer(),
  sending: Type.Integer(),
  done: Type.Integer(),
  dead: Type.Integer(),
  dropped: Type.Integer(),
  retries: Type.Integer(),
})

const SystemSchema = Type.Object({
  version: Type.String(),
  node: Type.String(),
  startedAt: Type.Number(),
  uptimeSeconds: Type.Integer(),
  memoryRssBytes: Type.Number(),
  database: Type.Object({ bytes: Type.Number(), walBytes: Type.Number() }),
  disk: Type.Object({ freeBytes: Type.Number(), totalBytes: Type.Number(), isLow: Type.Boolean() }),
  backups: Type.Object({
    last: Type.Union([
      Type.Object({
        name: Type.String(),
        createdAt: Type.Number(),
        reason: Type.String(),
        databaseBytes: Type.Number(),
      }),
      Type.Null(),
    ]),
    count: Type.Integer(),
    directory: Type.String(),
    isStale: Type.Boolean(),
  }),
  integrations: Type.Array(
    Type.Object({
      name: Type.String(),
      state: Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('not_set_up')]),
      detail: Type.String(),
    }),
  ),
  outbox: Type.Array(Counts),
  deadLetters: Type.Array(
    Type.Object({
      id: Type.Integer(),
      channel: Type.String(),
      attempts: Type.Integer(),
      lastError: Type.String(),
      createdAt: Type.Number(),
      failedAt: Type.Number(),
    }),
  ),
  connections: Type.Integer(),
})

export function registerSystemRoutes(app: App, ctx: AppContext): void {
  const tags = ['system']
  const config = { ownerOnly: true }
  app.get(
    '/api/system',
    { config, schema: { tags, summary: 'Health of the appliance', response: withErrors({ 200: SystemSchema }) } },
    async () => systemStatus(ctx),
  )
  app.post(
    '/api/system/outbox/:id/retry',
    {
      config,
      schema: { tags, summary: 'Retry a failed delivery', params: IdParams, response: withErrors({ 200: Ok }) },
    },
    async (request) => {
      await ctx.outbox.retry(request.params.id)
      return { ok: true as const }
    },
  )
  app.post(
    '/api/system/backups',
    {
      config: { ...config, rateLimit: { max: 6, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Take a backup now',
        response: withErrors({ 201: Type.Object({ name: Type.String() }) }),
      },
    },
    async (_request, reply) => {
      const { backup } = await backUpAndPrune(ctx, 'manual')
      return reply.status(201).send({ name: backup.name })
    },
  )
}
