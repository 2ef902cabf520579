import t, { type Test } from 'tap'
import type { CardBody } from '../../server/xero/card'
import { AppError } from '../../server/shared/errors'
import {
  answerQuestion,
  parseQuestion,
  questionText,
  type Question,
  type QuestionContext,
  type XeroReader,
} from '../../server/xero/questions'

/** 3 Dec 2026, 10:00 UTC: a Thursday. */
const NOW = Date.UTC(2026, 11, 3, 10, 0)
const ALL_REPORTS = ['accounting.reports.read']

/** Xero's JSON date for a calendar day, as Xero sends Date and DueDate. */
const xeroDate = (day: string) => `/Date(${Date.parse(`${day}T00:00:00Z`)}+0000)/`

type Route = unknown | ((query: Record<string, string>) => unknown)

/** Xero as a table of paths: every call is kept, and a path not in the table fails the test. */
class FakeXero implements XeroReader {
  calls: Array<{ path: string; query: Record<string, string> }> = []
  constructor(private readonly routes: Record<string, Route>) {
    this.routes = { Organisation: { Organisations: [{ Name: 'Corner Hardware Ltd', BaseCurrency: 'GBP' }] }, ...routes }
  }
  async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    this.calls.push({ path, query })
    if (!(path in this.routes)) throw new Error(`unexpected GET ${path}`)
    const route = this.routes[path]
    return (typeof route === 'function' ? route(query) : route) as T
  }
  to(path: string) {
    return this.calls.filter((call) => call.path === path)
  }
}

function context(reader: XeroReader, options: Partial<QuestionContext> = {}): QuestionContext {
  return {
    reader,
    now: NOW,
    timezone: 'Europe/London',
    organisation: 'Corner Hardware Ltd',
    scopes: ['accounting.invoices.read', 'accounting.contacts.read', 'accounting.reports.banksummary.read'],
    ...options,
  }
}

interface InvoiceSpec {
  number: string
  contact?: [string, string]
  type?: 'ACCREC' | 'ACCPAY'
  status?: string
  date?: string
  due?: string
  total?: number
  amountDue?: number
  currency?: string
  rate?: number
}

let nextId = 1
function invoice(spec: InvoiceSpec) {
  const [contactId, name] = spec.contact ?? ['c-acme', 'Acme Ltd']
  const total = spec.total ?? 100
  return {
    Type: spec.type ?? 'ACCREC',
    InvoiceID: `inv-${nextId++}`,
    InvoiceNumber: spec.number,
    Contact: { ContactID: contactId, Name: name },
    Date: xeroDate(spec.date ?? '2026-11-01'),
    DueDate: xeroDate(spec.due ?? '2026-12-31'),
    Status: spec.status ?? 'AUTHORISED',
    Total: total,
    AmountDue: spec.amountDue ?? (spec.status === 'PAID' ? 0 : total),
    CurrencyCode: spec.currency ?? 'GBP',
    CurrencyRate: spec.rate ?? 1,
    LineItems: [],
  }
}

const contact = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  ContactID: id,
  Name: name,
  ...extra,
})

/** The card's fields named in `expected`, compared exactly. */
function fields(t: Test, body: CardBody, expected: Partial<CardBody>): void {
  const named = Object.fromEntries(Object.keys(expected).map((key) => [key, body[key as keyof CardBody]]))
  t.same(named, expected)
}

