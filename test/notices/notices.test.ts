import t, { type Test } from 'tap'
import { runNoticeJobs } from '../../server/notices/service'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, boardIdOf, eventsAfter, eventually, lastEventId, newClientKey, startAppWith } from '../helpers/chat'

interface NoticeInput {
  title: string
  body?: string
  isUrgent?: boolean
  mustAcknowledge?: boolean
  acknowledgeBy?: number | null
  expiresAt?: number | null
  clientKey?: string
}

/**
 * A shop of its own for each test (an owner who posts; a manager and sam who are expected
 * to acknowledge), so no test depends on another's notices or on where the clock was left.
 */
async function openShop(t: Test) {
  const { app, ctx, clock, close } = await startApp()
  t.teardown(close)
  const owner = await setupOwner(app)
  // The owner posts; the manager and sam are the two people expected to acknowledge.
  const [manager, sam] = (await Promise.all([
    createMember(app, owner.cookie, { role: 'manager', username: 'mona' }),
    createMember(app, owner.cookie, { username: 'sam' }),
  ])) as [SignedInMember, SignedInMember]
  const boardId = await boardIdOf(app, owner)

  function postRequest(author: SignedInMember, input: NoticeInput) {
    return as(app, author, 'POST', '/api/notices', { body: '', clientKey: newClientKey('notice'), ...input })
  }

  async function post(author: SignedInMember, input: NoticeInput): Promise<MessageView> {
    const response = await postRequest(author, input)
    if (response.statusCode !== 201) throw new Error(`notice failed: ${response.statusCode} ${response.body}`)
    return bodyOf<MessageView>(response)
  }

  async function pinned(member: SignedInMember) {
    const response = await as(app, member, 'GET', '/api/notices')
    if (response.statusCode !== 200) throw new Error(`notices failed: ${response.statusCode} ${response.body}`)
    return bodyOf<{ notices: MessageView[]; acknowledged: { messageId: number; at: number }[] }>(response)
  }

  function acknowledge(member: SignedInMember, id: number) {
    return as(app, member, 'POST', `/api/notices/${id}/acknowledge`)
  }
  return { app, ctx, clock, owner, manager, sam, boardId, postRequest, post, pinned, acknowledge }
}

t.test('a notice is posted on the board with its title, urgency and must-acknowledge', async (t) => {
  const { app, ctx, owner, sam, boardId, postRequest, pinned } = await openShop(t)
  const response = await postRequest(owner, {
    title: '  Fire drill at 3pm  ',
    body: 'Meet at the car park.',
    isUrgent: true,
    mustAcknowledge: true,
  })
  t.equal(response.statusCode, 201)
  const notice = bodyOf<MessageView>(response)
  t.match(notice, {
    conversationId: boardId,
    kind: 'notice',
    body: 'Meet at the car park.',
    author: { id: owner.id },
    notice: {
      title: 'Fire drill at 3pm',
      isUrgent: true,
      mustAcknowledge: true,
      isPinned: true,
      ackCount: 0,
      ackTotal: 2,
    },
  })
  const { notices } = await pinned(sam)
  t.ok(
    notices.some((n) => n.id === notice.id),
    'staff see it among the pinned notices',
  )
  const board = bodyOf<{ messages: MessageView[] }>(await as(app, sam, 'GET', `/api/conversations/${boardId}/messages`))
  t.equal(board.messages.at(-1)?.id, notice.id, 'it is a message on the board')

  const created = await eventsAfter(ctx, 0, 'message.created')
  t.ok(created.some((e) => (e.data.message as MessageView).id === notice.id && e.audienceKind === 'conversation'))
})

