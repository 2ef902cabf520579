/**
 * Task pushes: a new job's notification carries a Take button; the people a change concerns
 * are told (the dispatcher "Anna took …", the dispatcher and followers when it is done, the
 * new assignee, the managers when a job waits too long), under each member's level and
 * mutes; no payload ever carries the private details. And the service worker's Take: it
 * takes the job and words the notification that replaces the one tapped.
 */
import t, { type Test } from 'tap'
import type { Kysely } from 'kysely'
import { as, lastEventId } from '../helpers/chat'
import { bodyOf, type SignedInMember } from '../helpers/app'
import { decryptPush, makeSubscription, startPushEndpoint, type BrowserSubscription } from '../helpers/push-endpoint'
import type { DB } from '../../server/db/schema'
import type { PushPayload, QueuedPush } from '../../server/push/queue'
import { recordChange, setState } from '../../server/tasks/service'
import { taskEventPushes, taskNotification } from '../../server/tasks/push'
import { takeFromNotification } from '../../web/src/sw-take'
import { openTaskShop } from './helpers'

const SECRET = 'Customer: Mrs Poole, 0400 123 456'

async function pushShop(t: Test) {
  const endpoint = await startPushEndpoint()
  t.teardown(() => endpoint.stop())
  const shop = await openTaskShop(t, {
    workers: 2,
    build: { pushAgent: endpoint.agent, pushEndpoints: { allowEndpoint: endpoint.allows }, outboxPollMs: 20 },
  })
  const [anna, ben] = shop.workers as [SignedInMember, SignedInMember]
  const devices = new Map<number, BrowserSubscription>()
  for (const member of [shop.owner, shop.manager, anna, ben]) {
    const subscription = makeSubscription(endpoint.origin)
    const response = await as(shop.app, member, 'POST', '/api/push/subscriptions', {
      endpoint: subscription.endpoint,
      keys: subscription.keys,
      deviceName: 'Phone',
    })
    if (response.statusCode !== 201) throw new Error(`subscribe failed: ${response.body}`)
    devices.set(member.id, subscription)
  }
  return { ...shop, anna, ben, endpoint, devices }
}

/** The pushes queued for a member's device after event `afterId`, oldest first. */
async function pushesFor(db: Kysely<DB>, memberId: number, afterEventId = 0): Promise<PushPayload[]> {
  const devices = (
    await db.selectFrom('push_subscription').select('id').where('member_id', '=', memberId).execute()
  ).map((d) => d.id)
  if (devices.length === 0) throw new Error(`member ${memberId} has no device: the check would prove nothing`)
  const rows = await db
    .selectFrom('outbox')
    .select(['idempotency_key', 'payload'])
    .where('channel', '=', 'push')
    .orderBy('id')
    .execute()
  return rows
    .filter((row) => Number(row.idempotency_key.split(':')[1]) > afterEventId)
    .map((row) => JSON.parse(row.payload) as QueuedPush)
    .filter((queued) => devices.includes(queued.subscriptionId))
    .map((queued) => queued.payload)
}

async function allPushPayloads(db: Kysely<DB>): Promise<string> {
  const rows = await db.selectFrom('outbox').select('payload').where('channel', '=', 'push').execute()
  return rows.map((row) => row.payload).join('\n')
}

t.test('the task kind registers its push hooks', async (t) => {
  const { ctx } = await openTaskShop(t, { workers: 0 })
  const spec = ctx.kinds.get('task')
  t.equal(spec?.notification, taskNotification, 'a new job is worded by tasks/push.ts, with its Take button')
  t.equal(spec?.eventPushes, taskEventPushes, 'task changes ask for their pushes')
})

t.test('a new job’s push carries a Take button and the task’s id, never the private details', async (t) => {
  const s = await pushShop(t)
  const task = await s.post({ title: 'Fix the till', details: 'Drawer sticks', privateDetails: SECRET, priority: 60 })
  await s.ctx.outbox.wake()
  const annaDevice = s.devices.get(s.anna.id) as BrowserSubscription
  const annaPath = new URL(annaDevice.endpoint).pathname
  let request = s.endpoint.requests.find((r) => r.path === annaPath)
  for (let i = 0; !request && i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    request = s.endpoint.requests.find((r) => r.path === annaPath)
  }
  if (!request) throw new Error('no push reached Anna’s device')
  const payload = decryptPush(annaDevice, request.body) as PushPayload
  t.match(payload, {
    title: 'New job: Fix the till',
    body: 'Olive Owner: Drawer sticks',
    tag: `task-${task.id}`,
    url: `/tasks/${task.id}`,
    actions: [{ action: 'take', title: 'Take' }],
    data: { taskId: task.id, taskTitle: 'Fix the till' },
  })
  t.notOk(JSON.stringify(payload).includes('0400'), 'the decrypted payload has no private details')
  const level = bodyOf<{ level: string }>(await as(s.app, s.anna, 'GET', '/api/me/notifications')).level
  t.equal(level, 'mentions', 'Anna wants only messages for her, and a job she may take is one')
  t.same(await pushesFor(s.ctx.db, s.owner.id), [], 'the dispatcher is not pushed about their own job')
})

