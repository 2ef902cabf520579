/**
 * The Xero questions: what a text asks (questions-text.ts) and the card that answers it,
 * built from what Xero says through the reader alone. Nothing here stores, shares or
 * checks permissions; the ask service does that around it.
 */
import type { CardBody, CardFigure } from './card'
import { card, figure, MAX_ROWS, notOneContact, plural, sentences, type QuestionContext } from './questions-cards'
import { billsCard, contactInvoicesCard, invoiceCard, owedCard, salesCard } from './questions-invoices'
import { bankCard, profitCard } from './questions-reports'
import { questionText, type Question } from './questions-text'
import {
  comparable,
  contactUrl,
  findContact,
  moneyFormat,
  amount,
  type XeroContact,
  type XeroItem,
} from './questions-xero'

export { parseQuestion, questionText, type Question } from './questions-text'
export type { QuestionContext } from './questions-cards'
export type { XeroReader } from './questions-xero'

/** Asks Xero (through ctx.reader only) and builds the card; ambiguous names give choices. */
export async function answerQuestion(question: Question, ctx: QuestionContext): Promise<CardBody> {
  switch (question.topic) {
    case 'invoice':
      return invoiceCard(question.number, ctx)
    case 'invoices':
      return contactInvoicesCard(question.contact, ctx)
    case 'owed':
      return owedCard(ctx)
    case 'bills':
      return billsCard(ctx)
    case 'contact':
      return contactCard(question.name, ctx)
    case 'bank':
      return bankCard(ctx)
    case 'item':
      return itemCard(question.code, ctx)
    case 'sales':
      return salesCard(question.period, ctx)
    case 'profit':
      return profitCard(ctx)
    case 'help':
      return helpCard(question.unknown)
  }
}

// ---- contact Acme ----

async function contactCard(name: string, ctx: QuestionContext): Promise<CardBody> {
  const [money, match] = await Promise.all([moneyFormat(ctx.reader), findContact(ctx.reader, name)])
  if (match.kind !== 'one') return notOneContact('contact', name, match)
  let contact = match.contact
  // A list may leave the balances out; the contact on its own carries them.
  if (!contact.Balances) {
    const single = await ctx.reader.get<{ Contacts?: XeroContact[] }>(`Contacts/${contact.ContactID}`)
    contact = single.Contacts?.[0] ?? contact
  }
  // Xero's balances are in the contact's own currency, not converted.
  const currency = contact.DefaultCurrency || money.base
  const receivable = contact.Balances?.AccountsReceivable
  const payable = contact.Balances?.AccountsPayable
  const figures = [
    figure('Owes us', money.format(amount(receivable?.Outstanding), currency)),
    figure(
      'Overdue',
      money.format(amount(receivable?.Overdue), currency),
      amount(receivable?.Overdue) > 0 ? 'bad' : null,
    ),
  ]
  if (contact.IsSupplier || amount(payable?.Outstanding) > 0) {
    figures.push(figure('We owe', money.format(amount(payable?.Outstanding), currency)))
  }
  const person = [contact.FirstName, contact.LastName].filter(Boolean).join(' ')
  const rows: string[][] = []
  if (person && comparable(person) !== comparable(contact.Name ?? '')) rows.push(['Person', person])
  if (contact.EmailAddress) rows.push(['Email', contact.EmailAddress])
  for (const phone of contactPhones(contact)) rows.push(phone)
  const address = contactAddress(contact)
  if (address) rows.push(['Address', address])
  const roles = [contact.IsCustomer ? 'Customer' : '', contact.IsSupplier ? 'Supplier' : ''].filter(Boolean)
  return card('contact', contact.Name ?? name, {
    subtitle: roles.join(' · '),
    figures,
    table: rows.length > 0 ? { columns: ['Detail', 'Value'], rows: rows.slice(0, MAX_ROWS) } : null,
    records: [
      {
        type: 'contact',
        xeroId: contact.ContactID!,
        label: `Invoices for ${contact.Name}`,
        question: questionText({ topic: 'invoices', contact: contact.Name ?? name }),
      },
    ],
    xeroUrl: contactUrl(contact.ContactID!),
  })
}

