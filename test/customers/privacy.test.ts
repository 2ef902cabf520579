/**
 * Customer conversations are for those who answer customers: a colleague without the
 * permission cannot list, read, search or hear of them, sees them once an owner grants it
 * and stops when it is taken away. An answerer away from the app answers in Telegram, where
 * `#note` keeps a reply internal and `#done` solves.
 */
import t, { type Test } from 'tap'
import type { MessageView } from '../../server/shared/events'
import { bodyOf, createMember, listen, type SignedInMember } from '../helpers/app'
import { as, historyOf } from '../helpers/chat'
import { openSocket, type Frame } from '../helpers/socket'
import {
  botMessagesIn,
  link,
  outboxDrained,
  setAway,
  startTelegramApp,
  until,
  type TelegramApp,
} from '../helpers/telegram'

const bounded = { timeout: 40_000 }

async function enable(tg: TelegramApp): Promise<void> {
  const enabled = await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  if (enabled.statusCode !== 200) throw new Error(`enable failed: ${enabled.body}`)
}

async function conversationOf(tg: TelegramApp, telegramUserId: number): Promise<number> {
  let id = 0
  await until(`customer ${telegramUserId} to be listed`, async () => {
    const row = await tg.ctx.db
      .selectFrom('customer')
      .select('conversation_id')
      .where('telegram_user_id', '=', telegramUserId)
      .executeTakeFirst()
    id = row?.conversation_id ?? 0
    return id > 0
  })
  return id
}

async function setPermissions(tg: TelegramApp, member: SignedInMember, permissions: string[]) {
  const response = await as(tg.app, tg.owner, 'PUT', `/api/members/${member.id}/access`, { permissions })
  if (response.statusCode !== 200) throw new Error(`access failed: ${response.statusCode} ${response.body}`)
}

/** Whether a frame concerns the conversation (its id on the event, or on the message it carries). */
function about(conversationId: number) {
  return (frame: Frame) => {
    const data = frame.data as { conversationId?: number; message?: { conversationId?: number } } | undefined
    return data?.conversationId === conversationId || data?.message?.conversationId === conversationId
  }
}

t.test('without customers.answer a colleague sees nothing of customers, until granted', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  await enable(tg)
  const bob = await createMember(tg.app, tg.owner.cookie, { displayName: 'Bob Stock' })
  const base = await listen(tg.app)
  const socket = await openSocket(base, bob.cookie, { origin: 'https://shop.example.org' })
  t.teardown(() => socket.close())

  const maria = tg.fake.user({ id: 7001, first_name: 'Maria' })
  maria.text('My loyalty card number is zebracrossing42')
  const conversationId = await conversationOf(tg, 7001)
  await until('the message to be stored', async () =>
    (await historyOf(tg.app, tg.owner, conversationId)).some((m) => m.body.includes('zebracrossing42')),
  )
  const reply = await as(tg.app, tg.owner, 'POST', `/api/conversations/${conversationId}/messages`, {
    body: 'Thanks, zebracrossing42 noted',
    clientKey: 'privacy-reply-1',
  })
  t.equal(reply.statusCode, 201)
  await outboxDrained(tg.ctx)

  const denied = await as(tg.app, bob, 'GET', '/api/customers')
  t.equal(denied.statusCode, 403, 'cannot list customers')
  t.equal((await as(tg.app, bob, 'GET', `/api/customers/${conversationId}`)).statusCode, 403)
  const listed = bodyOf<{ id: number; kind: string }[]>(await as(tg.app, bob, 'GET', '/api/conversations'))
  t.notOk(
    listed.some((c) => c.id === conversationId || c.kind === 'customer'),
    'not among conversations',
  )
  t.equal(
    (await as(tg.app, bob, 'GET', `/api/conversations/${conversationId}/messages`)).statusCode,
    404,
    'history not found',
  )
  const searched = await as(tg.app, bob, 'GET', '/api/search?q=zebracrossing42')
  t.equal(searched.statusCode, 200)
  t.same(bodyOf<unknown[]>(searched), [], 'search finds nothing')
  const replying = await as(tg.app, bob, 'POST', `/api/conversations/${conversationId}/messages`, {
    body: 'Hi',
    clientKey: 'privacy-bob-1',
  })
  t.equal(replying.statusCode, 404, 'cannot reply')
  // The owner searching does find it: the words are indexed.
  const ownerSearch = bodyOf<unknown[]>(await as(tg.app, tg.owner, 'GET', '/api/search?q=zebracrossing42'))
  t.ok(ownerSearch.length > 0, 'an answerer finds it')
  t.same(socket.frames.filter(about(conversationId)), [], 'no realtime events')

  await setPermissions(tg, bob, ['customers.answer'])
  t.equal((await as(tg.app, bob, 'GET', '/api/customers')).statusCode, 200, 'granted: can list')
  const nowListed = bodyOf<{ id: number }[]>(await as(tg.app, bob, 'GET', '/api/conversations'))
  t.ok(
    nowListed.some((c) => c.id === conversationId),
    'granted: among conversations',
  )
  const history = await as(tg.app, bob, 'GET', `/api/conversations/${conversationId}/messages`)
  t.equal(history.statusCode, 200)
  t.ok(bodyOf<{ messages: MessageView[] }>(history).messages.some((m) => m.body.includes('zebracrossing42')))
  t.ok(bodyOf<unknown[]>(await as(tg.app, bob, 'GET', '/api/search?q=zebracrossing42')).length > 0, 'granted: search')
  maria.text('Second message after the grant')
  await socket.waitFor((frame) => about(conversationId)(frame) && frame.type === 'message.created', 8000)

  await setPermissions(tg, bob, [])
  t.equal((await as(tg.app, bob, 'GET', '/api/customers')).statusCode, 403, 'revoked: cannot list')
  const afterRevoke = bodyOf<{ id: number }[]>(await as(tg.app, bob, 'GET', '/api/conversations'))
  t.notOk(
    afterRevoke.some((c) => c.id === conversationId),
    'revoked: not listed',
  )
  t.equal((await as(tg.app, bob, 'GET', `/api/conversations/${conversationId}/messages`)).statusCode, 404)
  t.same(bodyOf<unknown[]>(await as(tg.app, bob, 'GET', '/api/search?q=zebracrossing42')), [])
  // Told once that they left it, and nothing after that.
  await socket.waitFor((frame) => about(conversationId)(frame) && frame.type === 'conversation.member_removed', 8000)
  const framesBefore = socket.frames.length
  maria.text('Third message after the revoke')
  await until('the third message to be stored', async () =>
    (await historyOf(tg.app, tg.owner, conversationId)).some((m) => m.body === 'Third message after the revoke'),
  )
  await outboxDrained(tg.ctx)
  t.same(socket.frames.slice(framesBefore).filter(about(conversationId)), [], 'revoked: no realtime events')
})

