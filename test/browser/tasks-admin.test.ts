/**
 * Task setup and stats on a 360 px phone, in a real browser against the built app: the owner
 * creates a queue, a problem report kind and repeating jobs (daily in a channel, weekly in
 * the queue), changes the shop's limit and a member's task profile, and reads a member's
 * counts on the stats page after a take and a done made through the API. Every step is
 * checked through the API. Needs `npm run build:web` first. Screenshots go to test-results/
 * (docs/screenshots/ keeps the reviewed copies).
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Browser, Locator, Page } from 'playwright-core'
import { bodyOf, createMember, setupOwner, type SignedInMember } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { as, createChannel, newClientKey } from '../helpers/chat'

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

/** The whole page on a tall phone, so the tab bar stays at the bottom of the picture. */
async function tallShot(page: Page, name: string): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight)
  await page.setViewportSize({ width: PHONE.width, height: Math.min(height, 2400) })
  await page.evaluate(() => window.scrollTo(0, 0))
  fs.mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SHOTS, name) })
  await page.setViewportSize(PHONE)
}

/** The cells of a table row, as text. */
async function rowCells(row: Locator): Promise<string[]> {
  return row.locator('th, td').allInnerTexts()
}

interface Schedule {
  title: string
  conversationId: number | null
  queueId: number | null
  rule: { repeat: string; minuteOfDay: number; weekdays?: number[] }
  checklist: string[]
  nextAt: number | null
}

