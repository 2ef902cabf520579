/**
 * Accessibility in a real browser against the real built app: axe-core audits every view at
 * 360 and 1280 px, in light and dark, and fails on any critical or serious violation; then
 * focused checks for what an audit cannot see (where focus goes, what is announced). Needs
 * `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import t from 'tap'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { App } from '../../server/shared/app-types'
import { bodyOf } from '../helpers/app'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'
import { as, createChannel, openDirect, pairDisplay, send } from '../helpers/chat'
import { seedBakery, type Bakery } from './wall-seed'

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const SIZES = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
]
const SCHEMES = ['light', 'dark'] as const

interface AxeNode {
  target: string[]
  failureSummary?: string
}
interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: AxeNode[]
}

/** Critical and serious violations on the page, one readable line each (rule, element, why). */
async function auditPage(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_PATH })
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown }> } }).axe
    return (await axe.run(document)).violations
  })
  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === 'critical' || violation.impact === 'serious')
    .flatMap((violation) =>
      violation.nodes.map(
        (node) =>
          `${violation.impact ?? ''} ${violation.id} (${violation.help}) at ${node.target.join(' ')}: ${
            node.failureSummary?.replace(/\s+/g, ' ') ?? ''
          }`,
      ),
    )
}

function newContext(browser: Browser, base: string, size: { width: number; height: number }, scheme: string) {
  const isPhone = size.width < 600
  return browser.newContext({
    baseURL: base,
    viewport: size,
    isMobile: isPhone,
    hasTouch: isPhone,
    colorScheme: scheme as 'light' | 'dark',
    timezoneId: 'Europe/London',
    // The app's CSP allows no inline script; axe is injected as one.
    bypassCSP: true,
  })
}

async function signedIn(context: BrowserContext, base: string, cookie: string): Promise<Page> {
  const [name = '', value = ''] = cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  return context.newPage()
}

/** Waits for the view to settle: its heading shown and no spinner left. */
async function settle(page: Page, ready: string): Promise<void> {
  await page.locator(ready).first().waitFor()
  await page.waitForFunction(() => !document.querySelector('.loading, .spinner'))
  await page.waitForTimeout(150)
}

interface Shop {
  bakery: Bakery
  channelId: number
  directId: number
  pageId: number
  inviteCode: string
  display: string
}

async function seedShop(app: App): Promise<Shop> {
  const bakery = await seedBakery(app)
  const { owner, maria, staff } = bakery
  const channelId = await createChannel(app, maria, 'bakery-floor', { members: [owner, ...staff] })
  await send(app, staff[0]!, channelId, 'Sourdough starter fed and back on the top shelf.')
  await send(app, owner, channelId, '## Today\n- Rye first\n- Then the **croissants**')
  const directId = await openDirect(app, owner, [maria])
  await send(app, maria, directId, 'Can you sign the delivery note?')
  await send(app, owner, directId, 'Signed it, on the desk.')
  const pages = bodyOf<{ id: number; title: string }[]>(await as(app, owner, 'GET', '/api/pages'))
  const invite = bodyOf<{ code: string }>(
    await as(app, owner, 'POST', '/api/invites', { role: 'staff', expiresInHours: 24, maxUses: 5 }),
  )
  const display = (await pairDisplay(app, maria)).cookie
  return {
    bakery,
    channelId,
    directId,
    pageId: pages.find((page) => page.title === 'Wi-Fi')?.id ?? 1,
    inviteCode: invite.code,
    display,
  }
}

// Eighty audits on two shared cores take longer than the default per-file limit.
t.setTimeout(900_000)

