/**
 * Web Push end to end on 127.0.0.1: the real sender encrypts for a subscription whose key
 * pair the test made, a local HTTPS push service receives it, and the test decrypts the
 * aes128gcm body and checks the headers and the VAPID token.
 */
import t, { type Test } from 'tap'
import { startApp, setupOwner, createMember, listen } from '../helpers/app'
import { openSocket } from '../helpers/socket'
import {
  decryptPush,
  makeSubscription,
  startPushEndpoint,
  verifyVapid,
  type BrowserSubscription,
  type PushEndpoint,
} from '../helpers/push-endpoint'
import type { StartedApp } from '../helpers/app'

interface Setup {
  started: StartedApp
  endpoint: PushEndpoint
  owner: { id: number; cookie: string }
  staff: { id: number; cookie: string; username: string; password: string }
  subscription: BrowserSubscription
  directId: number
}

async function setup(t: Test): Promise<Setup> {
  const endpoint = await startPushEndpoint()
  const started = await startApp({
    build: { pushAgent: endpoint.agent, pushEndpoints: { allowEndpoint: endpoint.allows }, outboxPollMs: 20 },
  })
  t.teardown(async () => {
    await started.close()
    await endpoint.stop()
  })
  const owner = await setupOwner(started.app)
  const staff = await createMember(started.app, owner.cookie)
  const subscription = makeSubscription(endpoint.origin)
  const subscribed = await started.app.inject({
    method: 'POST',
    url: '/api/push/subscriptions',
    headers: { cookie: staff.cookie },
    payload: { endpoint: subscription.endpoint, keys: subscription.keys, deviceName: 'Sam’s phone' },
  })
  t.equal(subscribed.statusCode, 201)
  const direct = await started.app.inject({
    method: 'POST',
    url: '/api/conversations',
    headers: { cookie: owner.cookie },
    payload: { kind: 'direct', memberIds: [staff.id] },
  })
  return { started, endpoint, owner, staff, subscription, directId: (direct.json() as { id: number }).id }
}

let keyCounter = 0
async function send(s: Setup, body: string, cookie = s.owner.cookie, conversationId = s.directId) {
  const response = await s.started.app.inject({
    method: 'POST',
    url: `/api/conversations/${conversationId}/messages`,
    headers: { cookie },
    payload: { body, clientKey: `push-test-${++keyCounter}-key` },
  })
  if (response.statusCode !== 201) throw new Error(`send failed ${response.statusCode} ${response.body}`)
  return response.json() as { id: number }
}

async function until(check: () => boolean | Promise<boolean>, ms = 4000, step?: () => void): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    step?.()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('timed out')
}

/**
 * How many pushes were queued for `memberId` because of message `messageId`. Pushes are
 * queued in the message's own transaction, so once `send` has answered this is final: a
 * "nothing was pushed" check needs no waiting.
 */
async function pushesQueuedFor(s: Setup, messageId: number, memberId: number): Promise<number> {
  const { db } = s.started.ctx
  const events = await db.selectFrom('event').select(['id', 'payload']).where('type', '=', 'message.created').execute()
  const eventIds = events
    .filter((e) => (JSON.parse(e.payload) as { message?: { id: number } }).message?.id === messageId)
    .map((e) => e.id)
  if (eventIds.length !== 1) throw new Error(`expected one message.created event for message ${messageId}`)
  const devices = (
    await db.selectFrom('push_subscription').select('id').where('member_id', '=', memberId).execute()
  ).map((d) => d.id)
  if (devices.length === 0) throw new Error(`member ${memberId} has no device: the check would prove nothing`)
  const rows = await db
    .selectFrom('outbox')
    .select(['payload'])
    .where('channel', '=', 'push')
    .where('idempotency_key', 'like', `push:${eventIds[0]}:%`)
    .execute()
  return rows.filter((row) => devices.includes((JSON.parse(row.payload) as { subscriptionId: number }).subscriptionId))
    .length
}

/** Subscribes a second device for the owner, so pushes to the owner can be counted too. */
async function subscribeOwner(s: Setup): Promise<BrowserSubscription> {
  const own = makeSubscription(s.endpoint.origin)
  const response = await s.started.app.inject({
    method: 'POST',
    url: '/api/push/subscriptions',
    headers: { cookie: s.owner.cookie },
    payload: { endpoint: own.endpoint, keys: own.keys, deviceName: 'Olive’s laptop' },
  })
  if (response.statusCode !== 201) throw new Error(`subscribe failed ${response.statusCode} ${response.body}`)
  return own
}

