/**
 * The wall at 1080×1920 (portrait) and 1920×1080 with a bakery's content: the urgent banner
 * shows its whole text, notice photos load (the display may read board attachments), and a
 * board holding only notices does not say "No messages yet". Screenshots go to
 * test-results/ (docs/screenshots/ keeps the reviewed copies). Needs `npm run build:web`.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { setupOwner } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { as, newClientKey, pairDisplay } from '../helpers/chat'
import { seedBakery } from './wall-seed'

const SHOTS = path.join(import.meta.dirname, '..', '..', 'test-results')

async function wallPage(browser: Browser, base: string, cookie: string, width: number, height: number) {
  const context = await browser.newContext({ baseURL: base, viewport: { width, height }, timezoneId: 'Europe/London' })
  const [name = '', value = ''] = cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  const page = await context.newPage()
  await page.goto('/wall')
  await page.getByTestId('wall-notice').first().waitFor({ timeout: 15_000 })
  return page
}

/** Whether every line of the banner's text is inside the banner, nothing clipped. */
function isBannerWhole(page: Page) {
  return page.evaluate(() => {
    const banner = document.querySelector('[data-testid="wall-urgent"]')
    const body = banner?.querySelector('.wall-urgent-body')
    if (!banner || !body) return false
    const outer = banner.getBoundingClientRect()
    const inner = body.getBoundingClientRect()
    return body.scrollHeight <= body.clientHeight + 1 && inner.bottom <= outer.bottom + 1
  })
}

if (!isChromiumMissing(t)) {
  t.test('the wall in portrait shows the whole urgent notice, and photos of notices', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    t.setTimeout(300_000)
    fs.mkdirSync(SHOTS, { recursive: true })
    const { app, base, browser } = await startAppAndBrowser(t, 'wall-portrait')
    const bakery = await seedBakery(app)
    const display = await pairDisplay(app, bakery.maria)

    const portrait = await wallPage(browser, base, display.cookie, 1080, 1920)
    await portrait.getByTestId('wall-urgent').getByText('Oven 2 is out of order').waitFor()
    await portrait
      .getByTestId('wall-urgent')
      .getByText(/croissants go in first/)
      .waitFor()
    t.ok(await isBannerWhole(portrait), 'the urgent instructions are shown to the end')
    await portrait.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('.wall-notice-img')).some((img) => img.naturalWidth > 0),
    )
    t.pass("a notice's photo loads on the display")
    await portrait.screenshot({ path: path.join(SHOTS, 'wall-portrait.png') })
    await portrait.context().close()

    const landscape = await wallPage(browser, base, display.cookie, 1920, 1080)
    await landscape.getByTestId('wall-urgent').getByText('Oven 2 is out of order').waitFor()
    t.ok(await isBannerWhole(landscape), 'and in landscape too')
    await landscape.screenshot({ path: path.join(SHOTS, 'wall-1080p.png') })
    await landscape.context().close()
  })

  t.test('a board with only notices says nothing else is on it, not that it is empty', async (t) => {
    if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) return
    const { app, base, browser } = await startAppAndBrowser(t, 'wall-only-notices')
    const owner = await setupOwner(app)
    const posted = await as(app, owner, 'POST', '/api/notices', {
      title: 'Stocktake on Sunday',
      body: 'Bring:\n- a pen\n- a torch',
      clientKey: newClientKey('notice'),
    })
    t.equal(posted.statusCode, 201)
    const display = await pairDisplay(app, owner)
    const page = await wallPage(browser, base, display.cookie, 1920, 1080)
    await page.locator('.wall-board').getByText('Nothing else on the board yet.').waitFor()
    t.equal(await page.getByText('No messages yet.').count(), 0, 'never "No messages yet" beside a notice')
    t.equal(await page.locator('.wall-notice li').count(), 2, "the notice's list is a list")
    await page.context().close()
  })
}
