/**
 * Screenshots of Xero cards on a 360 px phone, for the README and design review: the owner's
 * Xero conversation with an invoice, "who owes us" and a pick-list, sharing a customer's card,
 * the shared cards as the owner and as a colleague without Xero see them (light and dark),
 * and drafting an invoice and a bill. Xero is a loopback fake with a hardware shop's books. Not a test. Run after
 * `npm run build:web`:
 *   npx tsx test/browser/take-xero-card-screenshots.ts [outDir]   (default: docs/screenshots)
 * FULL_PAGE=1 also saves each whole page as <name>-full.png.
 */
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { bodyOf, createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { CHROMIUM, CHROMIUM_ARGS, WEB_ROOT } from '../helpers/browser'
import { as, createChannel } from '../helpers/chat'
import { RunningClock } from '../helpers/telegram'
import { startXeroIdentity, type ApiAnswer, type ApiCall } from '../helpers/xero-identity'
import { photoPng } from './wall-seed'

const root = path.join(import.meta.dirname, '..', '..')
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'screenshots'))
const PHONE = { width: 360, height: 740 }
const DAY = 86_400_000

/** Xero's JSON date for a day `days` from today. */
function xeroDay(days: number): string {
  return `${new Date(Date.now() + days * DAY).toISOString().slice(0, 10)}T00:00:00`
}

const contacts = [
  {
    ContactID: 'c-acme',
    Name: 'Acme Trading Ltd',
    EmailAddress: 'accounts@acmetrading.co.uk',
    Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '7946 0321', PhoneAreaCode: '020', PhoneCountryCode: '44' }],
    Balances: {
      AccountsReceivable: { Outstanding: 1240, Overdue: 1240 },
      AccountsPayable: { Outstanding: 0, Overdue: 0 },
    },
  },
  {
    ContactID: 'c-acme-build',
    Name: 'Acme Building Supplies',
    EmailAddress: 'orders@acmebuilding.co.uk',
    Balances: {
      AccountsReceivable: { Outstanding: 0, Overdue: 0 },
      AccountsPayable: { Outstanding: 312.4, Overdue: 0 },
    },
  },
  {
    ContactID: 'c-harbour',
    Name: 'Harbour Café',
    Balances: {
      AccountsReceivable: { Outstanding: 486.5, Overdue: 0 },
      AccountsPayable: { Outstanding: 0, Overdue: 0 },
    },
  },
  {
    ContactID: 'c-baker',
    Name: 'Baker & Sons Joinery',
    Balances: {
      AccountsReceivable: { Outstanding: 2115, Overdue: 905 },
      AccountsPayable: { Outstanding: 0, Overdue: 0 },
    },
  },
].map((contact) => ({ Addresses: [], ContactStatus: 'ACTIVE', IsCustomer: true, ...contact }))

function invoice(
  number: string,
  contactId: string,
  type: 'ACCREC' | 'ACCPAY',
  due: number,
  total: number,
  amountDue: number,
  lines: { Description: string; Quantity: number; UnitAmount: number }[],
) {
  const contact = contacts.find((c) => c.ContactID === contactId)!
  return {
    InvoiceID: `i-${number}`,
    InvoiceNumber: number,
    Type: type,
    Status: 'AUTHORISED',
    Contact: { ContactID: contact.ContactID, Name: contact.Name },
    Date: xeroDay(due - 30),
    DueDate: xeroDay(due),
    Total: total,
    AmountDue: amountDue,
    AmountPaid: total - amountDue,
    CurrencyCode: 'GBP',
    LineItems: lines.map((line) => ({ ...line, LineAmount: line.Quantity * line.UnitAmount })),
  }
}

