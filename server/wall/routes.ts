import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import { publicOrigin } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { Body, IdParams, Nullable, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import { setSessionCookie } from '../auth/cookies'
import { SESSION_TTL_MS } from '../auth/service'
import { messageSchema } from '../conversations/schemas'
import type { MessageKinds } from '../conversations/kinds'
import { DirectoryEntrySchema } from '../directory/routes'
import { PageSchema } from '../pages/routes'
import * as wall from './service'

const PairingSchema = Type.Object({
  code: Type.String(),
  pollToken: Type.String(),
  expiresAt: Type.Number(),
  pairUrl: Type.String(),
  qrSvg: Type.String(),
})

const PollBody = Body({ pollToken: Type.String({ minLength: 16, maxLength: 64 }) })
const PollSchema = Type.Object({
  status: Type.Union([Type.Literal('waiting'), Type.Literal('paired')]),
  expiresAt: Type.Optional(Type.Number()),
  name: Type.Optional(Type.String()),
})

const ClaimBody = Body({
  code: Type.String({ minLength: 4, maxLength: 16 }),
  name: Type.String({ minLength: 1, maxLength: 60 }),
})

const DisplaySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('deactivated')]),
  pairedAt: Type.Number(),
  lastSeenAt: Type.Union([Type.Number(), Type.Null()]),
  isOnline: Type.Boolean(),
  showTasks: Type.Boolean(),
})

const DisplayPatch = Body({ showTasks: Type.Boolean() })

/** A task as a wall shows it (wall/tasks.ts): no details, private or not. */
const WallTaskSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  state: Type.Union([Type.Literal('open'), Type.Literal('taken'), Type.Literal('started')]),
  priority: Type.Integer(),
  effectivePriority: Type.Integer(),
  openedAt: Type.Number(),
  takenAt: Nullable(Type.Number()),
  dueAt: Nullable(Type.Number()),
  isOverdue: Type.Boolean(),
  takenBy: Nullable(Type.String()),
  queue: Nullable(Type.String()),
})

const wallFeedSchema = (kinds: MessageKinds) =>
  Type.Object({
    shop: Type.Object({ name: Type.String(), timezone: Type.String() }),
    notices: Type.Array(messageSchema(kinds)),
    recent: Type.Array(messageSchema(kinds)),
    onShift: Type.Array(DirectoryEntrySchema),
    join: Type.Union([Type.Object({ qrSvg: Type.String() }), Type.Null()]),
    pages: Type.Array(PageSchema),
    tasks: Nullable(Type.Object({ open: Type.Array(WallTaskSchema), active: Type.Array(WallTaskSchema) })),
    generatedAt: Type.Number(),
  })

export function registerWallRoutes(app: App, ctx: AppContext): void {
  const tags = ['wall']

  app.post(
    '/api/wall/pairings',
    {
      config: { access: 'public', rateLimit: { max: 20, timeWindow: 60_000 } },
      schema: { tags, summary: 'A new screen asks for a pairing code', response: withErrors({ 201: PairingSchema }) },
    },
    async (request, reply) => reply.status(201).send(await wall.startPairing(ctx, publicOrigin(ctx, request))),
  )

  app.post(
    '/api/wall/pairings/poll',
    {
      config: { access: 'public', rateLimit: { max: 120, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'The screen asks whether it has been paired',
        body: PollBody,
        response: withErrors({ 200: PollSchema, 410: Type.Ref('Error') }),
      },
    },
    async (request, reply) => {
      const result = await wall.pollPairing(ctx, request.body.pollToken)
      if (result.status === 'waiting') return { status: 'waiting' as const, expiresAt: result.expiresAt }
      setSessionCookie(request, reply, result.token, SESSION_TTL_MS)
      return { status: 'paired' as const, name: result.name }
    },
  )

  app.post(
    '/api/wall/pairings/claim',
    {
      config: { permission: 'members.manage', rateLimit: { max: 20, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Pair the screen showing this code and name it',
        body: ClaimBody,
        response: withErrors({ 201: Type.Object({ id: Type.Integer(), name: Type.String() }) }),
      },
    },
    async (request, reply) =>
      reply.status(201).send(await wall.claimPairing(ctx, actorOf(request), request.body.code, request.body.name)),
  )

  app.get(
    '/api/displays',
    {
      config: { permission: 'members.manage' },
      schema: { tags, summary: 'Paired wall displays', response: withErrors({ 200: Type.Array(DisplaySchema) }) },
    },
    async () => wall.listDisplays(ctx),
  )

  app.patch(
    '/api/displays/:id',
    {
      config: { permission: 'members.manage' },
      schema: {
        tags,
        summary: 'Change a display’s settings: whether it shows the open tasks',
        params: IdParams,
        body: DisplayPatch,
        response: withErrors({ 200: DisplaySchema }),
      },
    },
    async (request) => wall.setDisplayShowsTasks(ctx, actorOf(request), request.params.id, request.body.showTasks),
  )

  app.get(
    '/api/wall',
    {
      schema: { tags, summary: 'Everything the wall shows', response: withErrors({ 200: wallFeedSchema(ctx.kinds) }) },
    },
    async (request) => wall.wallFeed(ctx, actorOf(request), publicOrigin(ctx, request)),
  )
}
