/**
 * A small organisation's books behind the loopback Xero fake, with deterministic data:
 * contacts, items and sales invoices that tests change as time goes by (paid, overdue), and
 * Xero's write side as Backboard uses it: invoices created under an Idempotency-Key (a key
 * seen before answers the first result and creates nothing) and attachments. Every write is
 * counted per key, so a test can say "exactly one draft".
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import { buildApp, type BuiltApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { ManualClock } from '../../server/shared/clock'
import { bodyOf, createMember, setupOwner, START_TIME, type SignedInMember, type StartedApp } from '../helpers/app'
import { as } from '../helpers/chat'
import { BOT_TOKEN, BOT_USERNAME, RunningClock, type TelegramApp } from '../helpers/telegram'
import { startTelegramFake } from '../helpers/telegram-fake'
import { startXeroIdentity, type ApiAnswer, type ApiCall, type XeroIdentityFake } from '../helpers/xero-identity'

export const CLIENT_ID = 'BOOKSCLIENTID0001'
export const CLIENT_SECRET = 'books-secret-7c1e0b2d'
export const TENANT = { tenantId: 'tenant-books', tenantName: 'Corner Hardware Ltd' }
export const READ_SCOPES = 'accounting.settings.read accounting.contacts.read accounting.invoices.read'
export const WRITE_SCOPES = `${READ_SCOPES} accounting.invoices accounting.attachments`

export interface FakeInvoice {
  InvoiceID: string
  InvoiceNumber: string
  Type: 'ACCREC' | 'ACCPAY'
  Status: string
  Contact: { ContactID: string; Name: string }
  Date: string
  DueDate: string
  Total: number
  AmountDue: number
  AmountPaid: number
  CurrencyCode: string
  FullyPaidOnDate?: string
  Reference?: string
  LineAmountTypes?: string
  LineItems: unknown[]
  /** When it last changed (ms), for If-Modified-Since. */
  updatedAt: number
}

export interface WriteCall {
  method: string
  path: string
  key: string | null
  contentType: string
  body: Buffer
}

const day = (iso: string) => `${iso}T00:00:00`

/** Xero's `where` as far as these tests need it: clauses joined by AND; others are let through. */
function matchesWhere(invoice: FakeInvoice, where: string): boolean {
  return where.split(/\s+AND\s+/).every((clause) => {
    const equals = /^(\w+)=="([^"]*)"$/.exec(clause)
    if (equals) return String((invoice as unknown as Record<string, unknown>)[equals[1]!]) === equals[2]
    const above = /^(\w+)>(-?[\d.]+)$/.exec(clause)
    if (above) return Number((invoice as unknown as Record<string, unknown>)[above[1]!]) > Number(above[2])
    const before = /^(\w+)<DateTime\((\d+),(\d+),(\d+)\)$/.exec(clause)
    if (before) {
      const value = String((invoice as unknown as Record<string, unknown>)[before[1]!]).slice(0, 10)
      return value < `${before[2]}-${before[3]}-${before[4]}`
    }
    return true
  })
}

export class Books {
  contacts = [
    {
      ContactID: 'c-acme-trading',
      Name: 'Acme Trading',
      EmailAddress: 'accounts@acme-trading.test',
      ContactStatus: 'ACTIVE',
    },
    { ContactID: 'c-acme-hire', Name: 'Acme Hire', ContactStatus: 'ACTIVE' },
    { ContactID: 'c-bolt', Name: 'Bolt & Nut Co', ContactStatus: 'ACTIVE' },
    { ContactID: 'c-paper', Name: 'Paper Supplies Ltd', ContactStatus: 'ACTIVE' },
  ]
  items = [
    { ItemID: 'i-widget', Code: 'WIDGET', Name: 'Widget', Description: 'Blue widget', SalesDetails: { UnitPrice: 15 } },
    {
      ItemID: 'i-bolt',
      Code: 'BOLT-10',
      Name: 'Bolt 10 mm',
      Description: 'Bolt 10 mm',
      SalesDetails: { UnitPrice: 2.5 },
    },
  ]
  invoices: FakeInvoice[] = []
  /** Every write, in order. */
  writes: WriteCall[] = []
  /** The answer first given for each Idempotency-Key. */
  private readonly answered = new Map<string, ApiAnswer>()
  /** The next create is done, but its answer is lost on the way (a 503 instead). */
  private loseNext = false
  /** Create calls wait this long before answering (to make confirms overlap). */
  delayMs = 0
  /** Attachments are refused as a connection without the attachments scope would be. */
  refuseAttachments = false
  private counter = 100

