/**
 * Xero cards on a 360 px phone, in a real browser against the real built app and a loopback
 * Xero: the owner asks "invoice INV-0001" in their Xero conversation and gets a card, opens
 * its customer from the card, shares both cards to a channel (the customer's email and phone
 * hidden); a staff member without xero.read opens the channel and sees the cards with
 * "Shared by …; ask … for more" and no Refresh, Share or record buttons, and the server
 * refuses their refresh; the owner removes one of her shared cards. The owner also drafts
 * an invoice from the form and double-taps Confirm: one request, one draft. axe-core audits
 * the screens. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import t, { type Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import {
  bodyOf,
  createMember,
  listen,
  setupOwner,
  startApp,
  type SignedInMember,
  type StartedApp,
} from '../helpers/app'
import { CHROMIUM, CHROMIUM_ARGS, isChromiumMissing, WEB_ROOT } from '../helpers/browser'
import { as, createChannel } from '../helpers/chat'
import { RunningClock } from '../helpers/telegram'
import { startXeroIdentity, type ApiCall, type XeroIdentityFake } from '../helpers/xero-identity'

const PHONE = { width: 360, height: 740 }
const LIVE_MS = 10_000
const CLIENT_ID = 'BROWSERCARDS0001'
const CLIENT_SECRET = 'browser-cards-secret-7c1e'
const EMAIL = 'accounts@acme-trading.test'
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/** One customer with an email and a phone, and one invoice of theirs, a day overdue on the test's clock. */
function books(call: ApiCall) {
  const contact = {
    ContactID: 'c-acme',
    Name: 'Acme Trading Ltd',
    EmailAddress: EMAIL,
    Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '5550 1234', PhoneAreaCode: '020', PhoneCountryCode: '44' }],
    Addresses: [],
    ContactStatus: 'ACTIVE',
    IsCustomer: true,
    Balances: {
      AccountsReceivable: { Outstanding: 1240, Overdue: 1240 },
      AccountsPayable: { Outstanding: 0, Overdue: 0 },
    },
  }
  const invoice = {
    InvoiceID: 'i-1',
    InvoiceNumber: 'INV-0001',
    Type: 'ACCREC',
    Status: 'AUTHORISED',
    Contact: { ContactID: 'c-acme', Name: 'Acme Trading Ltd' },
    Date: '2026-11-20T00:00:00',
    DueDate: '2026-11-30T00:00:00',
    Total: 1240,
    AmountDue: 1240,
    AmountPaid: 0,
    CurrencyCode: 'GBP',
    LineItems: [
      { Description: 'Brass hinges, 75 mm, pack of 10', Quantity: 40, UnitAmount: 21, LineAmount: 840 },
      { Description: 'Oak shelf brackets with fixing screws', Quantity: 20, UnitAmount: 20, LineAmount: 400 },
    ],
  }
  if (call.path === 'Organisation') {
    return {
      status: 200,
      body: { Organisations: [{ Name: 'Corner Hardware Ltd', BaseCurrency: 'GBP', ShortCode: '!abc' }] },
    }
  }
  if (call.path.startsWith('Contacts')) return { status: 200, body: { Contacts: [contact] } }
  if (call.path === 'Invoices' && call.method === 'PUT') {
    return { status: 200, body: { Invoices: [{ InvoiceID: 'd-1', InvoiceNumber: 'INV-0002', Status: 'DRAFT' }] } }
  }
  if (call.path.startsWith('Invoices')) return { status: 200, body: { Invoices: [invoice] } }
  return null
}

interface Shop {
  started: StartedApp
  fake: XeroIdentityFake
  base: string
  browser: Browser
  owner: SignedInMember
  sam: SignedInMember
  channelId: number
  xeroConversationId: number
}

