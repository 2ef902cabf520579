/**
 * Takes screenshots of the main pages with realistic data, for design review and the
 * README. Not a test. Run after `npm run build:web`:
 *   npx tsx test/browser/take-screenshots.ts [outDir] [--readme]
 * With --readme it also writes docs/screenshot.png (desktop and phone side by side).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, request as apiRequest, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { CHROMIUM, CHROMIUM_ARGS as ARGS } from '../helpers/browser'

const root = path.join(import.meta.dirname, '..', '..')
const args = process.argv.slice(2)
const isReadme = args.includes('--readme')
const outDir = path.resolve(args.find((arg) => !arg.startsWith('--')) ?? path.join(os.tmpdir(), 'backboard-shots'))
const PHONE = { width: 360, height: 740 }
const DESKTOP = { width: 1280, height: 800 }
const PASSWORD = 'correct horse battery'

const people = [
  { displayName: 'Maria Santos', username: 'maria', jobTitle: 'Shift lead', phone: '+44 7700 900123', approve: true },
  { displayName: 'Tom Becker', username: 'tom', jobTitle: 'Baker', phone: '+44 7700 900456', approve: true },
  { displayName: 'Aisha Khan', username: 'aisha', jobTitle: 'Till', phone: '', approve: true },
  { displayName: 'Liam O’Connor', username: 'liam', jobTitle: 'Deliveries', phone: '+44 7700 900789', approve: true },
  { displayName: 'Chen Wei', username: 'chen', jobTitle: 'Pastry chef', phone: '', approve: true },
  { displayName: 'Sofia Rossi', username: 'sofia', jobTitle: '', phone: '', approve: false },
  { displayName: 'Jamal Ahmed', username: 'jamal', jobTitle: '', phone: '', approve: false },
]

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-shots-'))
  const { app } = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    webRoot: path.join(root, 'dist', 'web'),
    logger: false,
  })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  try {
    await run(browser, address)
  } finally {
    await browser.close()
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(250)
  const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
  if (Number(overflow) > 0) console.warn(`${name}: the page is ${String(overflow)} px wider than the screen`)
  const file = path.join(outDir, `${name}.png`)
  await page.screenshot({ path: file })
  if (process.env.FULL_PAGE) await page.screenshot({ path: file.replace(/\.png$/, '-full.png'), fullPage: true })
  console.log(file)
}

async function newContext(browser: Browser, base: string, viewport: { width: number; height: number }, dark = false) {
  return browser.newContext({
    baseURL: base,
    viewport,
    deviceScaleFactor: viewport.width < 600 ? 2 : 1,
    isMobile: viewport.width < 600,
    hasTouch: viewport.width < 600,
    colorScheme: dark ? 'dark' : 'light',
    timezoneId: 'Europe/London',
  })
}

async function signIn(context: BrowserContext, username: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto('/')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: /Good (morning|afternoon|evening)/ }).waitFor()
  return page
}

async function run(browser: Browser, base: string): Promise<void> {
  // Setup, on a phone.
  const phone = await newContext(browser, base, PHONE)
  const page = await phone.newPage()
  await page.goto('/')
  await page.getByRole('heading', { name: 'Set up Backboard' }).waitFor()
  await shot(page, 'setup-360')
  await page.getByLabel('Shop name').fill('Corner Bakery')
  await page.getByLabel('Timezone').selectOption('Europe/London')
  await page.getByLabel('Your name').fill('Ana Nunes')
  await page.getByLabel('Username').fill('ana')
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Create the shop' }).click()
  await page.getByRole('heading', { level: 1, name: /Ana/ }).waitFor()
  await shot(page, 'home-empty-360')

  // People join through an invite; most are approved.
  const owner = phone.request
  const invite = (await (
    await owner.post('/api/invites', { data: { role: 'staff', expiresInHours: 168, maxUses: 20 } })
  ).json()) as {
    code: string
  }
  for (const person of people) {
    const visitor = await apiRequest.newContext({ baseURL: base })
    await visitor.post('/api/join', {
      data: { code: invite.code, displayName: person.displayName, username: person.username, password: PASSWORD },
    })
    await visitor.dispose()
  }
  const members = (await (await owner.get('/api/members')).json()) as { id: number; username: string }[]
  for (const person of people) {
    const member = members.find((m) => m.username === person.username)
    if (!member) continue
    if (person.approve) await owner.post(`/api/members/${member.id}/approve`)
    if (person.jobTitle || person.phone) {
      await owner.patch(`/api/members/${member.id}`, { data: { jobTitle: person.jobTitle, phone: person.phone } })
    }
  }
  const maria = members.find((m) => m.username === 'maria')
  if (maria) await owner.put(`/api/members/${maria.id}/access`, { data: { role: 'manager' } })
  await owner.patch('/api/members/1', { data: { jobTitle: 'Owner', phone: '+44 7700 900001' } })
  await owner.post('/api/invites', { data: { role: 'manager', expiresInHours: 72, maxUses: 1 } })

  await page.goto('/')
  await page.getByText('Your team: 6 people').waitFor()
  await shot(page, 'home-360')
  await page.goto('/members')
  await page.getByText('Tom Becker').waitFor()
  await shot(page, 'members-360')
  await page.getByRole('button', { name: 'Invite', exact: true }).click()
  await page.getByRole('button', { name: 'Create invite' }).click()
  await page.getByTestId('invite-ready').waitFor()
  await shot(page, 'invite-qr-360')
  await page.getByRole('button', { name: 'Done' }).click()
  await page.goto('/members/invites')
  await page.getByRole('heading', { name: 'Shop join code' }).waitFor()
  await shot(page, 'invites-360')
  await page
    .getByRole('link', { name: /Tom Becker/ })
    .first()
    .waitFor({ state: 'detached' })
    .catch(() => undefined)
  await page.goto(`/members/${members.find((m) => m.username === 'tom')?.id ?? 2}`)
  await page.getByText('Role and permissions').waitFor()
  await shot(page, 'member-360')
  await page.goto('/account')
  await page.getByText('Signed-in devices').waitFor()
  await shot(page, 'account-360')
  await page.goto('/audit')
  await page.locator('.audit-entry').first().waitFor()
  await shot(page, 'audit-360')
  await page.goto('/more')
  await shot(page, 'more-360')
  await page.goto('/settings')
  await page.getByLabel('Shop name').waitFor()
  await shot(page, 'settings-360')

  // Signed-out and waiting pages on a phone.
  const stranger = await newContext(browser, base, PHONE)
  const login = await stranger.newPage()
  await login.goto(`/join/${invite.code}`)
  await login.getByRole('heading', { name: 'Join Corner Bakery' }).waitFor()
  await shot(login, 'join-360')
  await login.goto('/')
  await login.getByRole('heading', { name: 'Sign in' }).waitFor()
  await shot(login, 'login-360')
  await login.getByLabel('Username').fill('sofia')
  await login.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await login.getByRole('button', { name: 'Sign in' }).click()
  await login.getByTestId('waiting').waitFor()
  await shot(login, 'waiting-360')
  await stranger.close()

  // Staff view of home.
  const staff = await newContext(browser, base, PHONE)
  const tom = await signIn(staff, 'tom')
  await shot(tom, 'home-staff-360')
  await staff.close()

  // Dark mode, phone.
  const dark = await newContext(browser, base, PHONE, true)
  const darkPage = await signIn(dark, 'ana')
  await shot(darkPage, 'home-dark-360')
  await darkPage.goto('/members')
  await darkPage.getByText('Tom Becker').waitFor()
  await shot(darkPage, 'members-dark-360')
  await dark.close()

  // Desktop.
  const desktop = await newContext(browser, base, DESKTOP)
  const loginDesktop = await desktop.newPage()
  await loginDesktop.goto('/')
  await loginDesktop.getByRole('heading', { name: 'Sign in' }).waitFor()
  await shot(loginDesktop, 'login-1280')
  await loginDesktop.close()
  const wide = await signIn(desktop, 'ana')
  await shot(wide, 'home-1280')
  await wide.goto('/members')
  await wide.getByText('Tom Becker').waitFor()
  await shot(wide, 'members-1280')
  await wide.getByRole('button', { name: 'Invite', exact: true }).click()
  await wide.getByRole('button', { name: 'Create invite' }).click()
  await wide.getByTestId('invite-ready').waitFor()
  await shot(wide, 'invite-qr-1280')
  await wide.getByRole('button', { name: 'Done' }).click()
  await wide.goto('/members/invites')
  await wide.getByRole('heading', { name: 'Shop join code' }).waitFor()
  await shot(wide, 'invites-1280')
  await wide.goto(`/members/${members.find((m) => m.username === 'tom')?.id ?? 2}`)
  await wide.getByText('Role and permissions').waitFor()
  await shot(wide, 'member-1280')
  await wide.goto('/account')
  await wide.getByText('Signed-in devices').waitFor()
  await shot(wide, 'account-1280')
  await wide.goto('/audit')
  await wide.locator('.audit-entry').first().waitFor()
  await shot(wide, 'audit-1280')
  await wide.goto('/settings')
  await wide.getByLabel('Shop name').waitFor()
  await shot(wide, 'settings-1280')
  await desktop.close()

  await phone.close()
  if (isReadme) await composeReadmeImage(browser)
}

/** The README picture: the desktop home page with the phone's members page in front. */
async function composeReadmeImage(browser: Browser): Promise<void> {
  const dataUrl = (name: string) =>
    'data:image/png;base64,' + fs.readFileSync(path.join(outDir, `${name}.png`)).toString('base64')
  const context = await browser.newContext({ viewport: { width: 1400, height: 820 }, deviceScaleFactor: 1 })
  const page = await context.newPage()
  await page.setContent(`<!doctype html><html><body style="margin:0;width:1400px;height:820px;overflow:hidden;
    background:linear-gradient(135deg,#e3efe9,#f4f3ef 60%,#f6ead2);font-family:system-ui">
    <img src="${dataUrl('home-1280')}" style="position:absolute;left:40px;top:40px;width:1040px;height:650px;
      border-radius:12px;box-shadow:0 20px 50px rgb(20 40 30 / 25%);border:1px solid #d6d2c6">
    <div style="position:absolute;right:48px;top:64px;width:324px;height:666px;padding:12px;border-radius:42px;
      background:#1c2320;box-shadow:0 24px 60px rgb(20 40 30 / 35%)">
      <img src="${dataUrl('members-360')}" style="display:block;width:324px;height:666px;border-radius:30px">
    </div></body></html>`)
  await page.waitForFunction('[...document.images].every((image) => image.complete)')
  const file = path.join(root, 'docs', 'screenshot.png')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await page.screenshot({ path: file })
  console.log(file)
  await context.close()
}

await main()
