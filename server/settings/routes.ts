import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import { requireShop, updateSettings, type ShopSettingsView } from './service'

const SettingsSchema = Type.Object({
  name: Type.String(),
  timezone: Type.String(),
  autoApprove: Type.Boolean(),
  maxFileMb: Type.Integer(),
  memberQuotaMb: Type.Integer(),
  reminderIntervalMinutes: Type.Integer(),
  wallShowJoinQr: Type.Boolean(),
  retentionDays: Type.Union([Type.Integer(), Type.Null()]),
  pushContact: Type.String(),
  /** Customers may write to the shop's Telegram bot. */
  customersEnabled: Type.Boolean(),
})

const SettingsBody = Body({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  autoApprove: Type.Optional(Type.Boolean()),
  maxFileMb: Type.Optional(Type.Integer({ minimum: 1, maximum: 2048 })),
  memberQuotaMb: Type.Optional(Type.Integer({ minimum: 10, maximum: 1_000_000 })),
  reminderIntervalMinutes: Type.Optional(Type.Integer({ minimum: 15, maximum: 10_080 })),
  wallShowJoinQr: Type.Optional(Type.Boolean()),
  retentionDays: Type.Optional(Type.Union([Type.Integer({ minimum: 30, maximum: 36_500 }), Type.Null()])),
  pushContact: Type.Optional(Type.String({ maxLength: 200 })),
  customersEnabled: Type.Optional(Type.Boolean()),
})

function withoutJoinCode({ joinCode: _joinCode, ...settings }: ShopSettingsView) {
  return settings
}

export function registerSettingsRoutes(app: App, ctx: AppContext): void {
  const config = { permission: 'settings.manage' as const }
  app.get(
    '/api/settings',
    { config, schema: { tags: ['settings'], summary: 'Shop settings', response: withErrors({ 200: SettingsSchema }) } },
    async () => withoutJoinCode(await requireShop(ctx)),
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
    async (request) => withoutJoinCode(await updateSettings(ctx, actorOf(request), request.body)),
  )
}
