/**
 * Reading Xero for the questions: the parts of its JSON the cards use, and the few reads
 * several questions share (the base currency, every page of a list, a contact by name).
 * Every field is optional: the answer comes from outside and is checked where it is used.
 */
import { MoneyFormat, daysBetween, xeroDay, type Day } from './money'

/** Reads the connected organisation's accounting API: GET {apiBase}/api.xro/2.0/{path}. */
export interface XeroReader {
  get<T>(path: string, query?: Record<string, string>): Promise<T>
}

export interface XeroContactRef {
  ContactID?: string
  Name?: string
}

export interface XeroLineItem {
  Description?: string
  ItemCode?: string
  Quantity?: number
  LineAmount?: number
}

export interface XeroInvoice {
  Type?: string
  InvoiceID?: string
  InvoiceNumber?: string
  Reference?: string
  Contact?: XeroContactRef
  Date?: string
  DueDate?: string
  FullyPaidOnDate?: string
  Status?: string
  LineItems?: XeroLineItem[]
  Total?: number
  AmountDue?: number
  AmountPaid?: number
  CurrencyCode?: string
  CurrencyRate?: number
}

export interface XeroAddress {
  AddressType?: string
  AddressLine1?: string
  AddressLine2?: string
  AddressLine3?: string
  AddressLine4?: string
  City?: string
  Region?: string
  PostalCode?: string
  Country?: string
}

export interface XeroPhone {
  PhoneType?: string
  PhoneNumber?: string
  PhoneAreaCode?: string
  PhoneCountryCode?: string
}

interface XeroBalance {
  Outstanding?: number
  Overdue?: number
}

export interface XeroContact extends XeroContactRef {
  ContactStatus?: string
  FirstName?: string
  LastName?: string
  EmailAddress?: string
  Addresses?: XeroAddress[]
  Phones?: XeroPhone[]
  IsCustomer?: boolean
  IsSupplier?: boolean
  DefaultCurrency?: string
  Balances?: { AccountsReceivable?: XeroBalance; AccountsPayable?: XeroBalance }
}

export interface XeroItem {
  ItemID?: string
  Code?: string
  Name?: string
  Description?: string
  IsTrackedAsInventory?: boolean
  QuantityOnHand?: number
  SalesDetails?: { UnitPrice?: number }
}

export interface XeroReportCell {
  Value?: string
}

export interface XeroReportRow {
  RowType?: string
  Title?: string
  Cells?: XeroReportCell[]
  Rows?: XeroReportRow[]
}

export interface XeroReport {
  ReportTitles?: string[]
  Rows?: XeroReportRow[]
}

/** Xero pages invoices and contacts by this many. */
export const PAGE_SIZE = 100
/** A list question reads at most this many pages (calls); the card says when there was more. */
export const MAX_PAGES = 5

/** The organisation's base currency, for amounts on cards; null when Xero does not say. */
export async function moneyFormat(reader: XeroReader): Promise<MoneyFormat> {
  const answer = await reader.get<{ Organisations?: Array<{ BaseCurrency?: string }> }>('Organisation')
  return new MoneyFormat(answer.Organisations?.[0]?.BaseCurrency ?? null)
}

/** Every invoice the query finds, page by page, up to MAX_PAGES. */
export async function allInvoices(
  reader: XeroReader,
  query: Record<string, string>,
): Promise<{ invoices: XeroInvoice[]; complete: boolean }> {
  const invoices: XeroInvoice[] = []
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await reader.get<{ Invoices?: XeroInvoice[] }>('Invoices', { ...query, page: String(page) })
    const found = answer.Invoices ?? []
    invoices.push(...found)
    if (found.length < PAGE_SIZE) return { invoices, complete: true }
  }
  return { invoices, complete: false }
}

export type ContactMatch =
  { kind: 'one'; contact: XeroContact } | { kind: 'many'; contacts: XeroContact[] } | { kind: 'none' }

/**
 * The contact a typed name means: Xero's own search (name, first and last name, contact
 * number, email; any case), then the one whose name is exactly the typed one, or the only
 * one found. Several and none exact is a pick-list.
 */
