/**
 * Every question against Xero's own contract: Prism serves the OpenAPI file's example
 * answers, refuses requests the contract does not allow, and the helper's proxy refuses
 * query parameters it does not declare. A card here proves the paths, the parameters and
 * the reading of Xero's JSON, not the figures (Prism answers the same example to any filter).
 */
import t, { type Test } from 'tap'
import { systemClock } from '../../server/shared/clock'
import type { CardBody } from '../../server/xero/card'
import { XeroClient } from '../../server/xero/client'
import { answerQuestion, parseQuestion, type QuestionContext } from '../../server/xero/questions'
import { startPrism, type XeroPrism } from '../helpers/xero-prism'

// Prism reads the 25,000-line contract before it listens: 10 to 60 s on a busy machine.
t.setTimeout(300_000)

const TOPICS = ['invoice', 'invoices', 'owed', 'bills', 'contact', 'bank', 'item', 'sales', 'profit', 'help']

let prism: XeroPrism
let ctx: QuestionContext

t.before(async () => {
  prism = await startPrism()
  t.comment(`Prism listened after ${prism.startupMs} ms`)
  const client = new XeroClient({
    apiBase: prism.apiBase,
    clock: systemClock,
    tokens: { accessToken: async () => ({ token: 't', tenantId: '0b9a1e4c-4a57-4c3f-9a4b-6d2f1c1e2a33' }) },
  })
  ctx = {
    reader: client,
    now: Date.UTC(2026, 11, 3, 10, 0),
    timezone: 'Pacific/Auckland',
    organisation: 'Demo Company (NZ)',
    scopes: ['accounting.invoices.read', 'accounting.contacts.read', 'accounting.reports.read'],
  }
})
t.teardown(() => prism?.close())

async function ask(text: string): Promise<CardBody> {
  return answerQuestion(parseQuestion(text), ctx)
}

/** Every field of the card has the shape card.ts promises, within a card's limits. */
function wellFormed(t: Test, body: CardBody): void {
  t.ok(TOPICS.includes(body.topic), `topic ${body.topic}`)
  t.ok(body.title.length > 0, 'a title')
  t.type(body.subtitle, 'string')
  t.type(body.note, 'string')
  for (const figure of body.figures) {
    t.ok(figure.label && figure.value, `figure ${figure.label}: ${figure.value}`)
    t.ok([null, 'good', 'bad'].includes(figure.tone))
  }
  if (body.table) {
    t.ok(body.table.rows.length <= 8, 'at most eight rows')
    for (const row of body.table.rows) t.equal(row.length, body.table.columns.length, 'a cell for every column')
  }
  for (const record of body.records) t.ok(record.xeroId && record.label && record.question, `record ${record.label}`)
  for (const choice of body.choices) t.ok(choice.label && choice.question, `choice ${choice.label}`)
  if (body.xeroUrl !== null) t.match(body.xeroUrl, /^https:\/\/go\.xero\.com\//)
}

const cells = (body: CardBody) => body.table?.rows.flat() ?? []

t.test('invoice INV-0003 is found by its number', async (t) => {
  const body = await ask('invoice INV-0003')
  wellFormed(t, body)
  t.equal(body.title, 'Invoice INV-0003')
  t.equal(body.subtitle, 'Barney Rubble-83203 · due 7 Nov 2018')
  t.same(body.figures[0], { label: 'Amount due', value: '$115.00', tone: 'bad' })
  t.match(body.xeroUrl, 'InvoiceID=7ef31b20-de17-4312-8382-412f869b1510')
})

t.test("a contact's invoices, after finding the contact by Xero's search", async (t) => {
  const body = await ask('invoices for Katherine Warren')
  wellFormed(t, body)
  t.equal(body.title, 'Invoices for Katherine Warren')
  t.same(
    body.table!.rows.map((row) => row[0]),
    ['INV-0001', 'INV-0002', 'INV-0003'],
  )
  t.equal(body.xeroUrl, 'https://go.xero.com/Contacts/View/5cc8cf28-567e-4d43-b287-687cfcaec47c')
})

t.test('a name matching two of the contract’s contacts gives a pick-list', async (t) => {
  const body = await ask('has Parker paid?')
  wellFormed(t, body)
  t.same(
    body.choices.map((choice) => choice.question),
    ['invoices for Katherine Warren', 'invoices for Lisa Parker'],
  )
})

t.test('who owes us and what we owe are built from the invoice list', async (t) => {
  const owed = await ask('who owes us')
  wellFormed(t, owed)
  t.same(owed.table!.rows, [['Barney Rubble-83203', '$115.00', '$115.00', '7 Nov 2018']])
  const bills = await ask('what do we owe')
  wellFormed(t, bills)
  t.ok(cells(bills).includes('INV-0003'))
})

t.test('a contact card, from the search list or from the contact alone', async (t) => {
  const listed = await ask('contact Katherine Warren')
  wellFormed(t, listed)
  t.equal(listed.title, 'Katherine Warren')
  t.same(listed.figures[0], { label: 'Owes us', value: '$760.00', tone: null })
  t.ok(cells(listed).includes('kat.warren@clampett.com'))
  // Lisa Parker's list entry has no balances, so the contact is read alone; Prism answers
  // its example contact whatever the id.
  const alone = await ask('contact Lisa Parker')
  wellFormed(t, alone)
  t.equal(alone.title, 'Acme Parts Co.')
})

t.test('bank balances from the bank summary report', async (t) => {
  const body = await ask('bank balances')
  wellFormed(t, body)
  t.same(body.table!.rows, [['Big City Bank', '$10.00']])
  t.same(body.figures, [{ label: 'Total', value: '$10.00', tone: null }])
})

t.test('an item by its code', async (t) => {
  const body = await ask('item 123')
  wellFormed(t, body)
  t.equal(body.title, 'Guitars')
  t.same(body.figures, [{ label: 'Sale price', value: '$5,000.00', tone: null }])
})

t.test('sales for each period, and profit from the profit and loss report', async (t) => {
  for (const text of ['sales today', 'sales this week', 'sales this month']) {
    const body = await ask(text)
    wellFormed(t, body)
    t.ok(cells(body).includes('INV-0001'), text)
  }
  // The contract has no example for this report: Prism makes one up with no numbers in it.
  const profit = await ask('profit this month')
  wellFormed(t, profit)
  t.equal(profit.title, 'Profit this month')
})

t.test('every request was one the contract allows', async (t) => {
  const refused = prism.requests.filter((request) => request.status !== 200)
  t.same(
    refused.map((request) => `${request.status} ${request.method} ${request.path}?${request.query}`),
    [],
  )
  const paths = new Set(prism.requests.map((request) => request.path.replace(/[0-9a-f-]{36}$/, '{id}')))
  t.same([...paths].sort(), [
    '/Contacts',
    '/Contacts/{id}',
    '/Invoices',
    '/Items',
    '/Organisation',
    '/Reports/BankSummary',
    '/Reports/ProfitAndLoss',
  ])
})
