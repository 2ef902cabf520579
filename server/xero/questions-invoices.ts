/** The answers built from invoices: one invoice, a contact's invoices, who owes us, what we owe, sales. */
import type { CardBody, CardRecord } from './card'
import { daysBetween, formatDay, monthStart, weekStart, xeroDateTime, xeroDay, type Day } from './money'
import {
  card,
  dayCell,
  figure,
  invoiceRecord,
  MAX_ROWS,
  moreNote,
  notOneContact,
  plural,
  sentences,
  today,
  type QuestionContext,
} from './questions-cards'
import { questionText, type SalesPeriod } from './questions-text'
import {
  allInvoices,
  amount,
  contactUrl,
  findContact,
  inBase,
  invoiceNumberCandidates,
  invoiceState,
  invoiceUrl,
  moneyFormat,
  PAGE_SIZE,
  type XeroInvoice,
} from './questions-xero'

const SALES_STATUSES = 'SUBMITTED,AUTHORISED,PAID'

// ---- invoice INV-0042 ----

export async function invoiceCard(number: string, ctx: QuestionContext): Promise<CardBody> {
  const candidates = invoiceNumberCandidates(number)
  const [money, answer] = await Promise.all([
    moneyFormat(ctx.reader),
    ctx.reader.get<{ Invoices?: XeroInvoice[] }>('Invoices', { InvoiceNumbers: candidates.join(','), page: '1' }),
  ])
  const wanted = candidates.map((candidate) => candidate.toUpperCase())
  const found = (answer.Invoices ?? [])
    .filter((invoice) => wanted.includes((invoice.InvoiceNumber ?? '').toUpperCase()))
    // As typed before the guessed INV-0042, sales invoices before bills.
    .sort(
      (a, b) =>
        wanted.indexOf(a.InvoiceNumber!.toUpperCase()) - wanted.indexOf(b.InvoiceNumber!.toUpperCase()) ||
        Number(a.Type === 'ACCPAY') - Number(b.Type === 'ACCPAY'),
    )
  const invoice = found[0]
  if (!invoice) {
    return card('invoice', `No invoice ${number}`, {
      note: `Xero has no invoice numbered ${number}. Check the number, or ask “invoices for” and the customer’s name.`,
    })
  }
  const state = invoiceState(invoice, today(ctx), ctx.timezone)
  const currency = invoice.CurrencyCode
  const tone = state.isOverdue ? 'bad' : state.isPaid ? 'good' : null
  const lines = invoice.LineItems ?? []
  const contactName = invoice.Contact?.Name ?? ''
  const contactId = invoice.Contact?.ContactID
  return card('invoice', `${invoice.Type === 'ACCPAY' ? 'Bill' : 'Invoice'} ${invoice.InvoiceNumber}`, {
    subtitle: [contactName, state.due ? `due ${formatDay(state.due)}` : ''].filter(Boolean).join(' · '),
    figures: [
      figure('Amount due', money.format(amount(invoice.AmountDue), currency), tone),
      figure('Total', money.format(amount(invoice.Total), currency)),
      figure('Status', statusLong(invoice, ctx), tone),
    ],
    table:
      lines.length > 0
        ? {
            columns: ['Item', 'Qty', 'Amount'],
            rows: lines
              .slice(0, MAX_ROWS)
              .map((line) => [
                line.Description || line.ItemCode || '',
                line.Quantity === undefined ? '' : String(line.Quantity),
                money.format(amount(line.LineAmount), currency),
              ]),
          }
        : null,
    records:
      contactId && contactName
        ? [
            {
              type: 'contact',
              xeroId: contactId,
              label: contactName,
              question: questionText({ topic: 'contact', name: contactName }),
            },
          ]
        : [],
    note: sentences(
      invoice.Reference ? `Reference: ${invoice.Reference}.` : '',
      moreNote(lines.length, 'lines'),
      found.length > 1 ? `${plural(found.length, 'invoice')} have this number; this is the first.` : '',
    ),
    xeroUrl: invoiceUrl(invoice),
  })
}

/** "Overdue by 12 days", "Due in 3 days", "Paid 3 Dec 2026", "Draft". */
function statusLong(invoice: XeroInvoice, ctx: QuestionContext): string {
  const now = today(ctx)
  const state = invoiceState(invoice, now, ctx.timezone)
  if (state.isOverdue) return `Overdue by ${plural(state.daysOverdue, 'day')}`
  if (state.isPaid) {
    const paidOn = xeroDay(invoice.FullyPaidOnDate, ctx.timezone)
    return paidOn ? `Paid ${formatDay(paidOn)}` : 'Paid'
  }
  if (invoice.Status === 'AUTHORISED' && state.due) {
    const days = daysBetween(now, state.due)
    return days === 0 ? 'Due today' : `Due in ${plural(days, 'day')}`
  }
  return state.word
}

// ---- invoices for Acme ----

