import t from 'tap'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import {
  as,
  boardIdOf,
  conversationsOf,
  createChannel,
  newClientKey,
  openDirect,
  send,
  tinyPng,
  upload,
  type ConversationItem,
} from '../helpers/chat'
import { webmOpus } from '../helpers/webm'

const { app, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [sam, sid] = (await Promise.all([
  createMember(app, owner.cookie, { username: 'sam', displayName: 'Sam Stock' }),
  createMember(app, owner.cookie, { username: 'sid', displayName: 'Sid Till' }),
])) as [SignedInMember, SignedInMember]
const boardId = await boardIdOf(app, owner)

interface LastMessage {
  id: number
  author: { id: number; displayName: string } | null
  preview: string
  kind: string
  at: number
}

async function lastOf(member: SignedInMember, conversationId: number): Promise<LastMessage | null | undefined> {
  const item = (await conversationsOf(app, member)).find((c) => c.id === conversationId) as
    (ConversationItem & { lastMessage: LastMessage | null }) | undefined
  return item?.lastMessage
}

t.test('the list shows the latest message: sender, plain text without Markdown, time', async (t) => {
  const channel = await createChannel(app, owner, 'tills', { members: [sam] })
  t.equal(await lastOf(sam, channel), null, 'system lines are not a latest message')
  await send(app, owner, channel, 'first')
  const latest = await send(app, sam, channel, '**Float** is _short_ by\n\n`£5`\n- count again\n1. sign the sheet')
  t.same(await lastOf(owner, channel), {
    id: latest.id,
    author: { id: sam.id, displayName: 'Sam Stock' },
    preview: 'Float is short by £5 count again sign the sheet',
    kind: 'text',
    at: latest.createdAt,
  })
  t.same(await lastOf(sam, channel), await lastOf(owner, channel), 'the same for every reader')
  t.equal((await lastOf(sid, channel)) ?? 'not listed', 'not listed', 'nothing of a channel one does not read')
})

t.test('a photo reads "📷 Photo" and a voice note "🎤 Voice note"; a caption follows the icon', async (t) => {
  const channel = await createChannel(app, owner, 'photos', { members: [sam] })
  const png = await upload(app, sam, tinyPng(4, 3), 'shelf.png')
  await send(app, sam, channel, '', { attachments: [{ fileId: png.id }] })
  t.match(await lastOf(owner, channel), { preview: '📷 Photo', author: { id: sam.id } })
  const captioned = await upload(app, sam, tinyPng(4, 3), 'shelf2.png')
  await send(app, sam, channel, 'top shelf', { attachments: [{ fileId: captioned.id }] })
  t.match(await lastOf(owner, channel), { preview: '📷 top shelf' })

  const packets = Array.from({ length: 20 }, (_, i) => Buffer.concat([Buffer.from([0xf8]), Buffer.alloc(40, i)]))
  const recorded = await app.inject({
    method: 'POST',
    url: '/api/files?name=voice-note.webm&recorded=audio',
    headers: { cookie: owner.cookie, 'content-type': 'application/octet-stream' },
    payload: webmOpus(packets),
  })
  t.equal(recorded.statusCode, 201)
  await send(app, owner, channel, '', { attachments: [{ fileId: bodyOf<{ id: number }>(recorded).id }] })
  t.match(await lastOf(sam, channel), { preview: '🎤 Voice note', author: { id: owner.id } })
})

t.test('direct conversations too; a notice on the board reads by its title', async (t) => {
  const direct = await openDirect(app, sam, [sid])
  const hello = await send(app, sid, direct, 'Can you swap Saturday?')
  t.match(await lastOf(sam, direct), { id: hello.id, preview: 'Can you swap Saturday?', author: { id: sid.id } })
  t.equal((await lastOf(owner, direct)) ?? 'not listed', 'not listed', 'the owner does not read it')

  const notice = await as(app, owner, 'POST', '/api/notices', {
    body: 'Use the side door.',
    title: 'Front door closed',
    clientKey: newClientKey('notice'),
  })
  t.equal(notice.statusCode, 201)
  t.match(await lastOf(sam, boardId), { preview: 'Front door closed', kind: 'notice' })
})

t.test('an edit changes the preview; deleting the latest shows the one before', async (t) => {
  const channel = await createChannel(app, owner, 'edits', { members: [sam] })
  const before = await send(app, owner, channel, 'delivery at 9')
  const latest = await send(app, sam, channel, 'bread is late')
  const edited = await as(app, sam, 'PATCH', `/api/messages/${latest.id}`, { body: 'bread is *very* late' })
  t.equal(edited.statusCode, 200)
  t.match(await lastOf(owner, channel), { id: latest.id, preview: 'bread is very late' })

  const deleted = await as(app, sam, 'DELETE', `/api/messages/${latest.id}`)
  t.equal(deleted.statusCode, 200)
  t.match(await lastOf(owner, channel), { id: before.id, preview: 'delivery at 9', author: { id: owner.id } })
  t.notOk(JSON.stringify(await conversationsOf(app, owner)).includes('bread'), 'nothing of the deleted text is left')
})
