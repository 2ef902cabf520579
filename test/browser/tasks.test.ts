/**
 * Tasks on 360 px phones, in a real browser against the real built app: a dispatcher posts a
 * task with private details and a photo to finish; it appears live on two workers' lists;
 * Anna takes it and sees the private details at once; Ben's button turns into "Taken by
 * Anna" without a reload, on his list and in the channel; Cara, whose live connection is
 * down, presses Take late and is told who has it; Anna finishes with a photo; the dispatcher
 * sees it done, with the photo, live. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { createMember, setupOwner, type SignedInMember } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { createChannel, tinyPng } from '../helpers/chat'

const PHONE = { width: 360, height: 740 }
/** How long a live update may take to show. */
const LIVE_MS = 5_000
const TITLE = 'Fix the till drawer'
const SECRET = 'Mrs Patel, 0400 123 456'

async function phoneAs(browser: Browser, base: string, member: SignedInMember, isLive = true): Promise<Page> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    timezoneId: 'Europe/London',
  })
  const [name = '', value = ''] = member.cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  // A phone whose live connection never comes up: it only learns what it asks for.
  if (!isLive) await context.routeWebSocket(/\/ws/, () => undefined)
  return context.newPage()
}

async function waitForLive(page: Page): Promise<void> {
  await page.locator('html[data-live="open"]').waitFor({ state: 'attached', timeout: LIVE_MS })
}

