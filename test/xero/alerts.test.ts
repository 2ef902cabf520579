/**
 * Alerts from Xero, driven by the app's manual clock: the first poll only takes note of what
 * is already paid or overdue; later polls post each newly paid and newly overdue invoice
 * once, into the conversation the owner chose, also across a restart; many at once come as
 * one list; the daily digest goes at the owner's hour, once per shop day; nothing is asked
 * of Xero while alerts have nowhere to go.
 */
import t, { type Test } from 'tap'
import type { MessageView } from '../../server/shared/events'
import { xeroAlertsOf } from '../../server/xero/alerts'
import { as, createChannel, historyOf } from '../helpers/chat'
import { staffWith, startBooksApp, xeroSettings, type BooksApp } from './fake-books'

const MINUTE = 60_000

async function setup(t: Test, settings: Record<string, unknown> = {}) {
  const s = await startBooksApp(t)
  const staff = await staffWith(s, 'sam', [])
  const channelId = await createChannel(s.started.app, s.owner, 'accounts', { members: [staff] })
  await xeroSettings(s, { alertsConversationId: channelId, ...settings })
  s.books.addInvoice('INV-0001', 'c-acme-trading', { due: '2026-11-20', total: 300 })
  s.books.addInvoice('INV-0002', 'c-acme-hire', { due: '2026-11-10', total: 120, status: 'PAID' })
  s.books.addInvoice('INV-0003', 'c-bolt', { due: '2026-12-05', total: 80 })
  s.books.addInvoice('INV-0004', 'c-acme-trading', { due: '2026-12-01', total: 200 })
  return { ...s, staff, channelId }
}

type Setup = Awaited<ReturnType<typeof setup>>

const tick = (s: BooksApp) => xeroAlertsOf(s.started.ctx).tick()

async function cards(s: Setup): Promise<MessageView[]> {
  return (await historyOf(s.started.app, s.owner, s.channelId)).filter((m) => m.kind === 'card')
}

const titles = async (s: Setup) => (await cards(s)).map((m) => m.card?.body.title)

t.test('the first poll tells nothing; then each newly paid or overdue invoice is told once', async (t) => {
  const s = await setup(t)
  await tick(s)
  t.same(await titles(s), [], 'what was already overdue or paid is only noted')

  s.started.clock.advance(15 * MINUTE)
  s.books.pay('INV-0003', '2026-12-01')
  await tick(s)
  t.same(await titles(s), ['Paid: INV-0003'])
  const [paid] = await cards(s)
  t.equal(paid?.card?.body.topic, 'alert')
  t.equal(paid?.card?.body.subtitle, 'Bolt & Nut Co · paid 1 Dec 2026')
  t.same(paid?.card?.body.figures, [{ label: 'Paid', value: '£80.00', tone: 'good' }])
  t.same(
    paid?.card?.body.records.map((r) => r.question),
    ['invoice INV-0003'],
    'readers of Xero can open it',
  )
  t.equal(paid?.card?.sharedBy, null, 'posted by the shop, not by a member')
  t.equal(paid?.author, null)
  const seenBy = await historyOf(s.started.app, s.staff, s.channelId)
  t.ok(
    seenBy.some((m) => m.card?.body.title === 'Paid: INV-0003'),
    'everyone in the conversation sees it',
  )
  const since = s.fake.apiCalls
    .filter((call) => call.headers['if-modified-since'])
    .map((call) => call.headers['if-modified-since'])
  t.same(
    since,
    ['2026-12-01T08:55:00', '2026-12-01T08:55:00'],
    'changes since the last poll (a little before, for clock skew)',
  )

  const calls = s.fake.apiCalls.length
  await tick(s)
  t.equal(s.fake.apiCalls.length, calls, 'a tick before the next poll is due asks Xero nothing')
  s.started.clock.advance(15 * MINUTE)
  await tick(s)
  t.same(await titles(s), ['Paid: INV-0003'], 'still paid, not told again')

  await s.restart()
  s.started.clock.advance(15 * MINUTE)
  await tick(s)
  t.same(await titles(s), ['Paid: INV-0003'], 'nor after a restart')

  // The next shop day: the invoice due yesterday is now overdue; the one told before is not told again.
  s.started.clock.set(Date.UTC(2026, 11, 2, 9, 0))
  await tick(s)
  t.same(await titles(s), ['Paid: INV-0003', 'Overdue: INV-0004'])
  const overdue = (await cards(s))[1]
  t.equal(overdue?.card?.body.subtitle, 'Acme Trading · due 1 Dec 2026')
  t.same(overdue?.card?.body.figures, [
    { label: 'Amount due', value: '£200.00', tone: 'bad' },
    { label: 'Overdue by', value: '1 day', tone: null },
  ])
  t.match(overdue?.card?.body.xeroUrl, /AccountsReceivable\/View\.aspx\?InvoiceID=inv-inv-0004$/)

  s.started.clock.advance(15 * MINUTE)
  s.books.pay('INV-0001', '2026-12-02')
  await tick(s)
  t.same(await titles(s), ['Paid: INV-0003', 'Overdue: INV-0004', 'Paid: INV-0001'])
  const seen = s.started.ctx.sqlite
    .prepare('select invoice_id, kind from xero_alert_seen order by invoice_id, kind')
    .all()
  t.same(seen, [
    { invoice_id: 'inv-inv-0001', kind: 'overdue' },
    { invoice_id: 'inv-inv-0001', kind: 'paid' },
    { invoice_id: 'inv-inv-0002', kind: 'paid' },
    { invoice_id: 'inv-inv-0003', kind: 'paid' },
    { invoice_id: 'inv-inv-0004', kind: 'overdue' },
  ])
})