t.test(
  'a direct message to an away member is pushed, encrypted, with TTL, Urgency, Topic and a valid VAPID token',
  async (t) => {
    const s = await setup(t)
    await send(s, 'Can you **open** the shop at 7 tomorrow?')
    await until(() => s.endpoint.requests.length === 1)
    const request = s.endpoint.requests[0]!
    t.equal(request.path, new URL(s.subscription.endpoint).pathname)
    t.equal(request.headers['content-encoding'], 'aes128gcm')
    t.equal(request.headers.ttl, '86400')
    t.equal(request.headers.urgency, 'normal')
    t.match(request.headers.topic, /^conversation-\d+$/)
    const payload = decryptPush(s.subscription, request.body) as Record<string, unknown>
    t.match(payload, {
      title: 'Olive Owner',
      body: 'Can you open the shop at 7 tomorrow?',
      tag: `conversation-${s.directId}`,
    })
    t.match(payload.url, new RegExp(`^/chat/${s.directId}`))
    const vapid = verifyVapid(request.headers.authorization as string)
    t.ok(vapid.isSignatureValid, 'the VAPID JWT is signed by the server’s key')
    t.equal(vapid.claims.aud, s.endpoint.origin)
    const key = await s.started.app.inject({ method: 'GET', url: '/api/push/key', headers: { cookie: s.staff.cookie } })
    t.equal(vapid.publicKey, (key.json() as { publicKey: string }).publicKey)
    const lifetime = vapid.claims.exp - Math.floor(Date.now() / 1000)
    t.ok(lifetime > 0 && lifetime <= 12 * 3600, `the token expires within 12 hours (${lifetime} s)`)
    const devices = await s.started.app.inject({
      method: 'GET',
      url: '/api/push/subscriptions',
      headers: { cookie: s.staff.cookie },
    })
    t.match(devices.json(), [{ deviceName: 'Sam’s phone', service: '127.0.0.1' }])
  },
)

t.test('no push to a member who is looking at the app', async (t) => {
  const s = await setup(t)
  const base = await listen(s.started.app)
  const socket = await openSocket(base, s.staff.cookie)
  t.teardown(() => socket.close())
  socket.ws.send(JSON.stringify({ kind: 'visibility', visible: true }))
  await until(() => s.started.ctx.hub.hasVisibleConnection(s.staff.id))
  const seen = await send(s, 'You are looking at this one')
  t.equal(await pushesQueuedFor(s, seen.id, s.staff.id), 0, 'nothing queued for a member with the app in view')
  await socket.close()
  // Once the app is out of view for longer than the away rule allows, the same gets pushed.
  s.started.clock.advance(10 * 60_000)
  const away = await send(s, 'And now you are away')
  t.equal(await pushesQueuedFor(s, away.id, s.staff.id), 1, 'queued once the member is away')
})

t.test('never a push for one’s own message, even when away', async (t) => {
  const s = await setup(t)
  const ownerDevice = await subscribeOwner(s)
  // Both are away (no app open): each would be pushed a message from the other.
  const own = await send(s, 'My own message', s.staff.cookie)
  t.equal(await pushesQueuedFor(s, own.id, s.staff.id), 0, 'the away author gets nothing for their own message')
  t.equal(await pushesQueuedFor(s, own.id, s.owner.id), 1, 'the other member gets it')
  await until(() => s.endpoint.requests.length === 1)
  t.equal(s.endpoint.requests[0]!.path, new URL(ownerDevice.endpoint).pathname, 'the one push sent is to the owner')
  t.match(decryptPush(ownerDevice, s.endpoint.requests[0]!.body), { body: 'My own message' })
})