t.test('parseQuestion understands forgiving phrasings of every question', async (t) => {
  const cases: Array<[string, Question]> = [
    ['invoice INV-0042', { topic: 'invoice', number: 'INV-0042' }],
    ['Invoice inv-42', { topic: 'invoice', number: 'inv-42' }],
    ['@xero invoice #42?', { topic: 'invoice', number: '42' }],
    ['INV-0042', { topic: 'invoice', number: 'INV-0042' }],
    ['has INV-0042 been paid?', { topic: 'invoice', number: 'INV-0042' }],
    ['invoices for Acme', { topic: 'invoices', contact: 'Acme' }],
    ['invoises for acme please', { topic: 'invoices', contact: 'acme' }],
    ['has acme paid?', { topic: 'invoices', contact: 'acme' }],
    ['Has Acme Ltd paid yet?', { topic: 'invoices', contact: 'Acme Ltd' }],
    ['did Acme pay', { topic: 'invoices', contact: 'Acme' }],
    ["Acme's invoices", { topic: 'invoices', contact: 'Acme' }],
    ['what did we charge Acme last time', { topic: 'invoices', contact: 'Acme' }],
    ['invoices for For Good Ltd', { topic: 'invoices', contact: 'For Good Ltd' }],
    ['who owes us', { topic: 'owed' }],
    ['Who owes us money?', { topic: 'owed' }],
    ['overdue', { topic: 'owed' }],
    ['OVERDEU invoices', { topic: 'owed' }],
    ['debtors', { topic: 'owed' }],
    ['Invoice?', { topic: 'owed' }],
    ['what do we owe', { topic: 'bills' }],
    ['What do we owe?', { topic: 'bills' }],
    ['unpaid bills', { topic: 'bills' }],
    ['payables', { topic: 'bills' }],
    ['contact Acme', { topic: 'contact', name: 'Acme' }],
    ['contcat details for Acme Ltd', { topic: 'contact', name: 'Acme Ltd' }],
    ['phone number for Acme', { topic: 'contact', name: 'Acme' }],
    ["Acme's balance", { topic: 'contact', name: 'Acme' }],
    ['bank', { topic: 'bank' }],
    ['balances', { topic: 'bank' }],
    ["what's the bank balance?", { topic: 'bank' }],
    ['bnak', { topic: 'bank' }],
    ['item WIDGET', { topic: 'item', code: 'WIDGET' }],
    ['price of widget', { topic: 'item', code: 'widget' }],
    ['sales this week', { topic: 'sales', period: 'week' }],
    ['Sales this month!', { topic: 'sales', period: 'month' }],
    ['sales tody', { topic: 'sales', period: 'today' }],
    ['takings', { topic: 'sales', period: 'today' }],
    ['profit', { topic: 'profit', period: 'month' }],
    ['proft this month', { topic: 'profit', period: 'month' }],
    ['P&L', { topic: 'profit', period: 'month' }],
    ['help', { topic: 'help', unknown: null }],
    ['@xero', { topic: 'help', unknown: null }],
    ['?', { topic: 'help', unknown: null }],
    ['what is the weather like', { topic: 'help', unknown: 'what is the weather like' }],
    ['@Xero:  asdf   qwer', { topic: 'help', unknown: 'asdf qwer' }],
  ]
  for (const [text, expected] of cases) t.same(parseQuestion(text), expected, text)
})

t.test('questionText asks every question again, names and numbers as they were', async (t) => {
  const questions: Question[] = [
    { topic: 'invoice', number: 'inv-42' },
    { topic: 'invoices', contact: 'For Good Ltd' },
    { topic: 'invoices', contact: 'Bank of Ideas' },
    { topic: 'owed' },
    { topic: 'bills' },
    { topic: 'contact', name: 'Sales & Co' },
    { topic: 'bank' },
    { topic: 'item', code: 'WIDGET-2' },
    { topic: 'sales', period: 'today' },
    { topic: 'sales', period: 'week' },
    { topic: 'sales', period: 'month' },
    { topic: 'profit', period: 'month' },
    { topic: 'help', unknown: null },
    { topic: 'help', unknown: 'asdf qwer' },
  ]
  for (const question of questions) t.same(parseQuestion(questionText(question)), question, questionText(question))
  t.equal(questionText({ topic: 'invoices', contact: 'Acme Ltd' }), 'invoices for Acme Ltd')
})

t.test('an invoice card shows what is due, the status, the lines and links to Xero', async (t) => {
  const found = {
    ...invoice({ number: 'INV-0042', total: 1240, amountDue: 1240, due: '2026-11-21' }),
    InvoiceID: 'a03ffcd2-5d91-4c7e-b483-318584e9e439',
    Reference: 'PO 77',
    LineItems: [
      { Description: 'Widget', Quantity: 2, LineAmount: 1000 },
      { ItemCode: 'BOLT', Quantity: 40, LineAmount: 240 },
    ],
  }
  const xero = new FakeXero({ Invoices: { Invoices: [found] } })
  const body = await answerQuestion({ topic: 'invoice', number: 'inv-42' }, context(xero))
  t.same(xero.to('Invoices')[0]!.query, { InvoiceNumbers: 'inv-42,INV-42,INV-0042', page: '1' })
  fields(t, body, {
    topic: 'invoice',
    title: 'Invoice INV-0042',
    subtitle: 'Acme Ltd · due 21 Nov 2026',
    figures: [
      { label: 'Amount due', value: '£1,240.00', tone: 'bad' },
      { label: 'Total', value: '£1,240.00', tone: null },
      { label: 'Status', value: 'Overdue by 12 days', tone: 'bad' },
    ],
    table: {
      columns: ['Item', 'Qty', 'Amount'],
      rows: [
        ['Widget', '2', '£1,000.00'],
        ['BOLT', '40', '£240.00'],
      ],
    },
    note: 'Reference: PO 77.',
    choices: [],
    xeroUrl: 'https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=a03ffcd2-5d91-4c7e-b483-318584e9e439',
  })
  t.same(body.records, [{ type: 'contact', xeroId: 'c-acme', label: 'Acme Ltd', question: 'contact Acme Ltd' }])
})