t.test('many invoices at once come as one list', async (t) => {
  const s = await setup(t)
  for (let n = 10; n < 17; n++) s.books.addInvoice(`INV-00${n}`, 'c-bolt', { due: '2026-12-20', total: 10 })
  await tick(s)
  s.started.clock.advance(15 * MINUTE)
  for (let n = 10; n < 17; n++) s.books.pay(`INV-00${n}`, '2026-12-01')
  await tick(s)
  const [list] = await cards(s)
  t.same(await titles(s), ['7 invoices paid'])
  t.same(list?.card?.body.figures, [{ label: 'Paid', value: '£70.00', tone: 'good' }])
  t.equal(list?.card?.body.table?.rows.length, 7)
})

t.test('the digest goes at the owner’s hour, once per shop day', async (t) => {
  const s = await setup(t, { digestHour: 10 })
  await tick(s)
  t.same(await titles(s), [], 'not at 9')

  s.started.clock.set(Date.UTC(2026, 11, 1, 10, 5))
  await tick(s)
  t.same(await titles(s), ['1 invoice overdue, £300.00'])
  const [digest] = await cards(s)
  t.equal(digest?.card?.body.topic, 'digest')
  t.same(digest?.card?.body.table?.rows, [['INV-0001', 'Acme Trading', '20 Nov 2026 (11 days ago)', '£300.00']])

  s.started.clock.set(Date.UTC(2026, 11, 1, 10, 40))
  await tick(s)
  s.started.clock.set(Date.UTC(2026, 11, 1, 11, 0))
  await tick(s)
  t.same(await titles(s), ['1 invoice overdue, £300.00'], 'once that day')

  await s.restart()
  s.started.clock.set(Date.UTC(2026, 11, 1, 10, 59))
  await tick(s)
  t.same(await titles(s), ['1 invoice overdue, £300.00'], 'even after a restart within the hour')

  s.started.clock.set(Date.UTC(2026, 11, 2, 10, 1))
  await tick(s)
  t.same(await titles(s), ['1 invoice overdue, £300.00', 'Overdue: INV-0004', '2 invoices overdue, £500.00'])
})

t.test('the digest follows the shop’s own day and hour', async (t) => {
  const s = await setup(t, { digestHour: 7 })
  const changed = await as(s.started.app, s.owner, 'PATCH', '/api/settings', { timezone: 'Pacific/Auckland' })
  t.equal(changed.statusCode, 200, 'the shop is in Auckland')
  // 18:00 UTC on 1 Dec is 07:00 on 2 Dec in Auckland, where INV-0004 (due 1 Dec) is overdue.
  s.started.clock.set(Date.UTC(2026, 11, 1, 18, 0))
  await tick(s)
  t.same(await titles(s), ['2 invoices overdue, £500.00'])
  t.equal((await cards(s))[0]?.card?.body.subtitle, '2 Dec 2026')
})

t.test('without a conversation for alerts, or without Xero, nothing is asked', async (t) => {
  const s = await setup(t)
  await xeroSettings(s, { alertsConversationId: null, digestHour: 9 })
  await tick(s)
  t.equal(s.fake.apiCalls.length, 0)

  await xeroSettings(s, { alertsConversationId: s.channelId })
  const disconnected = await as(s.started.app, s.owner, 'DELETE', '/api/xero/connection')
  t.equal(disconnected.statusCode, 200)
  await tick(s)
  t.equal(s.fake.apiCalls.length, 0)
  t.same(await titles(s), [])
})