  constructor(private readonly now: () => number) {}

  /** An invoice the shop sent a customer. */
  addInvoice(
    number: string,
    contactId: string,
    options: { due: string; total: number; status?: string; amountDue?: number },
  ) {
    const contact = this.contacts.find((c) => c.ContactID === contactId)!
    const status = options.status ?? 'AUTHORISED'
    const invoice: FakeInvoice = {
      InvoiceID: `inv-${number.toLowerCase()}`,
      InvoiceNumber: number,
      Type: 'ACCREC',
      Status: status,
      Contact: { ContactID: contact.ContactID, Name: contact.Name },
      Date: day('2026-11-01'),
      DueDate: day(options.due),
      Total: options.total,
      AmountDue: status === 'PAID' ? 0 : (options.amountDue ?? options.total),
      AmountPaid: status === 'PAID' ? options.total : options.total - (options.amountDue ?? options.total),
      CurrencyCode: 'GBP',
      LineItems: [],
      updatedAt: this.now(),
    }
    this.invoices.push(invoice)
    return invoice
  }

  /** The customer pays in full, now. */
  pay(number: string, paidOn: string): void {
    const invoice = this.invoices.find((i) => i.InvoiceNumber === number)!
    Object.assign(invoice, {
      Status: 'PAID',
      AmountPaid: invoice.Total,
      AmountDue: 0,
      FullyPaidOnDate: day(paidOn),
      updatedAt: this.now(),
    })
  }

  loseNextAnswer(): void {
    this.loseNext = true
  }

  /** Writes of one kind: creates (`Invoices`) or attachments. */
  creates(): WriteCall[] {
    return this.writes.filter((w) => w.path === 'Invoices')
  }

  attachments(): WriteCall[] {
    return this.writes.filter((w) => w.path.includes('/Attachments/'))
  }

  drafts(): FakeInvoice[] {
    return this.invoices.filter((i) => i.Status === 'DRAFT')
  }

  handle = async (call: ApiCall): Promise<ApiAnswer | null> => {
    if (call.method === 'GET') return this.read(call)
    const key = typeof call.headers['idempotency-key'] === 'string' ? call.headers['idempotency-key'] : null
    this.writes.push({
      method: call.method,
      path: call.path,
      key,
      contentType: String(call.headers['content-type'] ?? ''),
      body: call.body,
    })
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    const first = key ? this.answered.get(`${call.path} ${key}`) : undefined
    const answer = first ?? this.write(call)
    if (key && !first) this.answered.set(`${call.path} ${key}`, answer)
    if (this.loseNext) {
      this.loseNext = false
      return { status: 503, body: { Title: 'Service Unavailable' } }
    }
    return answer
  }

