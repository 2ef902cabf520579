/**
 * Reporting a problem from a 360 px phone, in a real browser against the built app: a staff
 * member opens "Report a problem" on Home, takes a photo (a PNG set on the camera input),
 * picks the kind of problem and writes a line; the report becomes a task in that kind's
 * queue with the photo, reported by them. Needs `npm run build:web` first. The sheet's
 * screenshot goes to test-results/ (docs/screenshots/ keeps the reviewed copy).
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { bodyOf, createMember, setupOwner, type SignedInMember } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { as, tinyPng } from '../helpers/chat'

const PHONE = { width: 360, height: 740 }
const SHOTS = path.join(import.meta.dirname, '..', '..', 'test-results')

async function phoneAs(browser: Browser, base: string, member: SignedInMember): Promise<Page> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    timezoneId: 'Europe/London',
    locale: 'en-GB',
  })
  const [name = '', value = ''] = member.cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  return context.newPage()
}

/** How far the page reaches past the right edge of the screen, in px (0 when it fits). */
function overflowOf(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
}

interface ReportedTask {
  id: number
  title: string
  details: string
  state: string
  attachments: { kind: string }[]
  queue: { id: number; name: string } | null
  reporter: { id: number } | null
  category: { id: number; name: string } | null
}

if (!isChromiumMissing(t)) {
  t.test('a staff member reports a problem with a photo and a category from Home', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const { app, base, browser } = await startAppAndBrowser(t, 'report')
    const owner = await setupOwner(app, { displayName: 'Olivia Owner', username: 'olivia' })
    const sam = await createMember(app, owner.cookie, { displayName: 'Sam Baker', username: 'sam' })
    const repairs = await as(app, owner, 'POST', '/api/task-queues', { name: 'Repairs', mode: 'claim' })
    t.equal(repairs.statusCode, 201, 'the Repairs queue exists')
    const queueId = bodyOf<{ id: number }>(repairs).id
    const spills = await as(app, owner, 'POST', '/api/task-queues', { name: 'Cleaning', mode: 'claim' })
    const spillQueueId = bodyOf<{ id: number }>(spills).id
    for (const [name, queue] of [
      ['Broken equipment', queueId],
      ['Spill', spillQueueId],
    ] as const) {
      const made = await as(app, owner, 'POST', '/api/report-categories', { name, queueId: queue, priority: 80 })
      t.equal(made.statusCode, 201, `the "${name}" category exists`)
    }
    const categories = bodyOf<{ categories: { id: number; name: string }[] }>(
      await as(app, sam, 'GET', '/api/report-categories'),
    ).categories
    const broken = categories.find((category) => category.name === 'Broken equipment')

    const phone = await phoneAs(browser, base, sam)
    await phone.goto('/')
    await phone.getByRole('button', { name: 'Report a problem' }).click()
    const sheet = phone.getByRole('dialog', { name: 'Report a problem' })
    await sheet.getByRole('radio', { name: 'Broken equipment' }).waitFor({ state: 'attached' })
    for (const capture of ['Record a video', 'Take a photo', 'Voice note', 'Pick a file']) {
      const box = await sheet.getByRole('button', { name: capture, exact: true }).boundingBox()
      t.ok(box && box.height >= 44 && box.width >= 44, `"${capture}" is a thumb-sized target`)
    }

    // Nothing chosen and nothing said: the sheet says what is missing and sends nothing.
    await sheet.getByRole('button', { name: 'Send report' }).click()
    await sheet.getByText('Choose what kind of problem it is.').waitFor()
    await sheet.getByText('Add a photo, a video, a voice note or a few words.').waitFor()
    const before = bodyOf<{ tasks: unknown[] }>(await as(app, owner, 'GET', '/api/tasks?view=all')).tasks
    t.equal(before.length, 0, 'an empty report is not sent')

    await sheet.getByLabel('Take a photo').setInputFiles({
      name: 'freezer.png',
      mimeType: 'image/png',
      buffer: tinyPng(640, 480, [30, 120, 200]),
    })
    // The chip is what a thumb presses; the radio inside it is what a screen reader announces.
    await sheet.locator('label', { hasText: 'Broken equipment' }).tap()
    t.ok(await sheet.getByRole('radio', { name: 'Broken equipment' }).isChecked(), 'tapping the chip picks the kind')
    await sheet.getByLabel('What is wrong?').fill('Freezer 2 is warm')
    // Send waits for the photo to be uploaded.
    const send = sheet.locator('button:not([disabled])', { hasText: 'Send report' })
    await send.waitFor()
    t.equal(await overflowOf(phone), 0, 'the filled sheet fits a 360 px screen')
    fs.mkdirSync(SHOTS, { recursive: true })
    await phone.screenshot({ path: path.join(SHOTS, 'tasks-report.png') })

    await send.click()
    await sheet.getByText('Reported — you’ll be told when it is done.').waitFor()
    t.pass('the reporter is told the report arrived and that they will hear when it is done')

    const tasks = bodyOf<{ tasks: ReportedTask[] }>(await as(app, owner, 'GET', '/api/tasks?view=all')).tasks
    t.equal(tasks.length, 1, 'one report, one task')
    const task = tasks[0]
    t.equal(task?.queue?.id, queueId, "the task is in the category's queue")
    t.equal(task?.category?.id, broken?.id, 'it carries the chosen category')
    t.equal(task?.reporter?.id, sam.id, 'Sam is its reporter')
    t.equal(task?.state, 'open', 'it waits to be taken')
    t.match(task?.details, /Freezer 2 is warm/, 'the line Sam wrote is in it')
    t.same(
      task?.attachments.map((attachment) => attachment.kind),
      ['image'],
      'the photo is attached',
    )

    await sheet.getByRole('button', { name: 'Done' }).click()
    await sheet.waitFor({ state: 'detached' })
    t.equal(await overflowOf(phone), 0, 'Home with the report button fits a 360 px screen')
  })
}
