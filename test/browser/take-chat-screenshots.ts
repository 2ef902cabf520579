/**
 * Screenshots of the board, chat and search with a bakery's realistic day, for design
 * review. Not a test. Run after `npm run build:web`:
 *   npx tsx test/browser/take-chat-screenshots.ts [outDir]
 * Messages are backdated with a clock that runs behind real time while seeding.
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

const root = path.join(import.meta.dirname, '..', '..')
const outDir = path.resolve(process.argv[2] ?? path.join(os.tmpdir(), 'backboard-chat-shots'))
const PHONE = { width: 360, height: 740 }
const DESKTOP = { width: 1280, height: 800 }
const PASSWORD = 'correct horse battery'
const HOUR = 3_600_000

/** Real time minus an offset, so seeded messages can be dated in the past. */
class LaggingClock implements Clock {
  offset = 0
  now(): number {
    return Date.now() - this.offset
  }
  hoursAgo(hours: number): void {
    this.offset = hours * HOUR
  }
}

const people = [
  { displayName: 'Maria Santos', username: 'maria', jobTitle: 'Shift lead', role: 'manager' },
  { displayName: 'Tom Becker', username: 'tom', jobTitle: 'Baker', role: 'staff' },
  { displayName: 'Aisha Khan', username: 'aisha', jobTitle: 'Till', role: 'staff' },
  { displayName: 'Liam O’Connor', username: 'liam', jobTitle: 'Deliveries', role: 'staff' },
  { displayName: 'Chen Wei', username: 'chen', jobTitle: 'Pastry chef', role: 'staff' },
] as const

type Name = 'ana' | (typeof people)[number]['username']

interface Member {
  id: number
  api: APIRequestContext
}

let keyCounter = 0
const key = () => `shot${Date.now().toString(36)}${(keyCounter++).toString(36)}`.padEnd(8, '0')

async function call<T = Record<string, unknown>>(
  api: APIRequestContext,
  method: 'get' | 'post' | 'put' | 'patch',
  url: string,
  data?: unknown,
): Promise<T> {
  const response = await api[method](url, data === undefined ? {} : { data })
  if (!response.ok()) throw new Error(`${method.toUpperCase()} ${url}: ${response.status()} ${await response.text()}`)
  return (await response.json()) as T
}

async function upload(member: Member, bytes: Buffer, name: string, type: string): Promise<number> {
  const response = await member.api.post(`/api/files?name=${encodeURIComponent(name)}`, {
    data: bytes,
    headers: { 'content-type': type },
  })
  if (!response.ok()) throw new Error(`upload ${name}: ${response.status()} ${await response.text()}`)
  return ((await response.json()) as { id: number }).id
}

/** A "photo": a big emoji on a warm gradient, rendered by Chromium as a JPEG. */
async function photo(browser: Browser, emoji: string, caption: string, colours: [string, string]): Promise<Buffer> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
  await page.setContent(`<body style="margin:0"><div style="width:1200px;height:900px;display:flex;flex-direction:column;
    align-items:center;justify-content:center;background:linear-gradient(135deg,${colours[0]},${colours[1]});
    font-family:sans-serif"><div style="font-size:420px;line-height:1">${emoji}</div>
    <div style="margin-top:30px;font-size:56px;font-weight:700;color:rgba(0,0,0,.55)">${caption}</div></div></body>`)
  const bytes = await page.screenshot({ type: 'jpeg', quality: 85 })
  await page.close()
  return bytes
}

/** A short voice-like WAV: a few warbling tones. */
function voiceNote(seconds = 6): Buffer {
  const rate = 8000
  const samples = rate * seconds
  const data = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) {
    const t = i / rate
    const envelope = Math.max(0, Math.sin(Math.PI * ((t * 1.7) % 1))) * 0.4
    const value = Math.sin(2 * Math.PI * (180 + 60 * Math.sin(t * 3)) * t) * envelope
    data.writeInt16LE(Math.round(value * 32767), i * 2)
  }
  const header = Buffer.alloc(44)
  header.write('RIFF', 0)
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVE', 8)
  header.write('fmt ', 12)
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(rate, 24)
  header.writeUInt32LE(rate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36)
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}

