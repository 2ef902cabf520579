/**
 * Alerts from Xero without webhooks (they need a public HTTPS address a shop does not have):
 * a poll every 15 minutes, within the same call budget as questions, finds sales invoices
 * newly paid (changed since the last poll, `If-Modified-Since`) and newly overdue, and posts
 * each once as a card into the conversation the owner chose; a daily digest of what is
 * overdue goes there at the hour the owner chose, once per shop day. What was told is kept
 * in the database, so a restart tells nothing twice, and the first poll after connecting
 * only takes note of what is already paid or overdue.
 */
import type { AppContext } from '../shared/context'
import type { CardBody } from '../shared/card-body'
import { AppError } from '../shared/errors'
import type { BuiltCard, XeroAssistant } from './assistant'
import type { XeroConnection } from './connection'
import { dayIn, formatDay, xeroDateTime, xeroDay, type Day, type MoneyFormat } from './money'
import { questionText, type QuestionContext } from './questions'
import {
  allInvoices,
  amount,
  inBase,
  invoiceState,
  invoiceUrl,
  moneyFormat,
  MAX_PAGES,
  PAGE_SIZE,
  type XeroInvoice,
} from './questions-xero'
import { readXeroSettings } from './settings'

export interface XeroAlertsOptions {
  /** How often Xero is polled, by the app's clock (15 minutes). */
  everyMs?: number
  /** How often the timer looks whether a poll or the digest is due (a minute). */
  tickMs?: number
}

type Context = QuestionContext & { tenantId: string }
type AlertKind = 'paid' | 'overdue'

const EVERY_MS = 15 * 60_000
const TICK_MS = 60_000
/** Xero's clock and ours may differ a little: changes are asked for from a bit earlier. */
const OVERLAP_MS = 5 * 60_000
/** A poll this long ago (or none) is a fresh start: what is already paid or overdue is noted, not told. */
const STALE_MS = 24 * 3_600_000
/** After a failed poll, the next try waits this long. */
const RETRY_MS = 5 * 60_000
/** Up to this many invoices of a kind get a card each; more come as one list. */
const SEPARATE_CARDS = 5
const MAX_ROWS = 8

const byApp = new WeakMap<AppContext, XeroAlerts>()

/** The app's alerts (tests drive `tick()` with the app's clock). */
export function xeroAlertsOf(ctx: AppContext): XeroAlerts {
  const alerts = byApp.get(ctx)
  if (!alerts) throw new Error('XeroAlerts has not been created')
  return alerts
}

