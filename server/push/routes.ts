import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import { Body, EpochMs, IdParams, Ok, withErrors } from '../shared/schemas'
import { actorOf } from '../auth/access'
import type { PushService } from './service'

const SubscriptionBody = Body({
  endpoint: Type.String({ minLength: 10, maxLength: 2048 }),
  keys: Type.Object(
    { p256dh: Type.String({ minLength: 20, maxLength: 200 }), auth: Type.String({ minLength: 10, maxLength: 100 }) },
    { additionalProperties: false },
  ),
  deviceName: Type.String({ maxLength: 80 }),
})

const DeviceSchema = Type.Object({
  id: Type.Integer(),
  deviceName: Type.String(),
  service: Type.String(),
  createdAt: Type.Number(),
  lastUsedAt: Type.Union([Type.Number(), Type.Null()]),
  isThisDevice: Type.Boolean(),
})

const Level = Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('urgent'), Type.Literal('none')])
const Minute = Type.Union([Type.Integer({ minimum: 0, maximum: 1439 }), Type.Null()])
const PreferencesSchema = Type.Object({ level: Level, quietStartMinute: Minute, quietEndMinute: Minute })

export function registerPushRoutes(app: App, push: PushService): void {
  const tags = ['notifications']
  app.get(
    '/api/push/key',
    {
      schema: {
        tags,
        summary: 'The VAPID public key for subscribing',
        response: withErrors({ 200: Type.Object({ publicKey: Type.String() }) }),
      },
    },
    async () => ({ publicKey: push.vapidPublicKey }),
  )
  app.get(
    '/api/push/subscriptions',
    {
      schema: {
        tags,
        summary: 'My devices with notifications on',
        response: withErrors({ 200: Type.Array(DeviceSchema) }),
      },
    },
    async (request) => push.list(actorOf(request)),
  )
  app.post(
    '/api/push/subscriptions',
    {
      config: { rateLimit: { max: 20, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Turn notifications on for this device',
        body: SubscriptionBody,
        response: withErrors({ 201: Type.Object({ id: Type.Integer() }) }),
      },
    },
    async (request, reply) => {
      const { endpoint, keys, deviceName } = request.body
      const id = await push.subscribe(actorOf(request), { endpoint, p256dh: keys.p256dh, auth: keys.auth, deviceName })
      return reply.status(201).send({ id })
    },
  )
  app.delete(
    '/api/push/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Turn notifications off for a device',
        params: IdParams,
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await push.remove(actorOf(request), request.params.id)
      return { ok: true as const }
    },
  )
  app.get(
    '/api/me/notifications',
    { schema: { tags, summary: 'My notification preferences', response: withErrors({ 200: PreferencesSchema }) } },
    async (request) => push.preferences(actorOf(request)),
  )
  app.put(
    '/api/me/notifications',
    {
      schema: {
        tags,
        summary: 'Change my notification preferences',
        body: Body(PreferencesSchema.properties),
        response: withErrors({ 200: PreferencesSchema }),
      },
    },
    async (request) => push.setPreferences(actorOf(request), request.body),
  )
  app.put(
    '/api/conversations/:id/mute',
    {
      schema: {
        tags,
        summary: 'Mute a conversation until a time (null to unmute)',
        params: IdParams,
        body: Body({ until: Type.Union([EpochMs, Type.Null()]) }),
        response: withErrors({ 200: Ok }),
      },
    },
    async (request) => {
      await push.mute(actorOf(request), request.params.id, request.body.until)
      return { ok: true as const }
    },
  )
}
