/**
 * Screenshots of customer conversations on a 360 px phone, for the README: the Customers
 * inbox, one conversation (a voice note, a location, a staff reply delivered ✓ and an
 * internal note) and Settings → Customers. Customers write through the loopback Telegram
 * fake. Not a test. Run after `npm run build:web`:
 *   npx tsx test/browser/take-customer-screenshots.ts [outDir]   (default: docs/screenshots)
 * Messages are backdated with a clock that runs behind real time while seeding, so times in
 * the inbox read as they would at the shop.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { App } from '../../server/shared/app-types'
import { ManualClock } from '../../server/shared/clock'
import { bodyOf, createMember, setupOwner, type SignedInMember } from '../helpers/app'
import { as, eventually, historyOf } from '../helpers/chat'
import { BOT_TOKEN, BOT_USERNAME } from '../helpers/telegram'
import { startTelegramFake, type TelegramFake } from '../helpers/telegram-fake'
import { CHROMIUM, CHROMIUM_ARGS, WEB_ROOT } from '../helpers/browser'

const PHONE = { width: 360, height: 740 }
const MINUTE = 60_000

/** Ogg's CRC-32 (polynomial 0x04c11db7, not reflected), over a page with its CRC field zeroed. */
function oggCrc(bytes: Buffer): number {
  let crc = 0
  for (const byte of bytes) {
    crc ^= byte << 24
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1
  }
  return crc >>> 0
}

function oggPage(flags: number, granule: number, sequence: number, packets: Buffer[]): Buffer {
  const lacing = packets.flatMap((packet) => [
    ...Array<number>(Math.floor(packet.length / 255)).fill(255),
    packet.length % 255,
  ])
  const header = Buffer.alloc(27)
  header.write('OggS', 0)
  header[5] = flags
  header.writeBigInt64LE(BigInt(granule), 6)
  header.writeUInt32LE(1, 14)
  header.writeUInt32LE(sequence, 18)
  header[26] = lacing.length
  const page = Buffer.concat([header, Buffer.from(lacing), ...packets])
  page.writeUInt32LE(oggCrc(page), 22)
  return page
}

/**
 * A real Ogg Opus voice note of `seconds` of silence (20 ms CELT frames, at most 5 s in one
 * page), as Telegram stores one: browsers decode it and show its length.
 */
export function oggOpusSilence(seconds: number): Buffer {
  const preSkip = 312
  const head = Buffer.alloc(19)
  head.write('OpusHead', 0)
  head[8] = 1 // version
  head[9] = 1 // mono
  head.writeUInt16LE(preSkip, 10)
  head.writeUInt32LE(48_000, 12)
  const vendor = Buffer.from('backboard-test')
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4)
  tags.write('OpusTags', 0)
  tags.writeUInt32LE(vendor.length, 8)
  vendor.copy(tags, 12)
  const frames = Array.from({ length: seconds * 50 }, () => Buffer.from([0xf8, 0xff, 0xfe]))
  return Buffer.concat([
    oggPage(0x02, 0, 0, [head]),
    oggPage(0, 0, 1, [tags]),
    oggPage(0x04, preSkip + frames.length * 960, 2, frames),
  ])
}

/** Real time minus an offset that only shrinks, so seeded messages can be dated in the past. */
class LaggingClock extends ManualClock {
  private offset = 0
  constructor() {
    super(Date.now())
  }
  override now(): number {
    return Date.now() - this.offset
  }
  minutesAgo(minutes: number): void {
    this.offset = minutes * MINUTE
  }
}

type CustomerList = { items: { conversationId: number; name: string }[] }

function ok(response: { statusCode: number; body: string }, what: string): void {
  if (response.statusCode >= 300) throw new Error(`${what}: ${response.statusCode} ${response.body}`)
}

/** Waits until the customer named `name` has written `count` messages; returns their conversation. */
async function customerWith(app: App, owner: SignedInMember, name: string, count: number): Promise<number> {
  let id = 0
  await eventually(
    async () => {
      const list = bodyOf<CustomerList>(await as(app, owner, 'GET', '/api/customers?filter=all'))
      id = list.items.find((item) => item.name === name)?.conversationId ?? 0
      if (!id) return false
      const history = await historyOf(app, owner, id)
      return history.filter((m) => m.customer?.direction === 'in').length >= count
    },
    10_000,
    50,
    `${name}'s ${count} messages`,
  )
  return id
}