/** The app with Xero connected (writes on), Olivia the owner, Sam in #front, and Chromium; all closed at the end. */
async function openShop(t: Test): Promise<Shop> {
  // Real time, set to a shop morning: the Xero client waits out its limits on the app's clock.
  const clock = new RunningClock()
  clock.set(Date.UTC(2026, 11, 1, 9, 0, 0))
  const fake = await startXeroIdentity(() => clock.now())
  fake.customScopes = 'accounting.contacts.read accounting.invoices.read accounting.invoices'
  const started = await startApp({
    env: { XERO_IDENTITY_BASE: fake.url, XERO_API_BASE: fake.url, LOG_LEVEL: 'silent' },
    webRoot: WEB_ROOT,
    clock,
  })
  let browser: Browser | null = null
  t.teardown(async () => {
    await browser?.close()
    await started.close()
    await fake.close()
  })
  const { app } = started
  const owner = await setupOwner(app, { displayName: 'Olivia Owner', username: 'olivia' })
  const sam = await createMember(app, owner.cookie, { displayName: 'Sam Baker', username: 'sam' })
  const channelId = await createChannel(app, owner, 'front', { members: [sam] })
  fake.addCustomApp(CLIENT_ID, CLIENT_SECRET)
  fake.api = books
  const connected = await as(app, owner, 'PUT', '/api/xero/connection', {
    kind: 'custom',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  })
  if (connected.statusCode !== 200) throw new Error(`connect: ${connected.body}`)
  const settings = bodyOf(await as(app, owner, 'GET', '/api/xero/settings'))
  const writes = await as(app, owner, 'PUT', '/api/xero/settings', { ...settings, writes: true })
  if (writes.statusCode !== 200) throw new Error(`writes: ${writes.body}`)
  const xero = bodyOf<{ conversationId: number }>(await as(app, owner, 'GET', '/api/xero/conversation'))
  const base = await listen(app)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  return { started, fake, base, browser, owner, sam, channelId, xeroConversationId: xero.conversationId }
}

async function phoneAs(browser: Browser, base: string, member: SignedInMember): Promise<Page> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    timezoneId: 'Europe/London',
    // The app's CSP allows no inline script; axe is injected as one.
    bypassCSP: true,
  })
  // Links to Xero's own app and anything else outside the app never reach the network.
  await context.route(
    (url) => !url.href.startsWith(base),
    (route) => route.abort(),
  )
  const [name = '', value = ''] = member.cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  return context.newPage()
}