t.test('preferences, quiet hours and mute decide; urgent notices pass quiet hours', async (t) => {
  const s = await setup(t)
  const put = (payload: object) =>
    s.started.app.inject({ method: 'PUT', url: '/api/me/notifications', headers: { cookie: s.staff.cookie }, payload })
  t.equal((await put({ level: 'none', quietStartMinute: null, quietEndMinute: null })).statusCode, 200)
  const nothing = await send(s, 'Nothing, please')
  t.equal(await pushesQueuedFor(s, nothing.id, s.staff.id), 0, 'level "nothing" gets nothing')

  // Quiet all day (09:00 UTC start time is inside 00:00–23:59 in Europe/London).
  await put({ level: 'all', quietStartMinute: 0, quietEndMinute: 1439 })
  const quiet = await send(s, 'Quiet hours hold this back')
  t.equal(await pushesQueuedFor(s, quiet.id, s.staff.id), 0, 'quiet hours hold back ordinary messages')
  const notice = await s.started.app.inject({
    method: 'POST',
    url: '/api/notices',
    headers: { cookie: s.owner.cookie },
    payload: {
      title: 'Gas leak — leave the building',
      body: 'Meet at the car park.',
      clientKey: 'urgent-notice-1',
      isUrgent: true,
    },
  })
  t.equal(notice.statusCode, 201)
  await until(() => s.endpoint.requests.length === 1)
  t.equal(s.endpoint.requests[0]!.headers.urgency, 'high', 'urgent notices go out with high urgency')
  t.match(decryptPush(s.subscription, s.endpoint.requests[0]!.body), {
    title: 'Urgent: Gas leak — leave the building',
    isUrgent: true,
  })

  await put({ level: 'all', quietStartMinute: null, quietEndMinute: null })
  const muted = await s.started.app.inject({
    method: 'PUT',
    url: `/api/conversations/${s.directId}/mute`,
    headers: { cookie: s.staff.cookie },
    payload: { until: s.started.clock.now() + 3_600_000 },
  })
  t.equal(muted.statusCode, 200)
  const mutedMessage = await send(s, 'Muted for an hour')
  t.equal(await pushesQueuedFor(s, mutedMessage.id, s.staff.id), 0, 'a muted conversation is not pushed')

  await put({ level: 'urgent', quietStartMinute: null, quietEndMinute: null })
  const board = (
    await s.started.app.inject({ method: 'GET', url: '/api/conversations', headers: { cookie: s.owner.cookie } })
  ).json() as {
    id: number
    kind: string
  }[]
  const chatter = await send(s, 'Ordinary board chatter', s.owner.cookie, board.find((c) => c.kind === 'board')!.id)
  t.equal(await pushesQueuedFor(s, chatter.id, s.staff.id), 0, '"urgent only" ignores ordinary messages')
  t.equal(s.endpoint.requests.length, 1, 'only the urgent notice was ever sent')
})

t.test('410 Gone deletes the subscription', async (t) => {
  const s = await setup(t)
  s.endpoint.respond.push({ status: 410 })
  await send(s, 'This device is gone')
  await until(async () => {
    const devices = await s.started.app.inject({
      method: 'GET',
      url: '/api/push/subscriptions',
      headers: { cookie: s.staff.cookie },
    })
    return (devices.json() as unknown[]).length === 0
  })
  t.equal(s.endpoint.requests.length, 1)
})

t.test(
  '429 with Retry-After is retried after that delay, and an outage queues until the service is back',
  async (t) => {
    const s = await setup(t)
    s.endpoint.respond.push({ status: 429, headers: { 'retry-after': '30' } })
    await send(s, 'Busy push service')
    await until(() => s.endpoint.requests.length === 1)
    const answeredAt = s.started.clock.now()
    // The retry is scheduled on the app's clock, no earlier than the service asked.
    await until(async () => {
      const row = await s.started.ctx.db
        .selectFrom('outbox')
        .select(['attempts', 'next_attempt_at'])
        .where('channel', '=', 'push')
        .executeTakeFirstOrThrow()
      return row.attempts === 1
    })
    const row = await s.started.ctx.db
      .selectFrom('outbox')
      .select(['state', 'next_attempt_at'])
      .where('channel', '=', 'push')
      .executeTakeFirstOrThrow()
    t.equal(row.state, 'pending')
    t.ok(row.next_attempt_at >= answeredAt + 30_000, 'not retried before Retry-After')
    s.started.clock.advance(31_000)
    await until(() => s.endpoint.requests.length === 2)
    t.match(decryptPush(s.subscription, s.endpoint.requests[1]!.body), { body: 'Busy push service' })

    await s.endpoint.stop()
    const during = await send(s, 'Sent during the outage')
    t.equal(await pushesQueuedFor(s, during.id, s.staff.id), 1, 'queued with the message')
    // Tried, refused by the unreachable service, and back in the queue for later.
    await until(async () => {
      const rows = await s.started.ctx.db
        .selectFrom('outbox')
        .select(['state', 'attempts'])
        .where('channel', '=', 'push')
        .orderBy('id', 'desc')
        .limit(1)
        .execute()
      return rows[0]?.state === 'pending' && rows[0].attempts >= 1
    })
    await s.endpoint.start()
    await until(
      () => s.endpoint.requests.length === 3,
      8000,
      () => s.started.clock.advance(60_000),
    )
    t.match(decryptPush(s.subscription, s.endpoint.requests[2]!.body), { body: 'Sent during the outage' })
  },
)

