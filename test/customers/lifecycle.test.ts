/**
 * A customer over time: a long quiet spell starts a new numbered request, solving asks once
 * how it went, colleagues added to a conversation hear of it like its assignee, the
 * retention setting erases what was solved long ago, the export carries customers, and an
 * assignee away from the app gets a push.
 */
import { createECDH, randomBytes } from 'node:crypto'
import zlib from 'node:zlib'
import t, { type Test } from 'tap'
import { eraseSolvedBefore } from '../../server/customers/service'
import type { MessageView } from '../../server/shared/events'
import { bodyOf, createMember, type SignedInMember } from '../helpers/app'
import { as, historyOf } from '../helpers/chat'
import {
  applied,
  botMessagesIn,
  link,
  outboxDrained,
  setAway,
  startTelegramApp,
  until,
  type TelegramApp,
} from '../helpers/telegram'

const bounded = { timeout: 40_000 }
const DAY = 86_400_000

interface CustomerView {
  episode: number
  status: string
  satisfaction: 'up' | 'down' | null
  isErased: boolean
  name: string
  participants: { id: number }[]
}

async function started(t: Test): Promise<TelegramApp> {
  const tg = await startTelegramApp(t)
  const enabled = await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  if (enabled.statusCode !== 200) throw new Error(`enable failed: ${enabled.body}`)
  return tg
}

