/**
 * Offline, in Chromium against the real built app: a reload without a connection shows the
 * signed-in app from the service worker's copies (board, chats, pages, directory, tasks) with
 * an "offline" banner, and the app catches up by itself when the connection returns. What was
 * kept belongs to one member: the next member signing in on the phone never sees it.
 * Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { BrowserContext, Page } from 'playwright-core'
import { bodyOf, createMember, setupOwner } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { as, createChannel, newClientKey, send } from '../helpers/chat'

const OFFLINE_BANNER = 'Offline — showing what was last loaded'
const SECRET = 'The float is 212 pounds, safe code 4471'

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** Every URL and body the service worker keeps, as the page's own Cache API sees them. */
function cachedData(page: Page): Promise<{ url: string; body: string }[]> {
  return page.evaluate(async () => {
    const found: { url: string; body: string }[] = []
    for (const name of await caches.keys()) {
      if (!name.startsWith('backboard-data')) continue
      const cache = await caches.open(name)
      for (const request of await cache.keys())
        found.push({ url: request.url, body: (await (await cache.match(request))?.text()) ?? '' })
    }
    return found
  })
}

async function waitForControl(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10_000 })
}

async function goOffline(context: BrowserContext, page: Page): Promise<void> {
  await context.setOffline(true)
  await page.reload()
}