/** Reads the conversation to its end as `member`, as scrolling it into view does. */
async function readAll(app: App, member: SignedInMember, conversationId: number): Promise<void> {
  const history = await historyOf(app, member, conversationId)
  const lastReadId = Math.max(...history.map((m) => m.id))
  ok(await as(app, member, 'POST', `/api/conversations/${conversationId}/read`, { lastReadId }), 'read')
}

async function delivered(app: App, member: SignedInMember, conversationId: number, body: string): Promise<void> {
  await eventually(
    async () => {
      const items = await historyOf(app, member, conversationId)
      return items.some((m) => m.body === body && m.customer?.delivery === 'sent')
    },
    10_000,
    50,
    `"${body}" to be delivered`,
  )
}

async function reply(app: App, member: SignedInMember, conversationId: number, body: string, extra = {}) {
  ok(
    await as(app, member, 'POST', `/api/conversations/${conversationId}/messages`, {
      body,
      clientKey: `shot${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
      ...extra,
    }),
    `reply "${body}"`,
  )
}

async function seed(app: App, fake: TelegramFake, clock: LaggingClock) {
  const owner = await setupOwner(app, { shopName: 'Corner Shop', displayName: 'Olive Owner', username: 'olive' })
  ok(await as(app, owner, 'PUT', '/api/telegram/bot', { token: BOT_TOKEN }), 'connect the bot')
  ok(await as(app, owner, 'PATCH', '/api/settings', { customersEnabled: true }), 'enable customers')
  const sam = await createMember(app, owner.cookie, { displayName: 'Sam Baker', username: 'sam' })
  ok(await as(app, owner, 'PUT', `/api/members/${sam.id}/access`, { permissions: ['customers.answer'] }), 'grant')

  // Yesterday: Priya asked about her cake, Sam answered, solved.
  clock.minutesAgo(26 * 60)
  const priya = fake.user({ id: 7003, first_name: 'Priya', last_name: 'Shah', username: 'priyabakes' })
  priya.start('website')
  priya.text('Is my birthday cake order ready to collect?')
  const priyaId = await customerWith(app, owner, 'Priya Shah', 1)
  clock.minutesAgo(25 * 60)
  await reply(app, sam, priyaId, 'Yes, it is in the fridge behind the counter. See you soon!')
  await delivered(app, sam, priyaId, 'Yes, it is in the fridge behind the counter. See you soon!')
  clock.minutesAgo(24 * 60)
  priya.text('Picked it up, thank you!')
  await customerWith(app, owner, 'Priya Shah', 2)
  ok(await as(app, sam, 'POST', `/api/conversations/${priyaId}/status`, { status: 'solved' }), 'solve')
  // Read as the owner, so only today's customers carry a badge.
  await readAll(app, owner, priyaId)

  // Earlier this morning: Jonas wants to return a kettle; Sam answered, Jonas wrote back, all read.
  clock.minutesAgo(95)
  const jonas = fake.user({ id: 7004, first_name: 'Jonas', last_name: 'Weber' })
  jonas.text('Can I return a kettle I bought on Saturday? It leaks.')
  const jonasId = await customerWith(app, owner, 'Jonas Weber', 1)
  clock.minutesAgo(90)
  await reply(app, sam, jonasId, 'Of course, bring it with the receipt and we will swap it.')
  await delivered(app, sam, jonasId, 'Of course, bring it with the receipt and we will swap it.')
  clock.minutesAgo(70)
  jonas.text('Great, I will come by this afternoon')
  await customerWith(app, owner, 'Jonas Weber', 2)
  await readAll(app, owner, jonasId)

  // This morning: Tom asks about oat milk, nobody has answered yet.
  clock.minutesAgo(48)
  const tom = fake.user({ id: 7002, first_name: 'Tom', last_name: 'Berg', username: 'tberg' })
  tom.text('Hi, do you sell oat milk? The barista kind if possible')
  await customerWith(app, owner, 'Tom Berg', 1)

  // Just now: Maria's receipt printer, with a voice note and where the shop is.
  // Her last message is words, so the inbox's preview needs no emoji font on this machine.
  clock.minutesAgo(14)
  const maria = fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs', username: 'mariak' })
  maria.start('counter')
  maria.voice(oggOpusSilence(4), { duration: 4 })
  const mariaId = await customerWith(app, owner, 'Maria Kovacs', 1)
  clock.minutesAgo(13)
  maria.location(51.515419, -0.141099)
  await customerWith(app, owner, 'Maria Kovacs', 2)
  clock.minutesAgo(12)
  maria.text('Receipt printer jammed again! We are open till 6.')
  await customerWith(app, owner, 'Maria Kovacs', 3)
  clock.minutesAgo(9)
  return { owner, sam, mariaId }
}

/** Sam answers Maria, delivered, and leaves a note for colleagues. */
async function answerMaria(app: App, clock: LaggingClock, sam: SignedInMember, mariaId: number) {
  clock.minutesAgo(8)
  const answer = 'Sorry about that! I will bring new rolls over before noon.'
  await reply(app, sam, mariaId, answer)
  await delivered(app, sam, mariaId, answer)
  clock.minutesAgo(6)
  await reply(app, sam, mariaId, 'TM-T20, takes 80 mm rolls.', { isInternal: true })
  clock.minutesAgo(0)
}

async function phoneAs(browser: Browser, base: string, member: SignedInMember): Promise<Page> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    colorScheme: 'light',
    timezoneId: 'Europe/London',
  })
  await context.route(
    (url) => !url.href.startsWith(base),
    (route) => route.abort(),
  )
  const [name = '', value = ''] = member.cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  return context.newPage()
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', '..', 'docs', 'screenshots'))
  fs.mkdirSync(outDir, { recursive: true })
  const clock = new LaggingClock()
  const fake = await startTelegramFake({ token: BOT_TOKEN, botUsername: BOT_USERNAME, botFirstName: 'Corner Shop' })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-customer-shots-'))
  const { app } = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', TELEGRAM_API_ROOT: fake.apiRoot }),
    clock,
    logger: false,
    webRoot: WEB_ROOT,
    telegramPollTimeoutS: 1,
    outboxPollMs: 100,
  })
  let browser: Browser | null = null
  try {
    const { owner, sam, mariaId } = await seed(app, fake, clock)
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const page = await phoneAs(browser, base, owner)
    const shot = async (name: string) => {
      await page.evaluate(() => document.fonts.ready)
      await page.waitForTimeout(300)
      await page.screenshot({ path: path.join(outDir, name) })
      console.log(`saved ${name}`)
    }

    await page.goto('/customers')
    await page.locator('.customer-row', { hasText: 'Maria Kovacs' }).waitFor()
    await page.locator('.customer-row', { hasText: 'Tom Berg' }).waitFor()
    await shot('customers-inbox-360.png')

    await answerMaria(app, clock, sam, mariaId)

    await page.goto(`/chat/${mariaId}`)
    await page.locator('.msg audio').waitFor()
    await page.waitForFunction(() => (document.querySelector<HTMLAudioElement>('.msg audio')?.readyState ?? 0) >= 1)
    await page.locator('[data-delivery="sent"]').waitFor()
    await page.locator('.msg-internal').waitFor()
    // The conversation opens at its newest message, and stays there as the audio and the composer settle.
    await page.waitForFunction(() => {
      const element = document.querySelector('.conv-scroll')
      return element !== null && element.scrollHeight - element.scrollTop - element.clientHeight < 2
    })
    await shot('customers-conversation-360.png')

    // The customer's record opened under the header: contact, status, assignee, tags, colleagues.
    await page.locator('.customer-panel-summary').click()
    await page.getByRole('textbox', { name: 'New tag' }).fill('printer')
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.locator('.customer-chip', { hasText: 'printer' }).waitFor()
    await shot('customers-record-360.png')

    await page.goto('/settings/customers')
    await page.getByRole('heading', { level: 1 }).waitFor()
    await page.waitForLoadState('networkidle')
    await shot('customers-settings-360.png')
  } finally {
    await browser?.close()
    await app.close()
    await fake.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
