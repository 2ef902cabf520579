import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, IdParams, Nullable, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import { PersonRefSchema, messageSchema } from '../conversations/schemas'
import * as customers from './service'
import { customerStats } from './stats'
import { messageToTask, shareMessage } from './work'

const tags = ['customers']
const StatusSchema = Type.Union([Type.Literal('open'), Type.Literal('waiting'), Type.Literal('solved')])
const PeriodSchema = Type.Object(
  { from: Type.String({ pattern: '^\\d{2}:\\d{2}$' }), to: Type.String({ pattern: '^\\d{2}:\\d{2}$' }) },
  { additionalProperties: false },
)
const HoursSchema = Type.Object(
  {
    days: Type.Object(
      Object.fromEntries(
        ['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, Type.Optional(Type.Array(PeriodSchema, { maxItems: 6 }))]),
      ),
      { additionalProperties: false },
    ),
    holidays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 366 }),
  },
  { additionalProperties: false },
)

const CustomerSchema = Type.Object({
  conversationId: Type.Integer(),
  reference: Type.String(),
  name: Type.String(),
  username: Type.String(),
  language: Type.String(),
  phone: Type.String(),
  source: Type.String(),
  tags: Type.Array(Type.String()),
  status: StatusSchema,
  assignee: Nullable(PersonRefSchema),
  participants: Type.Array(PersonRefSchema),
  episode: Type.Integer(),
  firstContactAt: Type.Number(),
  lastContactAt: Type.Number(),
  isBlocked: Type.Boolean(),
  isUnreachable: Type.Boolean(),
  isThrottled: Type.Boolean(),
  isErased: Type.Boolean(),
  satisfaction: Nullable(Type.Union([Type.Literal('up'), Type.Literal('down')])),
  xeroContact: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
})

const CustomerListItemSchema = Type.Object({
  ...CustomerSchema.properties,
  unreadCount: Type.Integer(),
  lastMessageAt: Nullable(Type.Number()),
  lastMessage: Nullable(
    Type.Object({
      id: Type.Integer(),
      author: Nullable(Type.Object({ id: Type.Integer(), displayName: Type.String() })),
      preview: Type.String(),
      kind: Type.String(),
      at: Type.Number(),
    }),
  ),
})

const SettingsSchema = Type.Object({
  welcomeText: Type.String(),
  awayText: Type.String(),
  hours: Nullable(HoursSchema),
  signReplies: Type.Boolean(),
  episodeAfterDays: Nullable(Type.Integer()),
  ratePerMinute: Type.Integer(),
  dailyMb: Type.Integer(),
  askSatisfaction: Type.Boolean(),
  retentionDays: Nullable(Type.Integer()),
  taskTakenText: Type.String(),
  taskDoneText: Type.String(),
  queueId: Nullable(Type.Integer()),
})

const SettingsBody = Body({
  welcomeText: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000 })),
  awayText: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000 })),
  hours: Type.Optional(Nullable(HoursSchema)),
  signReplies: Type.Optional(Type.Boolean()),
  episodeAfterDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 365 }))),
  ratePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
  dailyMb: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  askSatisfaction: Type.Optional(Type.Boolean()),
  retentionDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 36_500 }))),
  taskTakenText: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  taskDoneText: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  queueId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
})

