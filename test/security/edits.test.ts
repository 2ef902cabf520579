/**
 * Honest edits: only the author rewrites a message or a notice; a manager may remove one
 * (the tombstone says so, the log records it) but never put words in someone's mouth.
 * Every edit keeps the earlier text in the message's history and reaches the audit log.
 * Info pages stay editable by managers, with every revision saying who made it.
 */
import t from 'tap'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import {
  as,
  boardIdOf,
  createChannel,
  eventsAfter,
  historyOf,
  lastEventId,
  newClientKey,
  openDirect,
  send,
} from '../helpers/chat'

const { app, ctx, clock, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [manager, sam, sid] = (await Promise.all([
  createMember(app, owner.cookie, { role: 'manager', username: 'mona' }),
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
])) as [SignedInMember, SignedInMember, SignedInMember]
const boardId = await boardIdOf(app, owner)

interface Revision {
  id: number
  body: string
  title: string | null
  editedAt: number
  editedBy: { id: number; username: string; displayName: string } | null
}

async function auditRows(action: string) {
  const rows = await ctx.db.selectFrom('audit').selectAll().where('action', '=', action).orderBy('id').execute()
  return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }))
}

async function storedBody(messageId: number): Promise<string> {
  const row = await ctx.db.selectFrom('message').select('body').where('id', '=', messageId).executeTakeFirstOrThrow()
  return row.body
}

t.test("a manager cannot rewrite the owner's direct message; it stays as the owner wrote it", async (t) => {
  const direct = await openDirect(app, owner, [manager])
  const message = await send(app, owner, direct, 'pay the supplier £200')
  const before = await auditRows('message.edited')

  const rewrite = await as(app, manager, 'PATCH', `/api/messages/${message.id}`, {
    body: '£20,000 to account 12345678',
  })
  t.equal(rewrite.statusCode, 403)
  t.equal(bodyOf(rewrite).code, 'not_author')
  t.equal(await storedBody(message.id), 'pay the supplier £200', 'the text is unchanged')
  const seen = (await historyOf(app, manager, direct)).find((m) => m.id === message.id)
  t.match(seen, { body: 'pay the supplier £200', editedAt: null })
  t.same(bodyOf<Revision[]>(await as(app, owner, 'GET', `/api/messages/${message.id}/history`)), [])
  t.equal((await auditRows('message.edited')).length, before.length, 'nothing was edited, nothing is logged')
})

t.test('a manager cannot rewrite a staff message in a channel either', async (t) => {
  const floor = await createChannel(app, manager, 'floor-edits', { members: [sam] })
  const message = await send(app, sam, floor, 'till 2 is short by £5')
  const rewrite = await as(app, manager, 'PATCH', `/api/messages/${message.id}`, { body: 'till 2 is fine' })
  t.equal(rewrite.statusCode, 403)
  t.equal(bodyOf(rewrite).code, 'not_author')
  t.equal(await storedBody(message.id), 'till 2 is short by £5')
})

t.test("the author's edit keeps the earlier text in the history and is audited with who and when", async (t) => {
  const floor = await createChannel(app, manager, 'floor-history', { members: [sam, sid] })
  const message = await send(app, sam, floor, 'delivery at 9')
  clock.advance(60_000)
  const firstEditAt = clock.now()
  const first = await as(app, sam, 'PATCH', `/api/messages/${message.id}`, { body: 'delivery at 10' })
  t.equal(first.statusCode, 200)
  t.match(bodyOf<MessageView>(first), { body: 'delivery at 10', editedAt: firstEditAt })
  clock.advance(60_000)
  const second = await as(app, sam, 'PATCH', `/api/messages/${message.id}`, { body: 'delivery at 11' })
  t.equal(second.statusCode, 200)

  const history = await as(app, sid, 'GET', `/api/messages/${message.id}/history`)
  t.equal(history.statusCode, 200, 'anyone who reads the conversation reads its history')
  t.match(bodyOf<Revision[]>(history), [
    { body: 'delivery at 10', title: null, editedAt: clock.now(), editedBy: { id: sam.id, username: 'sam' } },
    { body: 'delivery at 9', title: null, editedAt: firstEditAt, editedBy: { id: sam.id, username: 'sam' } },
  ])
  t.equal(bodyOf<Revision[]>(history).length, 2)

  const outsider = await as(app, owner, 'GET', `/api/messages/${message.id}/history`)
  t.equal(outsider.statusCode, 404, 'someone outside the channel learns nothing')
  t.equal(bodyOf(outsider).code, 'message_not_found')
  t.notMatch(outsider.body, /delivery/)

  const audited = (await auditRows('message.edited')).filter((row) => row.detail.messageId === message.id)
  t.equal(audited.length, 2, 'each edit is one audit entry')
  t.match(audited[0], { actor_id: sam.id, at: firstEditAt, detail: { conversation: floor, messageId: message.id } })
  t.notMatch(JSON.stringify(audited), /delivery/, "the log keeps ids, not the channel's words")
})