async function settings(tg: TelegramApp, patch: Record<string, unknown>): Promise<void> {
  const response = await as(tg.app, tg.owner, 'PATCH', '/api/customers/settings', patch)
  if (response.statusCode !== 200) throw new Error(`settings failed: ${response.statusCode} ${response.body}`)
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

async function customerOf(tg: TelegramApp, conversationId: number): Promise<CustomerView> {
  const response = await as(tg.app, tg.owner, 'GET', `/api/customers/${conversationId}`)
  if (response.statusCode !== 200) throw new Error(`customer failed: ${response.statusCode} ${response.body}`)
  return bodyOf<CustomerView>(response)
}

async function setPermissions(tg: TelegramApp, member: SignedInMember, permissions: string[]) {
  const response = await as(tg.app, tg.owner, 'PUT', `/api/members/${member.id}/access`, { permissions })
  if (response.statusCode !== 200) throw new Error(`access failed: ${response.statusCode} ${response.body}`)
}

async function solve(tg: TelegramApp, conversationId: number): Promise<void> {
  const response = await as(tg.app, tg.owner, 'POST', `/api/conversations/${conversationId}/status`, {
    status: 'solved',
  })
  if (response.statusCode !== 200) throw new Error(`solve failed: ${response.statusCode} ${response.body}`)
}

function systemLines(history: MessageView[], action: string) {
  return history.filter((m) => m.system?.action === action)
}

t.test('a quiet spell longer than the setting starts a new numbered request', bounded, async (t) => {
  const tg = await started(t)
  await settings(tg, { episodeAfterDays: 3 })
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria' })
  const welcomes = () => tg.fake.botMessages(maria.chat.id).filter((m) => /Your reference: C-00001/.test(m.text ?? ''))
  maria.text('Do you stock hinges?')
  await botMessagesIn(tg.fake, maria.chat.id, 1)
  const conversationId = await conversationOf(tg, 7001)

  tg.clock.advance(2 * DAY)
  let { update } = maria.text('Still looking for hinges')
  await applied(tg.ctx, update?.update_id ?? 0)
  await outboxDrained(tg.ctx)
  t.equal((await customerOf(tg, conversationId)).episode, 1, 'within three days: the same request')
  t.equal(welcomes().length, 1, 'no second welcome')

  tg.clock.advance(4 * DAY)
  ;({ update } = maria.text('Now I need a lock'))
  await applied(tg.ctx, update?.update_id ?? 0)
  t.equal((await customerOf(tg, conversationId)).episode, 2, 'a new request')
  const history = await historyOf(tg.app, tg.owner, conversationId)
  t.same(
    systemLines(history, 'customer.episode').map((m) => m.system?.detail),
    ['#2'],
    'one line marks it',
  )
  t.equal(history.find((m) => m.body === 'Now I need a lock')?.customer?.episode, 2)
  t.equal(history.find((m) => m.body === 'Still looking for hinges')?.customer?.episode, 1)
  await until('the second welcome', () => welcomes().length === 2)
})

t.test('solving asks once how it went; only the customer’s answer counts', bounded, async (t) => {
  const tg = await started(t)
  await settings(tg, { askSatisfaction: true })
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria' })
  const pat = tg.fake.user({ id: 7002, first_name: 'Pat' })
  maria.text('My lawnmower will not start')
  await botMessagesIn(tg.fake, maria.chat.id, 1)
  const conversationId = await conversationOf(tg, 7001)
  pat.text('Hello')
  await botMessagesIn(tg.fake, pat.chat.id, 1)
  const data = `csat:up:${conversationId}`
  const questions = () =>
    tg.fake
      .botMessages(maria.chat.id)
      .filter((m) => m.reply_markup?.inline_keyboard.flat().some((b) => b.callback_data === data))

  await solve(tg, conversationId)
  await until('the question', () => questions().length === 1)
  const buttons = questions()[0]?.reply_markup?.inline_keyboard.flat() ?? []
  t.same(
    buttons.map((b) => [b.text, b.callback_data]),
    [
      ['👍', data],
      ['👎', `csat:down:${conversationId}`],
    ],
  )

  // Someone else pressing Maria's button (a crafted update from Pat's chat) changes nothing.
  const patMessage = tg.fake.botMessages(pat.chat.id)[0]
  const forged = tg.fake.userSends({
    callback_query: {
      id: '9000000000001',
      from: { id: 7002, is_bot: false, first_name: 'Pat' },
      message: patMessage,
      chat_instance: '42',
      data,
    },
  } as Parameters<typeof tg.fake.userSends>[0])
  await applied(tg.ctx, forged?.update_id ?? 0)
  t.equal((await customerOf(tg, conversationId)).satisfaction, null, 'not Pat’s to answer')
  t.equal(systemLines(await historyOf(tg.app, tg.owner, conversationId), 'customer.rated').length, 0)

  const { update } = maria.press(questions()[0] as { message_id: number }, data)
  await applied(tg.ctx, update?.update_id ?? 0)
  t.equal((await customerOf(tg, conversationId)).satisfaction, 'up')
  t.same(
    systemLines(await historyOf(tg.app, tg.owner, conversationId), 'customer.rated').map((m) => m.system?.detail),
    ['👍'],
  )
  // Pressing again (or the other button) does not change the answer.
  const again = maria.press(questions()[0] as { message_id: number }, `csat:down:${conversationId}`)
  await applied(tg.ctx, again.update?.update_id ?? 0)
  t.equal((await customerOf(tg, conversationId)).satisfaction, 'up', 'the first answer stays')

  maria.text('It stopped again')
  await until('the conversation to reopen', async () => (await customerOf(tg, conversationId)).status === 'open')
  await solve(tg, conversationId)
  await outboxDrained(tg.ctx)
  t.equal(questions().length, 1, 'never asked again')
})

t.test('participants and on-shift answerers hear of customer messages in Telegram', bounded, async (t) => {
  const tg = await started(t)
  const people: Record<string, SignedInMember> = {}
  for (const [name, id] of [
    ['Anna', 5001],
    ['Bob', 5002],
    ['Carl', 5003],
  ] as const) {
    const member = await createMember(tg.app, tg.owner.cookie, { displayName: `${name} Staff` })
    await setPermissions(tg, member, ['customers.answer'])
    await link(tg, member, tg.fake.user({ id, first_name: name }))
    people[name] = member
  }
  const { Anna: anna, Bob: bob, Carl: carl } = people as Record<'Anna' | 'Bob' | 'Carl', SignedInMember>
  const dave = await createMember(tg.app, tg.owner.cookie, { displayName: 'Dave Delivery' })
  const chatOf = (id: number) => tg.fake.user({ id, first_name: 'x' }).chat.id
  const mentions = (chatId: number, text: string) =>
    tg.fake.botMessages(chatId).filter((m) => (m.text ?? '').includes(text)).length

  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs' })
  maria.text('Hello')
  const conversationId = await conversationOf(tg, 7001)
  const added = await as(tg.app, tg.owner, 'POST', `/api/customers/${conversationId}/participants`, {
    memberId: bob.id,
  })
  t.equal(added.statusCode, 200, added.body)
  t.same(
    bodyOf<CustomerView>(added).participants.map((p) => p.id),
    [bob.id],
  )
  const refused = await as(tg.app, tg.owner, 'POST', `/api/customers/${conversationId}/participants`, {
    memberId: dave.id,
  })
  t.equal(refused.statusCode, 400, refused.body)
  t.equal(bodyOf(refused).code, 'not_an_answerer')
  t.same(
    (await customerOf(tg, conversationId)).participants.map((p) => p.id),
    [bob.id],
  )
  t.equal(
    (
      await as(tg.app, tg.owner, 'POST', `/api/conversations/${conversationId}/assign`, {
        memberId: anna.id,
      })
    ).statusCode,
    200,
  )
  for (const member of [anna, bob, carl]) await setAway(tg.app, member)
  await outboxDrained(tg.ctx)

  maria.text('Do you have AA batteries?')
  await until('Anna to hear of it', () => mentions(chatOf(5001), 'AA batteries') === 1)
  await until('Bob to hear of it', () => mentions(chatOf(5002), 'AA batteries') === 1)
  await outboxDrained(tg.ctx)
  t.equal(mentions(chatOf(5003), 'AA batteries'), 0, 'not another answerer')

  // Nobody's conversation: answerers on shift hear of it, those who said they are away do not.
  const onShift = await as(tg.app, carl, 'PUT', '/api/me/status', { shiftStatus: 'on_shift', untilMinutes: null })
  t.equal(onShift.statusCode, 200, onShift.body)
  const pat = tg.fake.user({ id: 7002, first_name: 'Pat' })
  pat.text('Any 10 mm bolts?')
  await until('Carl to hear of it', () => mentions(chatOf(5003), '10 mm bolts') === 1)
  await outboxDrained(tg.ctx)
  t.equal(mentions(chatOf(5001), '10 mm bolts'), 0, 'Anna is away')
  t.equal(mentions(chatOf(5002), '10 mm bolts'), 0, 'Bob is away')
})

t.test('retention erases what was solved long ago and keeps what is open', bounded, async (t) => {
  const tg = await started(t)
  await settings(tg, { retentionDays: 1 })
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs' })
  const pat = tg.fake.user({ id: 7002, first_name: 'Pat' })
  maria.text('My address is 5 Elm Road')
  pat.text('My address is 9 Oak Lane')
  const mariaConversation = await conversationOf(tg, 7001)
  const patConversation = await conversationOf(tg, 7002)
  await until('both messages stored', async () => {
    const bodies = [
      ...(await historyOf(tg.app, tg.owner, mariaConversation)),
      ...(await historyOf(tg.app, tg.owner, patConversation)),
    ].map((m) => m.body)
    return bodies.includes('My address is 5 Elm Road') && bodies.includes('My address is 9 Oak Lane')
  })
  await solve(tg, mariaConversation)
  t.equal(await eraseSolvedBefore(tg.ctx, tg.clock.now()), 0, 'solved just now: kept')

  tg.clock.advance(2 * DAY)
  t.equal(await eraseSolvedBefore(tg.ctx, tg.clock.now()), 1, 'one customer erased')
  t.match(await customerOf(tg, mariaConversation), { isErased: true, name: 'Erased customer' })
  t.notOk(
    (await historyOf(tg.app, tg.owner, mariaConversation)).some((m) => m.body.includes('Elm Road')),
    'the words are gone',
  )
  t.match(await customerOf(tg, patConversation), { isErased: false, name: 'Pat' })
  t.ok(
    (await historyOf(tg.app, tg.owner, patConversation)).some((m) => m.body === 'My address is 9 Oak Lane'),
    'the open conversation is kept',
  )
  t.equal(await eraseSolvedBefore(tg.ctx, tg.clock.now()), 0, 'nothing twice')
})

/** Reads a POSIX ustar archive into a map of entry name to bytes. */
function untar(archive: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>()
  const text = (block: Buffer, start: number, length: number) =>
    block
      .subarray(start, start + length)
      .toString('utf8')
      .replace(/\0.*$/s, '')
  let offset = 0
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512)
    if (header.every((byte) => byte === 0)) break
    const prefix = text(header, 345, 155)
    const name = (prefix ? `${prefix}/` : '') + text(header, 0, 100)
    const size = parseInt(text(header, 124, 12).trim(), 8)
    offset += 512
    entries.set(name, Buffer.from(archive.subarray(offset, offset + size)))
    offset += Math.ceil(size / 512) * 512
  }
  return entries
}