t.test('a job a pull queue hands out in order has no Take button', async (t) => {
  const s = await pushShop(t)
  const queue = await as(s.app, s.owner, 'POST', '/api/task-queues', { name: 'Repairs', mode: 'pull' })
  t.equal(queue.statusCode, 201)
  const queueId = bodyOf<{ id: number }>(queue).id
  let before = await lastEventId(s.ctx)
  await s.post({ title: 'Oil the hinges', queueId })
  t.same(await pushesFor(s.ctx.db, s.anna.id, before), [], 'at "messages for me" a job nobody can take is not for me')

  const everything = { level: 'all', quietStartMinute: null, quietEndMinute: null }
  t.equal((await as(s.app, s.anna, 'PUT', '/api/me/notifications', everything)).statusCode, 200)
  before = await lastEventId(s.ctx)
  const task = await s.post({ title: 'Mend the door', queueId })
  const [payload] = await pushesFor(s.ctx.db, s.anna.id, before)
  t.equal(payload?.title, 'New job: Mend the door')
  t.equal(payload?.actions, undefined, 'no Take: pressing it would only say "press Next"')
  t.same(payload?.data, { taskId: task.id, taskTitle: 'Mend the door' })
})

t.test('the dispatcher is told who took the job, unless they took it themselves', async (t) => {
  const s = await pushShop(t)
  const task = await s.post({ title: 'Fix the till', privateDetails: SECRET })
  const before = await lastEventId(s.ctx)
  t.equal((await as(s.app, s.anna, 'POST', `/api/tasks/${task.id}/take`)).statusCode, 200)
  t.match(await pushesFor(s.ctx.db, s.owner.id, before), [
    { title: 'Anna took Fix the till', tag: `task-${task.id}`, url: `/tasks/${task.id}` },
  ])
  t.same(await pushesFor(s.ctx.db, s.anna.id, before), [], 'the taker is not told what they did')
  t.same(await pushesFor(s.ctx.db, s.ben.id, before), [], 'nor is anyone else')

  const own = await s.post({ title: 'Count the float' })
  const ownBefore = await lastEventId(s.ctx)
  t.equal((await as(s.app, s.owner, 'POST', `/api/tasks/${own.id}/take`)).statusCode, 200)
  t.same(await pushesFor(s.ctx.db, s.owner.id, ownBefore), [], 'a dispatcher taking their own job is not told')
  t.notOk((await allPushPayloads(s.ctx.db)).includes('0400'), 'no queued push has the private details')
})

t.test('done: the dispatcher and the followers get the note; the one who finished does not', async (t) => {
  const s = await pushShop(t)
  const task = await s.post({ title: 'Fix the till', privateDetails: SECRET })
  // A problem report's reporter follows its task.
  await s.ctx.db.insertInto('task_follower').values({ task_id: task.id, member_id: s.ben.id }).execute()
  await as(s.app, s.anna, 'POST', `/api/tasks/${task.id}/take`)
  const before = await lastEventId(s.ctx)
  const done = await as(s.app, s.anna, 'POST', `/api/tasks/${task.id}/done`, { note: 'Replaced the **spring**' })
  t.equal(done.statusCode, 200)
  const expected = [{ title: 'Done: Fix the till', body: 'Replaced the spring', tag: `task-${task.id}` }]
  t.match(await pushesFor(s.ctx.db, s.owner.id, before), expected, 'the dispatcher')
  t.match(await pushesFor(s.ctx.db, s.ben.id, before), expected, 'the follower')
  t.same(await pushesFor(s.ctx.db, s.anna.id, before), [], 'not the one who finished it')
  t.same(await pushesFor(s.ctx.db, s.manager.id, before), [], 'nor anyone else')
  t.notOk((await allPushPayloads(s.ctx.db)).includes('0400'))
})

t.test('a reassigned job goes to its new holder as "You have a job"', async (t) => {
  const s = await pushShop(t)
  const task = await s.post({ title: 'Unpack the delivery', privateDetails: SECRET })
  const before = await lastEventId(s.ctx)
  const reassigned = await as(s.app, s.owner, 'POST', `/api/tasks/${task.id}/reassign`, { memberId: s.ben.id })
  t.equal(reassigned.statusCode, 200)
  t.match(await pushesFor(s.ctx.db, s.ben.id, before), [
    { title: 'You have a job: Unpack the delivery', body: 'Olive Owner gave it to you.', url: `/tasks/${task.id}` },
  ])
  t.same(await pushesFor(s.ctx.db, s.owner.id, before), [], 'the dispatcher who reassigned it is not told')
  t.same(await pushesFor(s.ctx.db, s.anna.id, before), [])
})

