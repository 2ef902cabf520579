/**
 * Who counts as a customer and what the shop's rules do to what they send: linked staff are
 * never customers, nothing is taken while the feature is off, business hours answer once per
 * request when closed, blocking silences, the rate limit marks what came too fast, and
 * erasing leaves nothing of the person.
 */
import t, { type Test } from 'tap'
import type { MessageView } from '../../server/shared/events'
import { bodyOf, createMember } from '../helpers/app'
import { as, historyOf, sleep, tinyPng } from '../helpers/chat'
import {
  applied,
  botMessagesIn,
  link,
  outboxDrained,
  startTelegramApp,
  until,
  type TelegramApp,
} from '../helpers/telegram'
import type { UserHandle } from '../helpers/telegram-fake'

const bounded = { timeout: 40_000 }

const AWAY = 'We are closed now; we answer on Monday.'

async function enable(tg: TelegramApp): Promise<void> {
  const enabled = await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  if (enabled.statusCode !== 200) throw new Error(`enable failed: ${enabled.body}`)
}

async function customers(tg: TelegramApp) {
  const response = await as(tg.app, tg.owner, 'GET', '/api/customers?filter=all')
  if (response.statusCode !== 200) throw new Error(`list failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ items: { conversationId: number; name: string; isThrottled: boolean }[] }>(response).items
}

/** The conversation of the customer with this Telegram user id, once it exists. */
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

async function incoming(tg: TelegramApp, conversationId: number): Promise<MessageView[]> {
  return (await historyOf(tg.app, tg.owner, conversationId)).filter((m) => m.customer?.direction === 'in')
}

async function started(t: Test): Promise<TelegramApp> {
  const tg = await startTelegramApp(t)
  await enable(tg)
  return tg
}

t.test('a linked staff member writing to the bot is staff, not a customer', bounded, async (t) => {
  const tg = await started(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  const { update } = handle.text('Is anyone in the stock room?')
  await applied(tg.ctx, update?.update_id ?? 0)
  await outboxDrained(tg.ctx)
  t.same(await customers(tg), [], 'nobody listed')
  const rows = await tg.ctx.db.selectFrom('conversation').select('id').where('kind', '=', 'customer').execute()
  t.same(rows, [], 'no customer conversation')
  t.notOk(
    tg.fake.botMessages(handle.chat.id).some((m) => /Your reference/.test(m.text ?? '')),
    'no customer welcome',
  )
})

t.test('with customers off, a stranger gets the polite refusal and nothing is stored', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const stranger = tg.fake.user({ id: 7002, first_name: 'Pat' })
  stranger.text('Do you sell batteries?')
  const [answer] = await botMessagesIn(tg.fake, stranger.chat.id, 1)
  t.notMatch(answer?.text, /Your reference/, 'not a customer welcome')
  t.ok((answer?.text ?? '').length > 0, 'a polite answer')
  await outboxDrained(tg.ctx)
  t.same(await tg.ctx.db.selectFrom('customer').select('id').execute(), [], 'no customer stored')
  const kinds = await tg.ctx.db.selectFrom('conversation').select('kind').where('kind', '=', 'customer').execute()
  t.same(kinds, [], 'no conversation')
  t.same(await customers(tg), [])
})

t.test('business hours: the away reply comes once per request, on the shop’s clock', bounded, async (t) => {
  const tg = await started(t)
  const shop = await as(tg.app, tg.owner, 'PATCH', '/api/settings', { timezone: 'Europe/Budapest' })
  t.equal(shop.statusCode, 200, shop.body)
  const weekday = [{ from: '09:00', to: '17:00' }]
  const hours = await as(tg.app, tg.owner, 'PATCH', '/api/customers/settings', {
    awayText: AWAY,
    hours: { days: { '1': weekday, '2': weekday, '3': weekday, '4': weekday, '5': weekday }, holidays: [] },
  })
  t.equal(hours.statusCode, 200, hours.body)
  const saysAway = (chatId: number) => tg.fake.botMessages(chatId).filter((m) => (m.text ?? '').includes(AWAY)).length

  // Friday 4 December 2026, 16:59 in Budapest (UTC+1): still open.
  tg.clock.set(Date.UTC(2026, 11, 4, 15, 59, 0))
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria' })
  maria.text('Are you open?')
  const [welcome] = await botMessagesIn(tg.fake, maria.chat.id, 1)
  t.match(welcome?.text, /Your reference/)
  t.equal(saysAway(maria.chat.id), 0, 'no away reply at 16:59')

  // 17:01: closed. One away reply, however many messages follow.
  tg.clock.set(Date.UTC(2026, 11, 4, 16, 1, 0))
  maria.text('Hello?')
  await until('the away reply', () => saysAway(maria.chat.id) === 1)
  const conversationId = await conversationOf(tg, 7001)
  maria.text('Anyone?')
  tg.clock.set(Date.UTC(2026, 11, 5, 10, 0, 0))
  const { update } = maria.text('It is Saturday now')
  await applied(tg.ctx, update?.update_id ?? 0)
  await outboxDrained(tg.ctx)
  t.equal((await incoming(tg, conversationId)).length, 4, 'every message stored')
  t.equal(saysAway(maria.chat.id), 1, 'the away reply once in the request')

  // Someone writing first on Saturday gets the welcome and the away reply.
  const pat = tg.fake.user({ id: 7002, first_name: 'Pat' })
  pat.text('Open tomorrow?')
  await until('Pat’s away reply', () => saysAway(pat.chat.id) === 1)
  t.match(tg.fake.botMessages(pat.chat.id).at(-1)?.text, /Your reference/)
})

t.test('a blocked customer: nothing stored, the bot says nothing', bounded, async (t) => {
  const tg = await started(t)
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria' })
  maria.text('Hello')
  await botMessagesIn(tg.fake, maria.chat.id, 1)
  const conversationId = await conversationOf(tg, 7001)
  const blocked = await as(tg.app, tg.owner, 'POST', `/api/customers/${conversationId}/block`)
  t.equal(blocked.statusCode, 200, blocked.body)
  t.equal(bodyOf<{ isBlocked: boolean }>(blocked).isBlocked, true)
  await outboxDrained(tg.ctx)
  const said = tg.fake.botMessages(maria.chat.id).length
  const { update } = maria.text('Why no answer??')
  maria.photo(tinyPng(10, 10))
  const last = maria.text('HELLO')
  await applied(tg.ctx, last.update?.update_id ?? update?.update_id ?? 0)
  await outboxDrained(tg.ctx)
  await sleep(200)
  t.equal((await incoming(tg, conversationId)).length, 1, 'nothing more stored')
  t.equal(tg.fake.botMessages(maria.chat.id).length, said, 'the bot said nothing')
})

t.test('over the rate limit: stored, marked throttled', bounded, async (t) => {
  const tg = await started(t)
  const limited = await as(tg.app, tg.owner, 'PATCH', '/api/customers/settings', { ratePerMinute: 3 })
  t.equal(limited.statusCode, 200, limited.body)
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria' })
  let last = 0
  for (let i = 1; i <= 5; i++) last = maria.text(`Message ${i}`).update?.update_id ?? 0
  await applied(tg.ctx, last)
  const conversationId = await conversationOf(tg, 7001)
  const messages = await incoming(tg, conversationId)
  t.same(
    messages.map((m) => [m.body, m.customer?.isThrottled]),
    [
      ['Message 1', false],
      ['Message 2', false],
      ['Message 3', false],
      ['Message 4', true],
      ['Message 5', true],
    ],
  )
  const view = bodyOf<{ isThrottled: boolean }>(await as(tg.app, tg.owner, 'GET', `/api/customers/${conversationId}`))
  t.equal(view.isThrottled, true)
  t.equal((await customers(tg))[0]?.isThrottled, true, 'listed as throttled')
})

t.test('erasing a customer leaves nothing of them', bounded, async (t) => {
  const tg = await started(t)
  const maria: UserHandle = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs', username: 'mariak' })
  maria.text('My address is 5 Elm Road')
  const conversationId = await conversationOf(tg, 7001)
  maria.photo(tinyPng(16, 16), { caption: 'My receipt' })
  await until('both messages stored', async () => (await incoming(tg, conversationId)).length === 2)
  const before = await incoming(tg, conversationId)
  const fileUrl = before[1]?.attachments[0]?.url as string
  t.ok(fileUrl, 'the photo is there')
  const reply = await as(tg.app, tg.owner, 'POST', `/api/conversations/${conversationId}/messages`, {
    body: 'Thanks Maria, found it',
    clientKey: 'erase-reply-1',
  })
  t.equal(reply.statusCode, 201)
  await outboxDrained(tg.ctx)

  const erased = await as(tg.app, tg.owner, 'POST', `/api/customers/${conversationId}/erase`)
  t.equal(erased.statusCode, 200, erased.body)
  const view = bodyOf<{ name: string; username: string; isErased: boolean }>(
    await as(tg.app, tg.owner, 'GET', `/api/customers/${conversationId}`),
  )
  t.match(view, { name: 'Erased customer', username: '', isErased: true })
  const history = (await historyOf(tg.app, tg.owner, conversationId)).filter((m) => m.kind !== 'system')
  t.ok(history.length >= 3)
  t.ok(
    history.every((m) => m.body === 'erased'),
    'every body erased',
  )
  t.ok(
    history.every((m) => m.attachments.length === 0),
    'no attachments',
  )
  t.notOk(
    history.some((m) => (m.customer?.customerName ?? '').includes('Maria')),
    'no name on the messages',
  )
  const conversations = bodyOf<{ id: number; name: string }[]>(await as(tg.app, tg.owner, 'GET', '/api/conversations'))
  t.equal(conversations.find((c) => c.id === conversationId)?.name, 'Erased customer')
  const search = bodyOf<unknown[]>(await as(tg.app, tg.owner, 'GET', '/api/search?q=Elm'))
  t.same(search, [], 'not found by search')
})
