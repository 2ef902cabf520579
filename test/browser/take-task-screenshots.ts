/**
 * Screenshots of the Tasks tab on a 360 px phone with a bakery's realistic morning, for the
 * README and design review. Not a test. Run after `npm run build:web`:
 *   npx tsx test/browser/take-task-screenshots.ts [outDir]   (default: docs/screenshots)
 * FULL_PAGE=1 also saves each whole page as <name>-full.png.
 * Tasks are backdated with a clock that runs behind real time while seeding, so waiting
 * times and due times read as they would at the shop.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  chromium,
  request as apiRequest,
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  type Page,
} from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { Clock } from '../../server/shared/clock'
import { CHROMIUM, CHROMIUM_ARGS as ARGS } from '../helpers/browser'
import { photoPng } from './wall-seed'

const root = path.join(import.meta.dirname, '..', '..')
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'screenshots'))
const PHONE = { width: 360, height: 740 }
const PASSWORD = 'correct horse battery'
const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** Real time minus an offset, so seeded tasks can be dated in the past. */
class LaggingClock implements Clock {
  offset = 0
  now(): number {
    return Date.now() - this.offset
  }
  minutesAgo(minutes: number): void {
    this.offset = minutes * MINUTE
  }
}

const people = [
  { displayName: 'Maria Santos', username: 'maria', role: 'manager' },
  { displayName: 'Tom Becker', username: 'tom', role: 'staff' },
  { displayName: 'Aisha Khan', username: 'aisha', role: 'staff' },
  { displayName: 'Liam O’Connor', username: 'liam', role: 'staff' },
  { displayName: 'Chen Wei', username: 'chen', role: 'staff' },
] as const

type Name = 'ana' | (typeof people)[number]['username']

let keyCounter = 0
const key = () => `taskshot${Date.now().toString(36)}${(keyCounter++).toString(36)}`

async function call<T = Record<string, unknown>>(
  api: APIRequestContext,
  method: 'get' | 'post' | 'put' | 'patch',
  url: string,
  data?: unknown,
): Promise<T> {
  const response = await api[method](url, data === undefined ? {} : { data })
  if (!response.ok()) throw new Error(`${method.toUpperCase()} ${url}: ${response.status()} ${await response.text()}`)
  return (response.status() === 204 ? null : await response.json()) as T
}

async function signedInApi(base: string, username: string): Promise<APIRequestContext> {
  const api = await apiRequest.newContext({ baseURL: base })
  await call(api, 'post', '/api/auth/login', { username, password: PASSWORD })
  return api
}