if (!isChromiumMissing(t)) {
  t.test('axe-core finds no critical or serious violation on any view', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const { app, base, browser } = await startAppAndBrowser(t, 'a11y-audit')
    const failures: string[] = []
    const audit = async (page: Page, view: string, ready: string) => {
      await settle(page, ready)
      for (const line of await auditPage(page)) failures.push(`${view}: ${line}`)
    }

    for (const size of SIZES) {
      for (const scheme of SCHEMES) {
        const context = await newContext(browser, base, size, scheme)
        const page = await context.newPage()
        await page.goto('/')
        await audit(page, `setup ${size.width} ${scheme}`, 'h1')
        await context.close()
      }
    }

    const shop = await seedShop(app)
    const owner = shop.bakery.owner
    const views: { view: string; path: string; ready: string; then?: (page: Page) => Promise<void> }[] = [
      { view: 'home', path: '/', ready: 'h1' },
      { view: 'board', path: '/board', ready: '.notice-card, article' },
      { view: 'chat list', path: '/chat', ready: '.conv-row' },
      {
        view: 'channel with a mention list',
        path: `/chat/${shop.channelId}`,
        ready: '.conv .msg',
        then: async (page) => {
          await page.getByLabel('Message', { exact: true }).fill('Thanks @')
          await page.getByRole('listbox', { name: 'People to mention' }).waitFor()
        },
      },
      { view: 'direct conversation', path: `/chat/${shop.directId}`, ready: '.conv .msg' },
      { view: 'search', path: '/search?q=oven', ready: '.search-hit' },
      { view: 'directory', path: '/directory', ready: 'h1' },
      { view: 'member page', path: `/members/${shop.bakery.maria.id}`, ready: 'h1' },
      { view: 'pages', path: '/pages', ready: 'h1' },
      { view: 'a page', path: `/pages/${shop.pageId}`, ready: 'h1' },
      { view: 'account', path: '/account', ready: 'h1' },
      { view: 'settings', path: '/settings', ready: 'h1' },
      { view: 'members', path: '/members', ready: 'h1' },
      { view: 'invites', path: '/members/invites', ready: 'h1' },
      { view: 'system', path: '/system', ready: 'h1' },
      { view: 'audit', path: '/audit', ready: '.audit-entry' },
      { view: 'telegram', path: '/telegram', ready: 'h1' },
      { view: 'displays', path: '/displays', ready: 'h1' },
      { view: 'customers', path: '/customers', ready: 'h1' },
      { view: 'customer settings', path: '/settings/customers', ready: 'form' },
      { view: 'xero', path: '/xero', ready: '.xero-method' },
    ]
    for (const size of SIZES) {
      for (const scheme of SCHEMES) {
        const where = `${size.width} ${scheme}`
        const context = await newContext(browser, base, size, scheme)
        const page = await signedIn(context, base, owner.cookie)
        for (const view of views) {
          await page.goto(view.path)
          await settle(page, view.ready)
          await view.then?.(page)
          await audit(page, `${view.view} ${where}`, view.ready)
        }
        await context.close()

        const stranger = await newContext(browser, base, size, scheme)
        const signedOut = await stranger.newPage()
        await signedOut.goto('/login')
        await audit(signedOut, `sign-in ${where}`, 'h1')
        await signedOut.getByRole('button', { name: 'Sign in' }).click()
        await audit(signedOut, `sign-in with errors ${where}`, '[aria-invalid="true"], .field-error, [role="alert"]')
        await signedOut.goto(`/join/${shop.inviteCode}`)
        await audit(signedOut, `join ${where}`, 'h1')
        await stranger.close()

        const screen = await newContext(browser, base, size, scheme)
        const wall = await signedIn(screen, base, shop.display)
        await wall.goto('/wall')
        await audit(wall, `wall ${where}`, '[data-testid="wall-notice"]')
        await screen.close()
      }
    }
    t.same(failures, [], 'no critical or serious violation')
  })
}