const invoices = [
  invoice('INV-0042', 'c-acme', 'ACCREC', -12, 1240, 1240, [
    { Description: 'Brass hinges, 75 mm, pack of 10', Quantity: 40, UnitAmount: 21 },
    { Description: 'Oak shelf brackets with fixing screws', Quantity: 20, UnitAmount: 20 },
  ]),
  invoice('INV-0047', 'c-baker', 'ACCREC', -4, 905, 905, [
    { Description: 'Sash window cord, 30 m reel', Quantity: 10, UnitAmount: 90.5 },
  ]),
  invoice('INV-0051', 'c-baker', 'ACCREC', 9, 1210, 1210, [
    { Description: 'Timber offcuts', Quantity: 11, UnitAmount: 110 },
  ]),
  invoice('INV-0053', 'c-harbour', 'ACCREC', 14, 486.5, 486.5, [
    { Description: 'Stainless hooks and rail', Quantity: 1, UnitAmount: 486.5 },
  ]),
  invoice('BILL-311', 'c-acme-build', 'ACCPAY', 6, 312.4, 312.4, [
    { Description: 'Plasterboard', Quantity: 8, UnitAmount: 39.05 },
  ]),
]

/** Answers the few accounting calls the questions and drafts make, filtered as Xero would. */
function books(call: ApiCall): ApiAnswer | null {
  const q = call.query
  if (call.path === 'Organisation') {
    return {
      status: 200,
      body: { Organisations: [{ Name: 'Corner Hardware Ltd', BaseCurrency: 'GBP', ShortCode: '!kQ3vL' }] },
    }
  }
  if (call.path === 'Contacts') {
    const term = (q.get('searchTerm') ?? '').toLowerCase()
    return { status: 200, body: { Contacts: contacts.filter((c) => c.Name.toLowerCase().includes(term)) } }
  }
  if (call.path.startsWith('Contacts/')) {
    return { status: 200, body: { Contacts: contacts.filter((c) => c.ContactID === call.path.slice(9)) } }
  }
  if (call.path === 'Invoices' && call.method === 'GET') {
    if (q.get('page') !== '1') return { status: 200, body: { Invoices: [] } }
    const numbers = q.get('InvoiceNumbers')?.split(',')
    const contactIds = q.get('ContactIDs')?.split(',')
    const type = /Type=="(\w+)"/.exec(q.get('where') ?? '')?.[1]
    const found = invoices.filter(
      (i) =>
        (!numbers || numbers.includes(i.InvoiceNumber)) &&
        (!contactIds || contactIds.includes(i.Contact.ContactID)) &&
        (!type || i.Type === type),
    )
    return { status: 200, body: { Invoices: found } }
  }
  if (call.path === 'Invoices' && call.method === 'PUT') {
    const sent = JSON.parse(call.body.toString()) as { Invoices: { Type: string }[] }
    const isBill = sent.Invoices[0]?.Type === 'ACCPAY'
    return {
      status: 200,
      body: {
        Invoices: [
          { InvoiceID: isBill ? 'd-bill-1' : 'd-inv-1', InvoiceNumber: isBill ? '' : 'INV-0054', Status: 'DRAFT' },
        ],
      },
    }
  }
  if (call.path.includes('/Attachments/')) return { status: 200, body: { Attachments: [{ AttachmentID: 'a-1' }] } }
  return null
}

function newContext(browser: Browser, base: string, member: SignedInMember, dark = false): Promise<BrowserContext> {
  return browser
    .newContext({
      baseURL: base,
      viewport: PHONE,
      // 1x like the other phone screenshots in docs/: the README shows them at their size.
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
      colorScheme: dark ? 'dark' : 'light',
      timezoneId: 'Europe/London',
    })
    .then(async (context) => {
      await context.route(
        (url) => !url.href.startsWith(base),
        (route) => route.abort(),
      )
      const [name = '', value = ''] = member.cookie.split(/=(.*)/s)
      await context.addCookies([{ name, value, url: base }])
      return context
    })
}

async function pageOf(context: BrowserContext, who: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`page error (${who}):`, error.message))
  return page
}