t.test('a paid bill in another currency reads as paid, in its own currency, linked to payables', async (t) => {
  const bill = {
    ...invoice({ number: 'SUP-9', type: 'ACCPAY', status: 'PAID', total: 50, currency: 'USD', rate: 1.25 }),
    FullyPaidOnDate: xeroDate('2026-11-30'),
  }
  const xero = new FakeXero({ Invoices: { Invoices: [bill] } })
  const body = await answerQuestion({ topic: 'invoice', number: 'SUP-9' }, context(xero))
  fields(t, body, {
    title: 'Bill SUP-9',
    figures: [
      { label: 'Amount due', value: 'US$0.00', tone: 'good' },
      { label: 'Total', value: 'US$50.00', tone: null },
      { label: 'Status', value: 'Paid 30 Nov 2026', tone: 'good' },
    ],
    table: null,
  })
  t.match(body.xeroUrl, /^https:\/\/go\.xero\.com\/AccountsPayable\/View\.aspx\?InvoiceID=/)
})

t.test("Xero's calendar dates stay the day they name in a shop west of Greenwich, in either JSON form", async (t) => {
  const asJsonDate = invoice({ number: 'INV-0001', due: '2026-11-21' })
  const asIso = { ...invoice({ number: 'INV-0002' }), DueDate: '2026-11-21T00:00:00' }
  const xero = new FakeXero({ Invoices: { Invoices: [asJsonDate, asIso] } })
  const newYork = context(xero, { timezone: 'America/New_York' })
  for (const number of ['INV-0001', 'INV-0002']) {
    const body = await answerQuestion({ topic: 'invoice', number }, newYork)
    t.equal(body.subtitle, 'Acme Ltd · due 21 Nov 2026', number)
    t.same(body.figures[2], { label: 'Status', value: 'Overdue by 12 days', tone: 'bad' }, number)
  }
})

t.test('an invoice number Xero does not know gives a card saying so, with no figures', async (t) => {
  const xero = new FakeXero({ Invoices: { Invoices: [] } })
  const body = await answerQuestion({ topic: 'invoice', number: 'INV-9999' }, context(xero))
  fields(t, body, { topic: 'invoice', title: 'No invoice INV-9999', figures: [], table: null, xeroUrl: null })
  t.match(body.note, /invoices for/)
})

t.test("a contact's invoices: latest first with status, outstanding and overdue, cut to eight", async (t) => {
  const invoices = [
    invoice({ number: 'INV-0012', status: 'DRAFT', date: '2026-12-02' }),
    invoice({ number: 'INV-0011', total: 300, due: '2026-12-10' }),
    invoice({ number: 'INV-0010', total: 200, amountDue: 150, due: '2026-11-01' }),
    ...Array.from({ length: 7 }, (_, i) => invoice({ number: `INV-000${i + 1}`, status: 'PAID', total: 10 })),
  ]
  const xero = new FakeXero({
    Contacts: { Contacts: [contact('c-acme', 'Acme Ltd'), contact('c-acme2', 'Acme Ltd Holdings')] },
    Invoices: { Invoices: invoices },
  })
  const body = await answerQuestion(parseQuestion('invoices for acme ltd'), context(xero))
  t.same(xero.to('Contacts')[0]!.query, { searchTerm: 'acme ltd', page: '1' })
  t.same(xero.to('Invoices')[0]!.query, {
    ContactIDs: 'c-acme',
    where: 'Type=="ACCREC"',
    Statuses: 'DRAFT,SUBMITTED,AUTHORISED,PAID',
    order: 'Date DESC',
    page: '1',
  })
  fields(t, body, {
    topic: 'invoices',
    title: 'Invoices for Acme Ltd',
    subtitle: '10 sales invoices',
    figures: [
      { label: 'Outstanding', value: '£450.00', tone: null },
      { label: 'Overdue', value: '£150.00', tone: 'bad' },
    ],
    note: '2 more invoices not shown.',
    choices: [],
    xeroUrl: 'https://go.xero.com/Contacts/View/c-acme',
  })
  t.equal(body.table!.rows.length, 8)
  t.same(body.table!.rows.slice(0, 3), [
    ['INV-0012', 'Draft', '£100.00', '31 Dec 2026', '£100.00'],
    ['INV-0011', 'Awaiting payment', '£300.00', '10 Dec 2026', '£300.00'],
    ['INV-0010', 'Overdue', '£200.00', '1 Nov 2026', '£150.00'],
  ])
  t.same(body.records[1], {
    type: 'invoice',
    xeroId: invoices[1]!.InvoiceID,
    label: 'INV-0011',
    question: 'invoice INV-0011',
  })
})

