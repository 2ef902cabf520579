import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { actorOf } from '../auth/access'
import { exportArchive } from './service'

export function registerExportRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/export',
    {
      config: { ownerOnly: true, rateLimit: { max: 3, timeWindow: 60_000 } },
      schema: {
        tags: ['system'],
        summary: 'Everything: data as JSON plus all files, as one .tar.gz',
        produces: ['application/gzip'],
      },
    },
    async (request, reply) => {
      const day = new Date(ctx.clock.now()).toISOString().slice(0, 10)
      const archive = await exportArchive(ctx, actorOf(request))
      return reply
        .header('content-type', 'application/gzip')
        .header('content-disposition', `attachment; filename="backboard-export-${day}.tar.gz"`)
        .send(archive)
    },
  )
}
