import t from 'tap'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import {
  as,
  boardIdOf,
  conversationOf,
  createChannel,
  eventsAfter,
  historyOf,
  lastEventId,
  newClientKey,
  send,
  sendRequest,
  tinyPng,
  upload,
} from '../helpers/chat'

const { app, ctx, clock, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [manager, sam, sid, ola] = (await Promise.all([
  createMember(app, owner.cookie, { role: 'manager', username: 'mona' }),
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
  createMember(app, owner.cookie, { username: 'ola' }),
])) as [SignedInMember, SignedInMember, SignedInMember, SignedInMember]
const boardId = await boardIdOf(app, owner)
const floor = await createChannel(app, manager, 'shop-floor', { members: [sam, sid] })

async function messageCount(conversationId: number): Promise<number> {
  const row = await ctx.db
    .selectFrom('message')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversation_id', '=', conversationId)
    .where('kind', '!=', 'system')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function search(member: SignedInMember, q: string) {
  const response = await as(app, member, 'GET', `/api/search?q=${encodeURIComponent(q)}`)
  t.equal(response.statusCode, 200)
  return bodyOf<{ messageId: number }[]>(response)
}

t.test('a message may have 4,000 characters and no more', async (t) => {
  const exact = await sendRequest(app, sam, floor, 'a'.repeat(4000))
  t.equal(exact.statusCode, 201)
  t.equal(bodyOf<MessageView>(exact).body.length, 4000)
  const emoji = await sendRequest(app, sam, floor, '🛒'.repeat(4000))
  t.equal(emoji.statusCode, 201, 'characters, not UTF-16 units, are counted')
  const trailing = await sendRequest(app, sam, floor, `${'b'.repeat(4000)}   \n\n`)
  t.equal(trailing.statusCode, 201, 'trailing whitespace does not count')
  t.equal(bodyOf<MessageView>(trailing).body, 'b'.repeat(4000))

  const before = await messageCount(floor)
  const over = await sendRequest(app, sam, floor, 'c'.repeat(4001))
  t.equal(over.statusCode, 400)
  t.equal(bodyOf(over).code, 'message_too_long')
  const huge = await sendRequest(app, sam, floor, 'd'.repeat(16_001))
  t.equal(huge.statusCode, 400, 'over the schema maxLength the request itself is invalid')
  t.equal(bodyOf(huge).code, 'invalid_request')
  const empty = await sendRequest(app, sam, floor, '   \n ')
  t.equal(empty.statusCode, 400)
  t.equal(bodyOf(empty).code, 'empty_message')
  t.equal(await messageCount(floor), before, 'nothing was stored')

  const message = await send(app, sam, floor, 'short')
  const longEdit = await as(app, sam, 'PATCH', `/api/messages/${message.id}`, { body: 'e'.repeat(4001) })
  t.equal(longEdit.statusCode, 400, 'an edit obeys the same limit')
  t.equal(bodyOf(longEdit).code, 'message_too_long')
})

t.test(
  'sending twice with the same clientKey gives one message; the second answer is 200 with the same id',
  async (t) => {
    const clientKey = newClientKey('retry')
    const before = await messageCount(floor)
    const first = await sendRequest(app, sid, floor, 'till 2 is jammed', { clientKey })
    t.equal(first.statusCode, 201)
    const second = await sendRequest(app, sid, floor, 'till 2 is jammed', { clientKey })
    t.equal(second.statusCode, 200)
    t.equal(bodyOf<MessageView>(second).id, bodyOf<MessageView>(first).id)
    t.equal(await messageCount(floor), before + 1)
    const created = await eventsAfter(ctx, 0, 'message.created')
    t.equal(created.filter((e) => (e.data.message as MessageView).clientKey === clientKey).length, 1, 'one event too')

    const elsewhere = await sendRequest(app, sid, boardId, 'till 2 is jammed', {
      clientKey,
      replyToId: bodyOf<MessageView>(first).id,
    })
    t.equal(elsewhere.statusCode, 409, 'the same key for another conversation is refused')
    t.equal(bodyOf(elsewhere).code, 'client_key_reused')
    const otherAuthor = await sendRequest(app, sam, floor, 'till 2 is jammed', { clientKey })
    t.equal(otherAuthor.statusCode, 201, 'keys are per author')
  },
)

t.test('the same clientKey sent concurrently still makes one message', async (t) => {
  const clientKey = newClientKey('burst')
  const before = await messageCount(floor)
  const responses = await Promise.all(
    Array.from({ length: 6 }, () => sendRequest(app, sam, floor, 'double tap', { clientKey })),
  )
  const statuses = responses.map((r) => r.statusCode).sort()
  t.same(statuses, [200, 200, 200, 200, 200, 201], 'one created, the rest found it')
  t.equal(new Set(responses.map((r) => bodyOf<MessageView>(r).id)).size, 1, 'all answers name the same message')
  t.equal(await messageCount(floor), before + 1)
})

t.test('a reply must be to a message in the same conversation', async (t) => {
  const target = await send(app, sam, floor, 'who has the keys?')
  const reply = await sendRequest(app, sid, floor, 'me', { replyToId: target.id })
  t.equal(reply.statusCode, 201)
  t.match(bodyOf<MessageView>(reply).replyTo, { id: target.id, authorName: 'sam Person', excerpt: 'who has the keys?' })
  const boardPost = await send(app, manager, boardId, 'Closing early today')
  const across = await sendRequest(app, sid, floor, 'agreed', { replyToId: boardPost.id })
  t.equal(across.statusCode, 400)
  t.equal(bodyOf(across).code, 'invalid_reply')
  const ghost = await sendRequest(app, sid, floor, 'hello?', { replyToId: 99_999_999 })
  t.equal(ghost.statusCode, 400)
  t.equal(bodyOf(ghost).code, 'invalid_reply')
})

t.test('editing: the author marks it edited; another staff member and a manager cannot', async (t) => {
  const message = await send(app, sam, floor, 'delivery at 9')
  t.equal(message.editedAt, null)
  clock.advance(60_000)
  const edited = await as(app, sam, 'PATCH', `/api/messages/${message.id}`, { body: 'delivery at 10' })
  t.equal(edited.statusCode, 200)
  t.match(bodyOf(edited), { id: message.id, body: 'delivery at 10', editedAt: clock.now() })

  const bySid = await as(app, sid, 'PATCH', `/api/messages/${message.id}`, { body: 'delivery never' })
  t.equal(bySid.statusCode, 403)
  t.equal(bodyOf(bySid).code, 'not_author')
  clock.advance(1000)
  const byManager = await as(app, manager, 'PATCH', `/api/messages/${message.id}`, { body: 'delivery never' })
  t.equal(byManager.statusCode, 403, 'a manager may remove a message but not rewrite it')
  t.equal(bodyOf(byManager).code, 'not_author')
  const again = await as(app, sam, 'PATCH', `/api/messages/${message.id}`, { body: 'delivery at 11' })
  t.equal(again.statusCode, 200)
  t.match(bodyOf(again), { body: 'delivery at 11', editedAt: clock.now() })
  const byOutsider = await as(app, ola, 'PATCH', `/api/messages/${message.id}`, { body: 'x' })
  t.equal(byOutsider.statusCode, 404, 'someone outside the conversation cannot even find it')
  t.equal(bodyOf(byOutsider).code, 'message_not_found')
  const history = await historyOf(app, sid, floor)
  t.equal(history.find((m) => m.id === message.id)?.body, 'delivery at 11')

  const updated = await eventsAfter(ctx, 0, 'message.updated')
  t.ok(
    updated.some((e) => (e.data.message as MessageView).body === 'delivery at 11'),
    'message.updated is emitted',
  )
  const system = (await historyOf(app, sam, floor)).find((m) => m.kind === 'system') as MessageView
  const editSystem = await as(app, manager, 'PATCH', `/api/messages/${system.id}`, { body: 'hacked' })
  t.equal(editSystem.statusCode, 403)
  t.equal(bodyOf(editSystem).code, 'system_message')
})

t.test('deleting leaves a tombstone without text or attachments and removes it from search', async (t) => {
  const png = await upload(app, sam, tinyPng(2, 2), 'shelf.png')
  const message = await send(app, sam, floor, 'zebrawood shelves arrived', { attachments: [{ fileId: png.id }] })
  await as(app, sid, 'POST', `/api/messages/${message.id}/reactions`, { emoji: '👍', isOn: true })
  t.equal((await search(sam, 'zebrawood')).length, 1, 'found before deleting')
  t.equal((await as(app, sid, 'GET', `/api/files/${png.id}`)).statusCode, 200, 'the attachment is readable before')

  const bySid = await as(app, sid, 'DELETE', `/api/messages/${message.id}`)
  t.equal(bySid.statusCode, 403)
  t.equal(bodyOf(bySid).code, 'not_author')
  clock.advance(5000)
  const deleted = await as(app, sam, 'DELETE', `/api/messages/${message.id}`)
  t.equal(deleted.statusCode, 200)
  t.same(bodyOf(deleted), { ok: true })

  const tombstone = (await historyOf(app, sid, floor)).find((m) => m.id === message.id)
  t.match(tombstone, { body: '', deletedAt: clock.now(), attachments: [], reactions: [] })
  const row = await ctx.db.selectFrom('message').select('body').where('id', '=', message.id).executeTakeFirstOrThrow()
  t.equal(row.body, '', 'the text is gone from the database, not only hidden')
  t.same(await search(sam, 'zebrawood'), [], 'no longer found')
  const file = await as(app, sid, 'GET', `/api/files/${png.id}`)
  t.equal(file.statusCode, 404, 'the attachment is no longer served to others')
  t.equal(bodyOf(file).code, 'file_not_found')
  const again = await as(app, sam, 'DELETE', `/api/messages/${message.id}`)
  t.equal(again.statusCode, 409)
  t.equal(bodyOf(again).code, 'message_deleted')
  const deletedEvents = await eventsAfter(ctx, 0, 'message.deleted')
  t.ok(deletedEvents.some((e) => e.data.messageId === message.id))

  const other = await send(app, sid, floor, 'rude words')
  t.equal((await as(app, manager, 'DELETE', `/api/messages/${other.id}`)).statusCode, 200, 'a manager may delete')
})

t.test('reactions: adding twice counts once, removing works, anything but an emoji is refused', async (t) => {
  const message = await send(app, sam, floor, 'new stock is in')
  const url = `/api/messages/${message.id}/reactions`
  const first = await as(app, sid, 'POST', url, { emoji: '👍', isOn: true })
  t.equal(first.statusCode, 200)
  const twice = await as(app, sid, 'POST', url, { emoji: '👍', isOn: true })
  t.same(bodyOf(twice), [{ emoji: '👍', count: 1, memberIds: [sid.id] }])
  await as(app, manager, 'POST', url, { emoji: '👍', isOn: true })
  const family = await as(app, sam, 'POST', url, { emoji: '👨‍👩‍👧', isOn: true })
  t.equal(family.statusCode, 200, 'a joined emoji is one emoji')
  const flag = await as(app, manager, 'POST', url, { emoji: '🇬🇧', isOn: true })
  t.equal(flag.statusCode, 200, 'so is a flag')
  const keycap = await as(app, manager, 'POST', url, { emoji: '1️⃣', isOn: true })
  t.equal(keycap.statusCode, 200, 'and a keycap')
  const removed = await as(app, sid, 'POST', url, { emoji: '👍', isOn: false })
  t.same(
    bodyOf<{ emoji: string; count: number }[]>(removed).find((r) => r.emoji === '👍'),
    { emoji: '👍', count: 1, memberIds: [manager.id] },
  )
  const removeMissing = await as(app, sid, 'POST', url, { emoji: '🎉', isOn: false })
  t.equal(removeMissing.statusCode, 200, 'removing a reaction you never made is harmless')

  for (const emoji of [
    'abc',
    '<script>',
    '1',
    '#',
    'a👍',
    '\u200d',
    '\ufe0f',
    '\u{E0067}\u{E007F}',
    '\u200d\u200d\ufe0f',
  ]) {
    const response = await as(app, sid, 'POST', url, { emoji, isOn: true })
    t.equal(response.statusCode, 400, `${JSON.stringify(emoji)} is refused`)
    t.equal(bodyOf(response).code, 'invalid_emoji')
  }
  const rows = await ctx.db.selectFrom('reaction').select('emoji').where('message_id', '=', message.id).execute()
  t.same(rows.map((r) => r.emoji).sort(), ['👍', '👨‍👩‍👧', '🇬🇧', '1️⃣'].sort())
  const byOutsider = await as(app, ola, 'POST', url, { emoji: '👍', isOn: true })
  t.equal(byOutsider.statusCode, 404)
  t.equal(bodyOf(byOutsider).code, 'message_not_found')
})

t.test('mentions fill mentionIds and raise the mentioned member’s mention count', async (t) => {
  const before = (await conversationOf(app, sid, floor))?.mentionCount ?? -1
  const named = await send(app, sam, floor, 'hey @sid, can you cover? @nobody @SAM')
  t.same(named.mentionIds, [sid.id], 'a known username is resolved, an unknown one and the author are not')
  t.equal((await conversationOf(app, sid, floor))?.mentionCount, before + 1)
  t.equal((await conversationOf(app, manager, floor))?.mentionCount, 0, 'others are not mentioned')
  t.same((await send(app, sam, floor, 'email sid@example.com')).mentionIds, [], 'an email address is not a mention')

  const all = await send(app, sam, floor, 'team meeting @all')
  t.same(
    [...all.mentionIds].sort(),
    [manager.id, sid.id].sort(),
    '@all mentions everyone in the conversation but the author',
  )
  t.equal((await conversationOf(app, sid, floor))?.mentionCount, before + 2)
  t.equal((await conversationOf(app, manager, floor))?.mentionCount, 1)
  t.same((await send(app, sam, floor, 'hi @ola')).mentionIds, [], 'someone outside the conversation is not mentioned')

  await as(app, sid, 'POST', `/api/conversations/${floor}/read`, { lastReadId: all.id })
  t.equal((await conversationOf(app, sid, floor))?.mentionCount, 0, 'reading clears mentions')

  const edited = await as(app, sam, 'PATCH', `/api/messages/${named.id}`, { body: 'hey @mona, can you cover?' })
  t.same(bodyOf<MessageView>(edited).mentionIds, [manager.id], 'editing re-resolves mentions')
})

t.test('markdown and HTML in a body are stored and returned verbatim as JSON text', async (t) => {
  const body = '<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1)) <script>alert(2)</script> & &amp;'
  const sent = await sendRequest(app, sam, floor, body)
  t.equal(sent.statusCode, 201)
  t.match(sent.headers['content-type'], /^application\/json/)
  t.equal(bodyOf<MessageView>(sent).body, body)
  const row = await ctx.db
    .selectFrom('message')
    .select('body')
    .where('id', '=', bodyOf<MessageView>(sent).id)
    .executeTakeFirstOrThrow()
  t.equal(row.body, body, 'stored exactly as typed')
  const history = await as(app, sid, 'GET', `/api/conversations/${floor}/messages`)
  t.match(history.headers['content-type'], /^application\/json/)
  t.equal(bodyOf<{ messages: MessageView[] }>(history).messages.at(-1)?.body, body)
})

t.test('history pages by id and never answers 5xx to odd queries', async (t) => {
  const ids: number[] = []
  for (let i = 0; i < 5; i++) ids.push((await send(app, sid, floor, `page ${i}`)).id)
  const before = bodyOf<{ messages: MessageView[] }>(
    await as(app, sid, 'GET', `/api/conversations/${floor}/messages?beforeId=${ids[3]}&limit=2`),
  ).messages
  t.same(
    before.map((m) => m.id),
    [ids[1], ids[2]],
  )
  const after = bodyOf<{ messages: MessageView[] }>(
    await as(app, sid, 'GET', `/api/conversations/${floor}/messages?afterId=${ids[1]}&limit=2`),
  ).messages
  t.same(
    after.map((m) => m.id),
    [ids[2], ids[3]],
  )
  const around = bodyOf<{ messages: MessageView[] }>(
    await as(app, sid, 'GET', `/api/conversations/${floor}/messages?aroundId=${ids[2]}&limit=4`),
  ).messages
  t.ok(
    around.some((m) => m.id === ids[2]),
    'around includes the message itself',
  )
  for (const query of ['limit=0', 'limit=101', 'beforeId=-1', 'beforeId=abc', 'extra=1', 'limit=1e3']) {
    const response = await as(app, sid, 'GET', `/api/conversations/${floor}/messages?${query}`)
    t.equal(response.statusCode, 400, query)
    t.equal(bodyOf(response).code, 'invalid_request')
  }
})

t.test('bad send payloads get 400 with a code and store nothing', async (t) => {
  const before = await messageCount(floor)
  const startEvent = await lastEventId(ctx)
  const cases: [unknown, string][] = [
    [{ body: 'x', clientKey: 'short' }, 'invalid_request'],
    [{ body: 'x', clientKey: 'has spaces in it' }, 'invalid_request'],
    [{ body: 'x' }, 'invalid_request'],
    [{ body: 12, clientKey: newClientKey() }, 'invalid_request'],
    [{ body: 'x', clientKey: newClientKey(), extra: true }, 'invalid_request'],
    [{ body: 'x', clientKey: newClientKey(), replyToId: 0 }, 'invalid_request'],
    [{ body: 'x', clientKey: newClientKey(), attachments: [{ fileId: 99_999 }] }, 'invalid_attachment'],
    [
      { body: 'x', clientKey: newClientKey(), attachments: [{ location: { latitude: 91, longitude: 0 } }] },
      'invalid_request',
    ],
    [{ body: '', clientKey: newClientKey(), attachments: [] }, 'empty_message'],
    [
      { body: 'x', clientKey: newClientKey(), attachments: Array.from({ length: 11 }, () => ({ fileId: 1 })) },
      'invalid_request',
    ],
  ]
  for (const [payload, code] of cases) {
    const response = await as(app, sam, 'POST', `/api/conversations/${floor}/messages`, payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 80))
    t.equal(bodyOf(response).code, code)
  }
  const notJson = await app.inject({
    method: 'POST',
    url: `/api/conversations/${floor}/messages`,
    headers: { cookie: sam.cookie, 'content-type': 'application/json' },
    payload: '{"body": "x", ',
  })
  t.equal(notJson.statusCode, 400)
  t.equal(bodyOf(notJson).code, 'invalid_json')
  const located = await sendRequest(app, sam, floor, '', {
    attachments: [{ location: { latitude: 51.5, longitude: -0.12, accuracyM: 8 } }],
  })
  t.equal(located.statusCode, 201, 'a location alone is a message')
  t.match(bodyOf<MessageView>(located).attachments, [
    { kind: 'location', latitude: 51.5, longitude: -0.12, accuracyM: 8 },
  ])
  t.equal(await messageCount(floor), before + 1, 'only the good one was stored')
  t.equal((await eventsAfter(ctx, startEvent, 'message.created')).length, 1)
})