t.test('a full page of invoices counts what is outstanding from the unpaid ones on their own', async (t) => {
  const page = Array.from({ length: 100 }, (_, i) => invoice({ number: `INV-${1000 + i}`, status: 'PAID' }))
  const unpaid = [invoice({ number: 'INV-0001', total: 70, due: '2026-01-31' })]
  const xero = new FakeXero({
    Contacts: { Contacts: [contact('c-acme', 'Acme Ltd')] },
    Invoices: (query: Record<string, string>) => ({ Invoices: query.Statuses === 'AUTHORISED' ? unpaid : page }),
  })
  const body = await answerQuestion({ topic: 'invoices', contact: 'Acme' }, context(xero))
  t.same(xero.to('Invoices')[1]!.query, {
    ContactIDs: 'c-acme',
    where: 'Type=="ACCREC"',
    Statuses: 'AUTHORISED',
    page: '1',
  })
  fields(t, body, {
    subtitle: 'latest 100 sales invoices',
    figures: [
      { label: 'Outstanding', value: '£70.00', tone: null },
      { label: 'Overdue', value: '£70.00', tone: 'bad' },
    ],
  })
})

t.test('a name that matches several contacts, none exactly, gives a pick-list and no figures', async (t) => {
  const xero = new FakeXero({
    Contacts: { Contacts: [contact('c-1', 'Acme Ltd'), contact('c-2', 'Acme Plumbing'), contact('c-3', 'Acmeton')] },
  })
  const body = await answerQuestion(parseQuestion('has acme paid?'), context(xero))
  t.equal(xero.to('Invoices').length, 0, 'no invoices asked for before a contact is chosen')
  fields(t, body, { topic: 'invoices', title: 'Which “acme”?', subtitle: '3 contacts match', figures: [], table: null })
  t.same(body.choices, [
    { label: 'Acme Ltd', question: 'invoices for Acme Ltd' },
    { label: 'Acme Plumbing', question: 'invoices for Acme Plumbing' },
    { label: 'Acmeton', question: 'invoices for Acmeton' },
  ])

  const asContact = await answerQuestion({ topic: 'contact', name: 'acme' }, context(xero))
  t.same(
    asContact.choices.map((choice) => choice.question),
    ['contact Acme Ltd', 'contact Acme Plumbing', 'contact Acmeton'],
  )
  // A choice asked again finds its contact exactly.
  t.same(parseQuestion(body.choices[0]!.question), { topic: 'invoices', contact: 'Acme Ltd' })
})

t.test('a name nothing matches gives a card saying so, with a shorter name to try', async (t) => {
  const xero = new FakeXero({ Contacts: { Contacts: [] } })
  const body = await answerQuestion({ topic: 'invoices', contact: 'Acme Widgets' }, context(xero))
  fields(t, body, { title: 'No contact matches “Acme Widgets”', figures: [], choices: [], table: null })
  t.match(body.note, '“invoices for Acme”')
})

t.test('who owes us: unpaid sales invoices grouped by customer, overdue first, with totals', async (t) => {
  const invoices = [
    invoice({ number: 'INV-1', contact: ['c-big', 'Big Order Co'], total: 900, due: '2026-12-20' }),
    invoice({ number: 'INV-2', contact: ['c-late', 'Late Payers'], total: 100, due: '2026-11-01' }),
    invoice({ number: 'INV-3', contact: ['c-late', 'Late Payers'], total: 50, due: '2026-12-24' }),
    invoice({ number: 'INV-4', contact: ['c-late', 'Late Payers'], total: 30, due: '2026-10-15' }),
    // 125 US dollars at 1.25 dollars to the pound: 100 pounds.
    invoice({ number: 'INV-5', contact: ['c-us', 'Yankee Tools'], total: 125, currency: 'USD', rate: 1.25 }),
    invoice({ number: 'INV-6', contact: ['c-paid', 'All Paid'], total: 80, amountDue: 0 }),
  ]
  const xero = new FakeXero({ Invoices: { Invoices: invoices } })
  const body = await answerQuestion({ topic: 'owed' }, context(xero))
  t.same(xero.to('Invoices')[0]!.query, {
    Statuses: 'AUTHORISED',
    where: 'Type=="ACCREC"',
    order: 'DueDate ASC',
    page: '1',
  })
  fields(t, body, {
    topic: 'owed',
    title: 'Who owes us',
    subtitle: 'Corner Hardware Ltd · 5 unpaid invoices, 3 customers',
    figures: [
      { label: 'Total owed', value: '£1,180.00', tone: null },
      { label: 'Overdue', value: '£130.00', tone: 'bad' },
    ],
    table: {
      columns: ['Customer', 'Owed', 'Overdue', 'Oldest due'],
      rows: [
        ['Late Payers', '£180.00', '£130.00', '15 Oct 2026'],
        ['Big Order Co', '£900.00', '', '20 Dec 2026'],
        ['Yankee Tools', '£100.00', '', '31 Dec 2026'],
      ],
    },
    note: '',
  })
  t.same(body.records[0], {
    type: 'contact',
    xeroId: 'c-late',
    label: 'Late Payers',
    question: 'invoices for Late Payers',
  })
})

