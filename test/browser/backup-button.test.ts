/**
 * The System page's "Back up now" in Chromium against the real built app: a double tap asks
 * for one backup, and "a backup is already running" reads as news, not as a failure.
 * Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Route } from 'playwright-core'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT as webRoot } from '../helpers/browser'

if (!isChromiumMissing(t)) {
  t.test('Back up now sends one request for a double tap and explains a backup already running', async (t) => {
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const { base, browser } = await startAppAndBrowser(t, 'backup-button')
    const context = await browser.newContext({ baseURL: base, viewport: { width: 360, height: 740 }, isMobile: true })
    const setup = await context.request.post('/api/setup', {
      data: {
        shopName: 'Corner Bakery',
        timezone: 'Europe/London',
        displayName: 'Ana Nunes',
        username: 'ana',
        password: 'flour and yeast at dawn',
      },
    })
    t.equal(setup.status(), 201)

    const page = await context.newPage()
    // Requests for a backup are held here until the test lets them through.
    const held: Route[] = []
    let onHeld: () => void = () => {}
    const isHeld = new Promise<void>((resolve) => (onHeld = resolve))
    let answer409 = false
    await page.route('**/api/system/backups', async (route) => {
      if (answer409) {
        await route.fulfill({
          status: 409,
          contentType: 'application/json',
          body: JSON.stringify({ code: 'backup_running', message: 'A backup is already running.' }),
        })
        return
      }
      held.push(route)
      onHeld()
    })
    await page.goto('/system')
    const button = page.getByRole('button', { name: 'Back up now' })
    await button.waitFor()

    // Two taps in one go, before the page has had a chance to redraw the button as busy. The
    // app calls fetch within the tap's own handler, so counting calls here misses none.
    const asked = await button.evaluate((element: HTMLButtonElement) => {
      let count = 0
      const fetch = window.fetch
      window.fetch = (input, init) => {
        if (String(input).includes('/api/system/backups')) count++
        return fetch(input, init)
      }
      element.click()
      element.click()
      window.fetch = fetch
      return count
    })
    t.equal(asked, 1, 'one backup asked for')
    await page.waitForFunction(() => document.querySelector('button[aria-busy="true"]') !== null)
    await isHeld
    for (const route of held) await route.continue()
    await page
      .locator('.toast')
      .filter({ hasText: /^Backup taken:/ })
      .waitFor()

    answer409 = true
    await button.click()
    const toast = page
      .locator('.toast')
      .filter({ hasText: 'A backup is already running. It shows here once it is done.' })
    await toast.waitFor()
    t.match(await toast.getAttribute('class'), /toast-info/, 'shown as news, not as an error')
    await context.close()
  })
}
