/**
 * Connecting Xero on a 360 px phone, in a real browser against the real built app and the
 * loopback Xero identity fake: the owner finds More → Xero, connects a Custom Connection
 * (a wrong secret is refused on its field), sets alerts, the digest, customers' balance and
 * drafting; Xero stops accepting the connection and the owner, a colleague who may ask Xero
 * and one who may not see (or do not see) the Reconnect banner; the owner reconnects,
 * disconnects, then signs in with Xero (OAuth with PKCE), picks one of two organisations and
 * reconnects that way too.
 * The System page shows Xero's calls, and "Ask Xero" opens the member's Xero conversation.
 * Needs `npm run build:web` first; screenshots go to test-results/ (reviewed copies in
 * docs/screenshots/).
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { READ_SCOPES, WRITE_SCOPES } from '../../server/xero/connection'
import { bodyOf, createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { CHROMIUM, CHROMIUM_ARGS, isChromiumMissing, WEB_ROOT } from '../helpers/browser'
import { as, createChannel } from '../helpers/chat'
import { RunningClock } from '../helpers/telegram'
import { startXeroIdentity } from '../helpers/xero-identity'

const PHONE = { width: 360, height: 740 }
const SHOTS = path.join(import.meta.dirname, '..', '..', 'test-results')
const CUSTOM_ID = 'CUSTOMCLIENTID0001'
const CUSTOM_SECRET = 'custom-secret-never-plain-4d2f9a'
const OAUTH_ID = 'OAUTHCLIENTID0001'

async function phoneAs(browser: Browser, base: string, member: SignedInMember): Promise<Page> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    timezoneId: 'Europe/London',
  })
  const [name = '', value = ''] = member.cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  return context.newPage()
}

/** How far the page is wider than the phone's screen (0 when nothing scrolls sideways). */
function overflowOf(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
}

/** The scopes an authorize URL asks Xero for. */
function scopesOf(authorizeUrl: string): string[] {
  return (new URL(authorizeUrl).searchParams.get('scope') ?? '').split(' ')
}

/** The whole page, as tall as it is, with the tab bar at its foot and no toast over it. */
async function shot(page: Page, name: string): Promise<void> {
  for (const close of await page.locator('.toast-close').all()) await close.click()
  await page.waitForFunction(() => !document.querySelector('.loading, .spinner, .toast'))
  const height = await page.evaluate(() => document.documentElement.scrollHeight)
  await page.setViewportSize({ width: PHONE.width, height: Math.max(PHONE.height, height) })
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) })
  await page.setViewportSize(PHONE)
}

