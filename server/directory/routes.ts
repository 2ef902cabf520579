import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { IdParams, Ok, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import { rawBodyRoutes, sendFile } from '../files/routes'
import * as directory from './service'

export const DirectoryEntrySchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('staff')]),
  jobTitle: Type.String(),
  phone: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  shiftStatus: Type.Union([Type.Literal('on_shift'), Type.Literal('off_shift'), Type.Literal('away')]),
  shiftStatusUntil: Type.Union([Type.Number(), Type.Null()]),
  presence: Type.Union([Type.Literal('online'), Type.Literal('idle'), Type.Literal('offline')]),
  isOnShift: Type.Boolean(),
  isTelegramLinked: Type.Boolean(),
})

export function registerDirectoryRoutes(app: App, ctx: AppContext): void {
  const tags = ['directory']

  app.get(
    '/api/directory',
    {
      schema: { tags, summary: 'The staff directory', response: withErrors({ 200: Type.Array(DirectoryEntrySchema) }) },
    },
    async (request) => directory.listDirectory(ctx, actorOf(request)),
  )

  rawBodyRoutes(app, (uploads) => {
    uploads.put(
      '/api/members/:id/avatar',
      {
        config: { rateLimit: { max: 20, timeWindow: 60_000 } },
        schema: {
          tags,
          summary: 'Set a profile photo (the body is the image)',
          params: IdParams,
          response: withErrors({ 200: Type.Object({ avatarUrl: Type.String() }), 413: Type.Ref('Error') }),
        },
      },
      async (request) => {
        const length = request.headers['content-length']
        const params = request.params as { id: number }
        return directory.setAvatar(
          ctx,
          actorOf(request),
          params.id,
          request.raw,
          length && /^\d+$/.test(length) ? Number(length) : undefined,
        )
      },
    )
  })

  app.delete(
    '/api/members/:id/avatar',
    { schema: { tags, summary: 'Remove a profile photo', params: IdParams, response: withErrors({ 200: Ok }) } },
    async (request) => {
      await directory.removeAvatar(ctx, actorOf(request), request.params.id)
      return { ok: true as const }
    },
  )

  app.get(
    '/api/members/:id/avatar',
    {
      schema: {
        tags,
        summary: "A member's photo",
        params: IdParams,
        response: withErrors({ 200: Type.Unknown(), 304: Type.Unknown() }),
      },
    },
    async (request, reply) =>
      sendFile(reply, await directory.openAvatar(ctx, actorOf(request), request.params.id), request.headers.range),
  )
}