/** Critical and serious axe-core violations on the page, one line each. */
async function auditPage(page: Page): Promise<string[]> {
  await page.waitForFunction(() => !document.querySelector('.loading, .spinner'))
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_PATH })
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown }> } }).axe
    return (await axe.run(document)).violations
  })
  return (violations as { id: string; impact: string | null; nodes: { target: string[] }[] }[])
    .filter((violation) => violation.impact === 'critical' || violation.impact === 'serious')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id} at ${node.target.join(' ')}`))
}

/**
 * How far the page, or the conversation's own scrolling list, is wider than the phone's
 * screen (0 when nothing but a card's table scrolls sideways).
 */
function overflowOf(page: Page): Promise<number> {
  return page.evaluate(() => {
    const list = document.querySelector('.conv-scroll')
    return Math.max(
      document.documentElement.scrollWidth - document.documentElement.clientWidth,
      list ? list.scrollWidth - list.clientWidth : 0,
    )
  })
}

if (!isChromiumMissing(t)) {
  t.test('the owner asks Xero, shares the card to a channel, and a colleague sees it without refresh', async (t) => {
    t.setTimeout(120_000)
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const { started, browser, base, owner, sam, channelId, xeroConversationId } = await openShop(t)
    const { app } = started
    const page = await phoneAs(browser, base, owner)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    // 1. Olivia asks in her Xero conversation and gets the invoice as a card.
    await page.goto(`/chat/${xeroConversationId}`)
    await page.getByRole('group', { name: 'Ask Xero or draft in Xero' }).waitFor()
    await page.getByLabel('Message', { exact: true }).fill('invoice INV-0001')
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    const invoiceCard = page.locator('.xero-card', { has: page.getByRole('heading', { name: 'Invoice INV-0001' }) })
    await invoiceCard.waitFor({ timeout: LIVE_MS })
    const amountDue = invoiceCard.locator('.xero-figure', { hasText: 'Amount due' })
    t.match(await amountDue.textContent(), /1,240\.00/, 'the amount due is a key figure')
    t.match(await amountDue.textContent(), /Needs attention/, 'overdue says so in words, not only in red')
    t.match(
      await invoiceCard.locator('.xero-card-foot').textContent(),
      /As of .+ · Corner Hardware Ltd/,
      'the card says when and which organisation',
    )
    t.equal(await invoiceCard.locator('.xero-table tbody tr').count(), 2, 'the invoice lines are a table')
    t.equal(await overflowOf(page), 0, 'the card does not widen the page at 360 px')

    await invoiceCard.getByRole('button', { name: 'Refresh' }).click()
    await page.getByText('Updated from Xero.').waitFor({ timeout: LIVE_MS })
    t.pass('Refresh asks Xero again')

    // 2. Shares it to #front; an invoice card holds no personal details, so there is nothing to include.
    await invoiceCard.getByRole('button', { name: 'Share…' }).click()
    let dialog = page.getByRole('dialog', { name: 'Share this card' })
    await dialog.getByLabel('Share to').selectOption({ label: '#front' })
    t.equal(
      await dialog.getByLabel('Include emails, phone numbers and bank details').count(),
      0,
      'no choice to include personal details when there are none',
    )
    await dialog.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByText('Shared to #front.').waitFor({ timeout: LIVE_MS })
    await dialog.waitFor({ state: 'detached' })

    // 3. The customer on the card is a link that asks about them, here in the Xero conversation.
    await invoiceCard.getByRole('button', { name: 'Acme Trading Ltd' }).click()
    const contactCard = page.locator('.xero-card', { hasText: EMAIL })
    await contactCard.waitFor({ timeout: LIVE_MS })
    t.pass('opening the record asks Xero about the customer')
    await contactCard.getByRole('button', { name: 'Share…' }).click()
    dialog = page.getByRole('dialog', { name: 'Share this card' })
    await dialog.getByLabel('Share to').selectOption({ label: '#front' })
    const include = dialog.getByLabel('Include emails, phone numbers and bank details')
    await include.waitFor()
    t.equal(await include.isChecked(), false, 'personal details are left out unless the sharer includes them')
    await dialog.getByRole('button', { name: 'Share', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    t.same(await auditPage(page), [], 'axe-core finds nothing critical or serious in the Xero conversation')

    // 4. Sam, who may not read Xero, opens #front: both cards, who shared them, and nothing to press.
    const samPage = await phoneAs(browser, base, sam)
    const samErrors: string[] = []
    samPage.on('pageerror', (error) => samErrors.push(error.message))
    await samPage.goto(`/chat/${channelId}`)
    const shared = samPage.locator('.xero-card')
    await shared.nth(1).waitFor({ timeout: LIVE_MS })
    t.equal(await shared.count(), 2, 'both shared cards are in the channel')
    for (let index = 0; index < 2; index++) {
      const card = shared.nth(index)
      t.match(
        await card.locator('.xero-card-shared').textContent(),
        /^Shared by Olivia Owner at .+; ask Olivia Owner for more$/,
        'the card says who shared it and whom to ask',
      )
      t.equal(await card.getByRole('button').count(), 0, 'no Refresh, Share, record or choice buttons')
    }
    const sharedContact = shared.nth(1)
    t.notMatch(await sharedContact.textContent(), EMAIL, 'the customer’s email is hidden')
    t.match(await sharedContact.textContent(), /•••/, 'shown as •••')
    t.match(
      await sharedContact.textContent(),
      /Emails, phone numbers and bank details are hidden\./,
      'and the card says so',
    )
    t.equal(await overflowOf(samPage), 0, 'the channel does not scroll sideways at 360 px')
    t.same(await auditPage(samPage), [], 'axe-core finds nothing critical or serious in the channel')
    t.same(samErrors, [], 'no script errors on Sam’s phone')

    // 5. Olivia, who may read Xero, in #front: no one to ask, Refresh there; she removes the customer's card.
    await page.goto(`/chat/${channelId}`)
    const hers = page.locator('.xero-card')
    await hers.nth(1).waitFor({ timeout: LIVE_MS })
    t.match(
      await hers.nth(0).locator('.xero-card-shared').textContent(),
      /^Shared by Olivia Owner at [^;]+$/,
      'someone who may read Xero is not told whom to ask',
    )
    t.equal(await hers.nth(0).getByRole('button', { name: 'Refresh' }).count(), 1, 'and may refresh a shared card')
    await hers.nth(1).getByRole('button', { name: 'Remove' }).click()
    await page.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click()
    await samPage.waitForFunction(() => document.querySelectorAll('.xero-card').length === 1, undefined, {
      timeout: LIVE_MS,
    })
    t.pass('the removed card leaves Sam’s screen too')

    const cardId = Number(await shared.nth(0).getAttribute('data-card-id'))
    const refused = await as(app, sam, 'POST', `/api/xero/cards/${cardId}/refresh`)
    t.equal(refused.statusCode, 403, 'the server refuses Sam’s refresh too')
    t.equal(bodyOf<{ code: string }>(refused).code, 'xero_forbidden', 'with xero_forbidden')
    t.same(pageErrors, [], 'no script errors on the owner’s phone')
  })

  t.test('the owner drafts an invoice from the form; a double tap on Confirm makes one draft', async (t) => {
    t.setTimeout(120_000)
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const { fake, browser, base, owner, xeroConversationId } = await openShop(t)
    const page = await phoneAs(browser, base, owner)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const confirms: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'POST' && /\/api\/xero\/cards\/\d+\/confirm$/.test(request.url()))
        confirms.push(request.url())
    })

    await page.goto(`/chat/${xeroConversationId}`)
    await page.getByRole('button', { name: 'New invoice draft' }).click()
    const dialog = page.getByRole('dialog', { name: 'New invoice draft' })
    await dialog.getByRole('button', { name: 'Preview' }).click()
    t.equal(
      await dialog.getByText('Say who the invoice is for.').count(),
      1,
      'an empty form says what is missing, and nothing is sent',
    )
    await dialog.getByLabel('Customer').fill('Acme Trading Ltd')
    await dialog.getByLabel('Description').fill('Brass hinges')
    await dialog.getByLabel('Quantity').fill('2')
    await dialog.getByLabel('Unit price').fill('15,50')
    await dialog.getByRole('button', { name: 'Preview' }).click()
    const confirm = dialog.getByRole('button', { name: 'Confirm draft in Xero' })
    await confirm.waitFor({ timeout: LIVE_MS })
    t.match(await dialog.locator('.xero-card').textContent(), /£31\.00/, 'the preview shows the total of the lines')
    t.equal(fake.apiCalls.filter((call) => call.method === 'PUT').length, 0, 'nothing is in Xero before Confirm')

    // Two taps before the screen can redraw (and disable the button) in between.
    await confirm.evaluate((button: HTMLButtonElement) => {
      button.click()
      button.click()
    })
    await dialog.getByText('Draft created in Xero').waitFor({ timeout: LIVE_MS })
    t.equal(confirms.length, 1, 'a double tap sends Confirm once')
    t.equal(
      fake.apiCalls.filter((call) => call.method === 'PUT' && call.path === 'Invoices').length,
      1,
      'and Xero gets one draft',
    )
    t.match(
      await dialog.getByRole('link', { name: 'Open the draft in Xero' }).getAttribute('href'),
      /d-1/,
      'the card links to the draft in Xero',
    )
    await dialog.getByRole('button', { name: 'Done' }).click()
    await dialog.waitFor({ state: 'detached' })

    // The preview was kept in the conversation, and shows the draft as created there too.
    const kept = page.locator('.msg-card .xero-card-draft').last()
    await kept.getByText('Draft created in Xero').waitFor({ timeout: LIVE_MS })
    t.equal(await kept.getByRole('button', { name: 'Confirm draft in Xero' }).count(), 0, 'with no Confirm left')
    t.equal(await overflowOf(page), 0, 'the conversation does not scroll sideways at 360 px')
    t.same(pageErrors, [], 'no script errors')
  })
}