t.test('posting notices: permission, idempotency and bad fields', async (t) => {
  const { ctx, clock, owner, manager, sam, postRequest } = await openShop(t)
  const byStaff = await postRequest(sam, { title: 'I quit' })
  t.equal(byStaff.statusCode, 403, 'staff without board.post cannot post a notice')
  t.equal(bodyOf(byStaff).code, 'forbidden')

  const clientKey = newClientKey('same')
  const first = await postRequest(manager, { title: 'Rota is up', clientKey })
  const second = await postRequest(manager, { title: 'Rota is up', clientKey })
  t.equal(first.statusCode, 201)
  t.equal(second.statusCode, 200, 'the same clientKey returns the first notice')
  t.equal(bodyOf<MessageView>(second).id, bodyOf<MessageView>(first).id)

  const cases: [NoticeInput, number, string][] = [
    [{ title: '   ' }, 400, 'invalid_title'],
    [{ title: 'x'.repeat(201) }, 400, 'title_too_long'],
    [{ title: '' }, 400, 'invalid_request'],
    [{ title: 'Old news', expiresAt: clock.now() - 1 }, 400, 'invalid_expiry'],
    [{ title: 'Old news', expiresAt: clock.now() }, 400, 'invalid_expiry'],
    [{ title: 'Due yesterday', mustAcknowledge: true, acknowledgeBy: clock.now() - 60_000 }, 400, 'invalid_due_time'],
    [{ title: 'Long', body: 'y'.repeat(4001) }, 400, 'message_too_long'],
  ]
  const before = await ctx.db.selectFrom('notice').select('message_id').execute()
  for (const [input, status, code] of cases) {
    const response = await postRequest(owner, input)
    t.equal(response.statusCode, status, JSON.stringify(input).slice(0, 60))
    t.equal(bodyOf(response).code, code)
  }
  const after = await ctx.db.selectFrom('notice').select('message_id').execute()
  t.equal(after.length, before.length, 'none of them was stored')
})

t.test('acknowledging counts each member once, however often and however fast they tap', async (t) => {
  const { ctx, clock, owner, manager, sam, post, pinned, acknowledge } = await openShop(t)
  const notice = await post(owner, { title: 'New till procedure', mustAcknowledge: true })
  const start = await lastEventId(ctx)

  const first = await acknowledge(sam, notice.id)
  t.equal(first.statusCode, 200)
  t.same(bodyOf(first), { messageId: notice.id, memberId: sam.id, at: clock.now(), ackCount: 1, ackTotal: 2 })
  clock.advance(5000)
  const twice = await acknowledge(sam, notice.id)
  t.equal(twice.statusCode, 200)
  t.same(bodyOf(twice), bodyOf(first), 'a second tap changes nothing, not even the time')

  const burst = await Promise.all(Array.from({ length: 8 }, () => acknowledge(manager, notice.id)))
  t.same(
    burst.map((r) => r.statusCode),
    burst.map(() => 200),
  )
  t.same(
    new Set(burst.map((r) => bodyOf<{ ackCount: number }>(r).ackCount)),
    new Set([2]),
    'concurrent taps all see the count of 2',
  )
  const rows = await ctx.db.selectFrom('notice_ack').select('member_id').where('message_id', '=', notice.id).execute()
  t.same(rows.map((r) => r.member_id).sort(), [manager.id, sam.id].sort(), 'one row per member')
  const events = await eventsAfter(ctx, start, 'notice.acknowledged')
  t.same(
    events.map((e) => [e.data.memberId, e.data.ackCount, e.data.ackTotal]),
    [
      [sam.id, 1, 2],
      [manager.id, 2, 2],
    ],
    'one event per member',
  )

  const own = await acknowledge(owner, notice.id)
  t.equal(own.statusCode, 200, 'the author may tap too')
  t.equal(bodyOf<{ ackCount: number }>(own).ackCount, 2, 'but the author does not count')
  const view = (await pinned(sam)).notices.find((n) => n.id === notice.id)
  t.match(view?.notice, { ackCount: 2, ackTotal: 2 })
  const mine = (await pinned(sam)).acknowledged.find((a) => a.messageId === notice.id)
  t.equal(mine?.at, bodyOf<{ at: number }>(first).at, 'my acknowledgement comes with the list')

  const notNotice = await acknowledge(sam, 999_999)
  t.equal(notNotice.statusCode, 404)
  t.equal(bodyOf(notNotice).code, 'notice_not_found')
})

t.test(
  'the acknowledgement report ("1 of 2") lists who has and who has not, for the author and managers only',
  async (t) => {
    const { app, clock, owner, manager, sam, post, pinned, acknowledge } = await openShop(t)
    const notice = await post(owner, { title: 'Read the safety sheet', mustAcknowledge: true })
    clock.advance(1000)
    await acknowledge(sam, notice.id)
    const view = (await pinned(owner)).notices.find((n) => n.id === notice.id)
    t.equal(`${view?.notice?.ackCount} of ${view?.notice?.ackTotal}`, '1 of 2')

    for (const reader of [owner, manager]) {
      const response = await as(app, reader, 'GET', `/api/notices/${notice.id}/acknowledgements`)
      t.equal(response.statusCode, 200)
      t.same(bodyOf(response), {
        acknowledged: [{ id: sam.id, username: 'sam', displayName: 'sam Person', at: clock.now() }],
        missing: [{ id: manager.id, username: 'mona', displayName: 'mona Person' }],
      })
    }
    const byStaff = await as(app, sam, 'GET', `/api/notices/${notice.id}/acknowledgements`)
    t.equal(byStaff.statusCode, 403)
    t.equal(bodyOf(byStaff).code, 'not_author')

    const managersOwn = await post(manager, { title: 'Manager notice', mustAcknowledge: true })
    const report = await as(app, manager, 'GET', `/api/notices/${managersOwn.id}/acknowledgements`)
    t.same(
      bodyOf<{ missing: { id: number }[] }>(report)
        .missing.map((m) => m.id)
        .sort(),
      [owner.id, sam.id].sort(),
      "the author is never in their own notice's list",
    )
  },
)