export async function findContact(reader: XeroReader, name: string): Promise<ContactMatch> {
  const answer = await reader.get<{ Contacts?: XeroContact[] }>('Contacts', { searchTerm: name, page: '1' })
  const contacts = (answer.Contacts ?? []).filter((contact) => contact.ContactID && contact.Name)
  const wanted = comparable(name)
  const exact = contacts.find((contact) => comparable(contact.Name!) === wanted)
  if (exact) return { kind: 'one', contact: exact }
  if (contacts.length === 1) return { kind: 'one', contact: contacts[0]! }
  return contacts.length === 0 ? { kind: 'none' } : { kind: 'many', contacts }
}

/** A name as compared: case, punctuation and spacing do not count ("ACME Ltd." is "acme ltd"). */
export function comparable(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/** An amount from Xero's JSON, 0 when missing. */
export function amount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

/**
 * An invoice amount in the base currency, so that sums add like with like. Xero's
 * CurrencyRate is units of the invoice's currency per unit of the base currency.
 */
export function inBase(invoice: XeroInvoice, value: number, base: string | null): number {
  const rate = invoice.CurrencyRate
  if (!base || !invoice.CurrencyCode || invoice.CurrencyCode === base || !rate || rate <= 0) return value
  return value / rate
}

export interface InvoiceState {
  /** A word for tables: Paid, Overdue, Awaiting payment, Draft … */
  word: string
  due: Day | null
  isOverdue: boolean
  isPaid: boolean
  daysOverdue: number
}

const STATUS_WORDS: Record<string, string> = {
  DRAFT: 'Draft',
  SUBMITTED: 'Awaiting approval',
  AUTHORISED: 'Awaiting payment',
  PAID: 'Paid',
  VOIDED: 'Voided',
  DELETED: 'Deleted',
}

/** Where an invoice stands on `today`. */
export function invoiceState(invoice: XeroInvoice, today: Day, timezone: string): InvoiceState {
  const due = xeroDay(invoice.DueDate, timezone)
  const isOwing = invoice.Status === 'AUTHORISED' && amount(invoice.AmountDue) > 0
  const daysOverdue = isOwing && due ? Math.max(0, daysBetween(due, today)) : 0
  const isOverdue = daysOverdue > 0
  return {
    word: isOverdue ? 'Overdue' : (STATUS_WORDS[invoice.Status ?? ''] ?? invoice.Status ?? ''),
    due,
    isOverdue,
    isPaid: invoice.Status === 'PAID',
    daysOverdue,
  }
}

/** Xero's number as typed ("inv-42", "42") and as Xero numbers them by default (INV-0042). */
export function invoiceNumberCandidates(number: string): string[] {
  const typed = number.trim()
  const candidates = [typed, typed.toUpperCase()]
  const parts = /^([a-z]*)[-\s]?(\d+)$/i.exec(typed)
  if (parts) candidates.push(`${(parts[1] || 'INV').toUpperCase()}-${parts[2]!.padStart(4, '0')}`)
  // The list is sent comma-separated: a number with a comma cannot be asked for.
  return [...new Set(candidates)].filter((candidate) => candidate !== '' && !candidate.includes(','))
}

/** A report's number cell ("1,240.00", "-10.00"); null when it holds no number. */
export function reportNumber(cell: XeroReportCell | undefined): number | null {
  const text = (cell?.Value ?? '').replace(/,/g, '').trim()
  if (text === '' || !/^-?\d+(\.\d+)?$/.test(text)) return null
  return Number(text)
}

/** Every row of a report, sections opened, in order. */
export function reportRows(rows: XeroReportRow[] | undefined): XeroReportRow[] {
  return (rows ?? []).flatMap((row) => (row.RowType === 'Section' ? reportRows(row.Rows) : [row]))
}

export function invoiceUrl(invoice: XeroInvoice): string | null {
  if (!invoice.InvoiceID) return null
  const ledger = invoice.Type === 'ACCPAY' ? 'AccountsPayable' : 'AccountsReceivable'
  return `https://go.xero.com/${ledger}/View.aspx?InvoiceID=${encodeURIComponent(invoice.InvoiceID)}`
}

export function contactUrl(contactId: string): string {
  return `https://go.xero.com/Contacts/View/${encodeURIComponent(contactId)}`
}