async function uploadPhoto(api: APIRequestContext, bytes: Buffer, name: string): Promise<number> {
  const response = await api.post(`/api/files?name=${encodeURIComponent(name)}`, {
    data: bytes,
    headers: { 'content-type': 'image/png' },
  })
  if (!response.ok()) throw new Error(`upload ${name}: ${response.status()} ${await response.text()}`)
  return ((await response.json()) as { id: number }).id
}

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-task-shots-'))
  const clock = new LaggingClock()
  const { app } = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    webRoot: path.join(root, 'dist', 'web'),
    logger: false,
    clock,
  })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  try {
    const seeded = await seed(address, clock)
    clock.minutesAgo(0)
    await shoot(browser, address, seeded)
  } finally {
    await browser.close()
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

interface Seeded {
  tillId: number
  counterId: number
}

async function seed(base: string, clock: LaggingClock): Promise<Seeded> {
  clock.minutesAgo(26 * 60)
  const owner = await apiRequest.newContext({ baseURL: base })
  await call(owner, 'post', '/api/setup', {
    shopName: 'Corner Bakery & Deli',
    timezone: 'Europe/London',
    displayName: 'Ana Nunes',
    username: 'ana',
    password: PASSWORD,
  })
  const invite = await call<{ code: string }>(owner, 'post', '/api/invites', {
    role: 'staff',
    expiresInHours: 168,
    maxUses: 20,
  })
  const api = { ana: owner } as Record<Name, APIRequestContext>
  for (const person of people) {
    const visitor = await apiRequest.newContext({ baseURL: base })
    await call(visitor, 'post', '/api/join', {
      code: invite.code,
      displayName: person.displayName,
      username: person.username,
      password: PASSWORD,
    })
    await visitor.dispose()
  }
  const pending = await call<{ id: number; username: string }[]>(owner, 'get', '/api/members?status=pending')
  for (const person of people) {
    const member = pending.find((m) => m.username === person.username)
    if (!member) throw new Error(`no ${person.username}`)
    await call(owner, 'post', `/api/members/${member.id}/approve`)
    if (person.role === 'manager') await call(owner, 'put', `/api/members/${member.id}/access`, { role: 'manager' })
    api[person.username] = await signedInApi(base, person.username)
  }
  const { ana, maria, tom, aisha } = api
  const members = await call<{ id: number; username: string }[]>(ana, 'get', '/api/members')
  const everyone = members.filter((m) => m.username !== 'ana').map((m) => m.id)
  const counter = await call<{ id: number }>(ana, 'post', '/api/conversations', {
    kind: 'channel',
    name: 'front-counter',
    topic: 'The shop floor and the till',
    isPrivate: false,
    memberIds: everyone,
  })
  const repairs = await call<{ id: number }>(ana, 'post', '/api/task-queues', { name: 'Repairs', mode: 'claim' })
  const deliveries = await call<{ id: number }>(ana, 'post', '/api/task-queues', {
    name: 'Deliveries',
    mode: 'pull',
    ageingPerHour: 10,
  })

  const post = (by: APIRequestContext, input: Record<string, unknown>) =>
    call<{ id: number; conversationId: number; checklist: { id: number }[] }>(by, 'post', '/api/tasks', {
      clientKey: key(),
      ...input,
    })
  const reply = (by: APIRequestContext, task: { id: number; conversationId: number }, body: string) =>
    call(by, 'post', `/api/conversations/${task.conversationId}/messages`, {
      body,
      clientKey: key(),
      replyToId: task.id,
    })

  // Yesterday: Tom cleaned the slicer, with a photo; Aisha did the opening checklist.
  const slicer = await post(ana, {
    title: 'Clean the bread slicer',
    details: 'Blades out, soak, dry fully before refitting.',
    priority: 40,
    conversationId: counter.id,
    photoRequired: true,
  })
  clock.minutesAgo(25 * 60)
  await call(tom, 'post', `/api/tasks/${slicer.id}/take`)
  clock.minutesAgo(24 * 60 + 20)
  const slicerPhoto = await uploadPhoto(tom, photoPng(640, 480, [222, 226, 230], [150, 160, 170]), 'slicer.png')
  await call(tom, 'post', `/api/tasks/${slicer.id}/done`, {
    note: 'Clean and back together. One blade is getting dull.',
    attachments: [{ fileId: slicerPhoto }],
  })
  const opening = await post(maria, {
    title: 'Opening checklist',
    priority: 60,
    conversationId: counter.id,
    checklist: ['Lights and ovens on', 'Till float counted', 'Bread on the shelves'],
  })
  await call(aisha, 'post', `/api/tasks/${opening.id}/take`)
  for (const item of opening.checklist)
    await call(aisha, 'put', `/api/tasks/${opening.id}/checklist/${item.id}`, { isDone: true })
  await call(aisha, 'post', `/api/tasks/${opening.id}/done`, { note: 'All done by 7:05.' })

  // This morning.
  clock.minutesAgo(3 * 60)
  await post(maria, {
    title: 'Mop the cold room floor',
    details: 'After the milk delivery.',
    priority: 20,
    conversationId: counter.id,
  })
  clock.minutesAgo(95)
  const till = await post(ana, {
    title: 'Fix the till drawer',
    details: 'The drawer sticks halfway and the **receipt printer** jams. Spare key in the office.',
    privateDetails: 'Engineer if needed: Mrs Patel, 07700 900123 (cash and card only)',
    priority: 72,
    queueId: repairs.id,
    dueAt: clock.now() + 3 * HOUR,
    checklist: ['Empty the drawer', 'Check the runners', 'Test with a sale'],
  })
  clock.minutesAgo(80)
  await post(maria, {
    title: 'Restock napkins and cups',
    details: 'Both by the coffee machine.',
    priority: 50,
    conversationId: counter.id,
    dueAt: clock.now() + 45 * MINUTE,
  })
  clock.minutesAgo(70)
  await post(ana, {
    title: "Deliver 3 birthday cakes to St Mary's school",
    details: 'Boxes on the cold shelf, labelled. Use the van.',
    privateDetails: 'Mr Okafor, 07700 900456. Side gate on Elm Road, ring twice.',
    detailsBeforeTaking: true,
    priority: 60,
    value: 20,
    queueId: deliveries.id,
    dueAt: clock.now() + 4 * HOUR,
  })
  clock.minutesAgo(60)
  const eggs = await post(ana, {
    title: 'Pick up eggs from Hill Farm',
    priority: 45,
    queueId: deliveries.id,
  })
  clock.minutesAgo(55)
  const liamId = members.find((m) => m.username === 'liam')?.id ?? 0
  await call(ana, 'post', `/api/tasks/${eggs.id}/reassign`, { memberId: liamId })
  clock.minutesAgo(50)
  await call(tom, 'post', `/api/tasks/${till.id}/take`)
  await reply(ana, till, 'Try the runners first, the printer may just need a new roll.')
  clock.minutesAgo(42)
  await call(tom, 'post', `/api/tasks/${till.id}/start`)
  const [first] = till.checklist
  if (first) await call(tom, 'put', `/api/tasks/${till.id}/checklist/${first.id}`, { isDone: true })
  clock.minutesAgo(30)
  await reply(tom, till, 'Runners were full of coins. Printer next.')
  clock.minutesAgo(12)
  await post(maria, {
    title: 'Freezer 2 alarm is beeping',
    details: 'Check the door seal and the temperature log. Move stock to freezer 1 if above −15 °C.',
    priority: 92,
    queueId: repairs.id,
    photoRequired: true,
  })
  clock.minutesAgo(10)
  await post(ana, {
    title: 'Wipe the window display',
    priority: 30,
    conversationId: counter.id,
    roles: ['manager'],
  })
  clock.minutesAgo(8)
  const croissants = await post(maria, {
    title: 'Bake an extra tray of croissants',
    details: 'The café next door ordered 24 for 11:00.',
    priority: 65,
    conversationId: counter.id,
    dueAt: clock.now() + 2 * HOUR,
  })
  clock.minutesAgo(6)
  await call(aisha, 'post', `/api/tasks/${croissants.id}/take`)
  clock.minutesAgo(4)
  await call(aisha, 'post', `/api/tasks/${croissants.id}/start`)
  return { tillId: till.id, counterId: counter.id }
}

async function newContext(browser: Browser, base: string, dark = false): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: base,
    viewport: PHONE,
    // 1x like the other phone screenshots in docs/: the README shows them at their size.
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    colorScheme: dark ? 'dark' : 'light',
    timezoneId: 'Europe/London',
  })
}

