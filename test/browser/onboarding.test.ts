/**
 * The whole onboarding journey in a real browser against the real built app: setup, an
 * invite, a newcomer joining and waiting, live approval, sign-out and sign-in, and a
 * deactivation that signs the newcomer's open page out. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Page } from 'playwright-core'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT as webRoot } from '../helpers/browser'

const OWNER_PASSWORD = 'flour and yeast at dawn'
const NEWCOMER_PASSWORD = 'sourdough every morning'
/** How long a live update may take to show. */
const LIVE_MS = 5_000

if (!isChromiumMissing(t)) {
  t.test('a newcomer joins by invite, is approved live, and is signed out live when deactivated', async (t) => {
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const started = Date.now()
    const { base, browser } = await startAppAndBrowser(t, 'onboarding')

    const ownerContext = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    const newcomerContext = await browser.newContext({
      baseURL: base,
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    })
    const owner = await ownerContext.newPage()
    const newcomer = await newcomerContext.newPage()
    const pageErrors: string[] = []
    for (const page of [owner, newcomer]) page.on('pageerror', (error) => pageErrors.push(error.message))

    // 1. First run: the owner sets the shop up.
    await owner.goto('/')
    await owner.getByRole('heading', { name: 'Set up Backboard' }).waitFor()
    await owner.getByLabel('Shop name').fill('Corner Bakery')
    await owner.getByLabel('Timezone').selectOption('Europe/London')
    await owner.getByLabel('Your name').fill('Ana Nunes')
    await owner.getByLabel('Username').fill('ana')
    await owner.getByLabel('Password', { exact: true }).fill(OWNER_PASSWORD)
    await owner.getByRole('button', { name: 'Create the shop' }).click()
    await owner.getByRole('heading', { level: 1, name: /^Good (morning|afternoon|evening), Ana$/ }).waitFor()
    t.pass('setup leads the owner to the home page')

    // 2. The owner creates an invite from the members page.
    await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click()
    await owner.getByRole('heading', { level: 1, name: 'Members' }).waitFor()
    await owner.getByRole('button', { name: 'Invite', exact: true }).click()
    await owner.getByRole('button', { name: 'Create invite' }).click()
    const ready = owner.getByTestId('invite-ready')
    await ready.getByRole('img', { name: 'QR code for the invite link' }).waitFor()
    const inviteUrl = await ready.getByLabel('Or send this link').inputValue()
    t.match(inviteUrl, new RegExp(`^${base}/join/[A-Z0-9]+$`), 'the invite shows a join link')
    await owner.getByRole('button', { name: 'Done' }).click()

    // 3. The newcomer opens the link on their phone and asks to join.
    await newcomer.goto(inviteUrl)
    await newcomer.getByRole('heading', { name: 'Join Corner Bakery' }).waitFor()
    await newcomer.getByLabel('Your name').fill('Sam Taylor')
    await newcomer.getByLabel('Username').fill('sam')
    await newcomer.getByLabel('Password', { exact: true }).fill(NEWCOMER_PASSWORD)
    await newcomer.getByRole('button', { name: 'Ask to join' }).click()
    await newcomer.getByRole('heading', { name: 'Almost there' }).waitFor()
    await waitForLive(newcomer)
    t.pass('the newcomer waits for approval')
    // Marks this page load, to prove that approval arrives without a reload.
    await newcomer.evaluate(() => ((globalThis as unknown as { loadMark: number }).loadMark = 42))

    // 4. The request shows up live on the owner's members page; the owner approves it.
    const approve = owner.getByRole('button', { name: 'Approve Sam Taylor' })
    await approve.waitFor({ timeout: LIVE_MS })
    t.pass('the join request appears on the members page without a reload')
    await approve.click()
    await owner.getByText('Sam Taylor can now use Backboard.').waitFor()

    // 5. The newcomer's page moves on into the app by itself.
    await newcomer
      .getByRole('heading', { level: 1, name: /^Good (morning|afternoon|evening), Sam$/ })
      .waitFor({ timeout: LIVE_MS })
    const mark = await newcomer.evaluate(() => (globalThis as unknown as { loadMark?: number }).loadMark)
    t.equal(mark, 42, 'the newcomer entered the app live, without reloading the page')

    // 6. The newcomer signs out and back in.
    await newcomer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'More' }).click()
    await newcomer
      .getByRole('navigation', { name: 'More' })
      .getByRole('link', { name: /^Account/ })
      .click()
    await newcomer.getByRole('heading', { level: 1, name: 'Account' }).waitFor()
    await newcomer.getByRole('button', { name: 'Sign out', exact: true }).click()
    await newcomer.getByRole('heading', { name: 'Sign in' }).waitFor()
    t.notOk(await newcomer.getByText('You have been signed out').isVisible(), 'signing out yourself shows no warning')
    await newcomer.getByLabel('Username').fill('sam')
    await newcomer.getByLabel('Password', { exact: true }).fill(NEWCOMER_PASSWORD)
    await newcomer.getByRole('button', { name: 'Sign in' }).click()
    await newcomer.getByRole('heading', { level: 1, name: /^Good (morning|afternoon|evening), Sam$/ }).waitFor()
    t.pass('the newcomer signs in again')
    await waitForLive(newcomer)

    // 7. The owner deactivates the newcomer from their member page.
    await owner.getByRole('link', { name: /Sam Taylor/ }).click()
    await owner.getByRole('heading', { level: 1, name: 'Sam Taylor' }).waitFor()
    await owner.getByRole('button', { name: 'Deactivate' }).click()
    const dialog = owner.getByRole('dialog', { name: 'Deactivate Sam Taylor?' })
    await dialog.getByRole('button', { name: 'Deactivate' }).click()
    await owner.getByText('Sam Taylor has been deactivated.').waitFor()

    // 8. The newcomer's open page is signed out within a few seconds.
    const signedOutAt = Date.now()
    await newcomer.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: LIVE_MS })
    await newcomer.getByText('You have been signed out').waitFor()
    t.pass(`the deactivated member's page shows the sign-in page (${Date.now() - signedOutAt} ms)`)

    // The server agrees: the old session is gone.
    const me = await newcomer.evaluate(async () => (await fetch('/api/me')).status)
    t.equal(me, 401, 'the deactivated session no longer works')
    t.same(pageErrors, [], 'no script errors on either page')
    t.comment(`onboarding journey took ${Date.now() - started} ms`)
  })
}

/** Waits until the page's live connection is up, so that a server push can reach it. */
async function waitForLive(page: Page): Promise<void> {
  await page.locator('html[data-live="open"]').waitFor({ state: 'attached', timeout: LIVE_MS })
}
