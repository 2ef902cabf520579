/**
 * Screenshots of the owner's operations pages (system, settings, erasing a member) with
 * realistic data, for design review. Not a test. Run after `npm run build:web`:
 *   npx tsx test/browser/system-screenshots.ts [outDir]
 * Writes to test-results/system by default.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildApp } from '../../server/app'
import { takeBackup } from '../../server/backup/service'
import { loadConfig } from '../../server/config'
import { CHROMIUM, CHROMIUM_ARGS as ARGS } from '../helpers/browser'

const root = path.join(import.meta.dirname, '..', '..')
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'test-results', 'system'))
const PHONE = { width: 360, height: 740 }
const DESKTOP = { width: 1280, height: 800 }
const PASSWORD = 'correct horse battery'
const DAY = 86_400_000

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-system-shots-'))
  const { app, ctx } = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    webRoot: path.join(root, 'dist', 'web'),
    logger: false,
    outboxPollMs: 50,
  })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  try {
    await seed(base, ctx)
    await run(browser, base, ctx)
  } finally {
    await browser.close()
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

type Ctx = Awaited<ReturnType<typeof buildApp>>['ctx']

async function api(base: string, method: string, url: string, cookie: string, body?: unknown) {
  const response = await fetch(base + url, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`)
  return { json: (await response.json()) as Record<string, unknown>, headers: response.headers }
}

const cookieOf = (headers: Headers) =>
  headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c?.includes('bb_session')) ?? ''

let ownerCookie = ''
let leaverId = 0

async function seed(base: string, ctx: Ctx): Promise<void> {
  const setup = await api(base, 'POST', '/api/setup', '', {
    shopName: 'Corner Bakery',
    timezone: 'Europe/London',
    displayName: 'Ana Nunes',
    username: 'ana',
    password: PASSWORD,
  })
  ownerCookie = cookieOf(setup.headers)
  await api(base, 'PATCH', '/api/settings', ownerCookie, {
    autoApprove: true,
    maxFileMb: 25,
    memberQuotaMb: 500,
    reminderIntervalMinutes: 240,
    retentionDays: 365,
  })
  const invite = await api(base, 'POST', '/api/invites', ownerCookie, { role: 'staff', expiresInHours: 24, maxUses: 5 })
  for (const [displayName, username] of [
    ['Maria Santos', 'maria'],
    ['Tom Becker', 'tom'],
  ]) {
    const joined = await api(base, 'POST', '/api/join', '', {
      code: invite.json.code,
      displayName,
      username,
      password: PASSWORD,
    })
    const me = await api(base, 'GET', '/api/me', cookieOf(joined.headers))
    const id = (me.json.member as { id: number }).id
    if (username === 'tom') {
      leaverId = id
      await api(base, 'PATCH', `/api/members/${id}`, ownerCookie, { jobTitle: 'Baker', phone: '+44 7700 900456' })
      await api(base, 'POST', `/api/members/${id}/deactivate`, ownerCookie)
    }
  }

  // Deliveries: push mostly works, Telegram has been failing.
  ctx.outbox.register('push', async (item) =>
    (item.payload as { n: number }).n % 7 === 0
      ? { kind: 'dead', error: '410 Gone: subscription expired' }
      : { kind: 'done' },
  )
  ctx.outbox.register('telegram', async () => ({ kind: 'dead', error: 'ETIMEDOUT api.telegram.org:443' }))
  await ctx.write(async (w) => {
    for (let n = 1; n <= 23; n++) await w.enqueue({ channel: 'push', idempotencyKey: `push-${n}`, payload: { n } })
    for (let n = 1; n <= 2; n++) await w.enqueue({ channel: 'telegram', idempotencyKey: `tg-${n}`, payload: { n } })
  })
  await new Promise((resolve) => setTimeout(resolve, 600))
  ctx.integrations.set('push', () => ({ name: 'Web Push', state: 'ok', detail: '6 phones subscribed' }))
  ctx.integrations.set('telegram', () => ({
    name: 'Telegram',
    state: 'failing',
    detail: 'Cannot reach api.telegram.org since 09:12. Messages wait in the queue.',
  }))
  ctx.integrations.set('xero', () => ({ name: 'Xero', state: 'not_set_up', detail: '' }))

  // A backup from three days ago: stale.
  await takeBackup({
    sqlite: ctx.sqlite,
    dataDir: ctx.config.dataDir,
    backupDir: ctx.config.backupDir,
    reason: 'daily',
    now: Date.now() - 3 * DAY,
    version: ctx.version,
  })
}

/** One screenshot per screenful, scrolling down the page as a person would (name-1.png, name-2.png…). */
async function shot(page: Page, name: string, isWholePage = true): Promise<void> {
  await page.waitForTimeout(300)
  const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
  if (Number(overflow) > 0) console.warn(`${name}: the page is ${String(overflow)} px wider than the screen`)
  if (!isWholePage) {
    const file = path.join(outDir, `${name}.png`)
    await page.screenshot({ path: file })
    console.log(file)
    return
  }
  const height = Number(await page.evaluate('document.documentElement.scrollHeight'))
  const screen = page.viewportSize()?.height ?? 740
  // Overlap a little, minus the tab bar, so nothing hides between two shots.
  const step = screen - 120
  for (let y = 0, n = 1; ; y += step, n++) {
    await page.evaluate(`window.scrollTo(0, ${y})`)
    await page.waitForTimeout(120)
    const file = path.join(outDir, `${name}-${n}.png`)
    await page.screenshot({ path: file })
    console.log(file)
    if (y + screen >= height) break
  }
  await page.evaluate('window.scrollTo(0, 0)')
}

