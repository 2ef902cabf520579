/**
 * A customer's own balance through the shop's bot, when the owner allows it and staff linked
 * the customer to their Xero contact: `/balance` answers that contact's invoices waiting for
 * payment (number, due date, amount due, total) and nothing else. Also the staff side:
 * finding a Xero contact and linking a customer to it.
 */
import type { Selectable } from 'kysely'
import type { AppContext } from '../shared/context'
import type { CustomerTable } from '../db/schema'
import { AppError, badRequest } from '../shared/errors'
import { auditParty, can, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { getCustomer, type CustomerView } from '../customers/service'
import type { Plan, StrangerInput } from '../telegram/registry'
import { escapeHtml } from '../telegram/render'
import { xeroForbidden, type XeroAssistant } from './assistant'
import { formatDay, xeroDay } from './money'
import { allInvoices, amount, moneyFormat, type XeroContact, type XeroReader } from './questions-xero'
import { readXeroSettings } from './settings'
import { emitCustomerChanged } from '../customers/events'

type CustomerRow = Selectable<CustomerTable>

export interface ContactRef {
  id: string
  name: string
}

const MAX_CONTACTS = 20
const MAX_LINES = 20
const UNAVAILABLE = 'Sorry, your balance cannot be looked up right now. Please try again later.'

/** GET /api/xero/contacts?q=: contacts whose name (or number, or email) matches, for linking a customer. */
export async function searchContacts(assistant: XeroAssistant, actor: Actor, q: string): Promise<ContactRef[]> {
  await assistant.requireRead(actor, 'contacts')
  const context = await assistant.questionContext()
  const answer = await context.reader.get<{ Contacts?: XeroContact[] }>('Contacts', {
    searchTerm: q.trim(),
    page: '1',
  })
  return (answer.Contacts ?? [])
    .filter((contact) => contact.ContactID && contact.Name && contact.ContactStatus !== 'ARCHIVED')
    .slice(0, MAX_CONTACTS)
    .map((contact) => ({ id: contact.ContactID!, name: contact.Name! }))
}

/**
 * Links the customer of a customer conversation to a Xero contact (null unlinks). Needs
 * `customers.answer` (to see the customer) and `settings.manage` or `xero.read`; the contact
 * is checked in Xero first.
 */
export async function linkCustomerContact(
  ctx: AppContext,
  assistant: XeroAssistant,
  actor: Actor,
  conversationId: number,
  contactId: string | null,
  contactName?: string,
): Promise<CustomerView & { xeroContact: ContactRef | null }> {
  const view = await getCustomer(ctx, actor, conversationId)
  if (!can(actor, 'settings.manage') && !can(actor, 'xero.read')) {
    await assistant.deny(actor, 'link_customer')
    throw xeroForbidden()
  }
  let contact: ContactRef | null = null
  if (contactId !== null) {
    if (view.isErased) throw badRequest('customer_erased', 'This customer’s data was erased.')
    const context = await assistant.questionContext()
    let found: XeroContact | undefined
    try {
      const answer = await context.reader.get<{ Contacts?: XeroContact[] }>(`Contacts/${encodeURIComponent(contactId)}`)
      found = answer.Contacts?.[0]
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'xero_not_found') throw error
    }
    if (!found?.ContactID) throw badRequest('xero_no_contact', 'Xero has no such contact.')
    contact = { id: found.ContactID, name: found.Name ?? contactName?.trim() ?? '' }
  }
  await ctx.write(async (w) => {
    await w.trx
      .updateTable('customer')
      .set({ xero_contact_id: contact?.id ?? null, xero_contact_name: contact?.name ?? null })
      .where('conversation_id', '=', conversationId)
      .execute()
    await recordAudit(w.trx, w.now, {
      action: 'xero.customer_linked',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { conversationId, contactId: contact?.id ?? null, contactName: contact?.name ?? null },
    })
    // Colleagues with the customer open see the link at once.
    emitCustomerChanged(w, conversationId, view.status, view.assignee?.id ?? null, {
      id: actor.member.id,
      username: actor.member.username,
      displayName: actor.member.display_name,
    })
  })
  return { ...view, xeroContact: contact }
}

/** The contact's invoices waiting for payment, as the customer reads them (HTML). */
export async function balanceHtml(reader: XeroReader, contactId: string, timezone: string): Promise<string> {
  const money = await moneyFormat(reader)
  const { invoices, complete } = await allInvoices(reader, {
    ContactIDs: contactId,
    Statuses: 'AUTHORISED',
    where: 'Type=="ACCREC"',
    order: 'DueDate',
  })
  // Only ever this contact's sales invoices that still ask for money, whatever Xero sent.
  const owing = invoices.filter(
    (invoice) =>
      invoice.Contact?.ContactID === contactId &&
      invoice.Type === 'ACCREC' &&
      invoice.Status === 'AUTHORISED' &&
      amount(invoice.AmountDue) > 0,
  )
  if (owing.length === 0) return 'You have no invoices waiting for payment. Thank you!'
  const totals = new Map<string, number>()
  for (const invoice of owing) {
    const currency = invoice.CurrencyCode ?? ''
    totals.set(currency, (totals.get(currency) ?? 0) + amount(invoice.AmountDue))
  }
  const lines = owing.slice(0, MAX_LINES).map((invoice) => {
    const due = xeroDay(invoice.DueDate, timezone)
    const parts = [
      escapeHtml(invoice.InvoiceNumber ?? 'Invoice'),
      due ? `due ${formatDay(due)}` : '',
      `<b>${escapeHtml(money.format(amount(invoice.AmountDue), invoice.CurrencyCode))}</b>`,
    ]
    return parts.filter(Boolean).join(' · ')
  })
  const more = owing.length - Math.min(owing.length, MAX_LINES)
  const total = [...totals].map(([currency, sum]) => money.format(sum, currency || null)).join(' + ')
  return [
    '<b>Your invoices waiting for payment</b>',
    ...lines,
    ...(more > 0 ? [`… and ${more} more`] : []),
    '',
    `Total due: <b>${escapeHtml(total)}</b>${complete ? '' : ' (at least)'}`,
  ].join('\n')
}

/**
 * The customers' `/balance`: answered for a customer linked to a Xero contact while the
 * owner allows it; null leaves the message to the usual customer conversation.
 */
export function customerBalanceCommand(
  ctx: AppContext,
  assistant: XeroAssistant,
): (customer: CustomerRow, input: StrangerInput) => Promise<Plan | null> {
  return async (customer, input) => {
    const contactId = customer.xero_contact_id
    if (contactId === null || customer.erased_at !== null) return null
    if (!(await readXeroSettings(ctx)).customerBalance) return null
    let html = UNAVAILABLE
    try {
      const context = await assistant.questionContext()
      html = await balanceHtml(context.reader, contactId, context.timezone)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      ctx.log.warn({ code: error.code }, 'a customer’s balance could not be read from Xero')
    }
    return {
      step: async (w) => {
        await recordAudit(w.trx, w.now, {
          action: 'xero.balance_asked',
          actor: null,
          ip: '',
          detail: { customerId: customer.id, conversationId: customer.conversation_id },
        })
        await input.reply(html)(w)
      },
    }
  }
}
