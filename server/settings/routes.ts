import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import { requireShop, updateSettings } from './service'

const SettingsSchema = Type.Object({ name: Type.String(), timezone: Type.String(), autoApprove: Type.Boolean() })

const SettingsBody = Body({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  autoApprove: Type.Optional(Type.Boolean()),
})

export function registerSettingsRoutes(app: App, ctx: AppContext): void {
  const config = { permission: 'settings.manage' as const }
  app.get(
    '/api/settings',
    { config, schema: { tags: ['settings'], summary: 'Shop settings', response: withErrors({ 200: SettingsSchema }) } },
    async () => {
      const { name, timezone, autoApprove } = await requireShop(ctx)
      return { name, timezone, autoApprove }
    },
  )
  app.patch(
    '/api/settings',
    {
      config,
      schema: {
        tags: ['settings'],
        summary: 'Change shop settings',
        body: SettingsBody,
        response: withErrors({ 200: SettingsSchema }),
      },
    },
    async (request) => {
      const { name, timezone, autoApprove } = await updateSettings(ctx, actorOf(request), request.body)
      return { name, timezone, autoApprove }
    },
  )
}