async function settle(page: Page, ready: string): Promise<void> {
  await page.locator(ready).first().waitFor({ timeout: 15_000 })
  await page.waitForFunction(() => !document.querySelector('.loading, .spinner'))
}

/** One screenshot of the screen; with FULL_PAGE=1 also the whole page, for review. */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300)
  await page.waitForFunction('[...document.images].every((image) => image.complete)')
  const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
  if (Number(overflow) > 0) console.warn(`${name}: the page is ${String(overflow)} px wider than the screen`)
  const file = path.join(outDir, `${name}.png`)
  await page.screenshot({ path: file })
  console.log(file)
  if (process.env.FULL_PAGE) {
    await page.screenshot({ path: file.replace(/\.png$/, '-full.png'), fullPage: true })
    console.log(file.replace(/\.png$/, '-full.png'))
  }
}

/** Scrolls the conversation so the card is at the top of the screen, or its end at the bottom. */
async function showCard(page: Page, title: string, block: 'start' | 'end' = 'start'): Promise<void> {
  const card = page.locator('.xero-card', { has: page.getByRole('heading', { name: title }) }).last()
  await card.waitFor({ timeout: 15_000 })
  await card.evaluate((element, where) => element.scrollIntoView({ block: where }), block)
}

/** The newest messages, as a conversation opens. */
async function showLatest(page: Page): Promise<void> {
  await page.locator('.conv-scroll').evaluate((element) => element.scrollTo({ top: element.scrollHeight }))
}

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true })
  const clock = new RunningClock()
  const fake = await startXeroIdentity(() => clock.now())
  fake.customScopes =
    'accounting.settings.read accounting.contacts.read accounting.invoices.read accounting.invoices accounting.reports.banksummary.read'
  fake.addCustomApp('SHOTSCLIENT00001', 'shots-secret-1')
  fake.api = books
  const started = await startApp({
    env: { XERO_IDENTITY_BASE: fake.url, XERO_API_BASE: fake.url },
    webRoot: WEB_ROOT,
    clock,
  })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  try {
    const { app } = started
    const owner = await setupOwner(app, { displayName: 'Olivia Bennett', username: 'olivia' })
    const sam = await createMember(app, owner.cookie, { displayName: 'Sam Baker', username: 'sam' })
    const counterId = await createChannel(app, owner, 'front-counter', { members: [sam] })
    const ok = async (response: Awaited<ReturnType<typeof as>>, what: string) => {
      if (response.statusCode >= 300) throw new Error(`${what}: ${response.statusCode} ${response.body}`)
      return response
    }
    await ok(
      await as(app, owner, 'PUT', '/api/xero/connection', {
        kind: 'custom',
        clientId: 'SHOTSCLIENT00001',
        clientSecret: 'shots-secret-1',
      }),
      'connect',
    )
    const settings = bodyOf(await as(app, owner, 'GET', '/api/xero/settings'))
    await ok(await as(app, owner, 'PUT', '/api/xero/settings', { ...settings, writes: true }), 'writes on')
    const ask = async (text: string) =>
      bodyOf<{ card: { id: number } }>(await ok(await as(app, owner, 'POST', '/api/xero/ask', { text }), text)).card
    const invoiceCard = await ask('invoice INV-0042')
    const contactCard = await ask('contact Acme Trading Ltd')
    await ask('invoices for acme')
    await ask('who owes us')
    await ok(
      await as(app, owner, 'POST', `/api/xero/cards/${invoiceCard.id}/share`, { conversationId: counterId }),
      'share',
    )
    await ok(
      await as(app, owner, 'POST', `/api/xero/cards/${contactCard.id}/share`, { conversationId: counterId }),
      'share contact',
    )
    await ok(
      await as(app, sam, 'POST', `/api/conversations/${counterId}/messages`, {
        body: 'Thanks — I’ll tell them when they come in for the brackets.',
        clientKey: `shot${Date.now()}`,
      }),
      'reply',
    )
    const xero = bodyOf<{ conversationId: number }>(await as(app, owner, 'GET', '/api/xero/conversation'))
    const base = await listen(app)

    // Olivia, owner: her Xero conversation.
    const oliviaContext = await newContext(browser, base, owner)
    const olivia = await pageOf(oliviaContext, 'olivia')
    await olivia.goto(`/chat/${xero.conversationId}`)
    await settle(olivia, '.xero-tools')
    await showCard(olivia, 'Invoice INV-0042')
    await shot(olivia, 'xero-card-invoice-360')
    await showLatest(olivia)
    await shot(olivia, 'xero-card-owed-360')
    await showCard(olivia, 'Which “acme”?')
    await shot(olivia, 'xero-card-choices-360')

    await showCard(olivia, 'Acme Trading Ltd')
    const contact = olivia.locator('.xero-card', { has: olivia.getByRole('heading', { name: 'Acme Trading Ltd' }) })
    await contact.getByRole('button', { name: 'Share…' }).click()
    await settle(olivia, '.dialog input[type=checkbox]')
    await olivia.getByLabel('Share to').selectOption({ label: '#front-counter' })
    await shot(olivia, 'xero-card-share-360')
    await olivia.keyboard.press('Escape')

    // Drafting: the invoice form, its preview, and the draft created in Xero.
    await olivia.getByRole('button', { name: 'New invoice draft' }).click()
    const form = olivia.getByRole('dialog', { name: 'New invoice draft' })
    await form.getByLabel('Customer').fill('Harbour Café')
    await form.getByLabel('Description').fill('Stainless coat hooks')
    await form.getByLabel('Quantity').fill('24')
    await form.getByLabel('Unit price').fill('3.75')
    await form.getByLabel('Reference').fill('Order 118')
    await shot(olivia, 'xero-card-draft-form-360')
    await form.getByRole('button', { name: 'Preview' }).click()
    await form.getByRole('button', { name: 'Confirm draft in Xero' }).waitFor()
    await shot(olivia, 'xero-card-draft-preview-360')
    await form.getByRole('button', { name: 'Confirm draft in Xero' }).click()
    await form.getByText('Draft created in Xero').waitFor()
    await shot(olivia, 'xero-card-draft-created-360')
    await form.getByRole('button', { name: 'Done' }).click()

    await olivia.getByRole('button', { name: 'Bill from a photo' }).click()
    const bill = olivia.getByRole('dialog', { name: 'Bill from a photo' })
    await bill
      .getByLabel('Take a photo')
      .last()
      .setInputFiles({
        name: 'receipt.png',
        mimeType: 'image/png',
        buffer: photoPng(480, 640, [236, 232, 222], [250, 250, 246]),
      })
    await settle(olivia, '.tray-ready')
    await bill.getByLabel('Supplier').fill('Acme Building Supplies')
    await bill.getByLabel('Total amount').fill('86.40')
    await bill.getByLabel('Reference').fill('R-20931')
    await shot(olivia, 'xero-card-bill-360')
    // The cards she shared, as she sees them in the channel: Refresh, and Remove for a mistake.
    await olivia.goto(`/chat/${counterId}`)
    await settle(olivia, '.xero-card-shared')
    await showCard(olivia, 'Invoice INV-0042')
    await shot(olivia, 'xero-card-shared-owner-360')
    await oliviaContext.close()

    // Sam, who may not read Xero, in the channel the cards were shared to: light and dark.
    for (const dark of [false, true]) {
      const samContext = await newContext(browser, base, sam, dark)
      const samPage = await pageOf(samContext, 'sam')
      await samPage.goto(`/chat/${counterId}`)
      await settle(samPage, '.xero-card-shared')
      await showLatest(samPage)
      await shot(samPage, dark ? 'xero-card-shared-dark-360' : 'xero-card-shared-360')
      await samContext.close()
    }
  } finally {
    await browser.close()
    await started.close()
    await fake.close()
  }
}

await main()