async function signedIn(browser: Browser, base: string, viewport: { width: number; height: number }, dark = false) {
  const context = await browser.newContext({
    baseURL: base,
    viewport,
    deviceScaleFactor: viewport.width < 600 ? 2 : 1,
    isMobile: viewport.width < 600,
    hasTouch: viewport.width < 600,
    colorScheme: dark ? 'dark' : 'light',
    timezoneId: 'America/New_York',
  })
  const [name, value] = ownerCookie.split('=') as [string, string]
  await context.addCookies([{ name, value, url: base }])
  return context.newPage()
}

async function run(browser: Browser, base: string, ctx: Ctx): Promise<void> {
  for (const [label, viewport] of [
    ['360', PHONE],
    ['1280', DESKTOP],
  ] as const) {
    const page = await signedIn(browser, base, viewport)
    await page.goto('/system')
    await page.getByRole('heading', { name: 'Deliveries', exact: true }).waitFor()
    await shot(page, `system-${label}`)
    await page.goto('/settings')
    await page.getByLabel('Delete messages older than').waitFor()
    await shot(page, `settings-${label}`)
    await page.close()
  }

  // After "Back up now", with every delivery retried and no integrations: the calm state.
  const phone = await signedIn(browser, base, PHONE)
  await phone.goto('/system')
  await phone.getByRole('button', { name: 'Back up now' }).click()
  await phone.getByText(/Backup taken/).waitFor()
  ctx.integrations.clear()
  ctx.outbox.register('push', async () => ({ kind: 'done' }))
  ctx.outbox.register('telegram', async () => ({ kind: 'done' }))
  for (const item of await ctx.outbox.deadLetters(50)) await ctx.outbox.retry(item.id)
  await new Promise((resolve) => setTimeout(resolve, 500))
  await phone.getByRole('button', { name: 'Refresh' }).click()
  await phone.getByText('Everything looks fine').waitFor()
  await shot(phone, 'system-calm-360')

  // A nearly full disk, faked in the answer only.
  await phone.route('**/api/system', async (route) => {
    const response = await route.fetch()
    const body = (await response.json()) as { disk: { freeBytes: number; isLow: boolean } }
    body.disk.freeBytes = 640 * 1024 ** 2
    body.disk.isLow = true
    await route.fulfill({ response, json: body })
  })
  await phone.reload()
  await phone.getByText('The disk is almost full').waitFor()
  await shot(phone, 'system-low-disk-360', false)

  // Settings: a custom retention, and the confirmation.
  await phone.goto('/settings')
  await phone.getByLabel('Delete messages older than').selectOption('custom')
  await phone.getByLabel('Number of days').fill('120')
  await phone.locator('.settings-warning').scrollIntoViewIfNeeded()
  await shot(phone, 'settings-custom-retention-360', false)
  await phone.getByRole('button', { name: 'Save changes' }).click()
  await phone.getByRole('dialog').waitFor()
  await shot(phone, 'settings-retention-confirm-360', false)
  await phone.getByRole('button', { name: 'Cancel' }).click()

  // Erasing a former member.
  await phone.goto(`/members/${leaverId}`)
  await phone.getByRole('button', { name: 'Erase personal data' }).click()
  await phone.getByRole('dialog').waitFor()
  await shot(phone, 'erase-dialog-360', false)
  await phone.locator('label', { hasText: 'I understand that this cannot be undone' }).click()
  await phone.getByRole('dialog').getByRole('button', { name: 'Erase personal data' }).click()
  await phone
    .getByText(/Personal data erased/)
    .first()
    .waitFor()
  await shot(phone, 'erased-member-360')

  await phone.goto('/more')
  await phone
    .locator('#main')
    .getByText(/^Backboard \d/)
    .waitFor()
  await shot(phone, 'more-360')
  await phone.close()

  const dark = await signedIn(browser, base, PHONE, true)
  await dark.goto('/system')
  await dark.getByRole('heading', { name: 'Deliveries', exact: true }).waitFor()
  await shot(dark, 'system-dark-360')
  await dark.goto('/settings')
  await dark.getByLabel('Delete messages older than').waitFor()
  await shot(dark, 'settings-dark-360')
  await dark.close()

  const desk = await signedIn(browser, base, DESKTOP, true)
  await desk.goto('/system')
  await desk.getByRole('heading', { name: 'Deliveries', exact: true }).waitFor()
  await shot(desk, 'system-dark-1280')
  await desk.close()
}

await main()