t.test('an expired notice unpins itself: gone from /api/notices, notice.unpinned emitted once', async (t) => {
  const { app, ctx, clock, owner, sam, boardId, post, pinned } = await openShop(t)
  const notice = await post(owner, { title: 'Half price today', expiresAt: clock.now() + 3_600_000 })
  t.ok((await pinned(sam)).notices.some((n) => n.id === notice.id))
  t.same(await runNoticeJobs(ctx), { expired: 0, reminders: 0 }, 'nothing to do before it expires')

  const start = await lastEventId(ctx)
  clock.advance(3_600_001)
  const result = await runNoticeJobs(ctx)
  t.equal(result.expired, 1)
  t.notOk(
    (await pinned(sam)).notices.some((n) => n.id === notice.id),
    'no longer listed',
  )
  const unpinned = await eventsAfter(ctx, start, 'notice.unpinned')
  t.same(
    unpinned.map((e) => e.data),
    [{ messageId: notice.id, reason: 'expired' }],
  )
  t.equal(unpinned[0]?.audienceKind, 'conversation')
  const row = await ctx.db
    .selectFrom('notice')
    .select(['is_pinned'])
    .where('message_id', '=', notice.id)
    .executeTakeFirstOrThrow()
  t.equal(row.is_pinned, 0)
  t.equal((await runNoticeJobs(ctx)).expired, 0, 'it is handled once')
  t.equal((await eventsAfter(ctx, start, 'notice.unpinned')).length, 1)
  const history = bodyOf<{ messages: MessageView[] }>(
    await as(app, sam, 'GET', `/api/conversations/${boardId}/messages`),
  )
  t.ok(
    history.messages.some((m) => m.id === notice.id && m.notice?.isPinned === false),
    'it stays in the board history',
  )
})

t.test('a reminder names the members still missing, and stops once everyone has acknowledged', async (t) => {
  const { ctx, clock, owner, manager, sam, post, acknowledge } = await openShop(t)
  const notice = await post(owner, { title: 'Sign the rota', mustAcknowledge: true })
  const start = await lastEventId(ctx)
  clock.advance(60_000)
  t.equal((await runNoticeJobs(ctx)).reminders, 0, 'not due yet')

  clock.advance(240 * 60_000)
  t.equal((await runNoticeJobs(ctx)).reminders, 1, 'due after the shop’s reminder interval (4 hours)')
  let reminders = await eventsAfter(ctx, start, 'notice.reminder')
  t.equal(reminders.length, 1)
  t.equal(reminders[0]?.audienceKind, 'managers')
  t.match(reminders[0]?.data, { messageId: notice.id, title: 'Sign the rota', isUrgent: false })
  t.same((reminders[0]?.data.missingMemberIds as number[]).sort(), [manager.id, sam.id].sort())
  t.equal((await runNoticeJobs(ctx)).reminders, 0, 'not again until the next interval')

  await acknowledge(sam, notice.id)
  clock.advance(240 * 60_000)
  await runNoticeJobs(ctx)
  reminders = await eventsAfter(ctx, start, 'notice.reminder')
  t.equal(reminders.length, 2)
  t.same(reminders[1]?.data.missingMemberIds, [manager.id], 'the next reminder names only who is missing')

  await acknowledge(manager, notice.id)
  clock.advance(240 * 60_000)
  await runNoticeJobs(ctx)
  clock.advance(240 * 60_000)
  await runNoticeJobs(ctx)
  t.equal((await eventsAfter(ctx, start, 'notice.reminder')).length, 2, 'no reminder once everyone has acknowledged')
})