export async function contactInvoicesCard(name: string, ctx: QuestionContext): Promise<CardBody> {
  const [money, match] = await Promise.all([moneyFormat(ctx.reader), findContact(ctx.reader, name)])
  if (match.kind !== 'one') return notOneContact('invoices', name, match)
  const contact = match.contact
  const contactId = contact.ContactID!
  const query = { ContactIDs: contactId, where: 'Type=="ACCREC"' }
  const latest = await ctx.reader.get<{ Invoices?: XeroInvoice[] }>('Invoices', {
    ...query,
    Statuses: 'DRAFT,SUBMITTED,AUTHORISED,PAID',
    order: 'Date DESC',
    page: '1',
  })
  const invoices = latest.Invoices ?? []
  // A full page may leave older unpaid invoices out: those are counted from their own list.
  const unpaid =
    invoices.length < PAGE_SIZE
      ? { invoices: invoices.filter((invoice) => invoice.Status === 'AUTHORISED'), complete: true }
      : await allInvoices(ctx.reader, { ...query, Statuses: 'AUTHORISED' })
  const now = today(ctx)
  let outstanding = 0
  let overdue = 0
  for (const invoice of unpaid.invoices) {
    const due = inBase(invoice, amount(invoice.AmountDue), money.base)
    outstanding += due
    if (invoiceState(invoice, now, ctx.timezone).isOverdue) overdue += due
  }
  const shown = invoices.slice(0, MAX_ROWS)
  return card('invoices', `Invoices for ${contact.Name}`, {
    subtitle:
      invoices.length === 0
        ? ''
        : invoices.length < PAGE_SIZE
          ? plural(invoices.length, 'sales invoice')
          : `latest ${PAGE_SIZE} sales invoices`,
    figures: [
      figure('Outstanding', money.format(outstanding)),
      figure('Overdue', money.format(overdue), overdue > 0 ? 'bad' : null),
    ],
    table:
      shown.length > 0
        ? {
            columns: ['Invoice', 'Status', 'Total', 'Due date', 'Amount due'],
            rows: shown.map((invoice) => {
              const state = invoiceState(invoice, now, ctx.timezone)
              return [
                invoice.InvoiceNumber ?? '',
                state.word,
                money.format(amount(invoice.Total), invoice.CurrencyCode),
                dayCell(state.due),
                money.format(amount(invoice.AmountDue), invoice.CurrencyCode),
              ]
            }),
          }
        : null,
    records: shown.flatMap(invoiceRecord),
    note: sentences(
      invoices.length === 0 ? `Xero has no sales invoices for ${contact.Name}.` : '',
      moreNote(invoices.length, 'invoices'),
      unpaid.complete ? '' : 'Outstanding counts the first unpaid invoices only.',
    ),
    xeroUrl: contactUrl(contactId),
  })
}

// ---- who owes us ----

interface Debtor {
  contactId: string | null
  name: string
  owed: number
  overdue: number
  oldestDue: Day | null
}

export async function owedCard(ctx: QuestionContext): Promise<CardBody> {
  const [money, { invoices, complete }] = await Promise.all([
    moneyFormat(ctx.reader),
    // Xero's aged receivables report needs one contact: unpaid sales invoices give everyone.
    allInvoices(ctx.reader, { Statuses: 'AUTHORISED', where: 'Type=="ACCREC"', order: 'DueDate ASC' }),
  ])
  const now = today(ctx)
  const debtors = new Map<string, Debtor>()
  let total = 0
  let overdue = 0
  let count = 0
  for (const invoice of invoices) {
    const due = inBase(invoice, amount(invoice.AmountDue), money.base)
    if (due <= 0) continue
    count += 1
    const state = invoiceState(invoice, now, ctx.timezone)
    const contactId = invoice.Contact?.ContactID ?? null
    const key = contactId ?? invoice.Contact?.Name ?? ''
    const debtor = debtors.get(key) ?? {
      contactId,
      name: invoice.Contact?.Name ?? '',
      owed: 0,
      overdue: 0,
      oldestDue: null,
    }
    debtor.owed += due
    total += due
    if (state.isOverdue) {
      debtor.overdue += due
      overdue += due
    }
    if (state.due && (!debtor.oldestDue || state.due < debtor.oldestDue)) debtor.oldestDue = state.due
    debtors.set(key, debtor)
  }
  // Overdue first, most overdue at the top; then the largest balances.
  const ranked = [...debtors.values()].sort((a, b) => b.overdue - a.overdue || b.owed - a.owed)
  const shown = ranked.slice(0, MAX_ROWS)
  return card('owed', 'Who owes us', {
    subtitle: [
      ctx.organisation,
      count > 0 ? `${plural(count, 'unpaid invoice')}, ${plural(ranked.length, 'customer')}` : '',
    ]
      .filter(Boolean)
      .join(' · '),
    figures: [
      figure('Total owed', money.format(total)),
      figure('Overdue', money.format(overdue), overdue > 0 ? 'bad' : null),
    ],
    table:
      shown.length > 0
        ? {
            columns: ['Customer', 'Owed', 'Overdue', 'Oldest due'],
            rows: shown.map((debtor) => [
              debtor.name,
              money.format(debtor.owed),
              debtor.overdue > 0 ? money.format(debtor.overdue) : '',
              dayCell(debtor.oldestDue),
            ]),
          }
        : null,
    records: shown.flatMap((debtor): CardRecord[] =>
      debtor.contactId && debtor.name
        ? [
            {
              type: 'contact',
              xeroId: debtor.contactId,
              label: debtor.name,
              question: questionText({ topic: 'invoices', contact: debtor.name }),
            },
          ]
        : [],
    ),
    note: sentences(
      count === 0 ? 'Nobody owes anything: every sales invoice is paid.' : '',
      moreNote(ranked.length, 'customers'),
      complete ? '' : `Counted the first ${plural(invoices.length, 'unpaid invoice')} only.`,
    ),
  })
}