t.test('a job that went back to the queue, and one waiting too long, are told to whom they concern', async (t) => {
  const s = await pushShop(t)
  const task = await s.post({ title: 'Fix the till', privateDetails: SECRET })
  await as(s.app, s.anna, 'POST', `/api/tasks/${task.id}/take`)
  let before = await lastEventId(s.ctx)
  // As the timers do when a taken job is not started in time.
  await s.ctx.write(async (w) => {
    await setState(w, task.id, ['taken'], { state: 'open', taken_by: null, taken_at: null, opened_at: w.now })
    await recordChange(s.ctx, w, task.id, 'returned', null, { memberId: s.anna.id })
  })
  t.match(await pushesFor(s.ctx.db, s.owner.id, before), [
    { title: 'Fix the till went back to the queue', body: 'Anna did not start it.' },
  ])
  t.same(await pushesFor(s.ctx.db, s.anna.id, before), [])

  before = await lastEventId(s.ctx)
  await s.ctx.write(async (w) => {
    w.emit(
      'task.escalated',
      { kind: 'managers' },
      { taskId: task.id, conversationId: task.conversationId, title: 'Fix the till', waitingMs: 25 * 60_000 },
    )
  })
  const escalated = [{ title: 'Waiting too long: Fix the till', body: 'Nobody has taken it for 25 min.' }]
  t.match(await pushesFor(s.ctx.db, s.owner.id, before), escalated, 'the owner manages')
  t.match(await pushesFor(s.ctx.db, s.manager.id, before), escalated, 'so does a manager')
  t.same(await pushesFor(s.ctx.db, s.anna.id, before), [], 'staff are not told')
  t.notOk((await allPushPayloads(s.ctx.db)).includes('0400'))
})

t.test('task pushes follow the member’s level and the conversation’s mute', async (t) => {
  const s = await pushShop(t)
  const takeAndCount = async (title: string) => {
    const task = await s.post({ title })
    const before = await lastEventId(s.ctx)
    await as(s.app, s.anna, 'POST', `/api/tasks/${task.id}/take`)
    await as(s.app, s.anna, 'POST', `/api/tasks/${task.id}/release`)
    return (await pushesFor(s.ctx.db, s.owner.id, before)).length
  }
  const setLevel = async (level: string) => {
    const response = await as(s.app, s.owner, 'PUT', '/api/me/notifications', {
      level,
      quietStartMinute: null,
      quietEndMinute: null,
    })
    t.equal(response.statusCode, 200, `level ${level}`)
  }
  await setLevel('mentions')
  t.equal(await takeAndCount('One'), 1, '"messages for me" lets a push about one’s own job through')
  await setLevel('urgent')
  t.equal(await takeAndCount('Two'), 0, '"urgent notices only" does not')
  await setLevel('all')
  const muted = await as(s.app, s.owner, 'PUT', `/api/conversations/${s.channelId}/mute`, {
    until: s.clock.now() + 3_600_000,
  })
  t.equal(muted.statusCode, 200)
  t.equal(await takeAndCount('Three'), 0, 'a muted conversation stays quiet')
})

/** The service worker's fetch, answered by the real app as the member whose phone it is. */
function fetchAs(s: Awaited<ReturnType<typeof pushShop>>, member: SignedInMember): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await s.app.inject({
      method: (init?.method ?? 'GET') as 'POST',
      url: String(input),
      // A service worker's request carries the app's own origin.
      headers: { cookie: member.cookie, origin: 'http://localhost:80', accept: 'application/json' },
    })
    return new Response(response.body, { status: response.statusCode })
  }) as typeof fetch
}

t.test('the notification’s Take takes the job and says how it went', async (t) => {
  const s = await pushShop(t)
  const task = await s.post({ title: 'Fix the till', privateDetails: SECRET })
  const data = { taskId: task.id, taskTitle: 'Fix the till' }
  t.same(await takeFromNotification(fetchAs(s, s.anna), data, 'New job: Fix the till'), {
    title: 'You have it: Fix the till',
    body: 'Tap to open the job.',
  })
  const taken = bodyOf<{ state: string; takenBy: { id: number } }>(
    await as(s.app, s.owner, 'GET', `/api/tasks/${task.id}`),
  )
  t.equal(taken.takenBy.id, s.anna.id, 'the job is Anna’s')
  t.same(await takeFromNotification(fetchAs(s, s.ben), data, 'New job: Fix the till'), {
    title: 'Already taken by Anna',
    body: 'Fix the till',
  })

  const second = await s.post({ title: 'Sweep the yard' })
  t.same(
    await takeFromNotification(fetchAs(s, s.anna), { taskId: second.id }, 'New job: Sweep the yard'),
    { title: 'New job: Sweep the yard', body: 'Finish or give back the job you have before taking another.' },
    'any other refusal shows the server’s words',
  )
  const offline = (async () => {
    throw new TypeError('Failed to fetch')
  }) as typeof fetch
  t.same(await takeFromNotification(offline, { taskId: second.id }, 'New job: Sweep the yard'), {
    title: 'New job: Sweep the yard',
    body: 'Backboard did not answer. Open the app to take the job.',
  })
})