if (!isChromiumMissing(t)) {
  t.test('the owner connects, configures, reconnects and disconnects Xero from a phone', async (t) => {
    t.setTimeout(180_000)
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    fs.mkdirSync(SHOTS, { recursive: true })
    const clock = new RunningClock()
    const fake = await startXeroIdentity(() => clock.now())
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
    const { app, ctx } = started
    fake.addCustomApp(CUSTOM_ID, CUSTOM_SECRET, { tenantId: 'tenant-custom', tenantName: 'Corner Hardware Ltd' })
    fake.addOauthApp(OAUTH_ID, [
      { tenantId: 'tenant-shop', tenantName: 'Corner Hardware Ltd' },
      { tenantId: 'tenant-holdings', tenantName: 'Corner Holdings Pty' },
    ])
    const owner = await setupOwner(app, { shopName: 'Corner Hardware' })
    const sam = await createMember(app, owner.cookie, { displayName: 'Sam Baker', username: 'sam' })
    const granted = await as(app, owner, 'PUT', `/api/members/${sam.id}/access`, { permissions: ['xero.read'] })
    t.equal(granted.statusCode, 200, 'Sam may ask Xero')
    const lee = await createMember(app, owner.cookie, { displayName: 'Lee Chan', username: 'lee' })
    const alertsId = await createChannel(app, owner, 'till-alerts', { members: [sam] })

    const base = await listen(app)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const page = await phoneAs(browser, base, owner)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    // 1. More → Xero: disconnected, with the two ways in.
    await page.goto('/more')
    await page.getByRole('link', { name: /^Xero/ }).click()
    await page.waitForURL('**/xero')
    const custom = page.getByRole('radio', { name: /^Custom Connection/ })
    await custom.waitFor()
    t.ok(await custom.isChecked(), 'Custom Connection is the first choice')
    t.equal(
      await page.getByRole('radio', { name: /^Sign in with Xero/ }).count(),
      1,
      'signing in with Xero is the other',
    )
    const scopeNames = await page.locator('.xero-scope-names code').allTextContents()
    t.same(
      scopeNames,
      [...READ_SCOPES.filter((scope) => scope !== 'offline_access'), ...WRITE_SCOPES],
      'the scopes to tick are the ones the server asks for',
    )
    t.equal(await overflowOf(page), 0, 'the disconnected page fits 360 px')
    await shot(page, 'xero-disconnected-360')

    // 2. A Custom Connection: a wrong secret is refused on its field, the right one connects.
    await page.getByLabel('Client id').fill(CUSTOM_ID)
    await page.getByLabel('Client secret').fill('not-the-secret')
    await page.getByRole('button', { name: 'Connect', exact: true }).click()
    const secretError = page.locator('.field-error')
    await secretError.waitFor()
    t.match(await secretError.textContent(), /did not accept/, 'Xero’s refusal shows on the secret')
    await page.getByLabel('Client secret').fill(CUSTOM_SECRET)
    await page.getByRole('button', { name: 'Connect', exact: true }).click()
    const organisation = page.locator('.xero-org-name')
    await organisation.waitFor()
    t.equal(await organisation.textContent(), 'Corner Hardware Ltd', 'the organisation is shown')
    t.match(await page.locator('.xero-org').textContent(), /Custom Connection/, 'with the kind of connection')
    const scopes = await page.locator('.xero-scopes li').allTextContents()
    t.ok(
      scopes.some((scope) => /^Invoices and bills/.test(scope)),
      `what Xero allowed reads plainly (${scopes.join(', ')})`,
    )
    t.ok(
      fake.calls.some((call) => call.grant === 'client_credentials' && call.clientSecret === CUSTOM_SECRET),
      'the client credentials went to Xero',
    )

    // 3. Settings: the alerts channel, the digest hour, customers' balance and drafting.
    await page.getByLabel('Alerts channel').selectOption({ label: '#till-alerts' })
    await page.getByLabel('Daily digest').selectOption('7')
    await page.getByRole('switch', { name: /^Customers may ask for their balance/ }).check()
    await page.getByRole('switch', { name: /^Allow drafting invoices and bills/ }).check()
    const missing = page.locator('.xero-writes-missing')
    await missing.waitFor()
    t.match(
      await missing.textContent(),
      /accounting\.invoices/,
      'a Custom Connection without drafting says what to add',
    )
    t.equal(await overflowOf(page), 0, 'the connected page fits 360 px')
    await shot(page, 'xero-connected-360')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Xero settings saved.').waitFor()
    t.same(
      bodyOf(await as(app, owner, 'GET', '/api/xero/settings')),
      { alertsConversationId: alertsId, digestHour: 7, customerBalance: true, writes: true },
      'the settings are saved',
    )

    // 4. Xero stops accepting the connection: the page and the banner say so, to whom it concerns.
    ctx.sqlite.prepare("update xero_connection set state = 'reconnect'").run()
    await page.goto('/xero')
    const reconnect = page.locator('.xero-reconnect')
    await reconnect.waitFor()
    t.match(await reconnect.textContent(), /Xero needs reconnecting/, 'the Xero page asks to reconnect')
    t.equal(await overflowOf(page), 0, 'the reconnect state fits 360 px')
    await shot(page, 'xero-reconnect-360')
    await page.goto('/chat')
    const banner = page.getByTestId('xero-banner')
    await banner.waitFor()
    t.equal(await banner.getByRole('link', { name: 'Reconnect' }).getAttribute('href'), '/xero', 'owners get a link')
    await shot(page, 'xero-banner-360')

    const samPage = await phoneAs(browser, base, sam)
    await samPage.goto('/')
    const samBanner = samPage.getByTestId('xero-banner')
    await samBanner.waitFor()
    t.match(await samBanner.textContent(), /ask the owner/, 'a colleague who may ask Xero is told to ask the owner')
    t.equal(await samBanner.getByRole('link').count(), 0, 'without a link they could not use')
    await samPage.goto('/more')
    await samPage.locator('main h1').waitFor()
    t.equal(await samPage.getByRole('link', { name: /^Xero/ }).count(), 0, 'and More has no Xero entry for them')

    const leePage = await phoneAs(browser, base, lee)
    await leePage.goto('/')
    await leePage.locator('main h1').waitFor()
    await leePage.waitForLoadState('networkidle')
    t.equal(await leePage.getByTestId('xero-banner').count(), 0, 'someone who may not ask Xero sees no banner')
    await leePage.context().close()

    // 5. The owner reconnects with the current secret; the banner goes.
    await page.goto('/xero')
    await page.getByLabel('Client id').fill(CUSTOM_ID)
    await page.getByLabel('Client secret').fill(CUSTOM_SECRET)
    await page.getByRole('button', { name: 'Reconnect', exact: true }).click()
    await page.locator('.xero-org .badge-ok').waitFor()
    t.equal(await page.locator('.xero-reconnect').count(), 0, 'connected again')
    await page.getByRole('link', { name: 'Chat' }).first().click()
    await page.waitForURL('**/chat')
    await page.locator('.conv-row').first().waitFor()
    t.equal(await page.getByTestId('xero-banner').count(), 0, 'the banner went with the reconnect')

    // 6. "Ask Xero" opens the owner's own Xero conversation, which the chat list then shows.
    await page.getByRole('button', { name: 'Ask Xero' }).click()
    await page.waitForURL(/\/chat\/\d+$/)
    const xeroId = Number(new URL(page.url()).pathname.split('/').pop())
    // The header shows its mark once the conversation has loaded.
    await page.locator('.conv-header .conv-icon-xero').waitFor()
    t.pass('the conversation has its own mark')
    t.equal(await page.locator('.conv-title').textContent(), 'Xero', 'and is called Xero')
    await page.goto('/chat')
    const xeroRow = page.locator(`.conv-row[data-conversation-id="${xeroId}"]`)
    await xeroRow.waitFor()
    t.equal(await xeroRow.locator('.conv-row-name').textContent(), 'Xero', 'the chat list names it Xero')
    t.equal(await xeroRow.locator('.conv-icon-xero').count(), 1, 'with the same mark')
    await shot(page, 'xero-chat-list-360')

    // 7. The System page shows Xero's calls.
    await page.goto('/system')
    const calls = page.locator('#xero-calls')
    await calls.locator('.system-xero-org').waitFor()
    t.match(await calls.textContent(), /Corner Hardware Ltd.*Calls today/, 'the organisation and its calls')
    t.equal(await overflowOf(page), 0, 'the System page fits 360 px')
    await calls.scrollIntoViewIfNeeded()
    await calls.screenshot({ path: path.join(SHOTS, 'xero-system-360.png') })

    // 8. Disconnect, after a confirmation.
    await page.goto('/xero')
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect', exact: true }).click()
    await page.getByRole('radio', { name: /^Custom Connection/ }).waitFor()
    t.equal(
      bodyOf<{ state: string }>(await as(app, owner, 'GET', '/api/xero/connection')).state,
      'disconnected',
      'Xero is disconnected',
    )

    // 9. Sign in with Xero: the browser goes to Xero and comes back to pick one of two organisations.
    let authorizeUrl = ''
    await page.context().route(`${fake.url}/connect/authorize**`, (route) => {
      authorizeUrl = route.request().url()
      const { code, state, redirectUri } = fake.approve(authorizeUrl)
      const back = new URL(redirectUri)
      back.searchParams.set('code', code)
      back.searchParams.set('state', state)
      void route.fulfill({ status: 302, headers: { location: back.href } })
    })
    // The whole row is the touch target: its label covers the radio.
    await page.locator('label', { hasText: /^Sign in with Xero/ }).click()
    t.ok(await page.getByRole('radio', { name: /^Sign in with Xero/ }).isChecked(), 'signing in with Xero is chosen')
    t.equal(
      await page.getByLabel('Redirect URI').inputValue(),
      `${base}/api/xero/callback`,
      'the redirect URI to give Xero is shown',
    )
    await page.getByLabel('Client id').fill(OAUTH_ID)
    await page.locator('label', { hasText: /^Allow drafting invoices and bills/ }).click()
    t.ok(await page.getByRole('checkbox', { name: /^Allow drafting/ }).isChecked(), 'drafting is asked for')
    await page.getByRole('button', { name: 'Sign in with Xero' }).click()
    const holdings = page.getByRole('radio', { name: 'Corner Holdings Pty' })
    await holdings.waitFor()
    t.ok(scopesOf(authorizeUrl).includes('accounting.invoices'), 'drafting was asked for')
    t.equal(new URL(page.url()).pathname, '/xero', 'Xero sent the owner back to the Xero page')
    t.equal(await overflowOf(page), 0, 'choosing the organisation fits 360 px')
    await shot(page, 'xero-choose-360')
    await page.locator('label', { hasText: 'Corner Holdings Pty' }).click()
    t.ok(await holdings.isChecked(), 'the second organisation is picked')
    await page.getByRole('button', { name: 'Use this organisation' }).click()
    await organisation.waitFor()
    t.equal(await organisation.textContent(), 'Corner Holdings Pty', 'the chosen organisation is connected')
    t.match(await page.locator('.xero-org').textContent(), /Signed in with Xero/, 'by signing in')
    t.match(
      await page.locator('.xero-scopes').textContent(),
      /Draft invoices and bills\s*can write/,
      'drafting allowed',
    )
    t.equal(await page.locator('.xero-writes-missing').count(), 0, 'so nothing is missing for drafting')

    // 10. A signed-in connection reconnects with one press: the same app, drafting still asked for.
    ctx.sqlite.prepare("update xero_connection set state = 'reconnect'").run()
    authorizeUrl = ''
    await page.goto('/xero')
    await page.locator('.xero-reconnect').getByRole('button', { name: 'Reconnect', exact: true }).click()
    await page.getByRole('radio', { name: 'Corner Holdings Pty' }).waitFor()
    const again = new URL(authorizeUrl).searchParams
    t.equal(again.get('client_id'), OAUTH_ID, 'Xero is asked again for the same app')
    t.ok(scopesOf(authorizeUrl).includes('accounting.invoices'), 'with drafting, as before')

    // 11. Xero sends the owner back with a refusal: it is said once and leaves the address.
    await page.goto('/xero?error=xero_denied')
    await page.getByText('Xero was not allowed access.').waitFor()
    t.equal(new URL(page.url()).search, '', 'the error leaves the address')

    t.same(pageErrors, [], 'no script errors')
    await samPage.context().close()
    await page.context().close()
  })
}
