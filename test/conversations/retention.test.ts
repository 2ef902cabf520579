import t from 'tap'
import { purgeMessagesBefore } from '../../server/conversations/messages-service'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, cookieOf, createMember, login, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, boardIdOf, createChannel, historyOf, newClientKey, send } from '../helpers/chat'

const DAY = 86_400_000
const { app, ctx, clock, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const sam = await createMember(app, owner.cookie, { username: 'sam' })
const boardId = await boardIdOf(app, owner)
const channel = await createChannel(app, owner, 'deliveries', { members: [sam] })

async function postNotice(title: string, extra: { expiresAt?: number } = {}): Promise<number> {
  const response = await as(app, owner, 'POST', '/api/notices', {
    title,
    body: '',
    clientKey: newClientKey(),
    ...extra,
  })
  if (response.statusCode !== 201) throw new Error(`notice: ${response.statusCode} ${response.body}`)
  return bodyOf<{ id: number }>(response).id
}

async function unpin(id: number): Promise<void> {
  const response = await as(app, owner, 'PATCH', `/api/notices/${id}`, { isPinned: false })
  if (response.statusCode !== 200) throw new Error(`unpin: ${response.statusCode} ${response.body}`)
}

async function searchIds(text: string): Promise<number[]> {
  const response = await as(app, owner, 'GET', `/api/search?q=${encodeURIComponent(text)}`)
  if (response.statusCode !== 200) throw new Error(`search: ${response.statusCode} ${response.body}`)
  return bodyOf<{ messageId: number }[]>(response).map((hit) => hit.messageId)
}

// Sixty days ago: messages the retention setting should remove, and notices that stay pinned.
const oldText = await send(app, sam, channel, 'Quarantined pallet of walnuts goes back Monday')
const oldReply = await send(app, owner, channel, 'Walnuts noted')
const pinnedForever = await postNotice('Fire exits stay clear')
const pinnedUntilNextYear = await postNotice('Stocktake rota', { expiresAt: clock.now() + 365 * DAY })
const expiring = await postNotice('Walnut recall this week', { expiresAt: clock.now() + 7 * DAY })
const unpinned = await postNotice('Walnut tasting on Friday')
await unpin(unpinned)

clock.advance(60 * DAY)
// Sessions idle for that long have ended: sign in again.
for (const member of [owner, sam] as SignedInMember[]) member.cookie = cookieOf(await login(app, member))
const recent = await send(app, sam, channel, 'Fresh walnuts arrived', { replyToId: oldText.id })
const recentNotice = await postNotice('Walnut display moved to aisle 4')

t.test('the retention setting takes off, or 30 days and more', async (t) => {
  const tooShort = await as(app, owner, 'PATCH', '/api/settings', { retentionDays: 29 })
  t.equal(tooShort.statusCode, 400)
  const set = await as(app, owner, 'PATCH', '/api/settings', { retentionDays: 30 })
  t.equal(set.statusCode, 200)
  t.equal(bodyOf(set).retentionDays, 30)
  const off = await as(app, owner, 'PATCH', '/api/settings', { retentionDays: null })
  t.equal(bodyOf(off).retentionDays, null)
  await as(app, owner, 'PATCH', '/api/settings', { retentionDays: 30 })
  const shop = await ctx.db.selectFrom('shop').select('retention_days').executeTakeFirstOrThrow()
  t.equal(shop.retention_days, 30)
})

t.test('purging removes old messages from history and search; new ones and pinned notices stay', async (t) => {
  t.same(
    (await searchIds('walnuts')).sort(),
    [oldText.id, oldReply.id, recent.id].sort(),
    'before: search finds old and new',
  )
  const cutoff = clock.now() - 30 * DAY
  const oldIds = async () =>
    (await ctx.db.selectFrom('message').select('id').where('created_at', '<', cutoff).orderBy('id').execute()).map(
      (row) => row.id,
    )
  const before = await oldIds()
  t.ok(before.length >= 6, 'old texts, notices and system messages')
  const deleted = await purgeMessagesBefore(ctx, cutoff)
  t.equal(deleted, before.length - 2, 'everything old except the two pinned notices')
  t.same(await oldIds(), [pinnedForever, pinnedUntilNextYear], 'only the pinned notices are left from back then')

  const channelHistory: MessageView[] = await historyOf(app, sam, channel)
  const ids = channelHistory.map((m) => m.id)
  t.notOk(ids.includes(oldText.id), 'the old message is gone from history')
  t.notOk(ids.includes(oldReply.id), 'so is the old reply')
  t.ok(ids.includes(recent.id), 'the new message stays')
  t.equal(recent.replyTo?.id, oldText.id, 'it was a reply to an old message')
  t.equal(channelHistory.find((m) => m.id === recent.id)?.replyTo, null, 'whose link is dropped with it')

  t.same(await searchIds('walnuts'), [recent.id], 'search no longer finds old messages')
  t.same(await searchIds('quarantined'), [])

  const board = (await historyOf(app, owner, boardId)).map((m) => m.id)
  t.ok(board.includes(pinnedForever), 'a pinned notice without expiry stays')
  t.ok(board.includes(pinnedUntilNextYear), 'a pinned notice that has not expired stays')
  t.ok(board.includes(recentNotice), 'a new notice stays')
  t.notOk(board.includes(expiring), 'an old notice past its expiry goes')
  t.notOk(board.includes(unpinned), 'an old unpinned notice goes')

  const listed = bodyOf<{ notices: { id: number }[] }>(await as(app, owner, 'GET', '/api/notices'))
  const pinned = listed.notices.map((n) => n.id)
  t.ok(pinned.includes(pinnedForever) && pinned.includes(pinnedUntilNextYear), 'the board still shows them')

  t.equal(await purgeMessagesBefore(ctx, cutoff), 0, 'a second run finds nothing more')
})

t.test('the hourly retention job reads the shop’s setting and deletes what it says, on its own', async (t) => {
  const own = await startApp({ build: { retentionIntervalMs: 25 } })
  t.teardown(own.close)
  const shopOwner = await setupOwner(own.app)
  const shopChannel = await createChannel(own.app, shopOwner, 'till')
  const old = await send(own.app, shopOwner, shopChannel, 'Float counted: 150')
  own.clock.advance(40 * DAY)
  // Forty days on, the owner signs in again (sessions end after 30 idle days).
  const owner40 = { ...shopOwner, cookie: cookieOf(await login(own.app, shopOwner)) }
  const recent = await send(own.app, owner40, shopChannel, 'Float counted: 200')
  const rowsOf = async () =>
    (await own.ctx.db.selectFrom('message').select('id').where('id', 'in', [old.id, recent.id]).execute()).map(
      (row) => row.id,
    )
  // The job has run many times by now; with no setting it deletes nothing.
  await waitForJobRuns(own, 3)
  t.same(await rowsOf(), [old.id, recent.id], 'no retention setting: everything is kept')

  const set = await as(own.app, owner40, 'PATCH', '/api/settings', { retentionDays: 30 })
  t.equal(set.statusCode, 200)
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline && (await rowsOf()).length === 2) await new Promise((r) => setTimeout(r, 25))
  t.same(await rowsOf(), [recent.id], 'the 40-day-old message is deleted by the job itself; the new one stays')
})

/** Waits until the retention job has run `count` more times (it deletes orphan files each run). */
async function waitForJobRuns(own: Awaited<ReturnType<typeof startApp>>, count: number): Promise<void> {
  // Each run ends by pruning the event log, which keeps `event` rows newer than 30 days: an
  // event older than that, written now, is gone once a run has passed.
  for (let i = 0; i < count; i++) {
    await own.ctx.db
      .insertInto('event')
      .values({
        type: 'test.marker',
        audience_kind: 'managers',
        audience_id: null,
        payload: '{}',
        created_at: own.clock.now() - 31 * DAY,
      })
      .execute()
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const left = await own.ctx.db.selectFrom('event').select('id').where('type', '=', 'test.marker').execute()
      if (left.length === 0) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const left = await own.ctx.db.selectFrom('event').select('id').where('type', '=', 'test.marker').execute()
    if (left.length) throw new Error('the retention job did not run')
  }
}