async function signIn(context: BrowserContext, username: string): Promise<Page> {
  await context.request.post('/api/auth/login', { data: { username, password: PASSWORD } })
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`page error (${username}):`, error.message))
  return page
}

async function settle(page: Page, ready: string): Promise<void> {
  await page.locator(ready).first().waitFor({ timeout: 15_000 })
  await page.waitForFunction(() => !document.querySelector('.loading, .spinner'))
}

/** One screenshot of the screen; with FULL_PAGE=1 also the whole page, for review. */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300)
  await page.waitForFunction('[...document.images].every((image) => image.complete)')
  const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
  if (Number(overflow) > 0) console.warn(`${name}: the page is ${String(overflow)} px wider than the screen`)
  const file = path.join(outDir, `${name}.png`)
  await page.screenshot({ path: file })
  console.log(file)
  if (process.env.FULL_PAGE) {
    await page.screenshot({ path: file.replace(/\.png$/, '-full.png'), fullPage: true })
    console.log(file.replace(/\.png$/, '-full.png'))
  }
}

async function shoot(browser: Browser, base: string, seeded: Seeded): Promise<void> {
  // Tom, staff, on his phone: what he can take, what he has, Next, and the task he is on.
  const tomContext = await newContext(browser, base)
  const tom = await signIn(tomContext, 'tom')
  await tom.goto('/tasks')
  await settle(tom, '.task-row')
  await shot(tom, 'tasks-open-360')
  await tom.goto('/tasks/mine')
  await settle(tom, '.task-row')
  await shot(tom, 'tasks-mine-360')
  await tom.goto('/tasks/next')
  await settle(tom, '.task-next')
  await tom.getByRole('button', { name: 'Next task' }).click()
  await tom.locator('.task-next-answer').waitFor()
  await shot(tom, 'tasks-next-360')
  await tom.goto(`/tasks/${seeded.tillId}`)
  await settle(tom, '.task-private')
  await shot(tom, 'tasks-task-360')
  await tom.goto('/tasks/done')
  await settle(tom, '.task-row')
  await shot(tom, 'tasks-done-360')
  await tom.goto(`/chat/${seeded.counterId}`)
  await settle(tom, '.task-card')
  await shot(tom, 'tasks-chat-360')
  await tomContext.close()

  // Ana, who dispatches: every task with filters, and the form for a new one.
  const anaContext = await newContext(browser, base)
  const ana = await signIn(anaContext, 'ana')
  await ana.goto('/tasks/all')
  await settle(ana, '.task-row')
  await shot(ana, 'tasks-all-360')
  await ana.goto(`/tasks/${seeded.tillId}`)
  await settle(ana, '.task-private')
  await ana.locator('.task-actions').scrollIntoViewIfNeeded()
  await shot(ana, 'tasks-task-dispatcher-360')
  await ana.goto('/tasks/new')
  await settle(ana, 'form')
  await ana.getByLabel('What needs doing').fill('Replace the bulb over the bread shelf')
  await ana.getByLabel('Details (optional)', { exact: true }).fill('Ladder is in the stock room. LED, warm white.')
  await ana.getByRole('button', { name: 'High', exact: true }).click()
  await ana.evaluate(() => window.scrollTo(0, 0))
  await shot(ana, 'tasks-new-360')
  await anaContext.close()

  // The same list in the dark.
  const darkContext = await newContext(browser, base, true)
  const dark = await signIn(darkContext, 'tom')
  await dark.goto('/tasks')
  await settle(dark, '.task-row')
  await shot(dark, 'tasks-open-dark-360')
  await darkContext.close()
}

await main()