const FilterQuery = Type.Object(
  {
    filter: Type.Optional(
      Type.Union([
        Type.Literal('open'),
        Type.Literal('mine'),
        Type.Literal('unassigned'),
        Type.Literal('waiting'),
        Type.Literal('solved'),
        Type.Literal('all'),
      ]),
    ),
    q: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
)

const MessageParams = Type.Object(
  { id: Type.Integer({ minimum: 1 }), messageId: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
const ParticipantParams = Type.Object(
  { id: Type.Integer({ minimum: 1 }), memberId: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)

export function registerCustomerRoutes(app: App, ctx: AppContext): void {
  const answer = { permission: 'customers.answer' as const }
  const manage = { permission: 'settings.manage' as const }

  app.get(
    '/api/customers',
    {
      config: answer,
      schema: {
        tags,
        summary: 'The Customers inbox',
        querystring: FilterQuery,
        response: withErrors({ 200: Type.Object({ items: Type.Array(CustomerListItemSchema) }) }),
      },
    },
    async (request) => ({
      items: await customers.listCustomers(ctx, actorOf(request), request.query.filter ?? 'open', request.query.q),
    }),
  )

  app.get(
    '/api/customers/counts',
    {
      config: answer,
      schema: {
        tags,
        summary: 'How many customer conversations each filter holds, and how many are unread',
        response: withErrors({
          200: Type.Object({
            open: Type.Integer(),
            mine: Type.Integer(),
            unassigned: Type.Integer(),
            waiting: Type.Integer(),
            solved: Type.Integer(),
            unread: Type.Integer(),
          }),
        }),
      },
    },
    async (request) => customers.customerCounts(ctx, actorOf(request)),
  )

  app.get(
    '/api/customers/stats',
    {
      config: answer,
      schema: {
        tags,
        summary: 'Requests, replies and first-reply times over the last N days (a returning customer counts again)',
        querystring: Type.Object(
          { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) },
          { additionalProperties: false },
        ),
        response: withErrors({
          200: Type.Object({
            days: Type.Integer(),
            requests: Type.Integer(),
            customers: Type.Integer(),
            messagesIn: Type.Integer(),
            repliesOut: Type.Integer(),
            answered: Type.Integer(),
            firstReplyMedianMs: Nullable(Type.Number()),
            firstReplyP90Ms: Nullable(Type.Number()),
            satisfaction: Type.Object({ up: Type.Integer(), down: Type.Integer() }),
          }),
        }),
      },
    },
    async (request) => customerStats(ctx, actorOf(request), request.query.days ?? 30),
  )

  app.get(
    '/api/customers/settings',
    { config: manage, schema: { tags, summary: 'Customer settings', response: withErrors({ 200: SettingsSchema }) } },
    async () => customers.getSettings(ctx),
  )

  app.patch(
    '/api/customers/settings',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Change customer settings',
        body: SettingsBody,
        response: withErrors({ 200: SettingsSchema }),
      },
    },
    async (request) => customers.updateSettings(ctx, actorOf(request), request.body),
  )

  app.get(
    '/api/customers/link',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The bot link for the counter or receipts (t.me/<bot>?start=<source>)',
        querystring: Type.Object(
          { source: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })) },
          { additionalProperties: false },
        ),
        response: withErrors({
          200: Type.Object({ url: Nullable(Type.String()), botUsername: Nullable(Type.String()) }),
        }),
      },
    },
    async (request) => {
      const bot = await ctx.db.selectFrom('telegram_bot').select('username').executeTakeFirst()
      if (!bot) return { url: null, botUsername: null }
      const source = request.query.source
      return { url: `https://t.me/${bot.username}${source ? `?start=${source}` : ''}`, botUsername: bot.username }
    },
  )

  app.get(
    '/api/customers/:id',
    {
      config: answer,
      schema: {
        tags,
        summary: 'A customer and their conversation',
        params: IdParams,
        response: withErrors({ 200: CustomerSchema }),
      },
    },
    async (request) => customers.getCustomer(ctx, actorOf(request), request.params.id),
  )

  app.post(
    '/api/conversations/:id/status',
    {
      config: answer,
      schema: {
        tags,
        summary: 'Set a customer conversation open, waiting for the customer, or solved',
        params: IdParams,
        body: Body({ status: StatusSchema }),
        response: withErrors({ 200: CustomerSchema }),
      },
    },
    async (request) => customers.setStatus(ctx, actorOf(request), request.params.id, request.body.status),
  )

  app.post(
    '/api/conversations/:id/assign',
    {
      config: answer,
      schema: {
        tags,
        summary: 'Give a customer conversation to someone who answers customers, or to nobody',
        params: IdParams,
        body: Body({ memberId: Nullable(Type.Integer({ minimum: 1 })) }),
        response: withErrors({ 200: CustomerSchema }),
      },
    },
    async (request) => customers.assign(ctx, actorOf(request), request.params.id, request.body.memberId),
  )

  app.put(
    '/api/customers/:id/tags',
    {
      config: answer,
      schema: {
        tags,
        summary: 'Set a customer’s tags',
        params: IdParams,
        body: Body({ tags: Type.Array(Type.String({ maxLength: 30 }), { maxItems: 20 }) }),
        response: withErrors({ 200: CustomerSchema }),
      },
    },
    async (request) => customers.setTags(ctx, actorOf(request), request.params.id, request.body.tags),
  )

  app.post(
    '/api/customers/:id/participants',
    {
      config: answer,
      schema: {
        tags,
        summary: 'Add a colleague to a customer conversation',
        params: IdParams,
        body: Body({ memberId: Type.Integer({ minimum: 1 }) }),
        response: withErrors({ 200: CustomerSchema }),
      },
    },
    async (request) => customers.setParticipant(ctx, actorOf(request), request.params.id, request.body.memberId, true),
  )

  app.delete(
    '/api/customers/:id/participants/:memberId',
    {
      config: answer,
      schema: {
        tags,
        summary: 'Take a colleague off a customer conversation',
        params: ParticipantParams,
        response: withErrors({ 200: CustomerSchema }),
      },
    },
    async (request) =>
      customers.setParticipant(ctx, actorOf(request), request.params.id, request.params.memberId, false),
  )

  for (const [action, isBlocked] of [
    ['block', true],
    ['unblock', false],
  ] as const) {
    app.post(
      `/api/customers/:id/${action}`,
      {
        config: answer,
        schema: {
          tags,
          summary: isBlocked ? 'Block a customer: nothing from them is stored or forwarded' : 'Unblock a customer',
          params: IdParams,
          response: withErrors({ 200: CustomerSchema }),
        },
      },
      async (request) => customers.setBlocked(ctx, actorOf(request), request.params.id, isBlocked),
    )
  }

  app.post(
    '/api/customers/:id/erase',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Erase a customer’s data on request (messages become “erased”, files are deleted)',
        params: IdParams,
        response: withErrors({ 200: CustomerSchema }),
      },
    },
    async (request) => customers.eraseCustomer(ctx, actorOf(request), request.params.id),
  )

  app.post(
    '/api/customers/:id/messages/:messageId/task',
    {
      config: answer,
      schema: {
        tags,
        summary: 'Turn a customer’s message into a task, optionally keeping the customer informed',
        params: MessageParams,
        body: Body({
          title: Type.String({ minLength: 1, maxLength: 800 }),
          details: Type.Optional(Type.String({ maxLength: 4_000 })),
          priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          queueId: Type.Optional(Type.Integer({ minimum: 1 })),
          conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
          notifyCustomer: Type.Optional(Type.Boolean()),
          takenText: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          doneText: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          clientKey: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }),
        }),
        response: withErrors({ 201: Type.Object({ taskId: Type.Integer(), conversationId: Type.Integer() }) }),
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await messageToTask(ctx, actorOf(request), request.params.id, request.params.messageId, request.body)),
  )

  app.post(
    '/api/customers/:id/messages/:messageId/share',
    {
      config: answer,
      schema: {
        tags,
        summary: 'Share a staff-only copy of a customer’s message into a channel',
        params: MessageParams,
        body: Body({
          conversationId: Type.Integer({ minimum: 1 }),
          note: Type.Optional(Type.String({ maxLength: 1_000 })),
        }),
        response: withErrors({ 201: messageSchema(ctx.kinds) }),
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await shareMessage(ctx, actorOf(request), request.params.id, request.params.messageId, request.body)),
  )
}
