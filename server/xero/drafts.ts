/**
 * Writing back to Xero, always in two steps: a preview card first (an invoice typed in words
 * or in the form, a bill with its photo), then Confirm creates a DRAFT in Xero — never an
 * approved invoice — under the card's own idempotency key, so a double tap, a retry after a
 * lost answer or two phones at once still make one draft. Drafting needs `xero.write`, the
 * owner's "writes" setting and a connection granted `accounting.invoices`.
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs/promises'
import type { Selectable } from 'kysely'
import type { AppContext } from '../shared/context'
import type { CardBody } from '../shared/card-body'
import type { XeroCardTable } from '../db/schema'
import { AppError, badRequest, conflict, forbidden, notFound } from '../shared/errors'
import { auditParty, can, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { openFile, openStoredFile } from '../files/service'
import type { BuiltCard, DraftPlugin, NewDraft, XeroAssistant, XeroCardView } from './assistant'
import { parseBody } from './cards'
import type { XeroConnection } from './connection'
import { dayIn, formatDay, type Day } from './money'
import type { QuestionContext } from './questions'
import {
  comparable,
  findContact,
  invoiceUrl,
  moneyFormat,
  type XeroContact,
  type XeroInvoice,
  type XeroItem,
} from './questions-xero'
import { readXeroSettings } from './settings'

type CardRow = Selectable<XeroCardTable>
type Context = QuestionContext & { tenantId: string }

export interface InvoiceLineInput {
  description?: string
  itemCode?: string
  quantity: number
  unitAmount: number
}

export interface InvoiceDraftInput {
  contact: string
  lines: InvoiceLineInput[]
  reference?: string
}

export interface BillDraftInput {
  supplier: string
  amount: number
  /** YYYY-MM-DD; today in the shop when left out. */
  date?: string
  reference?: string
  fileId: number
}

/** A line as typed in words: its words name an item (by code or name) or describe the line. */
interface TypedLine {
  words: string
  quantity: number
  unitAmount: number
}

type Line = InvoiceLineInput | TypedLine

const WRITE_SCOPE = 'accounting.invoices'
const MAX_CHOICES = 8
const PREVIEW_NOTE = 'Draft — nothing is in Xero until you confirm.'
/** What Xero takes as an attachment, of what a phone sends: photos and PDFs. */
const ATTACHABLE = /^(image\/(jpeg|png|gif|tiff|bmp)|application\/pdf)$/

const writeForbidden = () =>
  forbidden('xero_forbidden', 'Only members who may write to Xero can draft invoices and bills.')
const writesOff = () =>
  conflict('xero_writes_off', 'Drafting in Xero is turned off; the owner turns it on in More → Xero.')
const noWriteScope = () =>
  conflict(
    'xero_writes_off',
    'Xero was connected without permission to write invoices; the owner reconnects it with drafting on (More → Xero).',
  )

// --- words: "invoice Acme 2 x Widget at 15" ---

