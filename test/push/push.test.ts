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

const settle = () => new Promise((resolve) => setTimeout(resolve, 300))

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

t.test('no push to a member who is looking at the app, nor for one’s own messages', async (t) => {
  const s = await setup(t)
  const base = await listen(s.started.app)
  const socket = await openSocket(base, s.staff.cookie)
  t.teardown(() => socket.close())
  socket.ws.send(JSON.stringify({ kind: 'visibility', visible: true }))
  await settle()
  await send(s, 'You are looking at this one')
  await send(s, 'My own message', s.staff.cookie)
  await settle()
  t.equal(s.endpoint.requests.length, 0)
})

t.test('preferences, quiet hours and mute decide; urgent notices pass quiet hours', async (t) => {
  const s = await setup(t)
  const put = (payload: object) =>
    s.started.app.inject({ method: 'PUT', url: '/api/me/notifications', headers: { cookie: s.staff.cookie }, payload })
  t.equal((await put({ level: 'none', quietStartMinute: null, quietEndMinute: null })).statusCode, 200)
  await send(s, 'Nothing, please')
  await settle()
  t.equal(s.endpoint.requests.length, 0, 'level "nothing" gets nothing')

  // Quiet all day (09:00 UTC start time is inside 00:00–23:59 in Europe/London).
  await put({ level: 'all', quietStartMinute: 0, quietEndMinute: 1439 })
  await send(s, 'Quiet hours hold this back')
  await settle()
  t.equal(s.endpoint.requests.length, 0, 'quiet hours hold back ordinary messages')
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
  await send(s, 'Muted for an hour')
  await settle()
  t.equal(s.endpoint.requests.length, 1, 'a muted conversation is not pushed')

  await put({ level: 'urgent', quietStartMinute: null, quietEndMinute: null })
  const board = (
    await s.started.app.inject({ method: 'GET', url: '/api/conversations', headers: { cookie: s.owner.cookie } })
  ).json() as {
    id: number
    kind: string
  }[]
  await send(s, 'Ordinary board chatter @' + 'member', s.owner.cookie, board.find((c) => c.kind === 'board')!.id)
  await settle()
  t.equal(s.endpoint.requests.length, 1, '"urgent only" ignores ordinary messages')
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
    await settle()
    t.equal(s.endpoint.requests.length, 1, 'not retried before Retry-After')
    s.started.clock.advance(31_000)
    await until(() => s.endpoint.requests.length === 2)
    t.match(decryptPush(s.subscription, s.endpoint.requests[1]!.body), { body: 'Busy push service' })

    await s.endpoint.stop()
    await send(s, 'Sent during the outage')
    await settle()
    const counts = await s.started.ctx.outbox.counts()
    t.match(
      counts.find((c) => c.channel === 'push'),
      { pending: 1 },
      'queued while the push service is down',
    )
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
  await settle()
  t.equal(s.endpoint.requests.length, 0)

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
  await settle()
  const bodies = endpoint.requests.map((r) => (decryptPush(subscription, r.body) as { body: string }).body)
  t.equal(endpoint.requests.length, 5, 'five pushes, none twice')
  t.ok(bodies.every((body) => body.includes('Before the restart')))
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
  await settle()
  t.equal(s.endpoint.requests.length, 2, 'no reminder once acknowledged')
})