if (!isChromiumMissing(t)) {
  t.test('the owner sets up queues, report kinds, repeating jobs and limits, and reads the stats', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const { app, base, browser } = await startAppAndBrowser(t, 'tasks-admin')
    const owner = await setupOwner(app, { displayName: 'Olivia Owner', username: 'olivia' })
    const mona = await createMember(app, owner.cookie, {
      role: 'manager',
      displayName: 'Mona Manager',
      username: 'mona',
    })
    const anna = await createMember(app, owner.cookie, { displayName: 'Anna Lee', username: 'anna' })
    const ben = await createMember(app, owner.cookie, { displayName: 'Ben Ortiz', username: 'ben' })
    const frontCounter = await createChannel(app, owner, 'front-counter', { members: [mona, anna, ben] })

    const phone = await phoneAs(browser, base, owner)
    await phone.goto('/more')
    await phone.getByRole('link', { name: /Tasks setup/ }).click()
    await phone.getByRole('heading', { level: 1, name: 'Tasks setup' }).waitFor()
    t.equal(await overflowOf(phone), 0, 'the empty setup page fits a 360 px screen')

    // A queue.
    await phone.getByRole('button', { name: 'New queue' }).click()
    const queueDialog = phone.getByRole('dialog', { name: 'New queue' })
    await queueDialog.getByLabel('Name', { exact: true }).fill('Repairs')
    await queueDialog.getByLabel(/not started within/).fill('30')
    t.equal(await overflowOf(phone), 0, 'the queue form fits a 360 px screen')
    await queueDialog.getByRole('button', { name: 'Create queue' }).click()
    await phone.getByText('Queue Repairs created.').waitFor()
    const queues = bodyOf<{ queues: { id: number; name: string; mode: string; startWithinMinutes: number }[] }>(
      await as(app, owner, 'GET', '/api/task-queues'),
    ).queues
    const repairs = queues.find((queue) => queue.name === 'Repairs')
    t.match(repairs, { mode: 'claim', startWithinMinutes: 30 }, 'the queue exists as set')
    await phone.locator('#queues').getByRole('button', { name: 'Edit Repairs' }).waitFor()

    // A kind of problem staff can report, going to that queue and telling Mona.
    await phone.getByRole('button', { name: 'New problem kind' }).click()
    const kindDialog = phone.getByRole('dialog', { name: 'New problem kind' })
    await kindDialog.getByLabel('Name', { exact: true }).fill('Broken equipment')
    await kindDialog.getByLabel('Priority').selectOption({ label: 'High' })
    await kindDialog.locator('label', { hasText: 'Mona Manager' }).click()
    t.ok(await kindDialog.getByRole('checkbox', { name: 'Mona Manager' }).isChecked(), 'Mona is ticked')
    t.equal(await overflowOf(phone), 0, 'the report kind form fits a 360 px screen')
    await kindDialog.getByRole('button', { name: 'Add problem kind' }).click()
    await phone.getByText('Broken equipment added.').waitFor()
    const categories = bodyOf<{
      categories: { name: string; queue: { id: number }; priority: number; responsibleIds: number[] }[]
    }>(await as(app, owner, 'GET', '/api/report-categories')).categories
    t.match(
      categories,
      [{ name: 'Broken equipment', queue: { id: repairs?.id }, priority: 80, responsibleIds: [mona.id] }],
      'the report kind goes to Repairs at high priority and tells Mona',
    )

    // An opening checklist every day at 07:00 in #front-counter.
    await phone.getByRole('button', { name: 'New repeating job' }).click()
    const daily = phone.getByRole('dialog', { name: 'New repeating job' })
    await daily.getByLabel('Title', { exact: true }).fill('Opening checklist')
    await daily.getByLabel('Where it appears').selectOption({ label: '#front-counter' })
    await daily.getByLabel('Repeats').selectOption({ label: 'Every day' })
    await daily.getByLabel('At', { exact: true }).fill('07:00')
    await daily.getByLabel('Checklist (optional)').fill('Lights on\nTill float counted\n')
    t.equal(await overflowOf(phone), 0, 'the repeating job form fits a 360 px screen')
    await daily.getByRole('button', { name: 'Create job' }).click()
    await phone.getByText('“Opening checklist” scheduled.').waitFor()

    // A deep clean on Mondays and Thursdays in the Repairs queue.
    await phone.getByRole('button', { name: 'New repeating job' }).click()
    const weekly = phone.getByRole('dialog', { name: 'New repeating job' })
    await weekly.getByLabel('Title', { exact: true }).fill('Deep clean')
    await weekly.getByLabel('Where it appears').selectOption({ label: 'Queue: Repairs' })
    await weekly.getByLabel('Repeats').selectOption({ label: 'On chosen days of the week' })
    await weekly.locator('label', { has: phone.getByRole('checkbox', { name: 'Thursday' }) }).tap()
    t.ok(await weekly.getByRole('checkbox', { name: 'Monday' }).isChecked(), 'Monday is chosen to start with')
    t.ok(await weekly.getByRole('checkbox', { name: 'Thursday' }).isChecked(), 'tapping Thursday adds it')
    await weekly.getByLabel('At', { exact: true }).fill('18:30')
    await weekly.getByRole('button', { name: 'Create job' }).click()
    await phone.getByText('“Deep clean” scheduled.').waitFor()

    const schedules = bodyOf<{ schedules: Schedule[] }>(await as(app, owner, 'GET', '/api/task-schedules')).schedules
    const opening = schedules.find((schedule) => schedule.title === 'Opening checklist')
    t.match(
      opening,
      { conversationId: frontCounter, queueId: null, rule: { repeat: 'daily', minuteOfDay: 7 * 60 } },
      'the opening checklist repeats every day at 07:00 in #front-counter',
    )
    t.same(opening?.checklist, ['Lights on', 'Till float counted'], 'with one checklist item per line')
    t.ok(opening?.nextAt, 'and knows when it happens next')
    t.match(
      schedules.find((schedule) => schedule.title === 'Deep clean'),
      { queueId: repairs?.id, rule: { repeat: 'weekly', minuteOfDay: 18 * 60 + 30, weekdays: [1, 4] } },
      'the deep clean repeats on Mondays and Thursdays at 18:30 in Repairs',
    )
    const scheduleRows = phone.locator('#schedules')
    await scheduleRows.getByText(/Every day at 07:00 · #front-counter/).waitFor()
    await scheduleRows.getByText(/Mon, Thu at 18:30 · Repairs/).waitFor()

    // The shop's limit.
    await phone.getByLabel('Per person').fill('2')
    await phone.locator('#limit').getByRole('button', { name: 'Save' }).click()
    await phone.getByText('Limit saved.').waitFor()
    t.same(bodyOf(await as(app, owner, 'GET', '/api/task-settings')), { activeLimit: 2 }, 'the shop limit is 2')

    t.equal(await overflowOf(phone), 0, 'the filled setup page fits a 360 px screen')
    await phone.reload()
    await phone.locator('#schedules').getByText('Deep clean').waitFor()
    await tallShot(phone, 'tasks-admin.png')

    // A newcomer's task profile on their member page.
    await phone.goto(`/members/${anna.id}`)
    const profile = phone.locator('#task-profile')
    await profile.getByText('Empty: the shop’s limit (2).').waitFor()
    await profile.getByLabel('Skills').fill('forklift, till')
    await profile.getByLabel('Value cap').fill('20')
    await profile.getByRole('button', { name: 'Save task settings' }).click()
    await phone.getByText('Task settings saved for Anna Lee.').waitFor()
    t.match(
      bodyOf(await as(app, owner, 'GET', `/api/task-profiles/${anna.id}`)),
      { skills: ['forklift', 'till'], activeLimit: null, scoreCap: 20, effectiveLimit: 2 },
      'Anna has skills and a value cap, and the shop limit',
    )
    t.equal(await overflowOf(phone), 0, 'the member page with its task section fits a 360 px screen')

    // Anna takes and finishes one job, Ben takes one and gives it back: the stats show it.
    const post = async (title: string) => {
      const response = await as(app, owner, 'POST', '/api/tasks', {
        title,
        queueId: repairs?.id,
        value: 10,
        clientKey: newClientKey('task'),
      })
      t.equal(response.statusCode, 201, `"${title}" is posted`)
      return bodyOf<{ id: number }>(response).id
    }
    const fridge = await post('Fix the fridge door')
    const shelf = await post('Put up the shelf')
    t.equal((await as(app, anna, 'POST', `/api/tasks/${fridge}/take`)).statusCode, 200, 'Anna takes the fridge')
    t.equal(
      (await as(app, anna, 'POST', `/api/tasks/${fridge}/done`, { note: 'New hinge' })).statusCode,
      200,
      'Anna finishes it',
    )
    t.equal((await as(app, ben, 'POST', `/api/tasks/${shelf}/take`)).statusCode, 200, 'Ben takes the shelf')
    t.equal((await as(app, ben, 'POST', `/api/tasks/${shelf}/release`)).statusCode, 200, 'Ben gives it back')

    await phone.goto('/more')
    await phone.getByRole('link', { name: /Task stats/ }).click()
    await phone.getByRole('heading', { level: 1, name: 'Task stats' }).waitFor()
    const people = phone.getByTestId('stats-people')
    const annaRow = people.getByRole('row', { name: /Anna Lee/ })
    await annaRow.waitFor()
    const annaCells = await rowCells(annaRow)
    t.same(annaCells.slice(0, 4), ['Anna Lee', '1', '1', '0'], 'Anna: taken 1, done 1, gave back 0')
    t.notOk(annaCells.slice(4).includes('—'), 'Anna has typical times to take and to finish')
    t.same(
      (await rowCells(people.getByRole('row', { name: /Ben Ortiz/ }))).slice(0, 4),
      ['Ben Ortiz', '1', '0', '1'],
      'Ben: taken 1, done 0, gave back 1',
    )
    t.same(
      (await rowCells(phone.getByTestId('stats-queues').getByRole('row', { name: /Repairs/ }))).slice(0, 2),
      ['Repairs', '1'],
      'one job waits in Repairs',
    )
    const csv = await phone.getByRole('link', { name: 'Download CSV' }).getAttribute('href')
    const download = await phone.request.get(csv ?? '')
    t.equal(download.status(), 200, 'the CSV link downloads')
    t.match(await download.text(), /Anna Lee/, 'the CSV has the same people')

    // A period with nothing in it shows zeros, not the week's counts.
    await phone.getByRole('button', { name: 'Pick dates' }).click()
    await phone.getByLabel('From').fill('2020-01-01')
    await phone.getByLabel('To').fill('2020-01-31')
    const annaTaken = () =>
      people
        .getByRole('row', { name: /Anna Lee/ })
        .getByRole('cell')
        .first()
    await annaTaken().getByText('0', { exact: true }).waitFor()
    t.pass('an empty period counts nothing for Anna')
    await phone.getByRole('button', { name: '7 days', exact: true }).click()
    await people
      .getByRole('row', { name: /Anna Lee/ })
      .getByRole('cell')
      .first()
      .getByText('1')
      .waitFor()

    t.equal(await overflowOf(phone), 0, 'the stats page fits a 360 px screen')
    await tallShot(phone, 'tasks-stats.png')
  })
}