async function main(): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-chat-shots-'))
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
    await seed(browser, address, clock)
    clock.hoursAgo(0)
    await shoot(browser, address)
  } finally {
    await browser.close()
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

async function signedInApi(base: string, username: string): Promise<APIRequestContext> {
  const api = await apiRequest.newContext({ baseURL: base })
  await call(api, 'post', '/api/auth/login', { username, password: PASSWORD })
  return api
}

async function seed(browser: Browser, base: string, clock: LaggingClock): Promise<void> {
  clock.hoursAgo(30)
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
  const members = {} as Record<Name, Member>
  members.ana = { id: 1, api: owner }
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
  const list = await call<{ id: number; username: string }[]>(owner, 'get', '/api/members?status=pending')
  for (const person of people) {
    const member = list.find((m) => m.username === person.username)
    if (!member) throw new Error(`no ${person.username}`)
    await call(owner, 'post', `/api/members/${member.id}/approve`)
    await call(owner, 'patch', `/api/members/${member.id}`, { jobTitle: person.jobTitle })
    if (person.role === 'manager') await call(owner, 'put', `/api/members/${member.id}/access`, { role: 'manager' })
    members[person.username] = { id: member.id, api: await signedInApi(base, person.username) }
  }
  const { ana, maria, tom, aisha, liam, chen } = members
  const conversations = await call<{ id: number; kind: string }[]>(ana.api, 'get', '/api/conversations')
  const boardId = conversations.find((c) => c.kind === 'board')?.id ?? 1

  const send = (from: Member, conversationId: number, body: string, extra: Record<string, unknown> = {}) =>
    call<{ id: number }>(from.api, 'post', `/api/conversations/${conversationId}/messages`, {
      body,
      clientKey: key(),
      ...extra,
    })
  const react = (from: Member, messageId: number, emoji: string) =>
    call(from.api, 'post', `/api/messages/${messageId}/reactions`, { emoji, isOn: true })
  const read = async (who: Member, conversationId: number) => {
    const items = await call<{ id: number; lastMessageId: number }[]>(who.api, 'get', '/api/conversations')
    const item = items.find((c) => c.id === conversationId)
    if (item)
      await call(who.api, 'post', `/api/conversations/${conversationId}/read`, { lastReadId: item.lastMessageId })
  }

  // Yesterday.
  clock.hoursAgo(28)
  const floor = await call<{ id: number }>(maria.api, 'post', '/api/conversations', {
    kind: 'channel',
    name: 'bakery-floor',
    topic: 'Ovens, dough and who is on the bench',
    isPrivate: false,
    memberIds: [ana.id, tom.id, aisha.id, chen.id, liam.id],
  })
  const deliveries = await call<{ id: number }>(ana.api, 'post', '/api/conversations', {
    kind: 'channel',
    name: 'deliveries',
    topic: 'Van, suppliers and drop-offs',
    isPrivate: false,
    memberIds: [liam.id, maria.id],
  })
  await call(ana.api, 'post', '/api/conversations', {
    kind: 'channel',
    name: 'managers',
    topic: 'Rotas and money',
    isPrivate: true,
    memberIds: [maria.id],
  })
  await call(maria.api, 'post', '/api/conversations', {
    kind: 'channel',
    name: 'weekend-shifts',
    topic: 'Swaps and cover for Saturdays and Sundays',
    isPrivate: false,
  })
  clock.hoursAgo(27.5)
  await send(tom, floor.id, 'Sourdough starter fed 🥖 and back on the top shelf.')
  clock.hoursAgo(27.4)
  await send(chen, floor.id, 'Thanks! Croissant dough is in fridge 3 for tomorrow morning.')
  clock.hoursAgo(26)
  await call(ana.api, 'post', '/api/notices', {
    title: 'Christmas opening hours',
    body: '- **24 Dec**: 7:00 to 14:00\n- **25–26 Dec**: closed\n- **31 Dec**: 7:00 to 16:00\n\nThe rota is in the staff room. Swap shifts in #weekend-shifts.',
    clientKey: key(),
    expiresAt: Date.now() + 20 * 24 * HOUR,
  })

  // This morning.
  clock.hoursAgo(3.2)
  const freezerPhoto = await upload(
    maria,
    await photo(browser, '🧊', 'Freezer 2 — 4 °C', ['#cfe6f5', '#7fb0d6']),
    'freezer-2.jpg',
    'image/jpeg',
  )
  const freezer = await call<{ id: number }>(maria.api, 'post', '/api/notices', {
    title: 'Freezer 2 is broken — use freezer 1',
    body: 'The engineer comes **Thursday morning**. Until then:\n- Move ice cream and gelato to freezer 1\n- Log the temperature every 2 hours\n- Do *not* open freezer 2: it keeps the cold in for the repair',
    clientKey: key(),
    isUrgent: true,
    mustAcknowledge: true,
    acknowledgeBy: Date.now() + 6 * HOUR,
    attachments: [{ fileId: freezerPhoto }],
  })
  clock.hoursAgo(2.6)
  const labelPhoto = await upload(
    ana,
    await photo(browser, '🏷️', 'Contains: wheat, milk, egg', ['#fbefd9', '#f2c97d']),
    'allergen-label.jpg',
    'image/jpeg',
  )
  const allergen = await call<{ id: number }>(ana.api, 'post', '/api/notices', {
    title: 'New allergen labels from Monday',
    body: 'Every item on the counter needs the new label. Check the **14 allergens** list before you print, and ask Chen about the pastries.',
    clientKey: key(),
    mustAcknowledge: true,
    attachments: [{ fileId: labelPhoto }],
  })
  clock.hoursAgo(2.3)
  const reply = await send(
    tom,
    boardId,
    'Moved everything to freezer 1 at 7:10. It is full now, so the gelato is in the chest freezer at the back.',
    { replyToId: freezer.id },
  )
  await react(maria, reply.id, '👍')
  await react(ana, reply.id, '🙏')
  for (const who of [tom, aisha]) await call(who.api, 'post', `/api/notices/${freezer.id}/acknowledge`)
  await call(chen.api, 'post', `/api/notices/${allergen.id}/acknowledge`)
  clock.hoursAgo(2.2)
  await send(aisha, boardId, 'Customers keep asking for pistachio gelato: I’ll say it’s back on Thursday.', {
    replyToId: freezer.id,
  })

  // Ana and Maria, direct.
  const direct = await call<{ id: number }>(ana.api, 'post', '/api/conversations', {
    kind: 'direct',
    memberIds: [maria.id],
  })
  clock.hoursAgo(1.9)
  const note = await upload(
    maria,
    await photo(browser, '📦', 'Delivery note — 8 of 10 sacks', ['#efe4d2', '#c9ab7f']),
    'delivery-note.jpg',
    'image/jpeg',
  )
  const short = await send(maria, direct.id, 'Morning! The flour delivery is **2 sacks short** 😕', {
    attachments: [{ fileId: note }],
  })
  clock.hoursAgo(1.8)
  await send(ana, direct.id, 'I’ll call the mill. Can you check whether the *rye* came?', { replyToId: short.id })
  await react(ana, short.id, '😮')
  clock.hoursAgo(1.6)
  const voice = await upload(maria, voiceNote(7), 'voice-note.wav', 'audio/wav')
  await send(maria, direct.id, '', { attachments: [{ fileId: voice }] })
  clock.hoursAgo(1.55)
  const shelf1 = await upload(
    maria,
    await photo(browser, '🌾', 'Rye ×4', ['#f3e3c3', '#d9a860']),
    'rye.jpg',
    'image/jpeg',
  )
  const shelf2 = await upload(
    maria,
    await photo(browser, '🥖', 'Shelf B', ['#f6e7d0', '#c98f4f']),
    'shelf.jpg',
    'image/jpeg',
  )
  const rye = await send(maria, direct.id, 'Rye is here, all 4. Photos of the shelf:', {
    attachments: [{ fileId: shelf1 }, { fileId: shelf2 }],
  })
  await react(ana, rye.id, '❤️')
  await read(ana, direct.id)
  clock.hoursAgo(0.4)
  await send(
    maria,
    direct.id,
    'Mill says the rest comes **tomorrow before 8**. @ana can you sign the invoice before 11?',
  )

  // The floor, today.
  clock.hoursAgo(1.2)
  await send(tom, floor.id, 'Who took the big proving baskets? 🧺')
  clock.hoursAgo(1.1)
  await send(aisha, floor.id, 'In the dishwasher, sorry! Out in 10 minutes.')
  await read(ana, floor.id)
  clock.hoursAgo(0.5)
  await send(chen, floor.id, 'Park the van round the back today, the street is closed:', {
    attachments: [{ location: { latitude: 51.51863, longitude: -0.10452, accuracyM: 12 } }],
  })
  clock.hoursAgo(0.3)
  await send(tom, floor.id, '@ana the oven 2 thermostat is acting up again, can we get it looked at with the freezer?')

  // Tom asks Ana directly; Liam reports from the van.
  const tomDirect = await call<{ id: number }>(tom.api, 'post', '/api/conversations', {
    kind: 'direct',
    memberIds: [ana.id],
  })
  clock.hoursAgo(0.2)
  await send(tom, tomDirect.id, 'Can I swap Saturday with Liam? He said yes.')
  clock.hoursAgo(0.9)
  const route = await upload(liam, Buffer.from('%PDF-1.4\n% route\n'), 'route-tuesday.pdf', 'application/pdf')
  await send(liam, deliveries.id, 'Van is back. 3 drop-offs left this afternoon, route attached.', {
    attachments: [{ fileId: route }],
  })
  await read(ana, deliveries.id)
  await read(ana, boardId)

  // Maria is away for a while, Tom is on shift.
  clock.hoursAgo(0)
  await call(maria.api, 'put', '/api/me/status', { shiftStatus: 'away', untilMinutes: 45 })
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
  await context.request.post('/api/auth/login', { data: { username, password: PASSWORD } })
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`page error (${username}):`, error.message))
  await page.goto('/')
  await page.getByRole('heading', { level: 1, name: /Good (morning|afternoon|evening)/ }).waitFor()
  return page
}