  private write(call: ApiCall): ApiAnswer {
    if (call.method === 'PUT' && call.path === 'Invoices') {
      const request = JSON.parse(call.body.toString()) as { Invoices: Array<Record<string, unknown>> }
      const created = request.Invoices.map((input) => {
        this.counter += 1
        const isBill = input.Type === 'ACCPAY'
        const contactId = (input.Contact as { ContactID: string }).ContactID
        const contact = this.contacts.find((c) => c.ContactID === contactId)!
        const invoice: FakeInvoice = {
          InvoiceID: `new-${this.counter}`,
          InvoiceNumber: isBill ? String(input.InvoiceNumber ?? '') : `INV-0${this.counter}`,
          Type: isBill ? 'ACCPAY' : 'ACCREC',
          Status: String(input.Status),
          Contact: { ContactID: contact.ContactID, Name: contact.Name },
          Date: day(String(input.Date)),
          DueDate: day(String(input.Date)),
          Total: 0,
          AmountDue: 0,
          AmountPaid: 0,
          CurrencyCode: 'GBP',
          ...(typeof input.Reference === 'string' ? { Reference: input.Reference } : {}),
          ...(typeof input.LineAmountTypes === 'string' ? { LineAmountTypes: input.LineAmountTypes } : {}),
          LineItems: input.LineItems as unknown[],
          updatedAt: this.now(),
        }
        this.invoices.push(invoice)
        return invoice
      })
      return { status: 200, body: { Invoices: created.map((invoice) => this.wire(invoice)) } }
    }
    const attachment = /^Invoices\/([^/]+)\/Attachments\/([^/]+)$/.exec(call.path)
    if (call.method === 'PUT' && attachment) {
      if (this.refuseAttachments) return { status: 403, body: { Title: 'Forbidden' } }
      return {
        status: 200,
        body: {
          Attachments: [{ AttachmentID: `att-${this.writes.length}`, FileName: decodeURIComponent(attachment[2]!) }],
        },
      }
    }
    return { status: 404, body: { Title: 'Not Found' } }
  }

  private wire(invoice: FakeInvoice): Record<string, unknown> {
    const { updatedAt, ...rest } = invoice
    return { ...rest, UpdatedDateUTC: `/Date(${updatedAt}+0000)/` }
  }

  private read(call: ApiCall): ApiAnswer | null {
    const q = call.query
    if (call.path === 'Organisation') {
      return { status: 200, body: { Organisations: [{ Name: TENANT.tenantName, BaseCurrency: 'GBP' }] } }
    }
    if (call.path === 'Contacts') {
      const term = (q.get('searchTerm') ?? '').toLowerCase()
      return { status: 200, body: { Contacts: this.contacts.filter((c) => c.Name.toLowerCase().includes(term)) } }
    }
    const contact = /^Contacts\/(.+)$/.exec(call.path)
    if (contact) {
      const found = this.contacts.find((c) => c.ContactID === decodeURIComponent(contact[1]!))
      return found ? { status: 200, body: { Contacts: [found] } } : { status: 404, body: { Title: 'Not Found' } }
    }
    if (call.path === 'Items') return { status: 200, body: { Items: this.items } }
    if (call.path === 'Invoices') {
      const since = call.headers['if-modified-since']
      const sinceMs = typeof since === 'string' ? Date.parse(`${since}Z`) : null
      const statuses = q.get('Statuses')?.split(',')
      const contactIds = q.get('ContactIDs')?.split(',')
      const numbers = q.get('InvoiceNumbers')?.split(',')
      const where = q.get('where')
      const page = Number(q.get('page') ?? '1')
      const found = this.invoices.filter(
        (invoice) =>
          (!statuses || statuses.includes(invoice.Status)) &&
          (!contactIds || contactIds.includes(invoice.Contact.ContactID)) &&
          (!numbers || numbers.includes(invoice.InvoiceNumber)) &&
          (!where || matchesWhere(invoice, where)) &&
          (sinceMs === null || invoice.updatedAt >= sinceMs),
      )
      return { status: 200, body: { Invoices: found.slice((page - 1) * 100, page * 100).map((i) => this.wire(i)) } }
    }
    return null
  }
}

export interface BooksApp {
  started: StartedApp
  fake: XeroIdentityFake
  books: Books
  owner: SignedInMember
  /** With `telegram: true`: the app as the Telegram helpers take it, its bot connected to the fake. */
  tg: TelegramApp | null
  /** Stops the app and starts it again on the same data folder (the clock and Xero stay). */
  restart(): Promise<void>
}

/**
 * The real app (a temporary data folder; a manual clock, or real time when Telegram is in
 * the play) and the fake Xero with these books, connected by the owner through a Custom
 * Connection.
 */
