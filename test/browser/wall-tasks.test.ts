/**
 * Tasks on the wall, in Chromium against the built app: a manager turns "Show tasks" on for
 * a display on the Displays page, and the wall (already showing) adds its tasks panel by
 * itself: the waiting jobs by priority with how long they have waited, who is on what, the
 * overdue job in red, large enough to read from three metres, and never a job's details.
 * A job taken meanwhile moves to "who is on what" live. Screenshots at 1920×1080 and
 * 1080×1920 go to /tmp/backboard-wall-tasks/. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { ManualClock } from '../../server/shared/clock'
import { bodyOf, type SignedInMember } from '../helpers/app'
import { CHROMIUM, CHROMIUM_ARGS, isChromiumMissing, WEB_ROOT } from '../helpers/browser'
import { as, newClientKey, pairDisplay } from '../helpers/chat'
import { seedBakery } from './wall-seed'

const SHOTS = path.join(os.tmpdir(), 'backboard-wall-tasks')
const LIVE_MS = 8_000
const MINUTE = 60_000
const SECRET = 'Mrs Poole, 07700 900123'

function cookieParts(cookie: string): { name: string; value: string } {
  const [name = '', value = ''] = cookie.split(/=(.*)/s)
  return { name, value }
}

async function fontSize(page: Page, selector: string): Promise<number> {
  return page.evaluate<number>(
    `parseFloat(getComputedStyle(document.querySelector(${JSON.stringify(selector)})).fontSize)`,
  )
}

if (!isChromiumMissing(t)) {
  t.test('a display set to show tasks shows what waits, who is on what and what is overdue, live', async (t) => {
    const webRoot = WEB_ROOT
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web)')) return
    t.setTimeout(300_000)
    fs.mkdirSync(SHOTS, { recursive: true })
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-wall-tasks-'))
    // The jobs are posted "earlier" so that the wall has waiting times to show.
    const postedAt = Date.now() - 40 * MINUTE
    const clock = new ManualClock(postedAt)
    const { app } = await buildApp({
      config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      webRoot,
      logger: false,
      clock,
    })
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await app.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    })
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const bakery = await seedBakery(app)
    const [tom, aisha, liam] = bakery.staff as [SignedInMember, SignedInMember, SignedInMember]
    const queue = await as(app, bakery.owner, 'POST', '/api/task-queues', { name: 'Repairs', mode: 'claim' })
    t.equal(queue.statusCode, 201, 'a Repairs queue with its own channel')
    const queueId = bodyOf<{ id: number }>(queue).id
    const post = async (input: Record<string, unknown>) => {
      const response = await as(app, bakery.owner, 'POST', '/api/tasks', {
        queueId,
        clientKey: newClientKey('wall'),
        ...input,
      })
      if (response.statusCode !== 201) throw new Error(`task failed: ${response.statusCode} ${response.body}`)
      return bodyOf<{ id: number }>(response)
    }

    const delivery = await post({
      title: 'Call the customer about the cake order',
      details: 'She wants it on Saturday',
      privateDetails: SECRET,
      priority: 60,
      dueAt: clock.now() + 15 * MINUTE,
    })
    const till = await post({ title: 'Fix the till drawer', priority: 90 })
    const oven = await post({ title: 'Clean oven 2', priority: 70 })
    await as(app, tom, 'POST', `/api/tasks/${oven.id}/take`)
    await as(app, tom, 'POST', `/api/tasks/${oven.id}/start`)
    clock.advance(15 * MINUTE)
    await post({ title: 'Restock the napkins', priority: 30 })
    const flour = await post({ title: 'Unpack the flour delivery', priority: 50 })
    const mop = await post({ title: 'Mop the back room', priority: 40 })
    await as(app, aisha, 'POST', `/api/tasks/${mop.id}/take`)
    clock.set(postedAt + 40 * MINUTE)

    const display = await pairDisplay(app, bakery.maria, 'Back room')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const screen = await browser.newContext({
      baseURL: base,
      viewport: { width: 1920, height: 1080 },
      timezoneId: 'Europe/London',
    })
    await screen.addCookies([{ ...cookieParts(display.cookie), url: base }])
    const wall = await screen.newPage()
    const pageErrors: string[] = []
    wall.on('pageerror', (error) => pageErrors.push(error.message))
    await wall.goto('/wall')
    await wall.getByTestId('wall-notice').first().waitFor({ timeout: LIVE_MS })
    await wall.locator('html[data-live="open"]').waitFor({ state: 'attached', timeout: LIVE_MS })
    t.equal(await wall.getByTestId('wall-tasks').count(), 0, 'no tasks panel until the display is set to show it')

    // The shift lead turns it on from her phone.
    const phone = await browser.newContext({ baseURL: base, viewport: { width: 360, height: 740 }, isMobile: true })
    await phone.addCookies([{ ...cookieParts(bakery.maria.cookie), url: base }])
    const manager = await phone.newPage()
    manager.on('pageerror', (error) => pageErrors.push(error.message))
    await manager.goto('/displays')
    const row = manager.getByTestId('display-row').filter({ hasText: 'Back room' })
    const toggle = row.getByRole('switch', { name: 'Show tasks' })
    t.equal(await toggle.isChecked(), false, 'off by default')
    await toggle.check()
    await manager.getByText('“Back room” shows the open tasks.').waitFor()
    await manager.screenshot({ path: path.join(SHOTS, 'displays-360.png'), fullPage: true })

    await wall.getByTestId('wall-tasks').waitFor({ timeout: LIVE_MS })
    t.pass('the wall shows its tasks panel by itself, without a reload')
    const waiting = wall.getByTestId('wall-task')
    await waiting.first().waitFor()
    t.same(
      await waiting.locator('.wall-task-title').allTextContents(),
      [
        'UrgentFix the till drawer',
        'Call the customer about the cake order',
        'Unpack the flour delivery',
        'Restock the napkins',
      ],
      'waiting jobs by priority, urgent ones marked',
    )
    t.match(await waiting.nth(0).textContent(), /waiting 40 min/, 'with how long each has waited')
    t.match(await waiting.nth(0).textContent(), /Repairs/, 'and its queue')
    const late = waiting.filter({ hasText: 'cake order' })
    t.equal(await late.getAttribute('data-overdue'), 'true', 'the job past its due time is overdue')
    t.match(await late.textContent(), /Overdue/)
    const lateColour = await late
      .locator('.wall-task-flag-overdue')
      .evaluate((element) => getComputedStyle(element).color)
    t.equal(lateColour, 'rgb(255, 107, 99)', 'in red')
    const active = wall.getByTestId('wall-task-active')
    t.same(
      await active.locator('.wall-task-title').allTextContents(),
      ['Tom Becker · Clean oven 2', 'Aisha Khan · Mop the back room'],
      'who is on what',
    )
    t.match(await active.nth(0).textContent(), /on it for 40 min/)
    t.match(await active.nth(1).textContent(), /taken 25 min ago/)
    const text = (await wall.locator('body').textContent()) ?? ''
    t.notOk(text.includes('07700'), 'no private details on the wall')
    t.notOk(text.includes('She wants it on Saturday'), 'nor any details')

    const titleSize = await fontSize(wall, '.wall-task-title')
    const metaSize = await fontSize(wall, '.wall-task-meta')
    t.ok(titleSize >= 28, `job titles are readable from three metres (${titleSize} px at 1080p)`)
    t.ok(metaSize >= 22, `and so are waiting times (${metaSize} px)`)

    // Taken meanwhile: it leaves the waiting list and shows who is on it.
    await as(app, liam, 'POST', `/api/tasks/${flour.id}/take`)
    // Attached, not visible: the list may have turned into pages by now.
    await active.filter({ hasText: 'Unpack the flour delivery' }).waitFor({ state: 'attached', timeout: LIVE_MS })
    t.match(
      await active.filter({ hasText: 'Unpack the flour delivery' }).locator('.wall-task-title').textContent(),
      /^Liam O’Connor · /,
      'a job taken now moves to who is on what, live',
    )
    t.equal(await waiting.filter({ hasText: 'Unpack the flour delivery' }).count(), 0)
    await as(app, bakery.owner, 'POST', `/api/tasks/${till.id}/cancel`)
    await waiting.filter({ hasText: 'Fix the till drawer' }).waitFor({ state: 'detached', timeout: LIVE_MS })
    t.pass('a cancelled job leaves the wall')
    void delivery

    for (const size of [
      { width: 1920, height: 1080 },
      { width: 1080, height: 1920 },
      { width: 1280, height: 720 },
    ]) {
      await wall.setViewportSize(size)
      await wall.waitForTimeout(900)
      const overflow = await wall.evaluate<{ x: number; y: number }>(
        '({ x: document.documentElement.scrollWidth - innerWidth, y: document.documentElement.scrollHeight - innerHeight })',
      )
      t.same(overflow, { x: 0, y: 0 }, `nothing scrolls at ${size.width}×${size.height}`)
      const panel = await wall.getByTestId('wall-tasks').boundingBox()
      t.ok(panel && panel.width > size.width * 0.25 && panel.height > 200, 'the panel has room')
      await wall.screenshot({ path: path.join(SHOTS, `wall-tasks-${size.width}x${size.height}.png`) })
    }
    t.same(pageErrors, [], 'no script errors')
    t.comment(`screenshots in ${SHOTS}`)
  })
}