t.test('who owes us reads page after page, and says so when it stopped counting', async (t) => {
  const fullPage = (page: string) => ({
    Invoices: Array.from({ length: 100 }, (_, i) => invoice({ number: `INV-${page}-${i}`, total: 1 })),
  })
  const three = new FakeXero({
    Invoices: (query: Record<string, string>) =>
      query.page === '3' ? { Invoices: [invoice({ number: 'INV-last', total: 5 })] } : fullPage(query.page!),
  })
  const body = await answerQuestion({ topic: 'owed' }, context(three))
  t.same(
    three.to('Invoices').map((call) => call.query.page),
    ['1', '2', '3'],
  )
  t.match(body.figures[0], { value: '£205.00' })
  t.notMatch(body.note, /first/)

  const endless = new FakeXero({ Invoices: (query: Record<string, string>) => fullPage(query.page!) })
  const capped = await answerQuestion({ topic: 'owed' }, context(endless))
  t.equal(endless.to('Invoices').length, 5)
  t.match(capped.note, 'Counted the first 500 unpaid invoices only.')
})

t.test('nobody owing anything gives zero figures and a plain sentence', async (t) => {
  const body = await answerQuestion({ topic: 'owed' }, context(new FakeXero({ Invoices: { Invoices: [] } })))
  fields(t, body, {
    figures: [
      { label: 'Total owed', value: '£0.00', tone: null },
      { label: 'Overdue', value: '£0.00', tone: null },
    ],
    table: null,
    records: [],
    note: 'Nobody owes anything: every sales invoice is paid.',
  })
})

t.test('what we owe: unpaid bills, soonest due first, with totals and links to the bills', async (t) => {
  const bills = [
    invoice({ number: 'B-2', type: 'ACCPAY', contact: ['s-1', 'Timber Yard'], total: 400, due: '2026-12-15' }),
    {
      ...invoice({ number: '', type: 'ACCPAY', contact: ['s-2', 'Power Co'], total: 60, due: '2026-11-28' }),
      Reference: 'Nov power',
    },
  ]
  const xero = new FakeXero({ Invoices: { Invoices: bills } })
  const body = await answerQuestion(parseQuestion('what do we owe?'), context(xero))
  t.same(xero.to('Invoices')[0]!.query, {
    Statuses: 'AUTHORISED',
    where: 'Type=="ACCPAY"',
    order: 'DueDate ASC',
    page: '1',
  })
  fields(t, body, {
    topic: 'bills',
    title: 'What we owe',
    subtitle: 'Corner Hardware Ltd · 2 unpaid bills',
    figures: [
      { label: 'Total', value: '£460.00', tone: null },
      { label: 'Overdue', value: '£60.00', tone: 'bad' },
    ],
    table: {
      columns: ['Supplier', 'Bill', 'Due date', 'Amount due'],
      rows: [
        ['Power Co', 'Nov power', '28 Nov 2026 (overdue)', '£60.00'],
        ['Timber Yard', 'B-2', '15 Dec 2026', '£400.00'],
      ],
    },
  })
  t.same(body.records, [{ type: 'bill', xeroId: bills[0]!.InvoiceID, label: 'B-2', question: 'invoice B-2' }])
})