/** Anna answers customers, is linked and away, and Maria's conversation is hers: Maria's messages reach her in Telegram. */
async function annaAnswersMaria(t: Test) {
  const tg = await startTelegramApp(t)
  await enable(tg)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  await setPermissions(tg, anna, ['customers.answer'])
  const annaTg = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, annaTg)

  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs' })
  maria.text('Hello')
  const conversationId = await conversationOf(tg, 7001)
  const assigned = await as(tg.app, tg.owner, 'POST', `/api/conversations/${conversationId}/assign`, {
    memberId: anna.id,
  })
  t.equal(assigned.statusCode, 200, assigned.body)
  await setAway(tg.app, anna)
  await outboxDrained(tg.ctx)
  const seen = tg.fake.botMessages(annaTg.chat.id).length
  maria.text('Do you have AA batteries?')
  const mirrored = (await botMessagesIn(tg.fake, annaTg.chat.id, seen + 1)).at(-1)
  t.match(mirrored?.text, /Maria Kovacs/, 'mirrored with the customer’s name')
  t.match(mirrored?.text, /AA batteries/)
  await outboxDrained(tg.ctx)
  const customerSaw = tg.fake.botMessages(maria.chat.id).length

  return { tg, anna, annaTg, maria, conversationId, mirrored: mirrored as { message_id: number }, customerSaw }
}

t.test('#note from an answerer replying in Telegram stays internal', bounded, async (t) => {
  const { tg, anna, annaTg, maria, conversationId, mirrored, customerSaw } = await annaAnswersMaria(t)
  annaTg.reply(mirrored, '#note check the back shelf first')
  let note: MessageView | undefined
  await until('the internal note', async () => {
    note = (await historyOf(tg.app, tg.owner, conversationId)).find((m) => m.body === 'check the back shelf first')
    return note !== undefined
  })
  t.equal(note?.author?.id, anna.id, 'by Anna')
  t.equal(note?.customer?.isInternal, true, 'internal')
  t.equal(note?.customer?.delivery, null, 'never delivered')
  await until('Anna to be told it was noted', () =>
    tg.fake.botMessages(annaTg.chat.id).some((m) => /Noted \(internal\)/.test(m.text ?? '')),
  )
  await outboxDrained(tg.ctx)
  t.equal(tg.fake.botMessages(maria.chat.id).length, customerSaw, 'the customer got nothing')

  annaTg.reply(mirrored, 'Yes, two packs left')
  await until('the plain reply to reach the customer', () =>
    tg.fake.botMessages(maria.chat.id).some((m) => /two packs left/.test(m.text ?? '')),
  )
  t.ok(
    tg.fake.botMessages(maria.chat.id).every((m) => !/back shelf/.test(m.text ?? '')),
    'the note never reached the customer',
  )
})

t.test('#done from an answerer replying in Telegram solves', bounded, async (t) => {
  const { tg, annaTg, conversationId, mirrored } = await annaAnswersMaria(t)
  annaTg.reply(mirrored, '#done')
  await until(
    'the conversation to be solved',
    async () => {
      const view = bodyOf<{ status: string }>(await as(tg.app, tg.owner, 'GET', `/api/customers/${conversationId}`))
      return view.status === 'solved'
    },
    4000,
  )
  await until('Anna to be told it is solved', () =>
    tg.fake.botMessages(annaTg.chat.id).some((m) => /Solved ✓/.test(m.text ?? '')),
  )
  const history = await historyOf(tg.app, tg.owner, conversationId)
  t.notOk(
    history.some((m) => m.body.includes('#done')),
    'the keyword is no message',
  )
})