export async function startBooksApp(
  t: Test,
  options: { scopes?: string; connect?: boolean; telegram?: boolean } = {},
): Promise<BooksApp> {
  // Telegram's limits are about real seconds: its tests run on a clock that moves.
  const clock = options.telegram ? new RunningClock() : new ManualClock(START_TIME)
  const fake = await startXeroIdentity(() => clock.now())
  const telegram = options.telegram
    ? await startTelegramFake({
        token: BOT_TOKEN,
        botUsername: BOT_USERNAME,
        botFirstName: 'Corner Shop',
        now: () => clock.now(),
      })
    : null
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-xero-'))
  const build = async () => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      XERO_IDENTITY_BASE: fake.url,
      XERO_API_BASE: fake.url,
      ...(telegram ? { TELEGRAM_API_ROOT: telegram.apiRoot, PUBLIC_URL: 'https://shop.example.org' } : {}),
    })
    const built = await buildApp({
      config,
      clock,
      logger: false,
      webRoot: null,
      ...(telegram ? { telegramPollTimeoutS: 1, outboxPollMs: 100 } : {}),
    })
    await built.app.ready()
    return built
  }
  let built: BuiltApp | null = await build()
  const started: StartedApp = {
    app: built.app,
    ctx: built.ctx,
    dataDir,
    clock,
    close: async () => {
      await built?.app.close()
      built = null
    },
  }
  t.teardown(async () => {
    await started.close()
    await fake.close()
    await telegram?.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  const books = new Books(() => clock.now())
  fake.customScopes = options.scopes ?? WRITE_SCOPES
  fake.addCustomApp(CLIENT_ID, CLIENT_SECRET, TENANT)
  fake.api = books.handle
  const owner = await setupOwner(started.app)
  if (options.connect !== false) {
    const connected = await as(started.app, owner, 'PUT', '/api/xero/connection', {
      kind: 'custom',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    })
    if (connected.statusCode !== 200) throw new Error(`connect: ${connected.statusCode} ${connected.body}`)
  }
  const restart = async () => {
    await started.close()
    built = await build()
    started.app = built.app
    started.ctx = built.ctx
  }
  let tg: TelegramApp | null = null
  if (telegram) {
    const bot = await as(started.app, owner, 'PUT', '/api/telegram/bot', { token: BOT_TOKEN })
    if (bot.statusCode !== 200) throw new Error(`bot: ${bot.statusCode} ${bot.body}`)
    tg = {
      get app() {
        return started.app
      },
      get ctx() {
        return started.ctx
      },
      fake: telegram,
      owner,
      dataDir,
      clock: clock as RunningClock,
      restart,
      stop: started.close,
      start: restart,
    }
  }
  return { started, fake, books, owner, tg, restart }
}

/** A staff member with these permissions. */
export async function staffWith(s: BooksApp, username: string, permissions: string[]): Promise<SignedInMember> {
  const member = await createMember(s.started.app, s.owner.cookie, { username })
  const granted = await as(s.started.app, s.owner, 'PUT', `/api/members/${member.id}/access`, { permissions })
  if (granted.statusCode !== 200) throw new Error(`grant: ${granted.statusCode} ${granted.body}`)
  return member
}

/** Changes the owner's Xero settings. */
export async function xeroSettings(s: BooksApp, patch: Record<string, unknown>): Promise<void> {
  const response = await as(s.started.app, s.owner, 'PUT', '/api/xero/settings', patch)
  if (response.statusCode !== 200) throw new Error(`settings: ${response.statusCode} ${response.body}`)
}

/** The audit lines about Xero, oldest first. */
export async function xeroAudit(s: BooksApp): Promise<{ action: string; detail: Record<string, unknown> }[]> {
  const response = await as(s.started.app, s.owner, 'GET', '/api/audit')
  return bodyOf<{ action: string; detail: Record<string, unknown> }[]>(response)
    .filter((entry) => entry.action.startsWith('xero.'))
    .reverse()
}