t.test('a contact card shows details and balances, fetching the contact alone when the list has none', async (t) => {
  const listed = contact('c-kat', 'Katherine Warren', { EmailAddress: 'kat@clampett.com' })
  const full = {
    ...listed,
    FirstName: 'Kat',
    LastName: 'Warren',
    IsCustomer: true,
    IsSupplier: true,
    Phones: [
      { PhoneType: 'DEFAULT', PhoneNumber: '847-1294', PhoneAreaCode: '626', PhoneCountryCode: '1' },
      { PhoneType: 'FAX', PhoneNumber: '847-0000' },
      { PhoneType: 'MOBILE', PhoneNumber: '' },
    ],
    Addresses: [
      { AddressType: 'POBOX', City: 'Palo Alto', Region: 'CA', PostalCode: '94020' },
      { AddressType: 'STREET', AddressLine1: '', City: '' },
    ],
    Balances: {
      AccountsReceivable: { Outstanding: 760, Overdue: 920 },
      AccountsPayable: { Outstanding: 231.6, Overdue: 0 },
    },
  }
  const xero = new FakeXero({ Contacts: { Contacts: [listed] }, 'Contacts/c-kat': { Contacts: [full] } })
  const body = await answerQuestion(parseQuestion('contact Katherine'), context(xero))
  t.equal(xero.to('Contacts/c-kat').length, 1)
  fields(t, body, {
    topic: 'contact',
    title: 'Katherine Warren',
    subtitle: 'Customer · Supplier',
    figures: [
      { label: 'Owes us', value: '£760.00', tone: null },
      { label: 'Overdue', value: '£920.00', tone: 'bad' },
      { label: 'We owe', value: '£231.60', tone: null },
    ],
    table: {
      columns: ['Detail', 'Value'],
      rows: [
        ['Person', 'Kat Warren'],
        ['Email', 'kat@clampett.com'],
        ['Phone', '1 626 847-1294'],
        ['Address', 'Palo Alto, CA, 94020'],
      ],
    },
    xeroUrl: 'https://go.xero.com/Contacts/View/c-kat',
  })
  t.same(body.records, [
    {
      type: 'contact',
      xeroId: 'c-kat',
      label: 'Invoices for Katherine Warren',
      question: 'invoices for Katherine Warren',
    },
  ])

  // Balances in the list: no second call.
  const withBalances = new FakeXero({ Contacts: { Contacts: [{ ...full, DefaultCurrency: 'EUR' }] } })
  const again = await answerQuestion({ topic: 'contact', name: 'Katherine Warren' }, context(withBalances))
  t.equal(withBalances.calls.filter((call) => call.path.startsWith('Contacts/')).length, 0)
  t.match(again.figures[0], { value: '€760.00' }, "balances are in the contact's own currency")
})