if (!isChromiumMissing(t)) {
  t.test('a dispatcher posts, Anna takes, Ben sees "Taken by Anna" live, Anna finishes with a photo', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const { app, base, browser } = await startAppAndBrowser(t, 'tasks')
    const owner = await setupOwner(app, { displayName: 'Olivia Owner', username: 'olivia' })
    const [anna, ben, cara] = await Promise.all(
      ['Anna', 'Ben', 'Cara'].map((displayName) =>
        createMember(app, owner.cookie, { username: displayName.toLowerCase(), displayName }),
      ),
    )
    if (!anna || !ben || !cara) throw new Error('members missing')
    const floorId = await createChannel(app, owner, 'floor', { members: [anna, ben, cara] })

    const dispatcher = await phoneAs(browser, base, owner)
    const annaPage = await phoneAs(browser, base, anna)
    const benPage = await phoneAs(browser, base, ben)
    const benChat = await benPage.context().newPage()
    const caraPage = await phoneAs(browser, base, cara, false)
    const pageErrors: string[] = []
    for (const page of [dispatcher, annaPage, benPage, benChat, caraPage])
      page.on('pageerror', (error) => pageErrors.push(error.message))

    // 1. The workers wait on "Open to me" (and Ben also in the channel); nothing is open yet.
    for (const page of [annaPage, benPage]) {
      await page.goto('/tasks')
      await page.getByText('Nothing open for you').waitFor()
      await waitForLive(page)
    }
    await benChat.goto(`/chat/${floorId}`)
    await benChat.getByRole('heading', { level: 1, name: 'floor' }).waitFor()
    await waitForLive(benChat)
    await benPage.evaluate(() => ((globalThis as unknown as { loadMark: number }).loadMark = 42))
    const tabs = benPage.getByRole('navigation', { name: 'Main' })
    t.equal(
      await tabs.getByRole('link', { name: 'Tasks' }).getAttribute('aria-current'),
      'page',
      'Tasks is a tab in the bottom bar, lit on the Tasks page',
    )

    // 2. The dispatcher posts a task with private details that needs a photo to finish.
    await dispatcher.goto('/tasks')
    await dispatcher.getByRole('link', { name: 'New task' }).click()
    await dispatcher.getByRole('heading', { level: 1, name: 'New task' }).waitFor()
    await dispatcher.getByLabel('What needs doing').fill(TITLE)
    await dispatcher
      .getByLabel('Details (optional)', { exact: true })
      .fill('The drawer sticks halfway. **Spare key** in the office.')
    await dispatcher.getByLabel('Private details (optional)').fill(SECRET)
    await dispatcher.getByLabel('Channel', { exact: true }).selectOption({ label: '#floor' })
    await dispatcher.getByRole('button', { name: 'High', exact: true }).click()
    t.equal(await dispatcher.getByLabel('Priority, 0 to 100').inputValue(), '70', 'the High preset sets 70')
    await dispatcher.getByRole('button', { name: 'Add an item' }).click()
    await dispatcher.getByRole('textbox', { name: 'Item 1' }).fill('Check the runners')
    await dispatcher.getByRole('switch', { name: /Photo needed to finish/ }).check()
    await dispatcher.getByRole('button', { name: 'Post task' }).click()
    await dispatcher.getByRole('heading', { level: 1, name: TITLE }).waitFor()
    const taskId = Number(new URL(dispatcher.url()).pathname.split('/').pop())
    t.ok(taskId > 0, 'the dispatcher lands on the new task’s page')
    t.match(
      await dispatcher.getByRole('region', { name: 'Private details' }).textContent(),
      SECRET,
      'the dispatcher sees the private details',
    )

    // 3. It appears on both workers' lists live, with a Take button and no private details.
    const annaRow = annaPage.locator('.task-row', { hasText: TITLE })
    const benRow = benPage.locator('.task-row', { hasText: TITLE })
    await annaRow.waitFor({ timeout: LIVE_MS })
    await benRow.waitFor({ timeout: LIVE_MS })
    t.ok(await benRow.getByRole('button', { name: 'Take' }).isVisible(), 'Ben’s row offers Take')
    t.match(await benRow.textContent(), /High/, 'the row shows the priority')
    const benCard = benChat.locator(`.task-card[data-task-id="${taskId}"]`)
    await benCard.waitFor({ timeout: LIVE_MS })
    t.ok(
      await benCard.getByRole('button', { name: 'Take' }).isVisible(),
      'the channel shows the task as a card with Take',
    )
    // Cara's phone loads the list while it can still take; its live connection never comes up.
    await caraPage.goto('/tasks')
    const caraRow = caraPage.locator('.task-row', { hasText: TITLE })
    await caraRow.getByRole('button', { name: 'Take' }).waitFor()

    // 4. Anna opens it, sees that the details are private, takes it and sees them at once.
    await annaRow.getByRole('link', { name: new RegExp(TITLE) }).click()
    await annaPage.getByRole('heading', { level: 1, name: TITLE }).waitFor()
    await annaPage.getByText('Private details go to whoever takes it').waitFor()
    t.notOk((await annaPage.content()).includes('0400 123 456'), 'before taking, Anna’s page holds no private details')
    await annaPage.getByRole('button', { name: 'Take' }).click()
    const annaPrivate = annaPage.getByRole('region', { name: 'Private details' })
    await annaPrivate.waitFor({ timeout: LIVE_MS })
    t.match(await annaPrivate.textContent(), SECRET, 'the winner sees the private details right after taking')
    await annaPage.getByRole('button', { name: 'Start' }).waitFor()

    // 5. Ben's Take turns into "Taken by Anna" without a reload, on his list and in the channel.
    await benRow.getByTestId('task-holder').filter({ hasText: 'Taken by Anna' }).waitFor({ timeout: LIVE_MS })
    t.equal(await benRow.getByRole('button', { name: 'Take' }).count(), 0, 'Ben’s row no longer offers Take')
    t.equal(
      await benPage.evaluate(() => (globalThis as unknown as { loadMark?: number }).loadMark),
      42,
      'it changed live, without reloading the page',
    )
    await benCard.getByTestId('task-holder').filter({ hasText: 'Taken by Anna' }).waitFor({ timeout: LIVE_MS })
    await benChat.getByText('Anna took this').waitFor({ timeout: LIVE_MS })
    t.pass('the channel card says "Taken by Anna" and a small line says "Anna took this"')

    // 6. Cara never heard: her late Take is answered with who has it.
    await caraRow.getByRole('button', { name: 'Take' }).click()
    await caraRow.getByRole('alert').filter({ hasText: 'Already taken by Anna.' }).waitFor()
    await caraRow.getByTestId('task-holder').filter({ hasText: 'Taken by Anna' }).waitFor()
    t.pass('a late Take says "Already taken by Anna." and the row shows who has it')

    // 7. Anna starts, ticks the checklist and says how it goes in the thread; the dispatcher sees it live.
    await annaPage.getByRole('button', { name: 'Start' }).click()
    await annaPage.getByRole('checkbox', { name: 'Check the runners' }).check()
    await annaPage.getByText('1 of 1 done').waitFor({ timeout: LIVE_MS })
    await annaPage.getByLabel('Reply', { exact: true }).fill('Runners were full of coins.')
    await annaPage.getByRole('button', { name: 'Send' }).click()
    await dispatcher.locator('.task-comment', { hasText: 'Runners were full of coins.' }).waitFor({ timeout: LIVE_MS })
    await dispatcher.getByText('1 of 1 done').waitFor({ timeout: LIVE_MS })
    t.pass('the checklist tick and the reply reach the dispatcher’s page live')

    // 8. Anna finishes: Done needs a photo, which she adds from the camera input.
    await annaPage.getByRole('button', { name: 'Done (photo)' }).click()
    const finish = annaPage.getByRole('dialog', { name: 'Finish the task' })
    await finish.waitFor()
    t.ok(
      await finish.getByRole('button', { name: 'Add a photo to finish' }).isDisabled(),
      'without a photo the Done button says so and cannot be pressed',
    )
    await finish.getByLabel('Note (optional)').fill('New runner fitted.')
    await finish
      .getByLabel('Take a photo')
      .setInputFiles({ name: 'till.png', mimeType: 'image/png', buffer: tinyPng(64, 48) })
    // Enabled once the photo is uploaded: a click waits for that.
    await finish.getByRole('button', { name: 'Mark done' }).click({ timeout: 15_000 })
    await finish.waitFor({ state: 'detached' })
    await annaPage.locator('.task-summary .task-state-done').waitFor({ timeout: LIVE_MS })
    await annaPage.getByText('You finished this').waitFor({ timeout: LIVE_MS })
    t.pass('Anna finishes with a photo')

    // 9. The dispatcher, still on the task's page, sees it done with the note and the photo, live.
    await dispatcher.locator('.task-summary .task-state-done').waitFor({ timeout: LIVE_MS })
    const doneLine = dispatcher.locator('.task-line', { hasText: 'Anna finished this' })
    await doneLine.waitFor({ timeout: LIVE_MS })
    t.match(await doneLine.textContent(), /New runner fitted\./, 'the done line carries the note')
    await dispatcher.waitForFunction(
      () => {
        const image = document.querySelector<HTMLImageElement>('.task-line-done img')
        return !!image && image.complete && image.naturalWidth > 0
      },
      undefined,
      { timeout: LIVE_MS },
    )
    t.pass('and the photo, loaded')
    await dispatcher.goto('/tasks/all')
    const allRow = dispatcher.locator('.task-row', { hasText: TITLE })
    await allRow.locator('.task-state-done').waitFor()
    t.pass('the dispatcher’s All list shows it done')

    t.notOk((await benPage.content()).includes('0400 123 456'), 'Ben’s list never held the private details')
    t.notOk((await benChat.content()).includes('0400 123 456'), 'nor did the channel')
    t.same(pageErrors, [], 'no script errors on any phone')
  })
}