t.test('the export carries customers and their messages', bounded, async (t) => {
  const tg = await started(t)
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs' })
  maria.text('Please export me')
  const conversationId = await conversationOf(tg, 7001)
  let messageId = 0
  await until('the message stored', async () => {
    messageId = (await historyOf(tg.app, tg.owner, conversationId)).find((m) => m.body === 'Please export me')?.id ?? 0
    return messageId > 0
  })
  const response = await as(tg.app, tg.owner, 'GET', '/api/export')
  t.equal(response.statusCode, 200)
  const entries = untar(zlib.gunzipSync(response.rawPayload))
  const data = JSON.parse(entries.get('backboard-export/data.json')?.toString('utf8') ?? '{}') as Record<
    string,
    Record<string, unknown>[]
  >
  t.match(data.customer, [{ conversation_id: conversationId, first_name: 'Maria', telegram_user_id: 7001 }])
  t.ok(
    data.customer_message?.some((row) => row.message_id === messageId && row.direction === 'in'),
    'the customer’s message',
  )
})

t.test('a customer message pushes the assignee who is away', bounded, async (t) => {
  const tg = await started(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const bob = await createMember(tg.app, tg.owner.cookie, { displayName: 'Bob Stock' })
  for (const member of [anna, bob]) await setPermissions(tg, member, ['customers.answer'])
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs' })
  maria.text('Hello')
  const conversationId = await conversationOf(tg, 7001)
  const assigned = await as(tg.app, tg.owner, 'POST', `/api/conversations/${conversationId}/assign`, {
    memberId: anna.id,
  })
  t.equal(assigned.statusCode, 200, assigned.body)
  for (const member of [anna, bob]) await setAway(tg.app, member)

  // A device each, stored as subscribing would; the app reads whether any exist when it starts.
  const subscriptions: Record<number, number> = {}
  for (const member of [anna, bob]) {
    const session = await tg.ctx.db
      .selectFrom('session')
      .select('id')
      .where('member_id', '=', member.id)
      .executeTakeFirstOrThrow()
    const ecdh = createECDH('prime256v1')
    ecdh.generateKeys()
    const row = await tg.ctx.db
      .insertInto('push_subscription')
      .values({
        member_id: member.id,
        session_id: session.id,
        endpoint: `https://127.0.0.1/push/${member.id}`,
        p256dh: ecdh.getPublicKey().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
        created_at: tg.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    subscriptions[member.id] = row.id
  }
  await tg.restart()

  const { update } = maria.text('Is my order ready?')
  await applied(tg.ctx, update?.update_id ?? 0)
  const pushes = (await tg.ctx.db.selectFrom('outbox').select('payload').where('channel', '=', 'push').execute()).map(
    (row) =>
      JSON.parse(row.payload) as { subscriptionId: number; payload: { title: string; body: string; url: string } },
  )
  t.same(
    pushes.map((p) => p.subscriptionId),
    [subscriptions[anna.id]],
    'Anna’s device only',
  )
  t.match(pushes[0]?.payload, {
    title: 'Maria Kovacs · customer',
    body: 'Is my order ready?',
    url: new RegExp(`^/chat/${conversationId}\\?at=\\d+$`),
  })
})
