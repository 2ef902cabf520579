/**
 * Nothing in the app is wider than a 360 px phone: every view, as the owner and as staff
 * (and the wall), in a real browser against the real built app, with a bakery's realistic
 * content. A page wider than the screen pushes the tab bar off and cuts fields; the
 * failure names each element that sticks out. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import type { App } from '../../server/shared/app-types'
import { bodyOf, type SignedInMember } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { as, createChannel, newClientKey, openDirect, pairDisplay, send } from '../helpers/chat'
import { seedBakery, type Bakery } from './wall-seed'

const PHONE = { width: 360, height: 740 }
const SHOTS = path.join(import.meta.dirname, '..', '..', 'test-results')

interface View {
  view: string
  path: string
  ready: string
  then?: (page: Page) => Promise<void>
  /** Saved to test-results/ as this name (docs/screenshots/ keeps the reviewed copies). */
  shot?: string
}

/**
 * Elements whose right edge is beyond the screen and that nothing clips (a row that scrolls
 * sideways on purpose clips its children), outermost first, as short selectors.
 */
function overflowing(width: number): { scrollWidth: number; offenders: string[] } {
  const describe = (element: Element): string => {
    const id = element.id ? `#${element.id}` : ''
    const classes = Array.from(element.classList)
      .map((name) => `.${name}`)
      .join('')
    return `${element.tagName.toLowerCase()}${id}${classes}`
  }
  const isClipped = (element: Element): boolean => {
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      const style = getComputedStyle(parent)
      if (style.overflowX !== 'visible' && parent.getBoundingClientRect().right <= width + 0.5) return true
    }
    return false
  }
  const offenders: string[] = []
  const reported = new Set<Element>()
  for (const element of Array.from(document.body.querySelectorAll('*'))) {
    const rect = element.getBoundingClientRect()
    if (rect.width === 0 || rect.height === 0 || rect.right <= width + 0.5) continue
    if (getComputedStyle(element).visibility === 'hidden' || isClipped(element)) continue
    if (element.parentElement && reported.has(element.parentElement)) {
      reported.add(element)
      continue
    }
    reported.add(element)
    const parent = element.parentElement ? `${describe(element.parentElement)} > ` : ''
    offenders.push(`${parent}${describe(element)} (right edge ${Math.round(rect.right)} px)`)
  }
  return { scrollWidth: document.documentElement.scrollWidth, offenders }
}

async function settle(page: Page, ready: string): Promise<void> {
  await page.locator(ready).first().waitFor({ timeout: 15_000 })
  await page.waitForFunction(() => !document.querySelector('.loading, .spinner'))
  await page.waitForTimeout(200)
}

async function phoneAs(browser: Browser, base: string, cookie: string): Promise<Page> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    timezoneId: 'Europe/London',
  })
  const [name = '', value = ''] = cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  // tsx names the inner functions of `overflowing` with a helper the page does not have.
  await context.addInitScript('globalThis.__name = (fn) => fn')
  return context.newPage()
}

interface Shop {
  bakery: Bakery
  channelId: number
  directId: number
  staffDirectId: number
  pageId: number
  display: string
  taskId: number
}

