import t, { type Test } from 'tap'
import { MAX_REPLAY } from '../../server/realtime/hub'
import { bodyOf, cookieOf, createMember, listen, login, setupOwner, startApp } from '../helpers/app'
import { eventsIn, openSocket, type Frame, type TestSocket } from '../helpers/socket'

const { app, ctx, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)
const [alice, bob] = await Promise.all([createMember(app, owner.cookie), createMember(app, owner.cookie)])

let renames = 0
/** One shop-wide event through the real API: the shop is renamed. Returns the new name. */
async function renameShop(): Promise<string> {
  renames += 1
  const name = `Corner Hardware ${renames}`
  const response = await app.inject({
    method: 'PATCH',
    url: '/api/settings',
    headers: { cookie: owner.cookie },
    payload: { name },
  })
  if (response.statusCode !== 200) throw new Error(`rename failed: ${response.body}`)
  return name
}

/** Many shop-wide events in one write, through the same write path services use. */
async function emitMany(count: number): Promise<void> {
  await ctx.write(async ({ emit }) => {
    for (let i = 0; i < count; i++)
      emit('shop.updated', { kind: 'shop' }, { name: `Bulk ${i}`, timezone: 'Europe/London' })
  })
}

async function maxEventId(): Promise<number> {
  const row = await ctx.db
    .selectFrom('event')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirst()
  return Number(row?.id ?? 0)
}

async function connect(t: Test, cookie: string, since?: number): Promise<TestSocket> {
  const socket = await openSocket(baseUrl, cookie, since === undefined ? {} : { since })
  t.teardown(() => socket.close())
  await socket.waitFor((f) => f.kind === 'caught-up', 5000)
  return socket
}

/**
 * The events a test is about. presence.changed is left out: the presence tracker publishes
 * it on its own schedule, 1.5 s after any socket opens or closes.
 */
function eventsOf(frames: readonly Frame[]): Frame[] {
  return eventsIn(frames).filter((f) => f.type !== 'presence.changed')
}

/** What arrived up to and including caught-up: the replay, without later live events. */
function untilCaughtUp(frames: readonly Frame[]): Frame[] {
  return frames.slice(0, frames.findIndex((f) => f.kind === 'caught-up') + 1)
}

function ids(frames: readonly Frame[]): number[] {
  return eventsIn(frames).map((f) => f.id!)
}

async function shopEventIds(afterId: number, upToId: number): Promise<number[]> {
  const rows = await ctx.db
    .selectFrom('event')
    .select('id')
    .where('audience_kind', '=', 'shop')
    .where('id', '>', afterId)
    .where('id', '<=', upToId)
    .orderBy('id')
    .execute()
  return rows.map((row) => row.id)
}

function isStrictlyIncreasing(numbers: readonly number[]): boolean {
  return numbers.every((n, i) => i === 0 || n > numbers[i - 1]!)
}

t.test('a connected member receives events as they happen', async (t) => {
  const socket = await connect(t, alice.cookie)
  t.equal(socket.frames[0]?.kind, 'hello')
  const name = await renameShop()
  const event = await socket.waitFor((f) => f.type === 'shop.updated')
  t.match(event, { kind: 'event', type: 'shop.updated', data: { name, timezone: 'Europe/London' } })
  const stored = await ctx.db.selectFrom('event').selectAll().where('id', '=', event.id!).executeTakeFirstOrThrow()
  t.equal(stored.type, 'shop.updated', 'the frame carries the id of the stored event')
  t.ok(event.id! > socket.frames[0]!.lastEventId!)
  t.type((event as { at?: number }).at, 'number')
})

t.test('a client that reconnects with since receives exactly what it missed, then caught-up', async (t) => {
  const first = await connect(t, alice.cookie)
  await renameShop()
  const lastId = (await first.waitFor((f) => f.type === 'shop.updated')).id!
  await first.close()

  const missed: string[] = []
  for (let i = 0; i < 5; i++) missed.push(await renameShop())
  const upTo = await maxEventId()
  const second = await connect(t, alice.cookie, lastId)
  const caughtUp = second.frames.findIndex((f) => f.kind === 'caught-up')
  const replayed = second.frames.slice(0, caughtUp)
  t.equal(second.frames[0]?.kind, 'hello')
  t.same(
    eventsOf(replayed).map((f) => (f.data as { name: string }).name),
    missed,
    'the five renames it missed, in order',
  )
  t.ok(isStrictlyIncreasing(ids(replayed)), 'no duplicates')
  t.same(
    ids(replayed).filter((id) => id <= upTo),
    await shopEventIds(lastId, upTo),
    'no gaps',
  )
  t.ok(second.frames[caughtUp]!.lastEventId! >= upTo)

  const resumeFrom = second.frames[caughtUp]!.lastEventId!
  await second.close()
  const upToDate = await connect(t, alice.cookie, resumeFrom)
  t.same(eventsOf(untilCaughtUp(upToDate.frames)), [], 'nothing to replay when nothing was missed')
})

