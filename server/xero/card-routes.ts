import { Type } from 'typebox'
import { actorOf } from '../auth/access'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, IdParams, Nullable, withErrors } from '../shared/schemas'
import { PersonRefSchema } from '../conversations/schemas'
import type { XeroAssistant } from './assistant'
import { CardBodySchema, CardDraftSchema } from './cards'
import { readXeroSettings, updateXeroSettings } from './settings'
import type { XeroConnection } from './connection'

const tags = ['xero']

export const XeroCardSchema = Type.Object({
  id: Type.Integer(),
  question: Type.String(),
  topic: Type.String(),
  body: CardBodySchema,
  organisation: Type.String(),
  asOf: Type.Number(),
  askedBy: Nullable(PersonRefSchema),
  hasPersonalDetails: Type.Boolean(),
  draft: Nullable(CardDraftSchema),
})
const CardAnswer = Type.Object({ card: XeroCardSchema })
const SettingsSchema = Type.Object({
  alertsConversationId: Nullable(Type.Integer()),
  digestHour: Nullable(Type.Integer({ minimum: 0, maximum: 23 })),
  customerBalance: Type.Boolean(),
  writes: Type.Boolean(),
})
const UsageSchema = Type.Object({
  callsToday: Type.Integer(),
  remainingToday: Type.Integer(),
  remainingThisMinute: Type.Integer(),
  inFlight: Type.Integer(),
  heldUntil: Nullable(Type.Number()),
})
const Busy = { 403: Type.Ref('Error'), 409: Type.Ref('Error'), 429: Type.Ref('Error'), 503: Type.Ref('Error') }

/** Asking Xero, cards, sharing and refreshing, the owner's Xero settings and the call budget. */
export function registerXeroCardRoutes(
  app: App,
  ctx: AppContext,
  assistant: XeroAssistant,
  connection: XeroConnection,
): void {
  app.post(
    '/api/xero/ask',
    {
      schema: {
        tags,
        summary: 'Ask Xero a question; answers a card (with choices when a name was ambiguous)',
        body: Body({ text: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: withErrors({ 200: CardAnswer, ...Busy }),
      },
    },
    async (request) => ({ card: await assistant.ask(actorOf(request), request.body.text) }),
  )

  app.get(
    '/api/xero/conversation',
    {
      schema: {
        tags,
        summary: 'The signed-in member’s private conversation with Xero (made on first use)',
        response: withErrors({ 200: Type.Object({ conversationId: Type.Integer() }), 403: Type.Ref('Error') }),
      },
    },
    async (request) => ({ conversationId: await assistant.conversationOf(actorOf(request)) }),
  )

  app.get(
    '/api/xero/status',
    {
      schema: {
        tags,
        summary: 'Whether Xero answers questions now, for members who may ask',
        response: withErrors({
          200: Type.Object({
            state: Type.Union([
              Type.Literal('disconnected'),
              Type.Literal('connected'),
              Type.Literal('reconnect'),
              Type.Literal('choose_tenant'),
            ]),
            organisation: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
            canWrite: Type.Boolean(),
          }),
          403: Type.Ref('Error'),
        }),
      },
    },
    async (request) => {
      const actor = actorOf(request)
      await assistant.requireRead(actor, 'status')
      const [view, settings] = await Promise.all([connection.view(), readXeroSettings(ctx)])
      return {
        state: view.state,
        organisation: view.organisation,
        canWrite:
          view.state === 'connected' &&
          settings.writes &&
          view.scopes.includes('accounting.invoices') &&
          actor.permissions.includes('xero.write'),
      }
    },
  )

  app.get(
    '/api/xero/usage',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Xero calls spent today and the budget left',
        response: withErrors({ 200: UsageSchema }),
      },
    },
    async () => {
      const view = await connection.view()
      return assistant.client.usage(view.organisation?.id)
    },
  )

  app.get(
    '/api/xero/cards/:id',
    {
      schema: {
        tags,
        summary: 'A Xero card as its asker sees it',
        params: IdParams,
        response: withErrors({ 200: XeroCardSchema, 403: Type.Ref('Error') }),
      },
    },
    async (request) => assistant.getCard(actorOf(request), request.params.id),
  )

  app.post(
    '/api/xero/cards/:id/share',
    {
      schema: {
        tags,
        summary: 'Share a snapshot of a card into a conversation (personal details hidden unless included)',
        params: IdParams,
        body: Body({
          conversationId: Type.Integer({ minimum: 1 }),
          includePersonal: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 201: Type.Object({ messageId: Type.Integer() }), 403: Type.Ref('Error') }),
      },
    },
    async (request, reply) => {
      const shared = await assistant.share(
        actorOf(request),
        request.params.id,
        request.body.conversationId,
        request.body.includePersonal ?? false,
      )
      return reply.code(201).send({ messageId: shared.messageId })
    },
  )

  app.post(
    '/api/xero/cards/:id/refresh',
    {
      schema: {
        tags,
        summary: 'Ask a card’s question again; its shared snapshots follow',
        params: IdParams,
        response: withErrors({ 200: CardAnswer, ...Busy }),
      },
    },
    async (request) => ({ card: await assistant.refresh(actorOf(request), request.params.id) }),
  )

  app.get(
    '/api/xero/settings',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Xero alerts, digest, customers’ balance and writes',
        response: withErrors({ 200: SettingsSchema }),
      },
    },
    async () => readXeroSettings(ctx),
  )

  app.put(
    '/api/xero/settings',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Change the Xero settings',
        body: Type.Partial(SettingsSchema, { additionalProperties: false }),
        response: withErrors({ 200: SettingsSchema }),
      },
    },
    async (request) => updateXeroSettings(ctx, actorOf(request), request.body),
  )
}