async function seedShop(app: App): Promise<Shop> {
  const bakery = await seedBakery(app)
  const { owner, maria, staff } = bakery
  const channelId = await createChannel(app, maria, 'deliveries-and-suppliers-for-the-weekend', {
    members: [owner, ...staff],
  })
  await send(app, staff[0] as SignedInMember, channelId, 'Sourdough starter fed and back on the top shelf.')
  await send(
    app,
    owner,
    channelId,
    '## Today\n- Rye first\n- Then the **croissants**\n\nhttps://example.com/a/very/long/link/that/never/breaks/anywhere/at/all',
  )
  const directId = await openDirect(app, owner, [maria])
  await send(app, maria, directId, 'Can you sign the delivery note?')
  const staffDirectId = await openDirect(app, staff[0] as SignedInMember, [maria])
  await send(app, maria, staffDirectId, 'Can you take the early delivery on Saturday?')
  const pages = bodyOf<{ id: number; title: string }[]>(await as(app, owner, 'GET', '/api/pages'))
  const display = (await pairDisplay(app, maria)).cookie
  // Tasks have their own channel: the channel above must keep its latest message for the list test.
  const jobsId = await createChannel(app, owner, 'jobs', { members: [maria, ...staff] })
  const postTask = async (input: Record<string, unknown>) =>
    bodyOf<{ id: number }>(
      await as(app, owner, 'POST', '/api/tasks', {
        conversationId: jobsId,
        clientKey: newClientKey('task'),
        ...input,
      }),
    ).id
  const taskId = await postTask({
    title: 'Fix the till drawer and the receipt printer that jams every single morning before opening',
    details: 'See https://example.com/a/very/long/link/to/the/till/manual/that/never/breaks/anywhere/at/all',
    privateDetails: 'Engineer: Mrs Patel, 07700 900123, https://example.com/another/very/long/unbroken/link',
    priority: 85,
    dueAt: Date.now() + 3_600_000,
    checklist: ['Empty the drawer and count the float twice over before anything else', 'Test with a sale'],
  })
  const [anna, ben] = staff as [SignedInMember, SignedInMember]
  const taken = await as(app, anna, 'POST', `/api/tasks/${taskId}/take`)
  if (taken.statusCode !== 200) throw new Error(`take failed: ${taken.body}`)
  const doneId = await postTask({ title: 'Sweep the yard', priority: 10 })
  await as(app, ben, 'POST', `/api/tasks/${doneId}/take`)
  const done = await as(app, ben, 'POST', `/api/tasks/${doneId}/done`, {
    note: 'Swept, and the bins by the gate are full: https://example.com/a/very/long/link/about/the/bins/that/never/breaks',
  })
  if (done.statusCode !== 200) throw new Error(`done failed: ${done.body}`)
  await postTask({
    title: 'Restock the napkins, the paper cups and the wooden stirrers by the coffee machine',
    priority: 40,
  })
  return {
    bakery,
    channelId,
    directId,
    staffDirectId,
    pageId: pages.find((page) => page.title === 'Wi-Fi')?.id ?? 1,
    display,
    taskId,
  }
}

const openFilters = async (page: Page) => {
  await page.locator('.search-filters-toggle').click()
  await page.locator('#search-filters input[type="date"]').first().waitFor()
}

