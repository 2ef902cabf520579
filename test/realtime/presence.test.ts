import t from 'tap'
import { AWAY_AFTER_MS } from '../../server/realtime/presence'
import { bodyOf, createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { openSocket, type TestSocket } from '../helpers/socket'
import { as, eventsAfter, eventually, lastEventId, sleep } from '../helpers/chat'

const { app, ctx, clock, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)
const [sam, sid] = (await Promise.all([
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
])) as [SignedInMember, SignedInMember]

interface PresenceView {
  memberId: number
  presence: 'online' | 'idle' | 'offline'
  shiftStatus: 'on_shift' | 'off_shift' | 'away'
  shiftStatusUntil: number | null
}

async function presenceOf(member: SignedInMember): Promise<PresenceView | undefined> {
  const response = await as(app, owner, 'GET', '/api/presence')
  if (response.statusCode !== 200) throw new Error(`presence failed: ${response.statusCode}`)
  return bodyOf<PresenceView[]>(response).find((p) => p.memberId === member.id)
}

async function becomes(member: SignedInMember, presence: PresenceView['presence']): Promise<boolean> {
  return eventually(async () => (await presenceOf(member))?.presence === presence, 2000)
}

async function memberRow(member: SignedInMember) {
  return ctx.db
    .selectFrom('member')
    .select(['id', 'shift_status', 'shift_status_until'])
    .where('id', '=', member.id)
    .executeTakeFirstOrThrow()
}

async function connected(member: SignedInMember): Promise<TestSocket> {
  const socket = await openSocket(baseUrl, member.cookie)
  await socket.waitFor((f) => f.kind === 'caught-up')
  return socket
}

t.test('presence: a visible client is online, a hidden one idle, none offline', async (t) => {
  t.equal((await presenceOf(sam))?.presence, 'offline', 'nobody connected yet')
  const start = await lastEventId(ctx)
  const socket = await connected(sam)
  t.teardown(() => socket.close())
  t.equal((await presenceOf(sam))?.presence, 'online', 'a new connection counts as visible')

  socket.ws.send(JSON.stringify({ kind: 'visibility', visible: false }))
  t.ok(await becomes(sam, 'idle'), 'a hidden page is idle')
  socket.ws.send(JSON.stringify({ kind: 'visibility', visible: true }))
  t.ok(await becomes(sam, 'online'), 'visible again is online')

  const second = await connected(sam)
  second.ws.send(JSON.stringify({ kind: 'visibility', visible: false }))
  // Frames are handled in order: once the pong is back, the visibility change has been applied.
  second.ws.send(JSON.stringify({ kind: 'ping' }))
  await second.waitFor((f) => f.kind === 'pong')
  t.equal((await presenceOf(sam))?.presence, 'online', 'one visible page of several is enough')
  await second.close()

  await socket.close()
  t.ok(await becomes(sam, 'offline'), 'disconnected is offline')
  t.equal((await presenceOf(sid))?.presence, 'offline', 'others are unaffected')

  const isPublished = await eventually(
    async () => (await eventsAfter(ctx, start, 'presence.changed')).some((e) => e.data.presence === 'offline'),
    4000,
    100,
  )
  t.ok(isPublished, 'presence.changed is published to the shop once things settle')
  const changes = await eventsAfter(ctx, start, 'presence.changed')
  t.ok(
    changes.every((e) => e.audienceKind === 'shop' && e.data.memberId === sam.id),
    'as shop events about sam',
  )
})

t.test('off shift until a time makes a member away even while online, then lapses back to on shift', async (t) => {
  const socket = await connected(sid)
  t.teardown(() => socket.close())
  t.equal(ctx.presence.isAway(await memberRow(sid)), false, 'online and on shift is not away')

  const response = await as(app, sid, 'PUT', '/api/me/status', { shiftStatus: 'off_shift', untilMinutes: 30 })
  t.equal(response.statusCode, 200)
  t.same(bodyOf(response), {
    memberId: sid.id,
    presence: 'online',
    shiftStatus: 'off_shift',
    shiftStatusUntil: clock.now() + 30 * 60_000,
  })
  t.equal(ctx.presence.isAway(await memberRow(sid)), true, 'off shift is away, even with a visible page')
  t.match(await presenceOf(sid), { shiftStatus: 'off_shift', shiftStatusUntil: clock.now() + 30 * 60_000 })

  clock.advance(29 * 60_000)
  t.equal(await ctx.presence.expireShiftStatuses(), 0, 'not lapsed after 29 minutes')
  t.equal(ctx.presence.isAway(await memberRow(sid)), true)

  clock.advance(60_000)
  t.equal(
    ctx.presence.isAway(await memberRow(sid)),
    false,
    'at the time given the status no longer counts, even before the job runs',
  )
  const start = await lastEventId(ctx)
  t.equal(await ctx.presence.expireShiftStatuses(), 1, 'the job lapses it')
  const row = await memberRow(sid)
  t.same(row, { id: sid.id, shift_status: 'on_shift', shift_status_until: null })
  t.equal(ctx.presence.isAway(row), false)
  t.match(await presenceOf(sid), { shiftStatus: 'on_shift', shiftStatusUntil: null })
  const events = await eventsAfter(ctx, start, 'presence.changed')
  t.match(
    events.map((e) => e.data),
    [{ memberId: sid.id, shiftStatus: 'on_shift', shiftStatusUntil: null }],
  )
  t.equal(await ctx.presence.expireShiftStatuses(), 0, 'and only once')
})

t.test('away without an end time stays until changed; bad statuses are refused', async (t) => {
  const set = await as(app, sam, 'PUT', '/api/me/status', { shiftStatus: 'away', untilMinutes: null })
  t.equal(set.statusCode, 200)
  clock.advance(7 * 24 * 3_600_000)
  t.equal(await ctx.presence.expireShiftStatuses(), 0)
  t.equal(ctx.presence.isAway(await memberRow(sam)), true)
  const back = await as(app, sam, 'PUT', '/api/me/status', { shiftStatus: 'on_shift', untilMinutes: null })
  t.equal(back.statusCode, 200)
  t.equal((await memberRow(sam)).shift_status, 'on_shift')

  for (const payload of [
    { shiftStatus: 'sleeping', untilMinutes: null },
    { shiftStatus: 'away', untilMinutes: 0 },
    { shiftStatus: 'away', untilMinutes: 20161 },
    { shiftStatus: 'away', untilMinutes: 1.5 },
    { shiftStatus: 'away' },
    { shiftStatus: 'away', untilMinutes: null, memberId: sid.id },
  ]) {
    const response = await as(app, sam, 'PUT', '/api/me/status', payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.equal(bodyOf(response).code, 'invalid_request')
  }
  t.equal((await memberRow(sam)).shift_status, 'on_shift', 'nothing changed')
})

t.test('without a visible page a member becomes away a few minutes after they were last seen', async (t) => {
  const member = await createMember(app, owner.cookie, { username: 'newbie' })
  t.equal(ctx.presence.isAway(await memberRow(member)), true, 'never seen is away')
  const start = await lastEventId(ctx)
  const socket = await connected(member)
  t.equal(ctx.presence.isAway(await memberRow(member)), false, 'a visible page is not away')
  // Presence settles for a moment (real time) before it is published as online.
  const isOnline = await eventually(
    async () => (await eventsAfter(ctx, start, 'presence.changed')).some((e) => e.data.memberId === member.id),
    4000,
    100,
  )
  t.ok(isOnline, 'online is published')
  clock.advance(60 * 60_000)
  t.equal(ctx.presence.isAway(await memberRow(member)), false, 'however long it stays visible')
  await socket.close()
  t.ok(await becomes(member, 'offline'))
  t.equal(ctx.presence.isAway(await memberRow(member)), false, 'just gone is not away yet')
  clock.advance(AWAY_AFTER_MS + 1)
  t.equal(ctx.presence.isAway(await memberRow(member)), true, `away ${AWAY_AFTER_MS / 60_000} minutes later`)
})

t.test('a member approved while their page is open is published online at approval', async (t) => {
  const newcomer = await createMember(app, owner.cookie, { username: 'waiting', isPending: true })
  const socket = await connected(newcomer)
  t.teardown(() => socket.close())
  // Let the pending connection settle: nothing is told about someone not yet in.
  await sleep(2_000)
  const start = await lastEventId(ctx)
  const approved = await as(app, owner, 'POST', `/api/members/${newcomer.id}/approve`)
  t.equal(approved.statusCode, 200)
  const isTold = await eventually(
    async () =>
      (await eventsAfter(ctx, start, 'presence.changed')).some(
        (e) => e.data.memberId === newcomer.id && e.data.presence === 'online',
      ),
    4000,
    100,
  )
  t.ok(isTold, 'everyone learns the newcomer is online without reloading')
})