t.test('resuming while new events keep arriving has no gaps and no duplicates', async (t) => {
  const since = await maxEventId()
  await emitMany(1234) // more than one replay page
  const socket = await openSocket(baseUrl, bob.cookie, { since })
  t.teardown(() => socket.close())
  // Live events committed while the backlog is being replayed.
  await Promise.all([renameShop(), renameShop(), emitMany(50), renameShop()])
  await socket.waitFor((f) => f.kind === 'caught-up', 5000)
  await emitMany(10)
  const last = await maxEventId()
  await socket.waitFor((f) => f.id === last, 5000)
  const received = ids(socket.frames)
  t.ok(isStrictlyIncreasing(received), 'no event twice, none out of order')
  const expected = await shopEventIds(since, last)
  t.ok(expected.length >= 1234 + 50 + 3 + 10)
  t.same(
    received.filter((id) => expected.includes(id)),
    expected,
    'every shop event committed since, including those that arrived during the replay',
  )
  t.equal(socket.frames.filter((f) => f.kind === 'caught-up').length, 1)
})

t.test('an event for one member is never delivered to another, live or on replay', async (t) => {
  const since = await maxEventId()
  const aliceLaptop = cookieOf(await login(app, alice))
  const alicePhone = await connect(t, alice.cookie)
  const aliceLaptopSocket = await connect(t, aliceLaptop)
  const bobSocket = await connect(t, bob.cookie)
  const ownerSocket = await connect(t, owner.cookie)

  // Alice signs out her phone from her laptop: a member-audience session.revoked event.
  const revoked = await app.inject({
    method: 'POST',
    url: '/api/me/sessions/revoke-others',
    headers: { cookie: aliceLaptop },
  })
  t.same(bodyOf(revoked), { ended: 1 })
  const event = await aliceLaptopSocket.waitFor((f) => f.type === 'session.revoked')
  t.same((event.data as { memberId: number }).memberId, alice.id)
  const revokedId = event.id!
  t.match(await alicePhone.waitFor((f) => f.kind === 'signed-out'), { reason: 'session-revoked' })
  t.equal((await alicePhone.closed).code, 4401)

  // A newcomer asks to join: a managers-only member.requested event.
  const invite = await app.inject({
    method: 'POST',
    url: '/api/invites',
    headers: { cookie: owner.cookie },
    payload: { role: 'staff', expiresInHours: 1, maxUses: 1 },
  })
  const joined = await app.inject({
    method: 'POST',
    url: '/api/join',
    remoteAddress: '10.200.0.1',
    payload: {
      code: bodyOf<{ code: string }>(invite).code,
      displayName: 'Nina New',
      username: 'nina.new',
      password: 'new starter monday',
    },
  })
  t.equal(joined.statusCode, 201)
  await ownerSocket.waitFor((f) => f.type === 'member.requested')

  // A marker everyone sees: once Bob has it, anything meant for him has arrived too.
  await renameShop()
  await bobSocket.waitFor((f) => f.type === 'shop.updated')
  await ownerSocket.waitFor((f) => f.type === 'shop.updated')
  t.same(
    eventsOf(bobSocket.frames).map((f) => f.type),
    ['shop.updated'],
    'Bob sees the shop event only',
  )
  t.notOk(
    eventsOf(ownerSocket.frames).some((f) => f.type === 'session.revoked'),
    "the owner does not see Alice's sessions either",
  )

  const bobReplay = await connect(t, bob.cookie, since)
  t.same(
    eventsOf(bobReplay.frames).map((f) => f.type),
    ['shop.updated'],
    'nor on replay',
  )
  t.ok(bobReplay.frames.at(-1)!.lastEventId! >= revokedId, 'yet his resume point moves past them')
  const aliceReplay = await connect(t, aliceLaptop, since)
  t.same(
    eventsOf(aliceReplay.frames).map((f) => f.type),
    ['session.revoked', 'shop.updated'],
  )
})