t.test('a manager cannot change the words of the owner’s notice, but may still unpin it', async (t) => {
  const posted = await as(app, owner, 'POST', '/api/notices', {
    title: 'Pay the supplier £200',
    body: 'Cash from the safe.',
    clientKey: newClientKey('notice'),
  })
  t.equal(posted.statusCode, 201)
  const notice = bodyOf<MessageView>(posted)

  for (const patch of [{ title: 'Pay £20,000' }, { body: 'Transfer to 12345678' }, { isUrgent: true }]) {
    const response = await as(app, manager, 'PATCH', `/api/notices/${notice.id}`, patch)
    t.equal(response.statusCode, 403, JSON.stringify(patch))
    t.equal(bodyOf(response).code, 'not_author')
  }
  const stored = await ctx.db
    .selectFrom('notice')
    .select(['title', 'is_urgent'])
    .where('message_id', '=', notice.id)
    .executeTakeFirstOrThrow()
  t.same(stored, { title: 'Pay the supplier £200', is_urgent: 0 })
  t.equal(await storedBody(notice.id), 'Cash from the safe.')

  const unpin = await as(app, manager, 'PATCH', `/api/notices/${notice.id}`, { isPinned: false })
  t.equal(unpin.statusCode, 200, 'where it sits on the board is still a manager’s call')
  t.match(bodyOf<MessageView>(unpin), { notice: { title: 'Pay the supplier £200', isPinned: false }, editedAt: null })
})

t.test("the author's notice edit keeps the earlier title and text and is audited", async (t) => {
  const posted = await as(app, manager, 'POST', '/api/notices', {
    title: 'Stocktake Friday',
    body: 'Bring a pen.',
    clientKey: newClientKey('notice'),
  })
  const notice = bodyOf<MessageView>(posted)
  clock.advance(1000)
  const edited = await as(app, manager, 'PATCH', `/api/notices/${notice.id}`, {
    title: 'Stocktake Saturday',
    body: 'Bring two pens.',
  })
  t.equal(edited.statusCode, 200)
  t.match(bodyOf<MessageView>(edited), { body: 'Bring two pens.', notice: { title: 'Stocktake Saturday' } })
  const history = bodyOf<Revision[]>(await as(app, sam, 'GET', `/api/messages/${notice.id}/history`))
  t.match(history, [
    { body: 'Bring a pen.', title: 'Stocktake Friday', editedAt: clock.now(), editedBy: { id: manager.id } },
  ])
  t.ok(
    (await auditRows('message.edited')).some(
      (row) => row.detail.messageId === notice.id && row.actor_id === manager.id,
    ),
    'the notice edit is in the audit log',
  )
})

