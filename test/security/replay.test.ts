/**
 * Idempotent replays: re-sending an old clientKey returns the stored message only to
 * someone who may still read where it was posted. A member removed from a private channel
 * must not read it again through a replay, neither as a message nor as a notice.
 */
import t from 'tap'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, createChannel, newClientKey, send, sendRequest } from '../helpers/chat'

const { app, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [manager, sam] = (await Promise.all([
  createMember(app, owner.cookie, { role: 'manager', username: 'mona' }),
  createMember(app, owner.cookie, { username: 'sam' }),
])) as [SignedInMember, SignedInMember]
const granted = await as(app, owner, 'PUT', `/api/members/${sam.id}/access`, { permissions: ['board.post'] })
if (granted.statusCode !== 200) throw new Error(`grant failed: ${granted.statusCode} ${granted.body}`)

/** A private channel sam is in, a reply of his to a manager's message (with a reaction), then sam removed. */
async function samRemovedAfterReplying(name: string) {
  const channel = await createChannel(app, manager, name, { isPrivate: true, members: [sam] })
  const target = await send(app, manager, channel, 'margins are 12%')
  const clientKey = newClientKey('replay')
  const reply = await send(app, sam, channel, 'noted', { clientKey, replyToId: target.id })
  const replayed = await sendRequest(app, sam, channel, 'noted', { clientKey, replyToId: target.id })
  if (replayed.statusCode !== 200) throw new Error(`replay while a member failed: ${replayed.statusCode}`)
  const removed = await as(app, manager, 'DELETE', `/api/conversations/${channel}/members/${sam.id}`)
  if (removed.statusCode !== 200) throw new Error(`remove failed: ${removed.statusCode} ${removed.body}`)
  // What sam must not learn: the replied-to message's new text and the reactions since.
  const edited = await as(app, manager, 'PATCH', `/api/messages/${target.id}`, { body: 'secret: margins are 31%' })
  if (edited.statusCode !== 200) throw new Error(`edit failed: ${edited.statusCode}`)
  await as(app, manager, 'POST', `/api/messages/${reply.id}/reactions`, { emoji: '👀', isOn: true })
  return { channel, clientKey, reply }
}

t.test('a member removed from a private channel cannot read it by re-sending an old clientKey', async (t) => {
  const { channel, clientKey } = await samRemovedAfterReplying('pricing')

  const fresh = await sendRequest(app, sam, channel, 'hello?')
  t.equal(fresh.statusCode, 404, 'a fresh send is refused')
  const replay = await sendRequest(app, sam, channel, 'noted', { clientKey })
  t.equal(replay.statusCode, fresh.statusCode, 'the replay is refused exactly like a fresh send')
  t.equal(bodyOf(replay).code, 'conversation_not_found')
  t.notMatch(replay.body, /margins|noted|👀/, 'no message content in the answer')
})

t.test('a removed member cannot read the channel message by replaying its clientKey as a notice', async (t) => {
  const { clientKey } = await samRemovedAfterReplying('pricing-2')

  const replay = await as(app, sam, 'POST', '/api/notices', { title: 'Anything', body: '', clientKey })
  t.equal(replay.statusCode, 409, 'the key belongs to a message that is not a notice of the board')
  t.equal(bodyOf(replay).code, 'client_key_reused')
  t.notMatch(replay.body, /margins|noted|👀/, 'no message content in the answer')
})

t.test('a notice replay still returns the notice to its author, and nothing once board.post is gone', async (t) => {
  const clientKey = newClientKey('notice')
  const first = await as(app, sam, 'POST', '/api/notices', { title: 'Van is back', body: '', clientKey })
  t.equal(first.statusCode, 201)
  const again = await as(app, sam, 'POST', '/api/notices', { title: 'Van is back', body: '', clientKey })
  t.equal(again.statusCode, 200, 'an honest retry gets the same notice')
  t.equal(bodyOf<MessageView>(again).id, bodyOf<MessageView>(first).id)

  const revoked = await as(app, owner, 'PUT', `/api/members/${sam.id}/access`, { permissions: [] })
  t.equal(revoked.statusCode, 200)
  const afterRevoke = await as(app, sam, 'POST', '/api/notices', { title: 'Van is back', body: '', clientKey })
  t.equal(afterRevoke.statusCode, 403, 'refused like any notice from someone without board.post')
  t.notMatch(afterRevoke.body, /Van is back/)
})
