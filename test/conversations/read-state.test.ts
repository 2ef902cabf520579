import t from 'tap'
import { bodyOf, createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { openSocket } from '../helpers/socket'
import { as, boardIdOf, conversationOf, conversationsOf, createChannel, openDirect, send } from '../helpers/chat'

const { app, ctx, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)
const [sam, sid] = (await Promise.all([
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
])) as [SignedInMember, SignedInMember]
const boardId = await boardIdOf(app, owner)

function markRead(member: SignedInMember, conversationId: number, lastReadId: number) {
  return as(app, member, 'POST', `/api/conversations/${conversationId}/read`, { lastReadId })
}

t.test("unread counts rise with others' messages, not one's own, and fall after reading", async (t) => {
  const channel = await createChannel(app, owner, 'tills', { members: [sam, sid] })
  await markRead(sam, channel, 1_000_000)
  t.equal((await conversationOf(app, sam, channel))?.unreadCount, 0, 'system lines do not count')
  await send(app, owner, channel, 'one')
  const second = await send(app, sid, channel, 'two')
  await send(app, sam, channel, 'my own')
  t.equal((await conversationOf(app, sam, channel))?.unreadCount, 0, 'sending marks everything before it read')
  const third = await send(app, owner, channel, 'three')
  const fourth = await send(app, sid, channel, 'four')
  t.equal((await conversationOf(app, sam, channel))?.unreadCount, 2)
  t.equal((await conversationOf(app, sid, channel))?.unreadCount, 0, "the sender's own message is not unread for them")

  const read = await markRead(sam, channel, third.id)
  t.equal(read.statusCode, 200)
  t.same(bodyOf(read), { ok: true })
  const item = await conversationOf(app, sam, channel)
  t.equal(item?.unreadCount, 1)
  t.equal(item?.lastReadId, third.id)

  const back = await markRead(sam, channel, second.id)
  t.equal(back.statusCode, 200, 'going back is accepted')
  t.equal((await conversationOf(app, sam, channel))?.lastReadId, third.id, 'but the read position never moves back')

  await markRead(sam, channel, fourth.id + 10_000)
  t.equal(
    (await conversationOf(app, sam, channel))?.lastReadId,
    fourth.id,
    'a position past the last message is capped at the last message',
  )
  const deleted = await send(app, owner, channel, 'oops')
  await as(app, owner, 'DELETE', `/api/messages/${deleted.id}`)
  t.equal((await conversationOf(app, sam, channel))?.unreadCount, 0, 'a deleted message is not unread')

  const events = await ctx.db
    .selectFrom('event')
    .select(['audience_kind', 'audience_id'])
    .where('type', '=', 'read.updated')
    .where('payload', 'like', `%"conversationId":${channel},"memberId":${sam.id},%`)
    .execute()
  t.ok(events.length >= 2, 'read.updated events were emitted')
  t.ok(
    events.every((e) => e.audience_kind === 'member' && e.audience_id === sam.id),
    'in a channel only the reader is told',
  )

  const invalid = await markRead(sam, channel, -1)
  t.equal(invalid.statusCode, 400)
  t.equal(bodyOf(invalid).code, 'invalid_request')
})

t.test('read-all clears every unread count in one go', async (t) => {
  const channel = await createChannel(app, owner, 'stock', { members: [sam] })
  const direct = await openDirect(app, owner, [sam])
  await send(app, owner, channel, 'count the nails')
  await send(app, owner, direct, 'are you in tomorrow?')
  await send(app, owner, boardId, 'Staff party on Friday')
  const before = await conversationsOf(app, sam)
  t.ok(before.filter((c) => c.unreadCount > 0).length >= 3, 'several conversations have unread messages')

  const response = await as(app, sam, 'POST', '/api/conversations/read-all')
  t.equal(response.statusCode, 200)
  t.equal(
    bodyOf<{ conversations: number }>(response).conversations,
    before.filter((c) => c.lastMessageId > c.lastReadId).length,
  )
  const after = await conversationsOf(app, sam)
  t.same(
    after.map((c) => c.unreadCount),
    after.map(() => 0),
  )
  t.same(
    after.map((c) => c.mentionCount),
    after.map(() => 0),
  )
  const again = await as(app, sam, 'POST', '/api/conversations/read-all')
  t.equal(bodyOf<{ conversations: number }>(again).conversations, 0, 'a second read-all has nothing to do')
})

t.test('in a direct conversation the other member sees read.updated live (seen by)', async (t) => {
  const direct = await openDirect(app, sam, [sid])
  const samSocket = await openSocket(baseUrl, sam.cookie)
  const ownerSocket = await openSocket(baseUrl, owner.cookie)
  t.teardown(() => Promise.all([samSocket.close(), ownerSocket.close()]))
  await Promise.all([samSocket, ownerSocket].map((s) => s.waitFor((f) => f.kind === 'caught-up')))

  const message = await send(app, sam, direct, 'did you lock up?')
  const response = await markRead(sid, direct, message.id)
  t.equal(response.statusCode, 200)
  const seen = await samSocket.waitFor((f) => f.type === 'read.updated')
  t.same(seen.data, { conversationId: direct, memberId: sid.id, lastReadId: message.id })

  const detail = bodyOf<{ people: { id: number; lastReadId: number }[] }>(
    await as(app, sam, 'GET', `/api/conversations/${direct}`),
  )
  t.equal(detail.people.find((p) => p.id === sid.id)?.lastReadId, message.id, 'the detail shows how far sid has read')

  const channel = await createChannel(app, owner, 'yard', { members: [sam] })
  const post = await send(app, owner, channel, 'gate is open')
  await markRead(sam, channel, post.id)
  const own = await ownerSocket.waitFor(
    (f) => f.type === 'message.created' && (f.data as { message: { id: number } }).message.id === post.id,
  )
  t.ok(own)
  await samSocket.waitFor(
    (f) => f.type === 'read.updated' && (f.data as { conversationId: number }).conversationId === channel,
  )
  t.notOk(
    ownerSocket.frames.some(
      (f) => f.type === 'read.updated' && (f.data as { conversationId: number }).conversationId !== direct,
    ),
    'outside direct conversations nobody else learns read positions',
  )
  t.notOk(
    ownerSocket.frames.some((f) => f.type === 'read.updated'),
    'and a non-member of the direct conversation never sees its read positions',
  )
})