t.test('a manager removes a message: the tombstone says "removed by a manager" and the log records it', async (t) => {
  const message = await send(app, owner, boardId, 'Closing at 4 today', { clientKey: newClientKey() })
  const own = await send(app, sam, boardId, 'Thanks!', { replyToId: message.id })
  const start = await lastEventId(ctx)
  clock.advance(1000)

  const removed = await as(app, manager, 'DELETE', `/api/messages/${message.id}`)
  t.equal(removed.statusCode, 200)
  const byAuthor = await as(app, sam, 'DELETE', `/api/messages/${own.id}`)
  t.equal(byAuthor.statusCode, 200)

  const history = await historyOf(app, sid, boardId)
  t.match(
    history.find((m) => m.id === message.id),
    { body: '', deletedAt: clock.now(), isRemovedByManager: true },
  )
  t.match(
    history.find((m) => m.id === own.id),
    { deletedAt: clock.now(), isRemovedByManager: false },
    'an author deleting their own message is a plain tombstone',
  )
  t.same(
    (await eventsAfter(ctx, start, 'message.deleted')).map((e) => e.data),
    [
      { conversationId: boardId, messageId: message.id, isRemovedByManager: true },
      { conversationId: boardId, messageId: own.id, isRemovedByManager: false },
    ],
  )

  const audited = (await auditRows('message.removed')).filter((row) => row.detail.messageId === message.id)
  t.equal(audited.length, 1)
  t.match(audited[0], {
    actor_id: manager.id,
    target_id: owner.id,
    at: clock.now(),
    detail: { conversation: boardId, messageId: message.id, kind: 'text' },
  })
  t.equal(
    (await auditRows('message.removed')).filter((row) => row.detail.messageId === own.id).length,
    0,
    'deleting your own message is not a moderation',
  )

  const edit = await as(app, manager, 'PATCH', `/api/messages/${message.id}`, { body: 'back again' })
  t.equal(edit.statusCode, 409, 'a tombstone cannot be edited')
  t.equal(bodyOf(edit).code, 'message_deleted')
})

t.test('staff cannot remove someone else’s message', async (t) => {
  const message = await send(app, owner, boardId, 'Keys are in the drawer', { clientKey: newClientKey() })
  const response = await as(app, sam, 'DELETE', `/api/messages/${message.id}`)
  t.equal(response.statusCode, 403)
  t.equal(bodyOf(response).code, 'not_author')
  t.equal(await storedBody(message.id), 'Keys are in the drawer')
})

t.test(
  'info pages: a manager may edit the owner’s page; each revision says who, and the edit is audited',
  async (t) => {
    const created = await as(app, owner, 'POST', '/api/pages', { title: 'Supplier', body: 'Pay on the 1st.' })
    t.equal(created.statusCode, 201)
    const page = bodyOf<{ id: number }>(created)
    clock.advance(60_000)
    const edited = await as(app, manager, 'PATCH', `/api/pages/${page.id}`, { body: 'Pay on the 15th.' })
    t.equal(edited.statusCode, 200)
    t.match(bodyOf(edited), { updatedBy: { id: manager.id, username: 'mona' }, revisionCount: 2 })

    const revisions = await as(app, sam, 'GET', `/api/pages/${page.id}/revisions`)
    t.match(bodyOf(revisions), [
      { createdAt: clock.now(), author: { id: manager.id, username: 'mona' } },
      { author: { id: owner.id, username: 'olive' } },
    ])
    const oldest = bodyOf<{ id: number }[]>(revisions)[1] as { id: number }
    const old = await as(app, sam, 'GET', `/api/pages/${page.id}/revisions/${oldest.id}`)
    t.match(bodyOf(old), { body: 'Pay on the 1st.', author: { id: owner.id } }, 'the earlier text is kept')

    const audited = (await auditRows('page.edited')).filter((row) => row.detail.page === page.id)
    t.equal(audited.length, 1)
    t.match(audited[0], { actor_id: manager.id, at: clock.now(), detail: { page: page.id, title: 'Supplier' } })

    const removed = await as(app, manager, 'DELETE', `/api/pages/${page.id}`)
    t.equal(removed.statusCode, 200)
    t.match(await auditRows('page.deleted'), [{ actor_id: manager.id, detail: { page: page.id } }])
  },
)
