import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import { Body, Nullable, Ok, withErrors } from '../shared/schemas'
import { forbidden } from '../shared/errors'
import { actorOf } from '../auth/access'
import type { Actor } from '../auth/actor'
import type { TelegramService } from './service'

const BotStatusSchema = Type.Object({
  isConfigured: Type.Boolean(),
  bot: Nullable(Type.Object({ id: Type.Integer(), username: Type.String(), name: Type.String() })),
  status: Type.Object({
    state: Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('not_set_up')]),
    detail: Type.String(),
    lastOkAt: Nullable(Type.Number()),
    failingSince: Nullable(Type.Number()),
  }),
  linkedMembers: Type.Integer(),
})

const Mirror = Type.Union([Type.Literal('always'), Type.Literal('away'), Type.Literal('never')])

const MeSchema = Type.Object({
  isAvailable: Type.Boolean(),
  botUsername: Nullable(Type.String()),
  link: Nullable(
    Type.Object({ telegramName: Type.String(), telegramUsername: Nullable(Type.String()), linkedAt: Type.Number() }),
  ),
  mirror: Mirror,
})

const GroupsSchema = Type.Object({
  groups: Type.Array(
    Type.Object({
      chatId: Type.Integer(),
      title: Type.String(),
      conversation: Type.Object({ id: Type.Integer(), name: Type.String() }),
      linkedAt: Type.Number(),
      linkedBy: Type.String(),
    }),
  ),
})

/** Wall displays have no Telegram account. */
function staffOf(request: { actor: Actor | null }): Actor {
  const actor = actorOf(request)
  if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display has no Telegram account.')
  return actor
}

export function registerTelegramRoutes(app: App, telegram: TelegramService): void {
  const tags = ['telegram']
  const owner = { permission: 'settings.manage' as const }
  app.get(
    '/api/telegram/bot',
    {
      config: owner,
      schema: { tags, summary: 'The connected bot and its state', response: withErrors({ 200: BotStatusSchema }) },
    },
    async () => telegram.status(),
  )
  app.put(
    '/api/telegram/bot',
    {
      config: { ...owner, rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Connect a bot with its token from @BotFather (checked with getMe, stored encrypted)',
        body: Body({ token: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: withErrors({ 200: BotStatusSchema }),
      },
    },
    async (request) => {
      const origin = `${request.protocol}://${request.host}`
      return telegram.connect(actorOf(request), request.body.token, origin)
    },
  )
  app.delete(
    '/api/telegram/bot',
    { config: owner, schema: { tags, summary: 'Disconnect the bot', response: withErrors({ 200: Ok }) } },
    async (request) => {
      await telegram.disconnect(actorOf(request))
      return { ok: true as const }
    },
  )

  app.get(
    '/api/telegram/me',
    { schema: { tags, summary: 'My Telegram link and mirror setting', response: withErrors({ 200: MeSchema }) } },
    async (request) => telegram.me(staffOf(request)),
  )
  app.post(
    '/api/telegram/me/link-code',
    {
      config: { rateLimit: { max: 20, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'A one-time link to open in Telegram (t.me/<bot>?start=<code>), valid 15 minutes',
        response: withErrors({
          200: Type.Object({ url: Type.String(), code: Type.String(), expiresAt: Type.Number() }),
        }),
      },
    },
    async (request) => telegram.linkCode(staffOf(request)),
  )
  app.delete(
    '/api/telegram/me/link',
    { schema: { tags, summary: 'Unlink my Telegram account', response: withErrors({ 200: Ok }) } },
    async (request) => {
      await telegram.unlink(staffOf(request))
      return { ok: true as const }
    },
  )
  app.put(
    '/api/telegram/me/mirror',
    {
      schema: {
        tags,
        summary: 'When to mirror to Telegram: always, when away, never',
        body: Body({ mirror: Mirror }),
        response: withErrors({ 200: MeSchema }),
      },
    },
    async (request) => telegram.setMirror(staffOf(request), request.body.mirror),
  )

  const managers = { permission: 'members.manage' as const }
  app.get(
    '/api/telegram/groups',
    {
      config: managers,
      schema: { tags, summary: 'Telegram groups linked to channels', response: withErrors({ 200: GroupsSchema }) },
    },
    async () => telegram.groups.list(),
  )
  app.post(
    '/api/telegram/groups/link-code',
    {
      config: { ...managers, rateLimit: { max: 20, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'A one-time code that links a Telegram group to a channel (/link <code> in the group)',
        body: Body({ conversationId: Type.Integer({ minimum: 1 }) }),
        response: withErrors({
          200: Type.Object({
            code: Type.String(),
            command: Type.String(),
            url: Type.String(),
            expiresAt: Type.Number(),
          }),
        }),
      },
    },
    async (request) => telegram.groupCode(actorOf(request), request.body.conversationId),
  )
  app.delete(
    '/api/telegram/groups/:chatId',
    {
      config: managers,
      schema: {
        tags,
        summary: 'Unlink a Telegram group',
        params: Type.Object({ chatId: Type.Integer() }, { additionalProperties: false }),
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await telegram.unlinkGroup(actorOf(request), request.params.chatId)
      return { ok: true as const }
    },
  )
}
