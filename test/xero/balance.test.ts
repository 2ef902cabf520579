/**
 * A customer's `/balance` through the Telegram fake: once the owner allows it and staff
 * linked the customer to their Xero contact, the bot answers that contact's invoices waiting
 * for payment — number, due date, amount due, total — and nothing else (no other contact's
 * invoices, no paid ones, no bills, no contact details). Otherwise `/balance` is an ordinary
 * message to the shop. Linking needs customers.answer and xero.read (or settings.manage).
 */
import t, { type Test } from 'tap'
import { bodyOf } from '../helpers/app'
import { as, historyOf } from '../helpers/chat'
import { botMessagesIn, outboxDrained, until, type TelegramApp } from '../helpers/telegram'
import { staffWith, startBooksApp, xeroAudit, xeroSettings } from './fake-books'

const bounded = { timeout: 60_000 }

async function setup(t: Test) {
  const s = await startBooksApp(t, { telegram: true })
  const tg = s.tg as TelegramApp
  const enabled = await as(tg.app, s.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  if (enabled.statusCode !== 200) throw new Error(`customers: ${enabled.body}`)
  s.books.addInvoice('INV-0001', 'c-acme-trading', { due: '2026-11-20', total: 300 })
  s.books.addInvoice('INV-0002', 'c-acme-trading', { due: '2026-12-20', total: 200, amountDue: 50 })
  s.books.addInvoice('INV-0003', 'c-acme-trading', { due: '2026-11-01', total: 90, status: 'PAID' })
  s.books.addInvoice('INV-0004', 'c-acme-hire', { due: '2026-11-25', total: 700 })
  s.books.addInvoice('INV-0005', 'c-acme-trading', { due: '2026-12-10', total: 10, status: 'DRAFT' })
  // A bill from the same contact: what the shop owes them, not theirs to see.
  const bill = s.books.addInvoice('BILL-9', 'c-acme-trading', { due: '2026-12-01', total: 4000 })
  bill.Type = 'ACCPAY'
  const maria = tg.fake.user({ id: 7101, first_name: 'Maria', last_name: 'Kovacs' })
  maria.text('Hello')
  await botMessagesIn(tg.fake, maria.chat.id, 1)
  let conversationId = 0
  await until('the customer to be listed', async () => {
    const list = bodyOf<{ items: { conversationId: number }[] }>(await as(tg.app, s.owner, 'GET', '/api/customers'))
    conversationId = list.items[0]?.conversationId ?? 0
    return conversationId > 0
  })
  return { ...s, tg, maria, conversationId }
}

/** Sends /balance and waits for the bot's next message in the customer's chat, or for the update to be handled. */
async function askBalance(s: Awaited<ReturnType<typeof setup>>): Promise<string | null> {
  const before = s.tg.fake.botMessages(s.maria.chat.id).length
  s.maria.command('balance')
  await until('the /balance update to be applied', () => s.tg.fake.pendingUpdates.length === 0)
  await outboxDrained(s.tg.ctx)
  const after = s.tg.fake.botMessages(s.maria.chat.id)
  return after.length > before ? (after.at(-1)?.text ?? '') : null
}

t.test('a linked customer’s /balance shows their own open invoices and nothing else', bounded, async (t) => {
  const s = await setup(t)
  await xeroSettings(s, { customerBalance: true })
  const found = bodyOf<{ contacts: { id: string; name: string }[] }>(
    await as(s.tg.app, s.owner, 'GET', '/api/xero/contacts?q=acme'),
  )
  t.same(found.contacts, [
    { id: 'c-acme-trading', name: 'Acme Trading' },
    { id: 'c-acme-hire', name: 'Acme Hire' },
  ])
  const linked = await as(s.tg.app, s.owner, 'PUT', `/api/customers/${s.conversationId}/xero-contact`, {
    contactId: 'c-acme-trading',
  })
  t.equal(linked.statusCode, 200, linked.body)
  t.match(bodyOf(linked), {
    conversationId: s.conversationId,
    name: 'Maria Kovacs',
    xeroContact: { id: 'c-acme-trading', name: 'Acme Trading' },
  })

  const calls = s.fake.apiCalls.length
  const answer = await askBalance(s)
  t.ok(answer, 'the bot answered')
  t.match(answer, /INV-0001 · due 20 Nov 2026 · £300\.00/)
  t.match(answer, /INV-0002 · due 20 Dec 2026 · £50\.00/)
  t.match(answer, /Total due: £350\.00/)
  for (const hidden of ['INV-0003', 'INV-0004', 'INV-0005', 'BILL-9', '4,000', '700', 'acme-trading.test']) {
    t.notMatch(answer, hidden, `${hidden} is not theirs to see`)
  }
  const asked = s.fake.apiCalls.slice(calls).find((call) => call.path === 'Invoices')
  t.equal(asked?.query.get('ContactIDs'), 'c-acme-trading', 'Xero was asked for that contact only')

  const audit = (await xeroAudit(s)).filter((e) => e.action === 'xero.balance_asked')
  t.equal(audit.length, 1)
  t.same(Object.keys(audit[0]!.detail).sort(), ['conversationId', 'customerId'], 'who asked, not the figures')
  const history = await historyOf(s.tg.app, s.owner, s.conversationId)
  t.notOk(
    history.some((m) => m.body.includes('/balance')),
    'answered by the bot, not posted to the shop',
  )
})

t.test('without the setting, or without a link, /balance is an ordinary message', bounded, async (t) => {
  const s = await setup(t)
  const link = await as(s.tg.app, s.owner, 'PUT', `/api/customers/${s.conversationId}/xero-contact`, {
    contactId: 'c-acme-trading',
  })
  t.equal(link.statusCode, 200)
  const calls = s.fake.apiCalls.length
  t.equal(await askBalance(s), null, 'the setting is off: no balance')
  await until('the message to reach the shop', async () =>
    (await historyOf(s.tg.app, s.owner, s.conversationId)).some((m) => m.body === '/balance'),
  )

  await xeroSettings(s, { customerBalance: true })
  const unlinked = await as(s.tg.app, s.owner, 'PUT', `/api/customers/${s.conversationId}/xero-contact`, {
    contactId: null,
  })
  t.equal(unlinked.statusCode, 200)
  t.equal(bodyOf<{ xeroContact: unknown }>(unlinked).xeroContact, null)
  t.equal(await askBalance(s), null, 'not linked: no balance')
  t.equal(s.fake.apiCalls.filter((call) => call.path === 'Invoices').length, 0, 'and Xero was not asked')
  t.ok(s.fake.apiCalls.length >= calls)
  const audit = await xeroAudit(s)
  t.same(
    audit.filter((e) => e.action === 'xero.customer_linked').map((e) => e.detail.contactId),
    ['c-acme-trading', null],
    'linking and unlinking are audited',
  )
})

t.test('linking needs customers.answer and xero.read, and a contact Xero knows', bounded, async (t) => {
  const s = await setup(t)
  const answerer = await staffWith(s, 'anna', ['customers.answer'])
  const reader = await staffWith(s, 'rita', ['customers.answer', 'xero.read'])
  const refused = await as(s.tg.app, answerer, 'PUT', `/api/customers/${s.conversationId}/xero-contact`, {
    contactId: 'c-acme-trading',
  })
  t.equal(refused.statusCode, 403)
  t.equal(bodyOf<{ code: string }>(refused).code, 'xero_forbidden')
  const contacts = await as(s.tg.app, answerer, 'GET', '/api/xero/contacts?q=acme')
  t.equal(bodyOf<{ code: string }>(contacts).code, 'xero_forbidden')
  const unknown = await as(s.tg.app, reader, 'PUT', `/api/customers/${s.conversationId}/xero-contact`, {
    contactId: 'c-nobody',
  })
  t.equal(unknown.statusCode, 400)
  t.equal(bodyOf<{ code: string }>(unknown).code, 'xero_no_contact')
  const allowed = await as(s.tg.app, reader, 'PUT', `/api/customers/${s.conversationId}/xero-contact`, {
    contactId: 'c-acme-hire',
  })
  t.equal(allowed.statusCode, 200)
  t.match(bodyOf(allowed), { xeroContact: { id: 'c-acme-hire', name: 'Acme Hire' } })
})

t.test('a card shared into a customer conversation reaches the customer with details hidden', bounded, async (t) => {
  const s = await setup(t)
  const asked = await as(s.tg.app, s.owner, 'POST', '/api/xero/ask', { text: 'contact Acme Trading' })
  t.equal(asked.statusCode, 200, asked.body)
  const card = bodyOf<{ card: { id: number; hasPersonalDetails: boolean } }>(asked).card
  t.equal(card.hasPersonalDetails, true, 'the card holds the contact’s email')
  const before = s.tg.fake.botMessages(s.maria.chat.id).length
  const shared = await as(s.tg.app, s.owner, 'POST', `/api/xero/cards/${card.id}/share`, {
    conversationId: s.conversationId,
  })
  t.equal(shared.statusCode, 201, shared.body)
  await outboxDrained(s.tg.ctx)
  await until('the card to reach the customer', () => s.tg.fake.botMessages(s.maria.chat.id).length > before)
  const sent = s.tg.fake.botMessages(s.maria.chat.id).at(-1)?.text ?? ''
  t.match(sent, /Acme Trading/, 'the customer gets the card as text')
  t.notMatch(sent, /acme-trading\.test/, 'without the email')
  const history = await historyOf(s.tg.app, s.owner, s.conversationId)
  const message = history.find((m) => m.kind === 'card')
  t.equal(message?.customer?.direction, 'out', 'it is a reply to the customer in the conversation')
  t.equal(message?.card?.isRedacted, true)
})
