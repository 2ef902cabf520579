/**
 * The whole loop through the Telegram fake: a customer's first message opens their
 * conversation and gets the welcome with a reference, a staff reply reaches them through the
 * bot signed with a first name, solving and writing again reopens the same conversation.
 */
import t from 'tap'
import { bodyOf } from '../helpers/app'
import { as, historyOf } from '../helpers/chat'
import { botMessagesIn, outboxDrained, startTelegramApp, until } from '../helpers/telegram'

const bounded = { timeout: 40_000 }

t.test('first contact, welcome, staff reply, solved, reopened', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const enabled = await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  t.equal(enabled.statusCode, 200)
  t.equal(bodyOf<{ customersEnabled: boolean }>(enabled).customersEnabled, true)
  const maria = tg.fake.user({
    id: 7001,
    first_name: 'Maria',
    last_name: 'Kovacs',
    username: 'mariak',
    language_code: 'hu',
  })
  maria.start('counter')
  maria.text('Hello, my till receipt printer is jammed')
  const [welcome] = await botMessagesIn(tg.fake, maria.chat.id, 1)
  t.match(welcome?.text, /Your reference: C-00001/)
  let list: { items: { conversationId: number; name: string; source: string; status: string }[] } = { items: [] }
  await until('the customer to be listed', async () => {
    list = bodyOf(await as(tg.app, tg.owner, 'GET', '/api/customers?filter=open'))
    return list.items.length === 1
  })
  const item = list.items[0]!
  t.equal(item.name, 'Maria Kovacs')
  t.equal(item.source, 'counter')
  const conversations = bodyOf<{ id: number; kind: string; status: string | null }[]>(
    await as(tg.app, tg.owner, 'GET', '/api/conversations'),
  )
  t.match(
    conversations.find((c) => c.id === item.conversationId),
    { kind: 'customer', status: 'open' },
  )
  const reply = await as(tg.app, tg.owner, 'POST', `/api/conversations/${item.conversationId}/messages`, {
    body: 'We will send someone over',
    clientKey: 'reply-0001',
  })
  t.equal(reply.statusCode, 201, reply.body)
  const note = await as(tg.app, tg.owner, 'POST', `/api/conversations/${item.conversationId}/messages`, {
    body: 'Printer model TM-T20',
    clientKey: 'note-00001',
    isInternal: true,
  })
  t.equal(note.statusCode, 201, note.body)
  const [, answer] = await botMessagesIn(tg.fake, maria.chat.id, 2)
  t.match(answer?.text, /We will send someone over/)
  await outboxDrained(tg.ctx)
  t.equal(tg.fake.botMessages(maria.chat.id).length, 2, 'the internal note never went')
  const history = await historyOf(tg.app, tg.owner, item.conversationId)
  const sent = history.find((m: { body: string }) => m.body === 'We will send someone over')
  await until('the reply to show as sent', async () => {
    const again = await historyOf(tg.app, tg.owner, item.conversationId)
    return again.find((m: { id: number }) => m.id === sent?.id)?.customer?.delivery === 'sent'
  })
  const solved = await as(tg.app, tg.owner, 'POST', `/api/conversations/${item.conversationId}/status`, {
    status: 'solved',
  })
  t.equal(solved.statusCode, 200, solved.body)
  maria.text('It jammed again')
  await until('the conversation to reopen', async () => {
    const c = bodyOf<{ status: string }>(await as(tg.app, tg.owner, 'GET', `/api/customers/${item.conversationId}`))
    return c.status === 'open'
  })
  const after = await historyOf(tg.app, tg.owner, item.conversationId)
  t.ok(after.some((m: { system: { action: string } | null }) => m.system?.action === 'customer.reopened'))
})