/** The hour of the day in `timezone` at `ms`, 0–23. */
function hourIn(ms: number, timezone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', hourCycle: 'h23' }).format(ms))
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`

export class XeroAlerts {
  private readonly everyMs: number
  private readonly tickMs: number
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private notBefore = 0

  constructor(
    private readonly ctx: AppContext,
    private readonly assistant: XeroAssistant,
    private readonly connection: XeroConnection,
    options: XeroAlertsOptions = {},
  ) {
    this.everyMs = options.everyMs ?? EVERY_MS
    this.tickMs = options.tickMs ?? TICK_MS
    byApp.set(ctx, this)
  }

  /** Starts looking every minute (from the app's onReady). */
  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.ctx.log.error({ err: error }, 'the Xero alerts failed'))
    }, this.tickMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Waits for a poll under way (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /** Polls when a poll is due and sends the digest when it is due; one at a time. */
  tick(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async run(): Promise<void> {
    const settings = await readXeroSettings(this.ctx)
    if (settings.alertsConversationId === null) return
    const view = await this.connection.view()
    if (view.state !== 'connected') return
    const row = await this.ctx.db
      .selectFrom('xero_settings')
      .select(['last_poll_at', 'last_digest_day'])
      .executeTakeFirstOrThrow()
    const connection = await this.ctx.db.selectFrom('xero_connection').select('connected_at').executeTakeFirst()
    const now = this.ctx.clock.now()
    if (now < this.notBefore) return
    const shop = await this.ctx.db.selectFrom('shop').select('timezone').executeTakeFirst()
    const timezone = shop?.timezone ?? 'UTC'
    const today = dayIn(now, timezone)
    const isPollDue = row.last_poll_at === null || now - row.last_poll_at >= this.everyMs
    const isDigestDue =
      settings.digestHour !== null && hourIn(now, timezone) === settings.digestHour && row.last_digest_day !== today
    if (!isPollDue && !isDigestDue) return
    const isFresh =
      row.last_poll_at === null ||
      row.last_poll_at < (connection?.connected_at ?? 0) ||
      now - row.last_poll_at > STALE_MS
    try {
      const context = await this.assistant.questionContext()
      const money = await moneyFormat(context.reader)
      const overdue = await this.overdue(context, today)
      if (isPollDue) {
        // A fresh start notes what was paid just before it too, since later polls look back that far.
        const paid = await this.paidSince(context, (isFresh ? now : row.last_poll_at!) - OVERLAP_MS)
        await this.tell(context, money, today, settings.alertsConversationId, paid, overdue, isFresh)
      }
      if (isDigestDue) await this.digest(context, money, today, settings.alertsConversationId, overdue)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      // Busy, down or disconnected: try again a little later, not every minute.
      this.notBefore = now + RETRY_MS
      this.ctx.log.warn({ code: error.code }, 'the Xero alerts could not poll Xero')
    }
  }

  /** Sales invoices waiting for payment whose due day has passed. */
  private async overdue(context: Context, today: Day): Promise<XeroInvoice[]> {
    const { invoices } = await allInvoices(context.reader, {
      Statuses: 'AUTHORISED',
      where: `Type=="ACCREC" AND AmountDue>0 AND DueDate<${xeroDateTime(today)}`,
      order: 'DueDate',
    })
    return invoices.filter(
      (invoice) =>
        invoice.Type === 'ACCREC' && invoice.InvoiceID && invoiceState(invoice, today, context.timezone).isOverdue,
    )
  }

  /** Sales invoices that are paid and changed since `since`: paid since then, or at least touched. */
  private async paidSince(context: Context, since: number): Promise<XeroInvoice[]> {
    const paid: XeroInvoice[] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.assistant.client.getChanged<{ Invoices?: XeroInvoice[] }>(
        'Invoices',
        { Statuses: 'PAID', where: 'Type=="ACCREC"', page: String(page) },
        since,
      )
      const found = answer.Invoices ?? []
      paid.push(
        ...found.filter((invoice) => invoice.Type === 'ACCREC' && invoice.Status === 'PAID' && invoice.InvoiceID),
      )
      if (found.length < PAGE_SIZE) break
    }
    return paid
  }

  /** Posts what has not been told yet (nothing on a fresh start) and notes it, in one transaction. */
  private async tell(
    context: Context,
    money: MoneyFormat,
    today: Day,
    conversationId: number,
    paid: XeroInvoice[],
    overdue: XeroInvoice[],
    isFresh: boolean,
  ): Promise<void> {
    await this.ctx.write(async (w) => {
      const conversation = await w.trx
        .selectFrom('conversation')
        .selectAll()
        .where('id', '=', conversationId)
        .where('archived_at', 'is', null)
        .executeTakeFirst()
      for (const [kind, invoices] of [
        ['paid', paid],
        ['overdue', overdue],
      ] as const) {
        const ids = [...new Set(invoices.map((invoice) => invoice.InvoiceID!))]
        const told = ids.length
          ? await w.trx
              .selectFrom('xero_alert_seen')
              .select('invoice_id')
              .where('kind', '=', kind)
              .where('invoice_id', 'in', ids)
              .execute()
          : []
        const toldIds = new Set(told.map((seen) => seen.invoice_id))
        const fresh = ids
          .filter((id) => !toldIds.has(id))
          .map((id) => invoices.find((invoice) => invoice.InvoiceID === id)!)
        if (fresh.length === 0) continue
        await w.trx
          .insertInto('xero_alert_seen')
          .values(fresh.map((invoice) => ({ invoice_id: invoice.InvoiceID!, kind, at: w.now })))
          .onConflict((oc) => oc.doNothing())
          .execute()
        if (isFresh || !conversation) continue
        const cards =
          fresh.length <= SEPARATE_CARDS
            ? fresh.map((invoice) => this.alertCard(context, money, today, kind, invoice))
            : [this.listCard(context, money, today, kind, fresh)]
        for (const card of cards) await this.assistant.announce(w, card, conversation)
      }
      await w.trx.updateTable('xero_settings').set({ last_poll_at: w.now }).where('id', '=', 1).execute()
    })
  }

  /** "3 invoices overdue, £1,240", once per shop day. */
  private async digest(
    context: Context,
    money: MoneyFormat,
    today: Day,
    conversationId: number,
    overdue: XeroInvoice[],
  ): Promise<void> {
    const total = overdue.reduce((sum, invoice) => sum + inBase(invoice, amount(invoice.AmountDue), money.base), 0)
    const rows = [...overdue]
      .sort((a, b) => amount(b.AmountDue) - amount(a.AmountDue))
      .slice(0, MAX_ROWS)
      .map((invoice) => this.row(context, money, today, invoice))
    const body: CardBody = {
      topic: 'digest',
      title:
        overdue.length === 0
          ? 'No invoices overdue'
          : `${plural(overdue.length, 'invoice')} overdue, ${money.format(total)}`,
      subtitle: formatDay(today),
      figures:
        overdue.length === 0
          ? []
          : [
              { label: 'Overdue', value: money.format(total), tone: 'bad' },
              { label: 'Invoices', value: String(overdue.length), tone: null },
            ],
      table: rows.length > 0 ? { columns: ['Invoice', 'Customer', 'Due', 'Amount due'], rows } : null,
      records: [],
      choices: [],
      note: overdue.length > MAX_ROWS ? `${overdue.length - MAX_ROWS} more not shown.` : '',
      xeroUrl: null,
    }
    await this.ctx.write(async (w) => {
      await w.trx.updateTable('xero_settings').set({ last_digest_day: today }).where('id', '=', 1).execute()
      const conversation = await w.trx
        .selectFrom('conversation')
        .selectAll()
        .where('id', '=', conversationId)
        .where('archived_at', 'is', null)
        .executeTakeFirst()
      if (!conversation) return
      const built: BuiltCard = {
        question: questionText({ topic: 'owed' }),
        body,
        organisation: context.organisation,
        tenantId: context.tenantId,
      }
      await this.assistant.announce(w, built, conversation)
    })
  }

  private row(context: Context, money: MoneyFormat, today: Day, invoice: XeroInvoice): string[] {
    const state = invoiceState(invoice, today, context.timezone)
    return [
      invoice.InvoiceNumber ?? '',
      invoice.Contact?.Name ?? '',
      state.due
        ? `${formatDay(state.due)}${state.daysOverdue > 0 ? ` (${plural(state.daysOverdue, 'day')} ago)` : ''}`
        : '',
      money.format(amount(invoice.AmountDue), invoice.CurrencyCode),
    ]
  }

  private alertCard(
    context: Context,
    money: MoneyFormat,
    today: Day,
    kind: AlertKind,
    invoice: XeroInvoice,
  ): BuiltCard {
    const number = invoice.InvoiceNumber ?? 'An invoice'
    const state = invoiceState(invoice, today, context.timezone)
    const paidOn = xeroDay(invoice.FullyPaidOnDate, context.timezone)
    const body: CardBody = {
      topic: 'alert',
      title: kind === 'paid' ? `Paid: ${number}` : `Overdue: ${number}`,
      subtitle: [
        invoice.Contact?.Name ?? '',
        kind === 'overdue' && state.due ? `due ${formatDay(state.due)}` : '',
        kind === 'paid' && paidOn ? `paid ${formatDay(paidOn)}` : '',
      ]
        .filter(Boolean)
        .join(' · '),
      figures:
        kind === 'paid'
          ? [{ label: 'Paid', value: money.format(amount(invoice.Total), invoice.CurrencyCode), tone: 'good' }]
          : [
              {
                label: 'Amount due',
                value: money.format(amount(invoice.AmountDue), invoice.CurrencyCode),
                tone: 'bad',
              },
              { label: 'Overdue by', value: plural(state.daysOverdue, 'day'), tone: null },
            ],
      table: null,
      records: invoice.InvoiceNumber
        ? [
            {
              type: 'invoice',
              xeroId: invoice.InvoiceID!,
              label: invoice.InvoiceNumber,
              question: questionText({ topic: 'invoice', number: invoice.InvoiceNumber }),
            },
          ]
        : [],
      choices: [],
      note: '',
      xeroUrl: invoiceUrl(invoice),
    }
    return {
      question: invoice.InvoiceNumber ? questionText({ topic: 'invoice', number: invoice.InvoiceNumber }) : number,
      body,
      organisation: context.organisation,
      tenantId: context.tenantId,
    }
  }

  /** Many at once (after a quiet spell): one card listing them. */
  private listCard(
    context: Context,
    money: MoneyFormat,
    today: Day,
    kind: AlertKind,
    invoices: XeroInvoice[],
  ): BuiltCard {
    const total = invoices.reduce(
      (sum, invoice) => sum + inBase(invoice, amount(kind === 'paid' ? invoice.Total : invoice.AmountDue), money.base),
      0,
    )
    const body: CardBody = {
      topic: 'alert',
      title: `${plural(invoices.length, 'invoice')} ${kind === 'paid' ? 'paid' : 'now overdue'}`,
      subtitle: formatDay(today),
      figures: [
        {
          label: kind === 'paid' ? 'Paid' : 'Amount due',
          value: money.format(total),
          tone: kind === 'paid' ? 'good' : 'bad',
        },
      ],
      table: {
        columns: ['Invoice', 'Customer', 'Due', kind === 'paid' ? 'Total' : 'Amount due'],
        rows: invoices.slice(0, MAX_ROWS).map((invoice) => {
          const row = this.row(context, money, today, invoice)
          if (kind === 'paid') row[3] = money.format(amount(invoice.Total), invoice.CurrencyCode)
          return row
        }),
      },
      records: [],
      choices: [],
      note: invoices.length > MAX_ROWS ? `${invoices.length - MAX_ROWS} more not shown.` : '',
      xeroUrl: null,
    }
    return {
      question: questionText({ topic: 'owed' }),
      body,
      organisation: context.organisation,
      tenantId: context.tenantId,
    }
  }
}