if (!isChromiumMissing(t)) {
  t.test('no view is wider than a 360 px phone, for the owner, for staff and on the wall', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    t.setTimeout(600_000)
    fs.mkdirSync(SHOTS, { recursive: true })
    const { app, base, browser } = await startAppAndBrowser(t, 'no-overflow')
    const shop = await seedShop(app)
    const everyone = (directId: number): View[] => [
      { view: 'home', path: '/', ready: 'h1' },
      { view: 'board', path: '/board', ready: 'article' },
      { view: 'chat list', path: '/chat', ready: '.conv-row', shot: 'chat-list-360' },
      { view: 'channel', path: `/chat/${shop.channelId}`, ready: '.conv .msg' },
      { view: 'direct conversation', path: `/chat/${directId}`, ready: '.conv .msg' },
      {
        view: 'search with filters open',
        path: '/search?q=oven',
        ready: '.search-hit',
        then: openFilters,
        shot: 'search-filters-360',
      },
      { view: 'directory', path: '/directory', ready: 'h1' },
      { view: 'member page', path: `/members/${shop.bakery.maria.id}`, ready: 'h1' },
      { view: 'pages', path: '/pages', ready: 'h1' },
      { view: 'a page', path: `/pages/${shop.pageId}`, ready: 'h1' },
      { view: 'account and notifications', path: '/account', ready: 'h1' },
      { view: 'more', path: '/more', ready: 'h1' },
      { view: 'tasks open to me', path: '/tasks', ready: '.task-row' },
      { view: 'my tasks', path: '/tasks/mine', ready: '.task-segments' },
      { view: 'next task', path: '/tasks/next', ready: '.task-next' },
      { view: 'done tasks', path: '/tasks/done', ready: '.task-segments' },
      { view: 'a task', path: `/tasks/${shop.taskId}`, ready: '.task-thread' },
    ]
    const ownerOnly: View[] = [
      { view: 'new notice', path: '/board/new', ready: 'h1' },
      { view: 'page editor', path: `/pages/${shop.pageId}/edit`, ready: 'textarea' },
      { view: 'new page', path: '/pages/new', ready: 'textarea' },
      { view: 'members', path: '/members', ready: 'h1' },
      { view: 'invites', path: '/members/invites', ready: 'h1' },
      { view: 'settings', path: '/settings', ready: 'h1' },
      { view: 'system', path: '/system', ready: 'h1' },
      { view: 'audit', path: '/audit', ready: 'h1' },
      { view: 'telegram', path: '/telegram', ready: 'h1' },
      { view: 'displays', path: '/displays', ready: 'h1' },
      { view: 'all tasks', path: '/tasks/all', ready: '.task-row' },
      { view: 'new task', path: '/tasks/new', ready: 'form' },
      { view: 'customers inbox', path: '/customers', ready: 'h1' },
      { view: 'customer settings', path: '/settings/customers', ready: 'form' },
      { view: 'xero', path: '/xero', ready: '.xero-method' },
    ]
    const failures: string[] = []
    const check = async (page: Page, label: string) => {
      const found = await page.evaluate(overflowing, PHONE.width)
      if (found.scrollWidth > PHONE.width || found.offenders.length) {
        failures.push(
          `${label}: page ${found.scrollWidth} px wide; ${found.offenders.join('; ') || 'no element named'}`,
        )
      }
    }
    const visits: [string, string, View[]][] = [
      ['owner', shop.bakery.owner.cookie, [...everyone(shop.directId), ...ownerOnly]],
      ['staff', (shop.bakery.staff[0] as SignedInMember).cookie, everyone(shop.staffDirectId)],
    ]
    for (const [who, cookie, views] of visits) {
      const page = await phoneAs(browser, base, cookie)
      for (const view of views) {
        await page.goto(view.path)
        try {
          await settle(page, view.ready)
          await view.then?.(page)
        } catch (error) {
          await page.screenshot({ path: path.join(WEB_ROOT, '..', '..', 'test-results', 'no-overflow-failed.png') })
          throw new Error(`${view.view} as ${who} did not show ${view.ready}: ${String(error)}`)
        }
        await check(page, `${view.view} as ${who}`)
        if (who === 'owner' && view.shot) await page.screenshot({ path: path.join(SHOTS, `${view.shot}.png`) })
      }
      await page.context().close()
    }
    t.same(failures, [], 'nothing sticks out of a 360 px screen')

    // The chat list shows each conversation's latest message, and keeps it live.
    const page = await phoneAs(browser, base, shop.bakery.owner.cookie)
    await page.goto('/chat')
    const direct = page.locator(`.conv-row[data-conversation-id="${shop.directId}"]`)
    await direct.locator('.conv-row-preview', { hasText: 'Can you sign the delivery note?' }).waitFor()
    t.pass("a direct conversation's row shows the other person's latest message")
    const channel = page.locator(`.conv-row[data-conversation-id="${shop.channelId}"]`)
    t.match(await channel.locator('.conv-row-preview').textContent(), /^You: Today Rye first/, 'mine read "You: …"')
    await send(app, shop.bakery.maria, shop.directId, 'The **van** is here')
    await direct.locator('.conv-row-preview', { hasText: 'The van is here' }).waitFor()
    const named = page.getByRole('link', { name: /Maria Santos.*The van is here/ })
    t.equal(await named.count(), 1, 'the row is named with its preview')
    t.equal(await direct.getByTestId('unread-badge').textContent(), '1', 'and counts it unread, live')
    await page.context().close()
    failures.length = 0

    const wall = await phoneAs(browser, base, shop.display)
    await wall.goto('/wall')
    await settle(wall, '[data-testid="wall-notice"]')
    await check(wall, 'wall')
    await wall.context().close()
    t.same(failures, [], 'the wall fits a 360 px screen too')
  })
}