if (!isChromiumMissing(t)) {
  t.test('what an audit cannot see: roles, focus and announcements', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const { app, base, browser } = await startAppAndBrowser(t, 'a11y-focus')
    const shop = await seedShop(app)
    const { owner, maria } = shop.bakery
    const tom = shop.bakery.staff[0]!
    const announced = (page: Page) => page.getByTestId('announcer').textContent()

    // The message box is a combobox whose active option is announced.
    const desk = await newContext(browser, base, SIZES[1]!, 'light')
    const page = await signedIn(desk, base, owner.cookie)
    await page.goto(`/chat/${shop.channelId}`)
    await settle(page, '.conv .msg')
    const box = page.getByRole('combobox', { name: 'Message' })
    t.equal(await box.getAttribute('aria-expanded'), 'false', 'the message box is a combobox, closed')
    await box.fill('Thanks @')
    await page.getByRole('listbox', { name: 'People to mention' }).waitFor()
    t.equal(await box.getAttribute('aria-expanded'), 'true', 'typing @ opens its list')
    const active = (await box.getAttribute('aria-activedescendant')) ?? ''
    t.equal(await page.locator(`[id="${active}"][role="option"]`).count(), 1, 'the active option exists')
    await box.fill('')

    // Each message's action button has its own name; my own messages say who wrote them.
    const names = await page.locator('.msg-more').evaluateAll((buttons) => buttons.map((b) => b.ariaLabel ?? ''))
    t.equal(new Set(names).size, names.length, 'no two message action buttons share a name')
    t.match(
      names.join('\n'),
      /from Tom Becker at \d{1,2}:\d{2}\s?[AP]?M?: Sourdough starter fed/,
      'the name has time and words',
    )
    t.equal(await page.locator('.msg-mine').first().locator('.visually-hidden').textContent(), 'You:', 'mine say "You"')
    t.match(names.join('\n'), /from you at [^:]+:\d{2}[^:]*: Today Rye first/, 'Markdown marks are left out')

    // "Skip to content" moves focus to the main region.
    await page.goto('/directory')
    await settle(page, 'h1')
    await page.keyboard.press('Tab')
    t.equal(
      await page.evaluate(() => document.activeElement?.className),
      'skip-link',
      'Tab first reaches the skip link',
    )
    await page.keyboard.press('Enter')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'the skip link moves focus to main')

    // A message in another conversation and a new notice are announced.
    await send(app, maria, shop.directId, 'The flour order is in.')
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="announcer"]')?.textContent?.includes('The flour order'),
    )
    t.equal(await announced(page), 'New message from Maria Santos: The flour order is in.', 'a new message is read out')
    await send(app, maria, shop.channelId, 'Oven 3 is hot.')
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="announcer"]')?.textContent?.includes('Oven 3'),
    )
    t.equal(await announced(page), 'New message from Maria Santos in #bakery-floor: Oven 3 is hot.', 'with the channel')
    await as(app, maria, 'POST', '/api/notices', {
      title: 'Till 2 is closed',
      body: 'Use till 1.',
      clientKey: 'a11y-notice-1',
    })
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="announcer"]')?.textContent?.includes('Till 2'),
    )
    t.equal(await announced(page), 'New notice from Maria Santos: Till 2 is closed', 'a new notice is read out')
    await desk.close()

    // Acknowledging keeps focus on the notice and says so; the button comes before the photo.
    const phone = await newContext(browser, base, SIZES[0]!, 'light')
    const staff = await signedIn(phone, base, tom.cookie)
    await staff.goto('/board')
    const card = staff.locator('article', {
      has: staff.getByRole('heading', { name: 'Allergen cards on every deli tray' }),
    })
    await card.waitFor()
    const button = card.getByRole('button', { name: 'I’ve read this' })
    const photo = card.locator('img').first()
    await photo.waitFor()
    t.ok(
      ((await button.boundingBox())?.y ?? Infinity) < ((await photo.boundingBox())?.y ?? 0),
      '"I’ve read this" comes before the photo',
    )
    await button.click()
    await card.getByText(/^Acknowledged \d/).waitFor()
    // Focus moves after the card has drawn its new state: wait for it rather than race it.
    await staff
      .waitForFunction(() => document.activeElement?.classList.contains('notice-acked'), undefined, { timeout: 10_000 })
      .catch(() => undefined)
    t.equal(
      await staff.evaluate(() => document.activeElement?.className),
      'notice-acked',
      'focus stays on the notice, not the page body',
    )
    await staff.waitForFunction(() => document.querySelector('[data-testid="announcer"]')?.textContent?.includes('Ack'))
    t.match(await announced(staff), /^Acknowledged \d/, 'the acknowledgement is announced in the one live region')
    await phone.close()

    // At 200% zoom a 1280 × 800 screen is 640 × 400 CSS pixels: no Tab stop may land under
    // the fixed tab bar or the floating button, where nobody can see it.
    const zoomed = await newContext(browser, base, { width: 640, height: 400 }, 'light')
    const board = await signedIn(zoomed, base, owner.cookie)
    const hidden: string[] = []
    for (const where of ['/board', '/directory']) {
      await board.goto(where)
      await settle(board, 'h1')
      for (let stop = 0; stop < 60; stop++) {
        await board.keyboard.press('Tab')
        const covered = await board.evaluate(() => {
          const focused = document.activeElement
          if (!focused || focused === document.body) return null
          const covers = Array.from(document.querySelectorAll('.tabbar, .page-primary, .chat-fab')).filter(
            (cover) => !cover.contains(focused) && getComputedStyle(cover).display !== 'none',
          )
          const box = focused.getBoundingClientRect()
          const isCovered = covers.some((cover) => {
            const over = cover.getBoundingClientRect()
            return box.bottom > over.top && box.top < over.bottom && box.right > over.left && box.left < over.right
          })
          return isCovered ? `${focused.tagName} ${focused.textContent?.trim().slice(0, 30) ?? ''}` : null
        })
        if (covered) hidden.push(`${where}: ${covered}`)
      }
    }
    t.same(hidden, [], 'every Tab stop is visible at 200% zoom')
    await zoomed.close()

    // Sign-in errors mark the fields and point them at the message; signed-out pages have a main landmark.
    const stranger = await newContext(browser, base, SIZES[0]!, 'light')
    const signIn = await stranger.newPage()
    await signIn.goto('/login')
    await signIn.getByLabel('Username').fill('ana')
    await signIn.getByLabel('Password', { exact: true }).fill('not the password at all')
    await signIn.getByRole('button', { name: 'Sign in' }).click()
    const error = signIn.locator('.form-error')
    await error.waitFor()
    const errorId = (await error.getAttribute('id')) ?? 'none'
    for (const label of ['Username', 'Password']) {
      const field = signIn.getByLabel(label, { exact: true })
      t.equal(await field.getAttribute('aria-invalid'), 'true', `${label} is marked invalid`)
      t.match((await field.getAttribute('aria-describedby')) ?? '', errorId, `${label} is described by the error`)
    }
    t.equal(await signIn.getByRole('main').count(), 1, 'the sign-in page has a main landmark')
    await signIn.goto(`/join/${shop.inviteCode}`)
    await settle(signIn, 'h1')
    t.equal(await signIn.getByRole('main').count(), 1, 'the join page has a main landmark')
    await stranger.close()
  })
}