async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.waitForTimeout(300)
  await page.waitForFunction('[...document.images].every((image) => image.complete)')
  const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
  if (Number(overflow) > 0) console.warn(`${name}: the page is ${String(overflow)} px wider than the screen`)
  const file = path.join(outDir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: options.fullPage })
  console.log(file)
}

async function openConversation(page: Page, name: RegExp): Promise<void> {
  await page.goto('/chat')
  await page.getByRole('link', { name }).first().click()
  await page.locator('.conv .msg').first().waitFor()
}

async function shoot(browser: Browser, base: string): Promise<void> {
  // Ana on her phone: the chat list with unread badges, before anything is opened.
  const phone = await newContext(browser, base, PHONE)
  const ana = await signIn(phone, 'ana')
  await ana.goto('/chat')
  await ana.locator('[data-testid="unread-badge"]').first().waitFor()
  await shot(ana, 'chat-list-360')
  await ana.goto('/')
  await ana.getByTestId('board-callout').waitFor()
  await shot(ana, 'home-360')

  // Liam has not confirmed anything yet: both must-acknowledge notices ask him.
  const liamContext = await newContext(browser, base, PHONE)
  const liam = await signIn(liamContext, 'liam')
  await liam.goto('/board')
  await liam.getByRole('heading', { name: 'Freezer 2 is broken — use freezer 1' }).waitFor()
  await shot(liam, 'board-360')
  await shot(liam, 'board-360-full', { fullPage: true })
  await liam.getByRole('button', { name: 'I’ve read this' }).first().click()
  await liam
    .getByText(/Acknowledged \d/)
    .first()
    .waitFor()
  await shot(liam, 'board-acknowledged-360')
  await liamContext.close()

  // The conversation with photos, a voice note, a reply and reactions.
  await openConversation(ana, /Maria Santos/)
  await shot(ana, 'conversation-360')
  await ana.locator('.msg-mine .md').last().click()
  const sheet = ana.getByRole('dialog', { name: 'Message options' })
  await sheet.waitFor()
  await shot(ana, 'message-actions-360')
  await ana.keyboard.press('Escape')
  await sheet.waitFor({ state: 'detached' })
  await ana.getByLabel('Message', { exact: true }).fill('Signed it. @')
  await ana.getByRole('listbox', { name: 'People to mention' }).waitFor()
  await shot(ana, 'mention-autocomplete-360')
  await ana.getByLabel('Message', { exact: true }).fill('')
  await ana.getByRole('button', { name: 'Attach' }).click()
  await shot(ana, 'attach-menu-360')
  await ana.keyboard.press('Escape')

  await openConversation(ana, /bakery-floor/)
  await shot(ana, 'channel-360')
  await ana.goto('/chat')
  await ana.locator('.conv-row').first().click()
  await ana.locator('.conv .msg').first().waitFor()
  await shot(ana, 'board-conversation-360')

  // Search.
  await ana.goto('/search?q=freezer')
  await ana.locator('.search-hit').first().waitFor()
  await shot(ana, 'search-360')

  // The notice composer, filled in.
  await ana.goto('/board/new')
  await ana.getByLabel('Title').fill('Deep clean on Sunday after closing')
  await ana
    .getByLabel('Details (optional)')
    .fill('Everyone on the Sunday rota stays **one hour longer**.\n- Ovens: Tom\n- Counter and fridges: Aisha')
  await ana.getByRole('switch', { name: /Everyone must acknowledge/ }).check()
  await ana.getByLabel('Take it down').selectOption('week')
  await ana.evaluate(() => window.scrollTo(0, 0))
  await shot(ana, 'notice-new-360')
  await shot(ana, 'notice-new-360-full', { fullPage: true })

  // The board as Ana, with the progress and who has read it.
  await ana.goto('/board')
  await ana.getByRole('heading', { name: 'Freezer 2 is broken — use freezer 1' }).waitFor()
  await shot(ana, 'board-owner-360')
  await ana.getByRole('button', { name: 'See who' }).first().click()
  await ana.getByRole('dialog', { name: 'Who has read it' }).waitFor()
  await shot(ana, 'ack-report-360')
  await ana.keyboard.press('Escape')
  await ana.goto('/account')
  await ana.getByText('My shift status').first().waitFor()
  await ana.getByRole('button', { name: /Shift status/ }).click()
  await ana.getByRole('radio', { name: /Away/ }).check()
  await shot(ana, 'shift-status-360')
  await phone.close()

  // Dark mode, phone.
  const dark = await newContext(browser, base, PHONE, true)
  const darkPage = await signIn(dark, 'tom')
  await darkPage.goto('/board')
  await darkPage.getByRole('heading', { name: 'Freezer 2 is broken — use freezer 1' }).waitFor()
  await shot(darkPage, 'board-dark-360')
  await openConversation(darkPage, /bakery-floor/)
  await shot(darkPage, 'conversation-dark-360')
  await darkPage.goto('/chat')
  await shot(darkPage, 'chat-list-dark-360')
  await dark.close()

  // Desktop: Ana's board, the chat with the list beside the conversation, search.
  const desktop = await newContext(browser, base, DESKTOP)
  const wide = await signIn(desktop, 'ana')
  await shot(wide, 'home-1280')
  await wide.goto('/board')
  await wide.getByRole('heading', { name: 'Freezer 2 is broken — use freezer 1' }).waitFor()
  await shot(wide, 'board-1280')
  await wide.goto('/board/new')
  await wide.getByLabel('Title').fill('Deep clean on Sunday after closing')
  await wide.getByRole('switch', { name: 'Urgent' }).check()
  await shot(wide, 'notice-new-1280')
  await wide.goto('/chat')
  await wide.locator('.conv-row').first().waitFor()
  await shot(wide, 'chat-list-1280')
  await openConversation(wide, /Maria Santos/)
  await shot(wide, 'conversation-1280')
  await openConversation(wide, /bakery-floor/)
  await shot(wide, 'channel-1280')
  await wide.goto('/search?q=freezer')
  await wide.locator('.search-hit').first().waitFor()
  await shot(wide, 'search-1280')
  await wide.goto('/search?q=freezer&p=3')
  await wide.locator('.search-hit').first().waitFor()
  await shot(wide, 'search-filtered-1280')
  await desktop.close()
}

await main()