t.test('a pending member receives their own approval but no shop events until then', async (t) => {
  const newcomer = await createMember(app, owner.cookie, { isPending: true })
  const socket = await connect(t, newcomer.cookie)
  await renameShop()
  const approved = await app.inject({
    method: 'POST',
    url: `/api/members/${newcomer.id}/approve`,
    headers: { cookie: owner.cookie },
  })
  t.equal(approved.statusCode, 200)
  await socket.waitFor((f) => f.type === 'member.joined')
  await renameShop()
  await socket.waitFor((f) => f.type === 'shop.updated')
  t.same(
    eventsOf(socket.frames).map((f) => f.type),
    ['member.approved', 'member.joined', 'shop.updated'],
  )
})

t.test('sockets from another origin or without a session are refused', async (t) => {
  await t.rejects(openSocket(baseUrl, alice.cookie, { origin: 'http://evil.example' }), {
    name: 'WebSocketRefused',
    statusCode: 403,
  })
  await t.rejects(openSocket(baseUrl, 'bb_session=nonsense-token-value'), { name: 'WebSocketRefused', statusCode: 401 })
})

t.test('a resume point the server cannot honour yields resync', async (t) => {
  const max = await maxEventId()
  const future = await connect(t, bob.cookie, max + 100)
  t.same(
    untilCaughtUp(future.frames).map((f) => f.kind),
    ['hello', 'resync', 'caught-up'],
    'a since beyond the newest event',
  )
  t.ok(future.frames[1]!.lastEventId! >= max)

  await emitMany(MAX_REPLAY + 1)
  const newest = await maxEventId()
  const farBehind = await connect(t, bob.cookie, newest - MAX_REPLAY - 1)
  t.same(
    untilCaughtUp(farBehind.frames).map((f) => f.kind),
    ['hello', 'resync', 'caught-up'],
    'a since more than MAX_REPLAY events behind',
  )
  t.equal(farBehind.frames[1]?.lastEventId, farBehind.frames[0]?.lastEventId, 'resync names the newest id')
  const ancient = await connect(t, bob.cookie, 0)
  t.same(
    untilCaughtUp(ancient.frames).map((f) => f.kind),
    ['hello', 'resync', 'caught-up'],
    'a since of 0',
  )

  // Exactly MAX_REPLAY behind still replays. Presence may commit an event between reading
  // the newest id and connecting, so retry until the two agree.
  let justInReach: TestSocket | null = null
  for (let attempt = 0; attempt < 5 && !justInReach; attempt++) {
    const latest = await maxEventId()
    const socket = await connect(t, bob.cookie, latest - MAX_REPLAY)
    if (socket.frames[0]?.lastEventId === latest) justInReach = socket
    else await socket.close()
  }
  t.ok(justInReach, 'connected at exactly MAX_REPLAY behind')
  t.equal(eventsIn(untilCaughtUp(justInReach!.frames)).length, MAX_REPLAY)
  t.same(
    untilCaughtUp(justInReach!.frames)
      .map((f) => f.kind)
      .filter((kind) => kind !== 'event'),
    ['hello', 'caught-up'],
  )

  await renameShop()
  const event = await farBehind.waitFor((f) => f.type === 'shop.updated')
  t.ok(event.id! > newest, 'after a resync, live events continue')
})

t.test('a refused socket does not keep the server from shutting down', async (t) => {
  const other = await startApp()
  t.teardown(other.close)
  const otherUrl = await listen(other.app)
  const otherOwner = await setupOwner(other.app)
  await t.rejects(openSocket(otherUrl, otherOwner.cookie, { origin: 'http://evil.example' }), {
    name: 'WebSocketRefused',
    statusCode: 403,
  })
  await t.rejects(openSocket(otherUrl, 'bb_session=nonsense-token-value'), {
    name: 'WebSocketRefused',
    statusCode: 401,
  })
  const closed = await Promise.race([
    other.app.close().then(() => 'closed'),
    new Promise((resolve) => setTimeout(() => resolve('still open after 3 s'), 3000)),
  ])
  t.equal(closed, 'closed')
})
