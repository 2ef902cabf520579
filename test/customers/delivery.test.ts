/**
 * Replies to a customer through the bot when Telegram says no: a customer who blocked the
 * bot makes the reply fail and the customer unreachable (nothing more is tried), and a
 * 429 or an outage while replies are queued delivers each exactly once, in order.
 */
import t, { type Test } from 'tap'
import type { MessageView } from '../../server/shared/events'
import { bodyOf } from '../helpers/app'
import { as, historyOf, sleep } from '../helpers/chat'
import { botMessagesIn, outboxDrained, startTelegramApp, until, type TelegramApp } from '../helpers/telegram'
import type { UserHandle } from '../helpers/telegram-fake'

const bounded = { timeout: 40_000 }

async function withCustomer(t: Test): Promise<{ tg: TelegramApp; maria: UserHandle; conversationId: number }> {
  const tg = await startTelegramApp(t)
  const enabled = await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  if (enabled.statusCode !== 200) throw new Error(`enable failed: ${enabled.body}`)
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria' })
  maria.text('Is the shop open on Sunday?')
  let conversationId = 0
  await until('the customer to be listed', async () => {
    const list = bodyOf<{ items: { conversationId: number }[] }>(await as(tg.app, tg.owner, 'GET', '/api/customers'))
    conversationId = list.items[0]?.conversationId ?? 0
    return conversationId > 0
  })
  await botMessagesIn(tg.fake, maria.chat.id, 1)
  await outboxDrained(tg.ctx)
  return { tg, maria, conversationId }
}

async function reply(tg: TelegramApp, conversationId: number, body: string, clientKey: string) {
  const response = await as(tg.app, tg.owner, 'POST', `/api/conversations/${conversationId}/messages`, {
    body,
    clientKey,
  })
  if (response.statusCode !== 201) throw new Error(`reply failed: ${response.statusCode} ${response.body}`)
  return bodyOf<MessageView>(response)
}

async function deliveryOf(tg: TelegramApp, conversationId: number, messageId: number) {
  return (await historyOf(tg.app, tg.owner, conversationId)).find((m) => m.id === messageId)?.customer
}

/** What the bot said in the chat after the welcome (without the signature line). */
function repliesIn(tg: TelegramApp, chatId: number): string[] {
  return tg.fake
    .botMessages(chatId)
    .slice(1)
    .map((m) => (m.text ?? '').split('\n').at(-1) ?? '')
}

t.test('a customer who blocked the bot: failed, unreachable, nothing more tried', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  maria.block()
  const sendsBefore = tg.fake.calls('sendMessage').length
  const first = await reply(tg, conversationId, 'Yes, 10 to 4', 'blocked-reply-1')
  await until('the reply to fail', async () => (await deliveryOf(tg, conversationId, first.id))?.delivery === 'failed')
  t.match((await deliveryOf(tg, conversationId, first.id))?.deliveryError, /blocked/)
  t.equal(tg.fake.calls('sendMessage').length, sendsBefore + 1, 'tried once')
  const customer = bodyOf<{ isUnreachable: boolean }>(
    await as(tg.app, tg.owner, 'GET', `/api/customers/${conversationId}`),
  )
  t.equal(customer.isUnreachable, true)

  const second = await reply(tg, conversationId, 'Are you still there?', 'blocked-reply-2')
  t.equal(second.customer?.delivery, 'failed', 'known to fail at once')
  await outboxDrained(tg.ctx)
  await sleep(300)
  t.equal(tg.fake.calls('sendMessage').length, sendsBefore + 1, 'no new send call')
  t.equal(tg.fake.botMessages(maria.chat.id).length, 1, 'only the welcome ever arrived')
})

t.test('a 429 while three replies are queued: each delivered once, in order', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  tg.fake.failNext(1, { status: 429, retryAfter: 1, method: 'sendMessage' })
  const sendsBefore = tg.fake.calls('sendMessage').length
  const sent = []
  for (const [i, body] of ['First: we are open', 'Second: 10 to 4', 'Third: see you'].entries())
    sent.push(await reply(tg, conversationId, body, `limited-reply-${i}`))
  await outboxDrained(tg.ctx, 20_000)
  t.same(repliesIn(tg, maria.chat.id), ['First: we are open', 'Second: 10 to 4', 'Third: see you'])
  const calls = tg.fake.calls('sendMessage').slice(sendsBefore)
  t.equal(calls[0]?.status, 429, 'Telegram said too many')
  t.equal(calls.filter((c) => c.status === 200).length, 3, 'three accepted sends, no duplicate')
  for (const message of sent)
    await until(
      'each to show as sent',
      async () => (await deliveryOf(tg, conversationId, message.id))?.delivery === 'sent',
    )
})

t.test('an outage while three replies are queued: each delivered once, in order', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  tg.fake.setOutage(true)
  const sent = []
  for (const [i, body] of ['One', 'Two', 'Three'].entries())
    sent.push(await reply(tg, conversationId, body, `outage-reply-${i}`))
  await sleep(1500)
  t.same(repliesIn(tg, maria.chat.id), [], 'nothing arrives during the outage')
  tg.fake.setOutage(false)
  await outboxDrained(tg.ctx, 25_000)
  await until('all three to arrive', () => repliesIn(tg, maria.chat.id).length >= 3, 15_000)
  t.same(repliesIn(tg, maria.chat.id), ['One', 'Two', 'Three'])
  for (const message of sent)
    await until(
      'each to show as sent',
      async () => (await deliveryOf(tg, conversationId, message.id))?.delivery === 'sent',
    )
})