t.test('signing out on the device and deactivation remove its subscriptions', async (t) => {
  const s = await setup(t)
  const logout = await s.started.app.inject({
    method: 'POST',
    url: '/api/auth/logout',
    headers: { cookie: s.staff.cookie },
  })
  t.equal(logout.statusCode, 200)
  const left = await s.started.ctx.db.selectFrom('push_subscription').selectAll().execute()
  t.equal(left.length, 0, 'signing out removed the device')
  await send(s, 'Nobody to push to')
  const queued = await s.started.ctx.db.selectFrom('outbox').select('id').where('channel', '=', 'push').execute()
  t.same(queued, [], 'nothing is queued for a member with no device')

  // Signed in again on another phone, then deactivated: that phone is forgotten too.
  const login = await s.started.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: s.staff.username, password: s.staff.password },
  })
  const cookie = `bb_session=${login.cookies.find((c) => c.name === 'bb_session')!.value}`
  const other = makeSubscription(s.endpoint.origin)
  await s.started.app.inject({
    method: 'POST',
    url: '/api/push/subscriptions',
    headers: { cookie },
    payload: { endpoint: other.endpoint, keys: other.keys, deviceName: 'second phone' },
  })
  t.equal((await s.started.ctx.db.selectFrom('push_subscription').selectAll().execute()).length, 1)
  const deactivated = await s.started.app.inject({
    method: 'POST',
    url: `/api/members/${s.staff.id}/deactivate`,
    headers: { cookie: s.owner.cookie },
  })
  t.equal(deactivated.statusCode, 200)
  t.equal(
    (await s.started.ctx.db.selectFrom('push_subscription').selectAll().execute()).length,
    0,
    'deactivation removed every device',
  )
})

t.test('a payload longer than 3,000 bytes is shortened, never refused', async (t) => {
  const s = await setup(t)
  await send(s, 'Ä'.repeat(3900))
  await until(() => s.endpoint.requests.length === 1)
  const payload = decryptPush(s.subscription, s.endpoint.requests[0]!.body) as { body: string }
  t.ok(Buffer.byteLength(JSON.stringify(payload)) <= 3000)
  t.ok(payload.body.endsWith('…'))
})

t.test('a restart with pushes queued delivers each exactly once', async (t) => {
  const endpoint = await startPushEndpoint()
  const started = await startApp({
    build: { pushAgent: endpoint.agent, pushEndpoints: { allowEndpoint: endpoint.allows }, outboxPollMs: 20 },
  })
  const owner = await setupOwner(started.app)
  const staff = await createMember(started.app, owner.cookie)
  const subscription = makeSubscription(endpoint.origin)
  await started.app.inject({
    method: 'POST',
    url: '/api/push/subscriptions',
    headers: { cookie: staff.cookie },
    payload: { endpoint: subscription.endpoint, keys: subscription.keys, deviceName: 'phone' },
  })
  const direct = await started.app.inject({
    method: 'POST',
    url: '/api/conversations',
    headers: { cookie: owner.cookie },
    payload: { kind: 'direct', memberIds: [staff.id] },
  })
  const directId = (direct.json() as { id: number }).id
  await endpoint.stop()
  for (let i = 0; i < 5; i++) {
    const sent = await started.app.inject({
      method: 'POST',
      url: `/api/conversations/${directId}/messages`,
      headers: { cookie: owner.cookie },
      payload: { body: `Before the restart ${i}`, clientKey: `restart-${i}-key` },
    })
    t.equal(sent.statusCode, 201)
  }
  await started.app.close()

  await endpoint.start()
  const { buildApp } = await import('../../server/app')
  const { loadConfig } = await import('../../server/config')
  const again = await buildApp({
    config: loadConfig({ DATA_DIR: started.dataDir }),
    clock: started.clock,
    logger: false,
    pushAgent: endpoint.agent,
    pushEndpoints: { allowEndpoint: endpoint.allows },
    outboxPollMs: 20,
  })
  t.teardown(async () => {
    await again.app.close()
    await started.close()
    await endpoint.stop()
  })
  await again.app.ready()
  await until(
    () => endpoint.requests.length >= 5,
    10_000,
    () => started.clock.advance(60_000),
  )
  // Every queued push is done: nothing is left that could still arrive.
  await until(async () => {
    const rows = await again.ctx.db.selectFrom('outbox').select('state').where('channel', '=', 'push').execute()
    return rows.length === 5 && rows.every((row) => row.state === 'done')
  })
  const bodies = endpoint.requests.map((r) => (decryptPush(subscription, r.body) as { body: string }).body)
  t.same(
    bodies.map((body) => body.replace(/^\d+ new messages · Olive Owner: /, '')).sort(),
    [0, 1, 2, 3, 4].map((i) => `Before the restart ${i}`),
    'each of the five messages pushed exactly once',
  )
})

