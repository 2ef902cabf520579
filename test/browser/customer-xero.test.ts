/**
 * Linking a customer to their Xero contact from the customer panel, on a 360 px phone, in a
 * real browser against the real built app, the loopback Telegram fake (the customer writes
 * to the bot) and a loopback Xero with small books: the owner searches Xero's contacts (two
 * letters at least, one request per pause in typing), sees Xero's refusal on the field when
 * a contact has gone, links the customer, finds the link still there after a reload, and
 * unlinks; a colleague with xero.read links without being promised /balance (the owner's
 * setting is not theirs to read); one without xero.read or settings.manage sees no Xero
 * section at all; nobody sees it once Xero is disconnected. The screenshot goes to
 * test-results/ (docs/screenshots/ keeps the reviewed copy). Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { bodyOf, createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { CHROMIUM, CHROMIUM_ARGS, isChromiumMissing, WEB_ROOT } from '../helpers/browser'
import { as } from '../helpers/chat'
import { startTelegramFake } from '../helpers/telegram-fake'
import { BOT_TOKEN, BOT_USERNAME, RunningClock, until } from '../helpers/telegram'
import { startXeroIdentity } from '../helpers/xero-identity'
import { Books, CLIENT_ID, CLIENT_SECRET, READ_SCOPES, TENANT } from '../xero/fake-books'

const PHONE = { width: 360, height: 740 }
const LIVE_MS = 10_000
const SHOTS = path.join(import.meta.dirname, '..', '..', 'test-results')
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const BALANCE_HINT = /Linked customers can send \/balance to the bot/

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
  await context.route(
    (url) => !url.href.startsWith(base),
    (route) => route.abort(),
  )
  const [name = '', value = ''] = member.cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  return context.newPage()
}

/** The paths of the page's requests to the Xero routes, as they are made. */
function xeroRequests(page: Page): string[] {
  const paths: string[] = []
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.pathname.startsWith('/api/xero/')) paths.push(`${request.method()} ${url.pathname}${url.search}`)
  })
  return paths
}

function overflowOf(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
}