if (!isChromiumMissing(t)) {
  t.test('offline, a reload shows the last data, and the app catches up when back online', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const { app, base, browser } = await startAppAndBrowser(t, 'offline-reload')
    // Service workers need a secure context: localhost is one.
    const origin = base.replace('127.0.0.1', 'localhost')
    const owner = await setupOwner(app, { displayName: 'Olive Owner' })
    const bea = await createMember(app, owner.cookie, { displayName: 'Bea Baker', username: 'bea' })
    const cal = await createMember(app, owner.cookie, { displayName: 'Cal Cook', username: 'cal' })
    const notice = await as(app, owner, 'POST', '/api/notices', {
      title: 'Deep clean of the ovens on Friday',
      body: 'Everything off the racks by six.',
      clientKey: newClientKey('notice'),
    })
    t.equal(notice.statusCode, 201, 'a notice is pinned')
    const takingsId = await createChannel(app, owner, 'takings', { isPrivate: true, members: [bea] })
    await send(app, bea, takingsId, SECRET)
    const jobsId = await createChannel(app, owner, 'jobs', { members: [bea, cal] })
    const task = await as(app, owner, 'POST', '/api/tasks', {
      conversationId: jobsId,
      title: 'Mend the walk-in fridge door',
      clientKey: newClientKey('task'),
    })
    t.equal(task.statusCode, 201, 'a task is posted')
    const taskId = bodyOf<{ id: number }>(task).id
    const created = await as(app, owner, 'POST', '/api/pages', {
      title: 'Opening the shop',
      section: 'Shop basics',
      body: 'Alarm first, then the lights by the back door.',
    })
    t.equal(created.statusCode, 201, 'an info page is written')
    const infoPage = bodyOf<{ id: number; title: string }>(created)

    // Bea's first visit: the worker takes over after the page loaded, yet a reload offline opens.
    const beaContext = await browser.newContext({ baseURL: origin, viewport: { width: 360, height: 740 } })
    const beaPage = await beaContext.newPage()
    await beaPage.goto('/')
    await signIn(beaPage, bea.username, bea.password)
    await beaPage.getByRole('heading', { level: 1, name: /Bea$/ }).waitFor()
    await waitForControl(beaPage)
    await beaPage.waitForFunction(
      async () => (await caches.match('/api/me')) !== undefined && (await caches.match('/api/setup')) !== undefined,
      null,
      { timeout: 10_000 },
    )
    await beaPage.waitForLoadState('networkidle')
    await goOffline(beaContext, beaPage)
    await beaPage.getByText(OFFLINE_BANNER).waitFor()
    // The banner can show before the page's own chunk (from the worker's cache) has rendered.
    const home = beaPage.getByRole('heading', { level: 1, name: /Bea$/ })
    t.ok(
      await home.waitFor({ timeout: 10_000 }).then(
        () => true,
        () => false,
      ),
      'her home opens offline',
    )
    t.equal(await beaPage.getByText('Backboard is not answering').count(), 0, 'not "not answering"')
    await beaContext.close()

    const context = await browser.newContext({ baseURL: origin, viewport: { width: 360, height: 740 }, isMobile: true })
    const page = await context.newPage()

    await page.goto('/')
    await signIn(page, owner.username, owner.password)
    await page.getByRole('heading', { level: 1, name: /Olive$/ }).waitFor()
    await waitForControl(page)

    // Online, the member looks around: each screen's reads are kept as they load.
    await page.goto('/board')
    await page.getByText('Deep clean of the ovens on Friday').first().waitFor()
    await page.goto('/chat')
    await page.getByText('takings').first().waitFor()
    await page.goto(`/chat/${takingsId}`)
    await page.getByText(SECRET, { exact: true }).waitFor()
    await page.goto('/directory')
    await page.getByText('Bea Baker').first().waitFor()
    await page.goto('/pages')
    await page.getByText(infoPage.title).first().waitFor()
    await page.goto(`/pages/${infoPage.id}`)
    await page.getByRole('heading', { level: 1, name: infoPage.title }).waitFor()
    await page.goto('/tasks')
    await page.getByText('Mend the walk-in fridge door').first().waitFor()
    await page.goto(`/tasks/${taskId}`)
    await page.getByRole('heading', { name: 'Mend the walk-in fridge door' }).first().waitFor()
    await page.waitForLoadState('networkidle')

    // Offline: every screen opens from the copies, under the banner.
    await page.goto('/board')
    await page.getByText('Deep clean of the ovens on Friday').first().waitFor()
    await goOffline(context, page)
    await page.getByText('Deep clean of the ovens on Friday').first().waitFor()
    await page.getByText(OFFLINE_BANNER).waitFor()
    t.pass('the board shows its pinned notice offline, with the banner')
    t.equal(await page.getByText('Backboard is not answering').count(), 0, 'and no "not answering" screen')
    await page.goto(`/chat/${takingsId}`)
    await page.getByText(SECRET, { exact: true }).waitFor()
    t.pass('the conversation shows its messages offline')
    await page.goto('/chat')
    await page.getByText('takings').first().waitFor()
    t.pass('the chat list opens offline')
    await page.goto('/directory')
    await page.getByText('Bea Baker').first().waitFor()
    t.pass('the directory opens offline')
    await page.goto(`/pages/${infoPage.id}`)
    await page.getByRole('heading', { level: 1, name: infoPage.title }).waitFor()
    t.pass('an info page opens offline')
    await page.goto('/tasks')
    await page.getByText('Mend the walk-in fridge door').first().waitFor()
    await page.goto(`/tasks/${taskId}`)
    await page.getByRole('heading', { name: 'Mend the walk-in fridge door' }).first().waitFor()
    t.pass('the tasks list and a task open offline')

    // Back online, without a reload: the banner goes and what was said meanwhile appears.
    await page.goto(`/chat/${takingsId}`)
    await page.getByText(SECRET, { exact: true }).waitFor()
    await page.getByText(OFFLINE_BANNER).waitFor()
    await page.evaluate(() => {
      ;(window as unknown as { marker?: string }).marker = 'offline page'
    })
    await send(app, bea, takingsId, 'Counted again, it was 213')
    await context.setOffline(false)
    await page.getByText('Counted again, it was 213', { exact: true }).waitFor({ timeout: 15_000 })
    await page.getByText(OFFLINE_BANNER).waitFor({ state: 'detached', timeout: 15_000 })
    t.equal(
      await page.evaluate(() => (window as unknown as { marker?: string }).marker ?? null),
      'offline page',
      'the message sent meanwhile arrived and the banner went, without a reload',
    )

    // Olive signs out; Cal signs in on the same phone and goes offline.
    await page.goto('/account')
    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    t.same(await cachedData(page), [], 'signing out empties the kept data')
    await signIn(page, cal.username, cal.password)
    await page.getByRole('heading', { level: 1, name: /Cal$/ }).waitFor()
    await page.goto('/chat')
    await page.getByRole('heading', { level: 1 }).first().waitFor()
    await page.waitForLoadState('networkidle')
    await goOffline(context, page)
    await page.getByText(OFFLINE_BANNER).waitFor()
    t.equal(await page.getByText('takings').count(), 0, "Cal's chat list offline shows no channel of Olive's")
    await page.goto(`/chat/${takingsId}`)
    await page.waitForLoadState('domcontentloaded')
    await page.waitForTimeout(1000)
    t.equal(await page.getByText(SECRET).count(), 0, "Olive's private messages are not shown to Cal offline")
    const kept = await cachedData(page)
    t.ok(kept.length > 0, "Cal's own reads are kept")
    t.notOk(
      kept.some((entry) => entry.body.includes(SECRET) || entry.url.includes(`/api/conversations/${takingsId}`)),
      'nothing kept is from Olive’s session',
    )
    t.notOk(
      kept.some((entry) => entry.body.includes('"username":"olive"') && entry.url.endsWith('/api/me')),
      'the kept /api/me is Cal’s',
    )
    await context.setOffline(false)
    await context.close()
  })
}