const INVOICE_START = /^\s*(?:(?:draft|new|create|make|raise)\s+(?:an?\s+)?)?invoice\b(?!s)[\s:]*(?:(?:for|to)\b\s*)?/i
const BILL_START = /^\s*(?:(?:draft|new|create|enter)\s+(?:an?\s+)?)?bill\b(?!s)\s*(?:from\b\s*)?/i
const QUANTITY = String.raw`\d+(?:[.,]\d+)?`
const PRICE = String.raw`[\u00a3$\u20ac]?\s*\d[\d,]*(?:\.\d+)?`
/** "2 x Widget at 15", "2x Widget @ 15", "2 widget @15 each". */
const LINE = new RegExp(
  String.raw`^(${QUANTITY})\s*(?:[x\u00d7*]\s+|\s)\s*(.+?)(?:\s+at|\s*@)\s*(${PRICE})\s*(?:each|ea\.?)?$`,
  'i',
)
/** Where the contact's name ends and the first line starts, when no colon says so. */
const CONTACT_THEN_LINES = new RegExp(
  String.raw`^(.+?)[\s,;-]+(?=${QUANTITY}\s*(?:[x\u00d7*]\s+|\s)\s*\S.*?(?:\s+at|\s*@)\s*${PRICE})`,
  'i',
)
const REFERENCE = /^(.*\d)\s*[,;]?\s+(?:ref|reference)\.?\s*[:#]?\s*(\S.*)$/i
const LINE_BREAK = /\s*(?:[;\n]|,\s+(?=\d)|\s+and\s+(?=\d)|\s+\+\s+(?=\d))\s*/i
const BILL = new RegExp(
  String.raw`^(.+?)\s+(${PRICE})(?:\s+on\s+(\d{4}-\d{2}-\d{2}))?(?:\s+(?:ref|reference)\.?\s*[:#]?\s*(\S.*?))?\s+(?:photo|file)\s*#?(\d+)\s*$`,
  'i',
)

/** "1,240.50" and "2,50" (a decimal comma) as numbers; NaN when it is not one. */
function number(text: string): number {
  const bare = text.replace(/[\u00a3$\u20ac\s]/g, '')
  if (/^\d+,\d{1,2}$/.test(bare)) return Number(bare.replace(',', '.'))
  return Number(bare.replace(/,/g, ''))
}

/** An invoice asked for in words, or null when the text is not one. */
export function parseInvoiceText(text: string): { contact: string; lines: TypedLine[]; reference?: string } | null {
  const start = INVOICE_START.exec(text)
  if (!start) return null
  const rest = text.slice(start[0].length).trim()
  let contact: string
  let linesText: string
  const colon = rest.indexOf(':')
  if (colon > 0) {
    contact = rest.slice(0, colon)
    linesText = rest.slice(colon + 1)
  } else {
    const split = CONTACT_THEN_LINES.exec(rest)
    if (!split) return null
    contact = split[1]!
    linesText = rest.slice(split[0].length)
  }
  contact = contact.trim()
  linesText = linesText.trim()
  let reference: string | undefined
  const referenced = REFERENCE.exec(linesText)
  if (referenced) {
    linesText = referenced[1]!
    reference = referenced[2]!.trim()
  }
  const lines: TypedLine[] = []
  for (const part of linesText.split(LINE_BREAK)) {
    const line = LINE.exec(part.trim())
    if (!line) return null
    const quantity = number(line[1]!)
    const unitAmount = number(line[3]!)
    if (!Number.isFinite(quantity) || !Number.isFinite(unitAmount)) return null
    lines.push({ words: line[2]!.trim(), quantity, unitAmount })
  }
  if (contact === '' || lines.length === 0) return null
  return reference ? { contact, lines, reference } : { contact, lines }
}

/** A bill in words ("bill Acme Supplies 42.50 on 2026-12-01 photo 12"), the way a pick-list asks it again. */
export function parseBillText(text: string): BillDraftInput | null {
  const start = BILL_START.exec(text)
  if (!start) return null
  const bill = BILL.exec(text.slice(start[0].length).trim())
  if (!bill) return null
  const amount = number(bill[2]!)
  if (!Number.isFinite(amount)) return null
  return {
    supplier: bill[1]!.trim(),
    amount,
    ...(bill[3] ? { date: bill[3] } : {}),
    ...(bill[4] ? { reference: bill[4].trim() } : {}),
    fileId: Number(bill[5]),
  }
}

const plain = (value: number) => String(Math.round(value * 10_000) / 10_000)

/** The words that ask for this invoice draft again (a pick-list's choice, the card's question). */
export function invoiceText(contact: string, lines: readonly Line[], reference?: string): string {
  const parts = lines.map((line) => {
    const what = 'words' in line ? line.words : (line.itemCode ?? line.description ?? '')
    return `${plain(line.quantity)} x ${what} at ${line.unitAmount.toFixed(2)}`
  })
  return `invoice ${contact}: ${parts.join(', ')}${reference ? ` ref ${reference}` : ''}`
}

export function billText(input: BillDraftInput): string {
  const date = input.date ? ` on ${input.date}` : ''
  const reference = input.reference ? ` ref ${input.reference}` : ''
  return `bill ${input.supplier} ${input.amount.toFixed(2)}${date}${reference} photo ${input.fileId}`
}

// --- what Xero answers a create ---

interface CreatedInvoice extends XeroInvoice {
  HasErrors?: boolean
  ValidationErrors?: Array<{ Message?: string }>
}

function validDay(text: string): boolean {
  const ms = Date.parse(`${text}T00:00:00Z`)
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text
}

const cents = (value: number) => Math.round(value * 100) / 100

/**
 * Drafts: previews (from words, the invoice form, the bill form) and Confirm. Registered as
 * the assistant's draft plugin, so "invoice Acme 2 x Widget at 15" asked anywhere previews.
 */
export class XeroDrafts implements DraftPlugin {
  /** Confirms under way, per card: a second tap waits for the first instead of calling Xero. */
  private readonly confirming = new Map<number, Promise<void>>()

  constructor(
    private readonly ctx: AppContext,
    private readonly assistant: XeroAssistant,
    private readonly connection: XeroConnection,
  ) {}

  async fromText(actor: Actor, text: string): Promise<(BuiltCard & { draft?: NewDraft }) | null> {
    const invoice = parseInvoiceText(text)
    const bill = invoice ? null : parseBillText(text)
    if (!invoice && !bill) return null
    const context = await this.requireWrite(actor)
    return invoice
      ? this.invoiceCard(context, invoice.contact, invoice.lines, invoice.reference)
      : this.billCard(actor, context, bill!)
  }

  /** POST /api/xero/drafts/invoice: the preview card, kept in the asker's Xero conversation. */
  async previewInvoice(actor: Actor, input: InvoiceDraftInput): Promise<XeroCardView> {
    await this.assistant.requireRead(actor, 'draft')
    const context = await this.requireWrite(actor)
    const built = await this.invoiceCard(
      context,
      input.contact.trim(),
      input.lines,
      input.reference?.trim() || undefined,
    )
    return this.keep(actor, built)
  }

  /** POST /api/xero/drafts/bill: the preview card of a bill whose photo is attached on Confirm. */
  async previewBill(actor: Actor, input: BillDraftInput): Promise<XeroCardView> {
    await this.assistant.requireRead(actor, 'draft')
    const context = await this.requireWrite(actor)
    const built = await this.billCard(actor, context, input)
    return this.keep(actor, built)
  }

  /**
   * Creates the card's draft in Xero, once: a second Confirm returns the card as it is, or
   * (after a failure) sends the same request under the same idempotency key, which Xero
   * answers with the first result instead of making another draft.
   */
  async confirm(actor: Actor, cardId: number): Promise<XeroCardView> {
    await this.assistant.requireRead(actor, 'confirm')
    await this.requireWrite(actor)
    const running = this.confirming.get(cardId)
    if (running) {
      await running.catch(() => undefined)
    } else {
      const flight = this.create(actor, cardId).finally(() => this.confirming.delete(cardId))
      this.confirming.set(cardId, flight)
      await flight
    }
    const card = await this.card(cardId)
    return this.assistant.view(card, await this.askerOf(card))
  }

  /** Refuses a member who may not draft, and drafting while it is off; answers the question context. */
  private async requireWrite(actor: Actor): Promise<Context> {
    if (!can(actor, 'xero.write')) {
      await this.assistant.deny(actor, 'draft')
      throw writeForbidden()
    }
    const settings = await readXeroSettings(this.ctx)
    if (!settings.writes) throw writesOff()
    const context = await this.assistant.questionContext()
    if (!context.scopes.includes(WRITE_SCOPE)) throw noWriteScope()
    return context
  }

  private async keep(actor: Actor, built: BuiltCard & { draft?: NewDraft }): Promise<XeroCardView> {
    return this.ctx.write(async (w) => {
      const conversation = await this.assistant.ownConversation(w, actor)
      const card = await this.assistant.storeCard(w, actor, built, 'api')
      await this.assistant.postCard(w, card, conversation, null, true)
      return this.assistant.view(card, actor.member)
    })
  }

  /** Which contact a typed name means: one, or a pick-list card asking again with each name. */
  private async contactFor(
    context: Context,
    name: string,
    askAgain: (exactName: string) => string,
  ): Promise<XeroContact | BuiltCard> {
    const match = await findContact(context.reader, name)
    if (match.kind === 'one') return match.contact
    if (match.kind === 'none') {
      throw badRequest(
        'xero_no_contact',
        `Xero has no contact matching “${name}”; check the spelling or add it in Xero.`,
      )
    }
    const shown = match.contacts.slice(0, MAX_CHOICES)
    const more = match.contacts.length - shown.length
    return {
      question: askAgain(name),
      organisation: context.organisation,
      tenantId: context.tenantId,
      body: {
        topic: 'draft',
        title: `Which “${name}”?`,
        subtitle: '',
        figures: [],
        table: null,
        records: [],
        choices: shown.map((contact) => ({ label: contact.Name!, question: askAgain(contact.Name!) })),
        note: `Several contacts match; pick one to draft for.${more > 0 ? ` ${more} more not shown: type more of the name.` : ''}`,
        xeroUrl: null,
      },
    }
  }

  private async invoiceCard(
    context: Context,
    contactName: string,
    lines: readonly Line[],
    reference: string | undefined,
  ): Promise<BuiltCard & { draft?: NewDraft }> {
    if (lines.length === 0) throw badRequest('draft_no_lines', 'Add at least one line.')
    for (const line of lines) {
      if (!(line.quantity > 0) || !Number.isFinite(line.unitAmount)) {
        throw badRequest('draft_invalid_line', 'Each line needs a quantity above zero and a price.')
      }
      if (!('words' in line) && !line.itemCode?.trim() && !line.description?.trim()) {
        throw badRequest('draft_invalid_line', 'Each line needs a description or an item code.')
      }
    }
    const found = await this.contactFor(context, contactName, (name) => invoiceText(name, lines, reference))
    if ('body' in found) return found
    const contact = found
    const needsItems = lines.some((line) => 'words' in line || line.itemCode?.trim())
    const items = needsItems
      ? ((await context.reader.get<{ Items?: XeroItem[] }>('Items')).Items ?? []).filter((item) => item.Code)
      : []
    const lineItems = lines.map((line) => {
      const quantity = Math.round(line.quantity * 10_000) / 10_000
      const unitAmount = cents(line.unitAmount)
      if ('words' in line) {
        const wanted = comparable(line.words)
        const item =
          items.find((i) => comparable(i.Code!) === wanted) ??
          items.find((i) => i.Name !== undefined && comparable(i.Name) === wanted)
        return item
          ? {
              ItemCode: item.Code!,
              Description: item.Description || item.Name || item.Code!,
              Quantity: quantity,
              UnitAmount: unitAmount,
            }
          : { Description: line.words, Quantity: quantity, UnitAmount: unitAmount }
      }
      const code = line.itemCode?.trim()
      if (code) {
        const item = items.find((i) => comparable(i.Code!) === comparable(code))
        if (!item) throw badRequest('xero_no_item', `Xero has no item with the code “${code}”.`)
        return {
          ItemCode: item.Code!,
          Description: line.description?.trim() || item.Description || item.Name || item.Code!,
          Quantity: quantity,
          UnitAmount: unitAmount,
        }
      }
      return { Description: line.description!.trim(), Quantity: quantity, UnitAmount: unitAmount }
    })
    const money = await moneyFormat(context.reader)
    const today = dayIn(context.now, context.timezone)
    const total = lineItems.reduce((sum, line) => sum + cents(line.Quantity * line.UnitAmount), 0)
    const payload = {
      Invoices: [
        {
          Type: 'ACCREC',
          Contact: { ContactID: contact.ContactID },
          Date: today,
          LineItems: lineItems,
          ...(reference ? { Reference: reference } : {}),
          Status: 'DRAFT',
        },
      ],
    }
    const body: CardBody = {
      topic: 'draft',
      title: `Draft invoice for ${contact.Name}`,
      subtitle: `${formatDay(today)}${reference ? ` · Ref ${reference}` : ''}`,
      figures: [{ label: 'Total before tax', value: money.format(total), tone: null }],
      table: {
        columns: ['Item', 'Qty', 'Price', 'Amount'],
        rows: lineItems.map((line) => [
          line.ItemCode ? `${line.ItemCode} · ${line.Description}` : line.Description,
          plain(line.Quantity),
          money.format(line.UnitAmount),
          money.format(cents(line.Quantity * line.UnitAmount)),
        ]),
      },
      records: [
        { type: 'contact', xeroId: contact.ContactID!, label: contact.Name!, question: `contact ${contact.Name}` },
      ],
      choices: [],
      note: `${PREVIEW_NOTE} Xero adds the tax when it creates the draft.`,
      xeroUrl: null,
    }
    return {
      question: invoiceText(contact.Name!, lines, reference),
      body,
      organisation: context.organisation,
      tenantId: context.tenantId,
      draft: { kind: 'invoice', payload, fileId: null },
    }
  }

  private async billCard(
    actor: Actor,
    context: Context,
    input: BillDraftInput,
  ): Promise<BuiltCard & { draft?: NewDraft }> {
    if (!(input.amount > 0) || !Number.isFinite(input.amount)) {
      throw badRequest('draft_invalid_amount', 'The amount must be above zero.')
    }
    if (input.date !== undefined && !validDay(input.date)) {
      throw badRequest('draft_invalid_date', 'The date must be a real day, written 2026-12-01.')
    }
    // The member must be able to read the photo themselves: their upload, or one they were sent.
    const file = await openFile(this.ctx, actor, input.fileId, 'original')
    if (!ATTACHABLE.test(file.mime)) throw badRequest('draft_file_type', 'Attach a photo or a PDF of the bill.')
    const supplier = input.supplier.trim()
    const reference = input.reference?.trim() || undefined
    const found = await this.contactFor(context, supplier, (name) => billText({ ...input, supplier: name }))
    if ('body' in found) return found
    const contact = found
    const money = await moneyFormat(context.reader)
    const date: Day = input.date ?? dayIn(context.now, context.timezone)
    const amount = cents(input.amount)
    const payload = {
      Invoices: [
        {
          Type: 'ACCPAY',
          Contact: { ContactID: contact.ContactID },
          Date: date,
          // A bill's own number (the supplier's reference) is what Xero shows as its Reference.
          ...(reference ? { InvoiceNumber: reference } : {}),
          // The amount on a receipt is what was paid, tax included.
          LineAmountTypes: 'Inclusive',
          LineItems: [
            { Description: reference ? `Bill ${reference}` : 'See the attached bill', Quantity: 1, UnitAmount: amount },
          ],
          Status: 'DRAFT',
        },
      ],
    }
    const body: CardBody = {
      topic: 'draft',
      title: `Draft bill from ${contact.Name}`,
      subtitle: `${formatDay(date)}${reference ? ` · Ref ${reference}` : ''}`,
      figures: [{ label: 'Amount with tax', value: money.format(amount), tone: null }],
      table: null,
      records: [
        { type: 'contact', xeroId: contact.ContactID!, label: contact.Name!, question: `contact ${contact.Name}` },
      ],
      choices: [],
      note: `${PREVIEW_NOTE} Confirm attaches ${file.name} to it in Xero.`,
      xeroUrl: null,
    }
    return {
      question: billText({ ...input, supplier: contact.Name!, amount, date, ...(reference ? { reference } : {}) }),
      body,
      organisation: context.organisation,
      tenantId: context.tenantId,
      draft: { kind: 'bill', payload, fileId: input.fileId },
    }
  }

  private async card(id: number): Promise<CardRow> {
    const card = await this.ctx.db.selectFrom('xero_card').selectAll().where('id', '=', id).executeTakeFirst()
    if (!card) throw notFound('card_not_found', 'No such Xero card.')
    return card
  }

  private async askerOf(card: CardRow) {
    if (card.member_id === null) return null
    const row = await this.ctx.db
      .selectFrom('member')
      .select(['id', 'username', 'display_name'])
      .where('id', '=', card.member_id)
      .executeTakeFirst()
    return row ?? null
  }

  /** The create itself; only ever one at a time per card (see `confirm`). */
  private async create(actor: Actor, cardId: number): Promise<void> {
    const card = await this.card(cardId)
    if (card.draft_kind === null || card.draft_payload === null || card.draft_key === null) {
      throw badRequest('not_a_draft', 'This card is an answer, not a draft.')
    }
    const isAttachmentPending = card.draft_kind === 'bill' && card.draft_error !== null
    if (card.draft_state === 'created' && !isAttachmentPending) return
    const view = await this.connection.view()
    if (view.organisation?.id !== card.tenant_id) {
      throw conflict(
        'xero_other_organisation',
        'This draft was prepared for another Xero organisation; draft it again.',
      )
    }
    let xeroId = card.draft_xero_id
    let created: CreatedInvoice | null = null
    try {
      if (card.draft_state !== 'created' || xeroId === null) {
        const answer = await this.assistant.client.send<{ Invoices?: CreatedInvoice[] }>(
          'PUT',
          'Invoices',
          JSON.parse(card.draft_payload),
          { idempotencyKey: card.draft_key },
        )
        created = answer.Invoices?.[0] ?? null
        const problem = created?.ValidationErrors?.[0]?.Message
        if (!created?.InvoiceID || created.HasErrors || problem) {
          throw new AppError(502, 'xero_refused', `Xero refused the draft: ${problem ?? 'no invoice came back'}.`)
        }
        xeroId = created.InvoiceID
      }
    } catch (error) {
      const failure =
        error instanceof AppError ? error : new AppError(503, 'xero_unavailable', 'Xero did not answer; try again.')
      await this.settle(actor, card, { state: 'failed', xeroId: null, error: failure.message, invoice: null })
      throw failure
    }
    const attachment = card.draft_kind === 'bill' ? await this.attach(card, xeroId) : null
    await this.settle(actor, card, { state: 'created', xeroId, error: attachment, invoice: created })
  }

  /** Attaches the bill's photo in Xero; answers what went wrong, or null. */
  private async attach(card: CardRow, invoiceId: string): Promise<string | null> {
    if (card.draft_file_id === null) return 'The photo is no longer stored here; attach it in Xero.'
    try {
      const file = await openStoredFile(this.ctx, card.draft_file_id)
      const bytes = await fs.readFile(file.path)
      await this.assistant.client.send(
        'PUT',
        `Invoices/${encodeURIComponent(invoiceId)}/Attachments/${encodeURIComponent(file.name)}`,
        bytes,
        // A key per attempt: Xero may answer a reused key with an earlier refusal.
        { idempotencyKey: randomUUID(), contentType: file.mime },
      )
      return null
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      return `The photo could not be attached (${error.message}); Confirm again to retry, or attach it in Xero.`
    }
  }

  /** Records how the create went on the card, and shows it wherever the card was posted. */
  private async settle(
    actor: Actor,
    card: CardRow,
    outcome: {
      state: 'created' | 'failed'
      xeroId: string | null
      error: string | null
      invoice: CreatedInvoice | null
    },
  ): Promise<void> {
    const kind = card.draft_kind!
    const preview = parseBody(card.body)
    let body = preview
    let xeroUrl = card.draft_xero_url
    if (outcome.state === 'created' && outcome.xeroId !== null) {
      xeroUrl ??= invoiceUrl({ InvoiceID: outcome.xeroId, Type: kind === 'bill' ? 'ACCPAY' : 'ACCREC' })
      const number = outcome.invoice?.InvoiceNumber
      const what = kind === 'bill' ? 'Draft bill' : `Draft invoice${number ? ` ${number}` : ''}`
      body = {
        ...preview,
        records:
          kind === 'invoice' && number && !preview.records.some((r) => r.type === 'invoice')
            ? [
                ...preview.records,
                { type: 'invoice', xeroId: outcome.xeroId, label: number, question: `invoice ${number}` },
              ]
            : preview.records,
        note: `${what} created in Xero; approve it there when it is right.${outcome.error ? ` ${outcome.error}` : ''}`,
        xeroUrl,
      }
    }
    await this.ctx.write(async (w) => {
      await w.trx
        .updateTable('xero_card')
        .set({
          draft_state: outcome.state,
          draft_xero_id: outcome.xeroId,
          draft_xero_url: outcome.state === 'created' ? xeroUrl : null,
          draft_error: outcome.error,
          body: JSON.stringify(body),
        })
        .where('id', '=', card.id)
        .execute()
      await this.assistant.replaceSnapshots(w, card.id, body)
      if (outcome.state === 'created' && card.draft_state !== 'created') {
        await recordAudit(w.trx, w.now, {
          action: 'xero.draft_created',
          actor: auditParty(actor),
          ip: actor.ip,
          detail: { cardId: card.id, kind },
        })
      }
    })
  }
}