/** Critical and serious axe-core violations on the page, one line each. */
async function auditPage(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_PATH })
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown }> } }).axe
    return (await axe.run(document)).violations
  })
  return (violations as { id: string; impact: string | null; nodes: { target: string[] }[] }[])
    .filter((violation) => violation.impact === 'critical' || violation.impact === 'serious')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id} at ${node.target.join(' ')}`))
}

/** Opens the customer conversation and its panel; resolves once the panel's details show. */
async function openPanel(page: Page, conversationId: number): Promise<void> {
  await page.goto(`/chat/${conversationId}`)
  await page.locator('.customer-panel-summary').click()
  await page.getByRole('group', { name: 'Tags' }).waitFor({ timeout: LIVE_MS })
}

if (!isChromiumMissing(t)) {
  t.test('the owner links a customer to a Xero contact from the customer panel, and unlinks', async (t) => {
    t.setTimeout(120_000)
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const clock = new RunningClock()
    clock.set(Date.UTC(2026, 11, 1, 9, 0, 0))
    const telegram = await startTelegramFake({
      token: BOT_TOKEN,
      botUsername: BOT_USERNAME,
      botFirstName: 'Corner Shop',
      now: () => clock.now(),
    })
    const xero = await startXeroIdentity(() => clock.now())
    const started = await startApp({
      env: {
        TELEGRAM_API_ROOT: telegram.apiRoot,
        XERO_IDENTITY_BASE: xero.url,
        XERO_API_BASE: xero.url,
        LOG_LEVEL: 'silent',
      },
      webRoot: WEB_ROOT,
      clock,
      build: { telegramPollTimeoutS: 1, outboxPollMs: 100 },
    })
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await started.close()
      await xero.close()
      await telegram.stop()
    })
    const { app } = started
    const owner = await setupOwner(app, { displayName: 'Olivia Owner', username: 'olivia' })
    t.equal((await as(app, owner, 'PUT', '/api/telegram/bot', { token: BOT_TOKEN })).statusCode, 200, 'bot connected')
    const enabled = await as(app, owner, 'PATCH', '/api/settings', { customersEnabled: true })
    t.equal(enabled.statusCode, 200, 'customers are enabled')
    const books = new Books(() => clock.now())
    xero.customScopes = READ_SCOPES
    xero.addCustomApp(CLIENT_ID, CLIENT_SECRET, TENANT)
    xero.api = books.handle
    const connected = await as(app, owner, 'PUT', '/api/xero/connection', {
      kind: 'custom',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    })
    t.equal(connected.statusCode, 200, 'Xero is connected')
    const allowed = await as(app, owner, 'PUT', '/api/xero/settings', { customerBalance: true })
    t.equal(allowed.statusCode, 200, 'linked customers may ask /balance')

    const maria = telegram.user({ id: 7201, first_name: 'Maria', last_name: 'Kovacs' })
    maria.text('Hello, how much do I owe you?')
    let conversationId = 0
    await until(
      'Maria’s conversation to be listed',
      async () => {
        const list = bodyOf<{ items: { conversationId: number }[] }>(await as(app, owner, 'GET', '/api/customers'))
        conversationId = list.items[0]?.conversationId ?? 0
        return conversationId > 0
      },
      LIVE_MS,
    )
    const linkOf = async () =>
      bodyOf<{ xeroContact: { id: string; name: string } | null }>(
        await as(app, owner, 'GET', `/api/customers/${conversationId}`),
      ).xeroContact

    const base = await listen(app)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const page = await phoneAs(browser, base, owner)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const requests = xeroRequests(page)

    // 1. The panel's Xero section: a search, and the /balance the owner allowed.
    await openPanel(page, conversationId)
    const section = page.getByRole('group', { name: 'Xero contact' })
    await section.waitFor({ timeout: LIVE_MS })
    t.match(await section.textContent(), BALANCE_HINT, 'the section says what linking gives the customer')
    const search = section.getByRole('searchbox', { name: 'Find their contact in Xero' })
    await search.fill('a')
    await page.waitForTimeout(800)
    t.same(
      requests.filter((r) => r.startsWith('GET /api/xero/contacts')),
      [],
      'one letter asks Xero nothing',
    )
    await search.pressSequentially('cme', { delay: 20 })
    const results = section.getByRole('list', { name: 'Xero contacts' })
    await results.getByRole('button').nth(1).waitFor({ timeout: LIVE_MS })
    t.same(
      (await results.getByRole('button').allTextContents()).map((text) => text.trim()),
      ['Acme Trading', 'Acme Hire'],
      'the matching contacts are listed to pick',
    )
    t.same(
      requests.filter((r) => r.startsWith('GET /api/xero/contacts')),
      ['GET /api/xero/contacts?q=acme'],
      'typing without a pause asks once, for the whole word',
    )
    t.equal(await overflowOf(page), 0, 'the panel does not scroll sideways at 360 px')
    await section.evaluate((element) => element.scrollIntoView({ block: 'end' }))
    fs.mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SHOTS, 'customers-xero-contact-360.png') })
    t.same(await auditPage(page), [], 'axe-core finds nothing critical or serious in the panel')

    // 2. A contact archived in Xero meanwhile: Xero's refusal shows on the field, nothing is linked.
    books.contacts = books.contacts.filter((contact) => contact.ContactID !== 'c-acme-hire')
    await results.getByRole('button', { name: 'Link to Acme Hire' }).click()
    const fieldError = section.locator('.field-error')
    await fieldError.waitFor({ timeout: LIVE_MS })
    t.equal(await fieldError.textContent(), 'Xero has no such contact.', 'the server’s error is on the field')
    t.equal(await search.getAttribute('aria-invalid'), 'true', 'and the field is marked invalid')
    t.equal(await linkOf(), null, 'and the customer is not linked')

    // 3. Picks Acme Trading: the panel shows the link, focus on its Unlink.
    await results.getByRole('button', { name: 'Link to Acme Trading' }).click()
    const unlink = section.getByRole('button', { name: 'Unlink Acme Trading from this customer' })
    await unlink.waitFor({ timeout: LIVE_MS })
    t.equal((await section.locator('.customer-xero-name').textContent())?.trim(), 'Acme Trading', 'linked')
    t.equal(await search.count(), 0, 'the search is gone')
    t.ok(await unlink.evaluate((button) => button === document.activeElement), 'focus moves to Unlink')
    t.same(await linkOf(), { id: 'c-acme-trading', name: 'Acme Trading' }, 'the server keeps the link')

    // 4. A reload shows it still.
    await openPanel(page, conversationId)
    await unlink.waitFor({ timeout: LIVE_MS })
    t.pass('the link is there after a reload')
    t.equal(await overflowOf(page), 0, 'and nothing scrolls sideways')

    // 5. Unlink: the search is back, and the server forgets the link.
    await unlink.click()
    await search.waitFor({ timeout: LIVE_MS })
    t.ok(await search.evaluate((input) => input === document.activeElement), 'focus moves to the search')
    t.equal(await linkOf(), null, 'the server has no link any more')

    // 6. Rita may read Xero but not change settings: she links, with no promise of /balance.
    const rita = await createMember(app, owner.cookie, { displayName: 'Rita Reader', username: 'rita' })
    const ritaAccess = await as(app, owner, 'PUT', `/api/members/${rita.id}/access`, {
      permissions: ['customers.answer', 'xero.read'],
    })
    t.equal(ritaAccess.statusCode, 200, 'Rita may answer customers and read Xero')
    const ritaPage = await phoneAs(browser, base, rita)
    const ritaRequests = xeroRequests(ritaPage)
    await openPanel(ritaPage, conversationId)
    const ritaSection = ritaPage.getByRole('group', { name: 'Xero contact' })
    await ritaSection.waitFor({ timeout: LIVE_MS })
    t.notMatch(await ritaSection.textContent(), BALANCE_HINT, 'Rita is not promised /balance')
    t.same(
      ritaRequests.filter((r) => r.includes('/api/xero/settings')),
      [],
      'and her phone never asks for the owner’s settings',
    )
    await ritaSection.getByRole('searchbox', { name: 'Find their contact in Xero' }).fill('bolt')
    await ritaSection.getByRole('button', { name: 'Link to Bolt & Nut Co' }).click()
    await ritaSection.getByRole('button', { name: 'Unlink Bolt & Nut Co from this customer' }).waitFor()
    t.same(await linkOf(), { id: 'c-bolt', name: 'Bolt & Nut Co' }, 'Rita’s link is stored')
    await ritaPage.context().close()

    // 7. Sam answers customers but neither reads Xero nor manages settings: no Xero section.
    const sam = await createMember(app, owner.cookie, { displayName: 'Sam Baker', username: 'sam' })
    const samAccess = await as(app, owner, 'PUT', `/api/members/${sam.id}/access`, {
      permissions: ['customers.answer'],
    })
    t.equal(samAccess.statusCode, 200, 'Sam may answer customers')
    const samPage = await phoneAs(browser, base, sam)
    const samErrors: string[] = []
    samPage.on('pageerror', (error) => samErrors.push(error.message))
    const samRequests = xeroRequests(samPage)
    await openPanel(samPage, conversationId)
    t.equal(await samPage.getByRole('group', { name: 'Xero contact' }).count(), 0, 'Sam sees no Xero section')
    t.equal(await samPage.getByText('Bolt & Nut Co').count(), 0, 'nor the linked contact')
    t.same(samRequests, [], 'and his phone asks no Xero route')
    t.same(samErrors, [], 'no script errors on Sam’s phone')
    await samPage.context().close()

    // 8. Mia manages settings but does not read Xero: she may unlink, not search Xero's contacts.
    const mia = await createMember(app, owner.cookie, { displayName: 'Mia Manager', username: 'mia' })
    const miaAccess = await as(app, owner, 'PUT', `/api/members/${mia.id}/access`, {
      permissions: ['customers.answer', 'settings.manage'],
    })
    t.equal(miaAccess.statusCode, 200, 'Mia may answer customers and manage settings')
    const miaPage = await phoneAs(browser, base, mia)
    const miaRequests = xeroRequests(miaPage)
    await openPanel(miaPage, conversationId)
    const miaSection = miaPage.getByRole('group', { name: 'Xero contact' })
    await miaSection.getByRole('button', { name: 'Unlink Bolt & Nut Co from this customer' }).click()
    await miaSection.getByText('Only members who may read Xero can search its contacts.').waitFor({ timeout: LIVE_MS })
    t.equal(await miaSection.getByRole('searchbox').count(), 0, 'Mia has no search once unlinked')
    t.match(await miaSection.textContent(), BALANCE_HINT, 'and, reading the owner’s setting, is told of /balance')
    t.equal(await linkOf(), null, 'Mia’s unlink is stored')
    t.notOk(
      miaRequests.some((r) => r.includes('/api/xero/status') || r.includes('/api/xero/contacts')),
      'her phone asks neither Xero’s status nor its contacts, which are refused to her',
    )
    await miaPage.context().close()

    // 9. Xero disconnected: the section is gone, the link kept for when it is back.
    t.equal((await as(app, owner, 'DELETE', '/api/xero/connection')).statusCode, 200, 'Xero is disconnected')
    const asked = Promise.all(
      ['/api/xero/status', '/api/xero/settings'].map((route) =>
        page.waitForResponse((response) => new URL(response.url()).pathname === route),
      ),
    )
    await openPanel(page, conversationId)
    await asked
    // The answers are in; give the panel a moment to draw what they say.
    await page.waitForTimeout(300)
    t.equal(await section.count(), 0, 'no Xero section while Xero is not connected')
    t.same(pageErrors, [], 'no script errors on the owner’s phone')
  })
}