t.test('a due time sets the first reminder; a notice without must-acknowledge never reminds', async (t) => {
  const { ctx, clock, owner, post } = await openShop(t)
  const start = await lastEventId(ctx)
  const due = clock.now() + 30 * 60_000
  const notice = await post(owner, { title: 'Return your keys', mustAcknowledge: true, acknowledgeBy: due })
  await post(owner, { title: 'Just so you know' })
  clock.advance(29 * 60_000)
  await runNoticeJobs(ctx)
  t.equal((await eventsAfter(ctx, start, 'notice.reminder')).length, 0)
  clock.advance(60_000)
  await runNoticeJobs(ctx)
  const reminders = await eventsAfter(ctx, start, 'notice.reminder')
  t.same(
    reminders.map((e) => e.data.messageId),
    [notice.id],
  )
})

t.test('pinned notices are ordered urgent first, then newest; moving to the top and unpinning work', async (t) => {
  const { app, ctx, clock, owner, manager, sam, post, pinned, acknowledge } = await openShop(t)
  for (const n of (await pinned(owner)).notices)
    await as(app, owner, 'PATCH', `/api/notices/${n.id}`, { isPinned: false })
  clock.advance(1000)
  const plain = await post(owner, { title: 'Plain one' })
  clock.advance(1000)
  const urgent = await post(manager, { title: 'Urgent one', isUrgent: true })
  clock.advance(1000)
  const newer = await post(owner, { title: 'Newer plain' })
  t.same(
    (await pinned(sam)).notices.map((n) => n.id),
    [urgent.id, newer.id, plain.id],
  )

  clock.advance(1000)
  const moved = await as(app, owner, 'PATCH', `/api/notices/${plain.id}`, { moveToTop: true })
  t.equal(moved.statusCode, 200)
  t.same(
    (await pinned(sam)).notices.map((n) => n.id),
    [urgent.id, plain.id, newer.id],
    'moved to the top of the non-urgent ones',
  )

  const byStaff = await as(app, sam, 'PATCH', `/api/notices/${plain.id}`, { isPinned: false })
  t.equal(byStaff.statusCode, 403)
  t.equal(bodyOf(byStaff).code, 'not_author')
  const start = await lastEventId(ctx)
  const unpin = await as(app, manager, 'PATCH', `/api/notices/${plain.id}`, { isPinned: false })
  t.equal(unpin.statusCode, 200, "a manager may unpin someone else's notice")
  t.same(
    (await pinned(sam)).notices.map((n) => n.id),
    [urgent.id, newer.id],
  )
  t.same(
    (await eventsAfter(ctx, start, 'notice.unpinned')).map((e) => e.data),
    [{ messageId: plain.id, reason: 'unpinned' }],
  )

  const deleted = await as(app, owner, 'DELETE', `/api/messages/${newer.id}`)
  t.equal(deleted.statusCode, 200)
  t.same(
    (await pinned(sam)).notices.map((n) => n.id),
    [urgent.id],
    'a deleted notice is no longer pinned',
  )
  t.same(
    (await eventsAfter(ctx, start, 'notice.unpinned')).map((e) => e.data),
    [
      { messageId: plain.id, reason: 'unpinned' },
      { messageId: newer.id, reason: 'deleted' },
    ],
  )
  const ackDeleted = await acknowledge(sam, newer.id)
  t.equal(ackDeleted.statusCode, 409)
  t.equal(bodyOf(ackDeleted).code, 'message_deleted')
})

t.test('the background job unpins expired notices on its own', async (t) => {
  const started = await startAppWith({ jobIntervalMs: 25 })
  t.teardown(started.close)
  const author = await setupOwner(started.app)
  const response = await started.app.inject({
    method: 'POST',
    url: '/api/notices',
    headers: { cookie: author.cookie },
    payload: {
      title: 'Flash sale',
      body: '',
      clientKey: newClientKey('flash'),
      expiresAt: started.clock.now() + 60_000,
    },
  })
  t.equal(response.statusCode, 201)
  const id = bodyOf<MessageView>(response).id
  started.clock.advance(60_001)
  const isUnpinned = await eventually(
    async () => (await eventsAfter(started.ctx, 0, 'notice.unpinned')).some((e) => e.data.messageId === id),
    3000,
  )
  t.ok(isUnpinned, 'notice.unpinned appears without anyone running the job by hand')
  const list = await started.app.inject({ method: 'GET', url: '/api/notices', headers: { cookie: author.cookie } })
  t.same(bodyOf<{ notices: unknown[] }>(list).notices, [])
})