const PHONE_LABELS: Record<string, string> = { DEFAULT: 'Phone', MOBILE: 'Mobile', DDI: 'Direct', FAX: 'Fax' }

function contactPhones(contact: XeroContact): string[][] {
  return (contact.Phones ?? []).flatMap((phone) => {
    const number = [phone.PhoneCountryCode, phone.PhoneAreaCode, phone.PhoneNumber].filter(Boolean).join(' ')
    if (!phone.PhoneNumber || phone.PhoneType === 'FAX') return []
    return [[PHONE_LABELS[phone.PhoneType ?? ''] ?? 'Phone', number]]
  })
}

/** The street address, or the postal one; one line. */
function contactAddress(contact: XeroContact): string {
  const lines = (type: string) => {
    const address = (contact.Addresses ?? []).find((candidate) => candidate.AddressType === type)
    if (!address) return ''
    return [
      address.AddressLine1,
      address.AddressLine2,
      address.AddressLine3,
      address.AddressLine4,
      address.City,
      address.Region,
      address.PostalCode,
      address.Country,
    ]
      .filter(Boolean)
      .join(', ')
  }
  return lines('STREET') || lines('POBOX')
}

// ---- item WIDGET ----

async function itemCard(code: string, ctx: QuestionContext): Promise<CardBody> {
  // Xero's item filter is exact and case-sensitive; the whole list is one call and is matched here.
  const [money, answer] = await Promise.all([moneyFormat(ctx.reader), ctx.reader.get<{ Items?: XeroItem[] }>('Items')])
  const items = (answer.Items ?? []).filter((item) => item.ItemID && item.Code)
  const wanted = comparable(code)
  const exact = items.filter((item) => comparable(item.Code!) === wanted)
  const near = items.filter(
    (item) => comparable(item.Code!).includes(wanted) || comparable(item.Name ?? '').includes(wanted),
  )
  const matches = exact.length > 0 ? exact : near
  if (matches.length === 0) {
    return card('item', `No item “${code}”`, {
      note: `Xero has no item with the code or name “${code}”. Check the code, or type part of the item’s name.`,
    })
  }
  if (matches.length > 1) {
    return card('item', `Which “${code}”?`, {
      subtitle: `${plural(matches.length, 'item')} match`,
      choices: matches.slice(0, MAX_ROWS).map((item) => ({
        label: item.Name ? `${item.Code} · ${item.Name}` : item.Code!,
        question: questionText({ topic: 'item', code: item.Code! }),
      })),
      note: matches.length > MAX_ROWS ? `${matches.length - MAX_ROWS} more match; type more of the code.` : '',
    })
  }
  const item = matches[0]!
  const figures: CardFigure[] = []
  if (item.SalesDetails?.UnitPrice !== undefined)
    figures.push(figure('Sale price', money.format(item.SalesDetails.UnitPrice)))
  if (item.IsTrackedAsInventory) figures.push(figure('In stock', String(amount(item.QuantityOnHand))))
  return card('item', item.Name || item.Code!, {
    subtitle: `Code ${item.Code}`,
    figures,
    note: sentences(item.Description ?? '', item.IsTrackedAsInventory ? '' : 'Xero does not track stock for this item'),
  })
}

// ---- help ----

const EXAMPLES: Question[] = [
  { topic: 'owed' },
  { topic: 'bills' },
  { topic: 'bank' },
  { topic: 'sales', period: 'today' },
  { topic: 'sales', period: 'week' },
  { topic: 'sales', period: 'month' },
  { topic: 'profit', period: 'month' },
]

function helpCard(unknown: string | null): CardBody {
  return card('help', 'What you can ask Xero', {
    subtitle: unknown ? `Not understood: “${unknown}”` : '',
    choices: EXAMPLES.map((example) => {
      const text = questionText(example)
      return { label: text.charAt(0).toUpperCase() + text.slice(1), question: text }
    }),
    note: 'Or ask about one thing: “invoice INV-0042”, “invoices for Acme”, “contact Acme”, “item WIDGET”.',
  })
}