t.test('an unacknowledged notice is pushed again as a reminder until it is acknowledged', async (t) => {
  const s = await setup(t)
  const notice = await s.started.app.inject({
    method: 'POST',
    url: '/api/notices',
    headers: { cookie: s.owner.cookie },
    payload: {
      title: 'New till procedure',
      body: 'Read before your shift.',
      clientKey: 'reminder-notice-1',
      mustAcknowledge: true,
    },
  })
  t.equal(notice.statusCode, 201)
  await until(() => s.endpoint.requests.length === 1)
  t.match(decryptPush(s.subscription, s.endpoint.requests[0]!.body), { title: 'New till procedure' })

  const { runNoticeJobs } = await import('../../server/notices/service')
  s.started.clock.advance(4 * 3_600_000 + 1000)
  await runNoticeJobs(s.started.ctx)
  await until(() => s.endpoint.requests.length === 2)
  t.match(decryptPush(s.subscription, s.endpoint.requests[1]!.body), { title: 'Please read: New till procedure' })

  const ack = await s.started.app.inject({
    method: 'POST',
    url: `/api/notices/${(notice.json() as { id: number }).id}/acknowledge`,
    headers: { cookie: s.staff.cookie },
  })
  t.equal(ack.statusCode, 200)
  s.started.clock.advance(4 * 3_600_000 + 1000)
  await runNoticeJobs(s.started.ctx)
  // The job queues in its own transaction: once it has run, what it queued is there to count.
  const queued = await s.started.ctx.db.selectFrom('outbox').select('id').where('channel', '=', 'push').execute()
  t.equal(queued.length, 2, 'no reminder queued once acknowledged')
})

t.test('a burst in one conversation collapses into one notification that says how many wait', async (t) => {
  const s = await setup(t)
  for (const body of ['Delivery at the back door', 'It is the flour', 'Twelve sacks']) await send(s, body)
  await until(() => s.endpoint.requests.length === 3)
  const pushes = s.endpoint.requests.map((r) => ({
    topic: r.headers.topic,
    ...(decryptPush(s.subscription, r.body) as { tag: string; body: string }),
  }))
  // The same tag replaces the notification on the phone; the same topic lets the push
  // service drop an older one still waiting for the phone to come online.
  t.same(new Set(pushes.map((p) => p.tag)), new Set([`conversation-${s.directId}`]), 'one tag for the burst')
  t.same(new Set(pushes.map((p) => p.topic)), new Set([`conversation-${s.directId}`]), 'one topic for the burst')
  t.equal(pushes.at(-1)!.body, '3 new messages · Olive Owner: Twelve sacks', 'the last says how many are waiting')

  // Reading the conversation starts the count again.
  const last = await send(s, 'Read this and the count resets', s.owner.cookie)
  const read = await s.started.app.inject({
    method: 'POST',
    url: `/api/conversations/${s.directId}/read`,
    headers: { cookie: s.staff.cookie },
    payload: { lastReadId: last.id },
  })
  t.equal(read.statusCode, 200)
  await send(s, 'A new one')
  await until(() => s.endpoint.requests.length === 5)
  t.match(decryptPush(s.subscription, s.endpoint.requests[4]!.body), { body: 'A new one' })
})