t.test('bank balances come from the bank summary, in the base currency', async (t) => {
  const xero = new FakeXero({
    'Reports/BankSummary': {
      Reports: [
        {
          Rows: [
            {
              RowType: 'Header',
              Cells: [
                { Value: 'Bank Accounts' },
                { Value: 'Opening Balance' },
                { Value: 'Cash Received' },
                { Value: 'Cash Spent' },
                { Value: 'Closing Balance' },
              ],
            },
            {
              RowType: 'Section',
              Title: '',
              Rows: [
                {
                  RowType: 'Row',
                  Cells: [
                    { Value: 'Business Current' },
                    { Value: '0.00' },
                    { Value: '1,500.00' },
                    { Value: '250.00' },
                    { Value: '1,250.00' },
                  ],
                },
                {
                  RowType: 'Row',
                  Cells: [
                    { Value: 'Savings' },
                    { Value: '0.00' },
                    { Value: '0.00' },
                    { Value: '10.00' },
                    { Value: '-10.00' },
                  ],
                },
                {
                  RowType: 'SummaryRow',
                  Cells: [
                    { Value: 'Total' },
                    { Value: '0.00' },
                    { Value: '1,500.00' },
                    { Value: '260.00' },
                    { Value: '1,240.00' },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  })
  const body = await answerQuestion(parseQuestion('bank balances'), context(xero))
  t.same(xero.to('Reports/BankSummary')[0]!.query, { fromDate: '2026-12-01', toDate: '2026-12-03' })
  fields(t, body, {
    topic: 'bank',
    title: 'Bank balances',
    subtitle: 'Corner Hardware Ltd · 3 Dec 2026',
    figures: [{ label: 'Total', value: '£1,240.00', tone: null }],
    table: {
      columns: ['Account', 'Balance'],
      rows: [
        ['Business Current', '£1,250.00'],
        ['Savings', '-£10.00'],
      ],
    },
  })
})

t.test('reports Xero was not allowed to read give a card saying how to add the permission', async (t) => {
  const xero = new FakeXero({})
  const noReports = context(xero, { scopes: ['accounting.invoices.read'] })
  const profit = await answerQuestion({ topic: 'profit', period: 'month' }, noReports)
  fields(t, profit, { topic: 'profit', title: 'Profit needs a Xero permission', figures: [], table: null })
  t.match(profit.note, 'accounting.reports.profitandloss.read')
  t.match(profit.note, 'More → Xero')
  const bank = await answerQuestion({ topic: 'bank' }, noReports)
  fields(t, bank, { topic: 'bank', title: 'Bank balances need a Xero permission' })
  t.equal(xero.calls.length, 0, 'Xero is not asked')
  // The default scopes read the bank summary but not profit and loss.
  const profitByDefault = await answerQuestion({ topic: 'profit', period: 'month' }, context(xero))
  fields(t, profitByDefault, { title: 'Profit needs a Xero permission' })
})

t.test('profit this month: income, expenses and net profit from the profit and loss report', async (t) => {
  const row = (label: string, value: string) => ({ RowType: 'Row', Cells: [{ Value: label }, { Value: value }] })
  const summary = (label: string, value: string) => ({
    RowType: 'SummaryRow',
    Cells: [{ Value: label }, { Value: value }],
  })
  const report = (net: string) => ({
    Reports: [
      {
        Rows: [
          { RowType: 'Header', Cells: [{ Value: '' }, { Value: '3 Dec 2026' }] },
          { RowType: 'Section', Title: 'Income', Rows: [row('Sales', '5000.00'), summary('Total Income', '5000.00')] },
          { RowType: 'Section', Title: '', Rows: [row('Gross Profit', '5000.00')] },
          {
            RowType: 'Section',
            Title: 'Less Operating Expenses',
            Rows: [row('Loss on disposal', '99.00'), summary('Total Operating Expenses', '3200.50')],
          },
          { RowType: 'Section', Title: '', Rows: [row('Net Profit', net)] },
        ],
      },
    ],
  })
  let net = '1799.50'
  const xero = new FakeXero({ 'Reports/ProfitAndLoss': () => report(net) })
  const scoped = context(xero, { scopes: ['accounting.reports.profitandloss.read'] })
  const body = await answerQuestion(parseQuestion('profit'), scoped)
  t.same(xero.to('Reports/ProfitAndLoss')[0]!.query, { fromDate: '2026-12-01', toDate: '2026-12-03' })
  fields(t, body, {
    topic: 'profit',
    title: 'Profit this month',
    subtitle: 'Corner Hardware Ltd · 1 Dec 2026 – 3 Dec 2026',
    figures: [
      { label: 'Income', value: '£5,000.00', tone: null },
      { label: 'Expenses', value: '£3,200.50', tone: null },
      { label: 'Net profit', value: '£1,799.50', tone: 'good' },
    ],
    table: {
      columns: ['', 'Amount'],
      rows: [
        ['Total Income', '£5,000.00'],
        ['Gross Profit', '£5,000.00'],
        ['Total Operating Expenses', '£3,200.50'],
        ['Net Profit', '£1,799.50'],
      ],
    },
  })
  net = '-20.00'
  const loss = await answerQuestion(parseQuestion('profit'), context(xero, { scopes: ALL_REPORTS }))
  t.same(loss.figures[2], { label: 'Net profit', value: '-£20.00', tone: 'bad' })
})

t.test('an item by its code in any case, with its price and the stock Xero tracks', async (t) => {
  const items = {
    Items: [
      {
        ItemID: 'i-1',
        Code: 'WIDGET',
        Name: 'Blue widget',
        SalesDetails: { UnitPrice: 15 },
        IsTrackedAsInventory: true,
        QuantityOnHand: 42,
      },
      {
        ItemID: 'i-2',
        Code: 'WIDGET-XL',
        Name: 'Big widget',
        SalesDetails: { UnitPrice: 25 },
        IsTrackedAsInventory: false,
      },
      { ItemID: 'i-3', Code: 'BOLT', Name: 'Bolt', SalesDetails: {}, Description: 'M8 zinc' },
    ],
  }
  const xero = new FakeXero({ Items: items })
  const exact = await answerQuestion(parseQuestion('item widget'), context(xero))
  fields(t, exact, {
    topic: 'item',
    title: 'Blue widget',
    subtitle: 'Code WIDGET',
    figures: [
      { label: 'Sale price', value: '£15.00', tone: null },
      { label: 'In stock', value: '42', tone: null },
    ],
    choices: [],
  })
  const untracked = await answerQuestion({ topic: 'item', code: 'bolt' }, context(xero))
  fields(t, untracked, { title: 'Bolt', figures: [], note: 'M8 zinc. Xero does not track stock for this item.' })

  const several = await answerQuestion({ topic: 'item', code: 'widg' }, context(xero))
  fields(t, several, { title: 'Which “widg”?', figures: [] })
  t.same(several.choices, [
    { label: 'WIDGET · Blue widget', question: 'item WIDGET' },
    { label: 'WIDGET-XL · Big widget', question: 'item WIDGET-XL' },
  ])
  const none = await answerQuestion({ topic: 'item', code: 'GADGET' }, context(xero))
  fields(t, none, { title: 'No item “GADGET”', figures: [], choices: [] })
})

t.test("sales today are the shop's today: Auckland is already on the 4th while London is on the 3rd", async (t) => {
  const lateEvening = Date.UTC(2026, 11, 3, 23, 30)
  const sold = [
    invoice({ number: 'INV-0100', contact: ['c-1', 'Walk-in'], total: 40, date: '2026-12-04', status: 'PAID' }),
    invoice({
      number: 'INV-0101',
      contact: ['c-2', 'Yankee Tools'],
      total: 125,
      date: '2026-12-04',
      currency: 'USD',
      rate: 1.25,
    }),
  ]
  const xero = new FakeXero({ Invoices: { Invoices: sold } })
  const auckland = await answerQuestion(
    parseQuestion('sales today'),
    context(xero, { now: lateEvening, timezone: 'Pacific/Auckland' }),
  )
  t.same(xero.to('Invoices')[0]!.query, {
    Statuses: 'SUBMITTED,AUTHORISED,PAID',
    where: 'Type=="ACCREC" AND Date>=DateTime(2026,12,04) AND Date<=DateTime(2026,12,04)',
    order: 'Date DESC',
    page: '1',
  })
  fields(t, auckland, {
    topic: 'sales',
    title: 'Sales today',
    subtitle: 'Corner Hardware Ltd · 4 Dec 2026',
    figures: [
      { label: 'Total incl. tax', value: '£140.00', tone: null },
      { label: 'Invoices', value: '2', tone: null },
    ],
    table: {
      columns: ['Invoice', 'Date', 'Customer', 'Total'],
      rows: [
        ['INV-0100', '4 Dec 2026', 'Walk-in', '£40.00'],
        ['INV-0101', '4 Dec 2026', 'Yankee Tools', 'US$125.00'],
      ],
    },
  })
  await answerQuestion(parseQuestion('sales today'), context(xero, { now: lateEvening, timezone: 'Europe/London' }))
  t.equal(
    xero.to('Invoices')[1]!.query.where,
    'Type=="ACCREC" AND Date>=DateTime(2026,12,03) AND Date<=DateTime(2026,12,03)',
  )
})

t.test('sales this week start on Monday and this month on the first', async (t) => {
  const xero = new FakeXero({ Invoices: { Invoices: [] } })
  const week = await answerQuestion({ topic: 'sales', period: 'week' }, context(xero))
  t.equal(
    xero.to('Invoices')[0]!.query.where,
    'Type=="ACCREC" AND Date>=DateTime(2026,11,30) AND Date<=DateTime(2026,12,03)',
  )
  fields(t, week, {
    title: 'Sales this week',
    subtitle: 'Corner Hardware Ltd · 30 Nov 2026 – 3 Dec 2026',
    figures: [
      { label: 'Total incl. tax', value: '£0.00', tone: null },
      { label: 'Invoices', value: '0', tone: null },
    ],
    table: null,
    note: 'No sales invoices dated in this period yet.',
  })
  const month = await answerQuestion({ topic: 'sales', period: 'month' }, context(xero))
  t.equal(
    xero.to('Invoices')[1]!.query.where,
    'Type=="ACCREC" AND Date>=DateTime(2026,12,01) AND Date<=DateTime(2026,12,03)',
  )
  t.equal(month.title, 'Sales this month')
})

t.test('help lists what can be asked as choices, and says what was not understood', async (t) => {
  const xero = new FakeXero({})
  const body = await answerQuestion(parseQuestion('what is the weather like'), context(xero))
  fields(t, body, {
    topic: 'help',
    title: 'What you can ask Xero',
    subtitle: 'Not understood: “what is the weather like”',
  })
  t.ok(body.choices.length >= 5)
  t.same(body.choices[0], { label: 'Who owes us', question: 'who owes us' })
  for (const choice of body.choices) t.not(parseQuestion(choice.question).topic, 'help', choice.question)
  t.equal(xero.calls.length, 0)
  t.equal((await answerQuestion({ topic: 'help', unknown: null }, context(xero))).subtitle, '')
})

t.test("Xero's own refusals reach the caller unchanged", async (t) => {
  const busy = new AppError(429, 'xero_busy', 'Xero is busy; try again in 40 s.')
  const reader: XeroReader = {
    get: async () => {
      throw busy
    },
  }
  await t.rejects(answerQuestion({ topic: 'owed' }, context(reader)), busy)
})