// ---- what do we owe ----

export async function billsCard(ctx: QuestionContext): Promise<CardBody> {
  const [money, { invoices, complete }] = await Promise.all([
    moneyFormat(ctx.reader),
    allInvoices(ctx.reader, { Statuses: 'AUTHORISED', where: 'Type=="ACCPAY"', order: 'DueDate ASC' }),
  ])
  const now = today(ctx)
  const bills = invoices
    .filter((bill) => amount(bill.AmountDue) > 0)
    .map((bill) => ({ bill, state: invoiceState(bill, now, ctx.timezone) }))
    // Soonest due first; bills without a due date last.
    .sort((a, b) => (a.state.due ?? '9999').localeCompare(b.state.due ?? '9999'))
  let total = 0
  let overdue = 0
  for (const { bill, state } of bills) {
    const due = inBase(bill, amount(bill.AmountDue), money.base)
    total += due
    if (state.isOverdue) overdue += due
  }
  const shown = bills.slice(0, MAX_ROWS)
  return card('bills', 'What we owe', {
    subtitle: [ctx.organisation, bills.length > 0 ? plural(bills.length, 'unpaid bill') : '']
      .filter(Boolean)
      .join(' · '),
    figures: [
      figure('Total', money.format(total)),
      figure('Overdue', money.format(overdue), overdue > 0 ? 'bad' : null),
    ],
    table:
      shown.length > 0
        ? {
            columns: ['Supplier', 'Bill', 'Due date', 'Amount due'],
            rows: shown.map(({ bill, state }) => [
              bill.Contact?.Name ?? '',
              bill.InvoiceNumber || bill.Reference || '',
              state.isOverdue ? `${dayCell(state.due)} (overdue)` : dayCell(state.due),
              money.format(amount(bill.AmountDue), bill.CurrencyCode),
            ]),
          }
        : null,
    records: shown.flatMap(({ bill }) => invoiceRecord(bill)),
    note: sentences(
      bills.length === 0 ? 'No unpaid bills.' : '',
      moreNote(bills.length, 'bills'),
      complete ? '' : `Counted the first ${plural(invoices.length, 'unpaid bill')} only.`,
    ),
  })
}

// ---- sales today / this week / this month ----

export async function salesCard(period: SalesPeriod, ctx: QuestionContext): Promise<CardBody> {
  const now = today(ctx)
  const from = period === 'today' ? now : period === 'week' ? weekStart(now) : monthStart(now)
  const [money, { invoices, complete }] = await Promise.all([
    moneyFormat(ctx.reader),
    // Invoice dates are calendar days: the shop's today decides the range.
    allInvoices(ctx.reader, {
      Statuses: SALES_STATUSES,
      where: `Type=="ACCREC" AND Date>=${xeroDateTime(from)} AND Date<=${xeroDateTime(now)}`,
      order: 'Date DESC',
    }),
  ])
  const total = invoices.reduce((sum, invoice) => sum + inBase(invoice, amount(invoice.Total), money.base), 0)
  const shown = invoices.slice(0, MAX_ROWS)
  const title = period === 'today' ? 'Sales today' : `Sales this ${period}`
  return card('sales', title, {
    subtitle: `${ctx.organisation} · ${from === now ? formatDay(now) : `${formatDay(from)} – ${formatDay(now)}`}`,
    figures: [figure('Total incl. tax', money.format(total)), figure('Invoices', String(invoices.length))],
    table:
      shown.length > 0
        ? {
            columns: ['Invoice', 'Date', 'Customer', 'Total'],
            rows: shown.map((invoice) => [
              invoice.InvoiceNumber ?? '',
              dayCell(xeroDay(invoice.Date, ctx.timezone)),
              invoice.Contact?.Name ?? '',
              money.format(amount(invoice.Total), invoice.CurrencyCode),
            ]),
          }
        : null,
    records: shown.flatMap(invoiceRecord),
    note: sentences(
      invoices.length === 0 ? 'No sales invoices dated in this period yet.' : '',
      moreNote(invoices.length, 'invoices'),
      complete ? '' : `Counted the first ${plural(invoices.length, 'invoice')} only.`,
    ),
  })
}
