/**
 * What every Xero answer is built from: the question's context and the small pieces cards
 * share (a figure, a note saying how many more, the pick-list for a name that is not one contact).
 */
import type { CardBody, CardChoice, CardFigure, CardRecord, CardTopic } from './card'
import { dayIn, formatDay, type Day } from './money'
import { questionText } from './questions-text'
import type { XeroContact, XeroInvoice, XeroReader } from './questions-xero'

export interface QuestionContext {
  reader: XeroReader
  /** ms since epoch, from the app clock. */
  now: number
  /** The shop's IANA zone, e.g. 'Europe/London'. */
  timezone: string
  /** The organisation's name, for the card. */
  organisation: string
  /** Scopes Xero granted. */
  scopes: readonly string[]
}

/** A card shows at most this many table rows, choices or records; its note says how many more. */
export const MAX_ROWS = 8

export function card(
  topic: CardTopic,
  title: string,
  parts: Partial<Omit<CardBody, 'topic' | 'title'>> = {},
): CardBody {
  return {
    topic,
    title,
    subtitle: '',
    figures: [],
    table: null,
    records: [],
    choices: [],
    note: '',
    xeroUrl: null,
    ...parts,
  }
}

export const figure = (label: string, value: string, tone: CardFigure['tone'] = null): CardFigure => ({
  label,
  value,
  tone,
})

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

/** "3 more invoices not shown." when a list was cut to MAX_ROWS; '' otherwise. */
export function moreNote(total: number, what: string): string {
  return total > MAX_ROWS ? `${total - MAX_ROWS} more ${what} not shown.` : ''
}

/** The parts that say something, each ended as a sentence. */
export function sentences(...parts: string[]): string {
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => (/[.!?]$/.test(part) ? part : `${part}.`))
    .join(' ')
}

export function today(ctx: QuestionContext): Day {
  return dayIn(ctx.now, ctx.timezone)
}

export function invoiceRecord(invoice: XeroInvoice): CardRecord[] {
  if (!invoice.InvoiceID || !invoice.InvoiceNumber) return []
  return [
    {
      type: invoice.Type === 'ACCPAY' ? 'bill' : 'invoice',
      xeroId: invoice.InvoiceID,
      label: invoice.InvoiceNumber,
      question: questionText({ topic: 'invoice', number: invoice.InvoiceNumber }),
    },
  ]
}

/** A day for a table cell; '' when Xero gave none. */
export function dayCell(day: Day | null): string {
  return day ? formatDay(day) : ''
}

// ---- names: a pick-list or "no match" ----

/** The card when a typed name is not one contact: a pick-list, or none found. */
export function notOneContact(
  topic: 'invoices' | 'contact',
  name: string,
  match: { kind: 'many'; contacts: XeroContact[] } | { kind: 'none' },
): CardBody {
  if (match.kind === 'none') {
    const shorter = name.split(' ')[0]!
    const ask = (text: string) => questionText(topic === 'invoices' ? { topic, contact: text } : { topic, name: text })
    return card(topic, `No contact matches “${name}”`, {
      note:
        shorter !== name
          ? `Nothing in Xero matches “${name}”. Try part of the name, e.g. “${ask(shorter)}”.`
          : `Nothing in Xero matches “${name}”. Check the spelling, or ask “who owes us” to see customers with unpaid invoices.`,
    })
  }
  const choices: CardChoice[] = match.contacts.slice(0, MAX_ROWS).map((contact) => ({
    label: contact.Name!,
    question: questionText(topic === 'invoices' ? { topic, contact: contact.Name! } : { topic, name: contact.Name! }),
  }))
  return card(topic, `Which “${name}”?`, {
    subtitle: `${plural(match.contacts.length, 'contact')} match`,
    choices,
    note:
      match.contacts.length > MAX_ROWS ? `${match.contacts.length - MAX_ROWS} more match; type more of the name.` : '',
  })
}
