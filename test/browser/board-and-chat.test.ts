/**
 * The board and chat in a real browser against the real built app, with two members on
 * two devices: the owner (desktop) posts a must-acknowledge notice that the staff member
 * (phone) sees and acknowledges live; the staff member sends a photo the owner sees as a
 * loaded thumbnail; a message sent offline waits as pending and arrives exactly once; and
 * Markdown with an XSS payload renders inert. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import t from 'tap'
import type { Page } from 'playwright-core'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT as webRoot } from '../helpers/browser'

const OWNER_PASSWORD = 'flour and yeast at dawn'
const STAFF_PASSWORD = 'sourdough every morning'
/** How long a live update may take to show. */
const LIVE_MS = 5_000
const NOTICE_TITLE = 'Freezer 2 is broken — use freezer 1'
const XSS = '<img src=x onerror=alert(1)> **bold** [x](javascript:alert(1))'

if (!isChromiumMissing(t)) {
  t.test('board and chat between an owner and a staff member, live, offline and safe', async (t) => {
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const started = Date.now()
    const { base, browser } = await startAppAndBrowser(t, 'board-chat')

    const ownerContext = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    const staffContext = await browser.newContext({
      baseURL: base,
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    })

    // The shop and its two members, through the API (onboarding has its own test).
    await expectOk(
      ownerContext.request.post('/api/setup', {
        data: {
          shopName: 'Corner Bakery',
          timezone: 'Europe/London',
          displayName: 'Ana Nunes',
          username: 'ana',
          password: OWNER_PASSWORD,
        },
      }),
    )
    const invite = (await (
      await expectOk(
        ownerContext.request.post('/api/invites', { data: { role: 'staff', expiresInHours: 24, maxUses: 1 } }),
      )
    ).json()) as { code: string }
    await expectOk(
      staffContext.request.post('/api/join', {
        data: { code: invite.code, displayName: 'Bea Silva', username: 'bea', password: STAFF_PASSWORD },
      }),
    )
    const pending = (await (await ownerContext.request.get('/api/members?status=pending')).json()) as { id: number }[]
    const beaId = pending[0]?.id ?? 0
    await expectOk(ownerContext.request.post(`/api/members/${beaId}/approve`))
    await expectOk(
      staffContext.request.post('/api/auth/login', { data: { username: 'bea', password: STAFF_PASSWORD } }),
    )

    const owner = await ownerContext.newPage()
    const staff = await staffContext.newPage()
    const pageErrors: string[] = []
    const dialogs: string[] = []
    for (const page of [owner, staff]) {
      page.on('pageerror', (error) => pageErrors.push(error.message))
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })
    }

    // 1. Both open the board; the staff member's page is marked to prove nothing reloads.
    await owner.goto('/board')
    await staff.goto('/board')
    for (const page of [owner, staff]) {
      await page.getByRole('heading', { level: 1, name: 'Board' }).waitFor()
      await waitForLive(page)
    }
    await staff.evaluate(() => ((globalThis as unknown as { loadMark: number }).loadMark = 42))
    const staffTabs = staff.getByRole('navigation', { name: 'Main' })
    t.equal(await staffTabs.getByRole('link').first().textContent(), 'Board', 'the Board is the first tab on the phone')

    // 2. The owner posts a must-acknowledge notice.
    await owner.getByRole('link', { name: 'New notice' }).click()
    await owner.getByRole('heading', { level: 1, name: 'New notice' }).waitFor()
    await owner.getByLabel('Title').fill(NOTICE_TITLE)
    await owner.getByLabel('Details (optional)').fill('The engineer comes **Thursday**.\n- Log temperatures')
    await owner.getByRole('switch', { name: /Everyone must acknowledge/ }).check()
    await owner.getByRole('button', { name: 'Post notice' }).click()
    await owner.getByRole('heading', { level: 1, name: 'Board' }).waitFor()
    await owner.getByRole('heading', { name: NOTICE_TITLE }).waitFor()
    t.pass('the owner posts a notice and is back on the board')

    // 3. The staff member sees it live, and acknowledges with one tap.
    const shownAt = Date.now()
    const staffNotice = staff.locator('article', { has: staff.getByRole('heading', { name: NOTICE_TITLE }) })
    await staffNotice.waitFor({ timeout: LIVE_MS })
    t.comment(`the notice reached the phone in ${Date.now() - shownAt} ms`)
    t.equal(
      await staff.evaluate(() => (globalThis as unknown as { loadMark?: number }).loadMark),
      42,
      'the notice arrived live, without reloading the page',
    )
    t.equal(
      await staffNotice.locator('.md strong').textContent(),
      'Thursday',
      'the notice body is rendered as Markdown',
    )
    await staffNotice.getByRole('button', { name: 'I’ve read this' }).click()
    await staffNotice.getByText(/^Acknowledged \d{1,2}:\d{2}/).waitFor()
    t.pass('the staff member sees when they acknowledged')

    // 4. The owner sees the count move live.
    const ownerNotice = owner.locator('article', { has: owner.getByRole('heading', { name: NOTICE_TITLE }) })
    await ownerNotice.getByText('Acknowledged by 1 of 1').first().waitFor({ timeout: LIVE_MS })
    t.pass('the owner sees "Acknowledged by 1 of 1" live')
    await ownerNotice.getByRole('button', { name: 'See who' }).click()
    const report = owner.getByRole('dialog', { name: 'Who has read it' })
    await report.getByText('Bea Silva').waitFor()
    await report.getByRole('button', { name: 'Close' }).click()

    // 5. The staff member starts a direct conversation with the owner and sends a photo.
    await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click()
    await owner.getByRole('heading', { name: 'Chat' }).waitFor()
    await staffTabs.getByRole('link', { name: 'Chat' }).click()
    await staff.getByRole('heading', { level: 1, name: 'Chat' }).waitFor()
    await staff.getByRole('button', { name: 'New message' }).click()
    const picker = staff.getByRole('dialog', { name: 'New message' })
    await picker.getByRole('checkbox', { name: /Ana Nunes/ }).check()
    await picker.getByRole('button', { name: 'Start chat' }).click()
    await staff.getByRole('heading', { level: 1, name: 'Ana Nunes' }).waitFor()
    await staff.getByLabel('Take a photo').setInputFiles({
      name: 'shelf.png',
      mimeType: 'image/png',
      buffer: png(960, 720),
    })
    await staff.getByRole('button', { name: 'Send' }).click()
    await staff.locator('.msg-mine img[src$="/thumbnail"]').waitFor()
    t.pass('the photo is sent from the phone')

    const ownerRow = owner.getByRole('link', { name: /Bea Silva.*1 unread message/ })
    await ownerRow.waitFor({ timeout: LIVE_MS })
    t.pass('the new conversation shows up with an unread badge on the owner’s list, live')
    await ownerRow.click()
    await owner.getByRole('heading', { level: 1, name: 'Bea Silva' }).waitFor()
    const thumbnail = owner.locator('img[src$="/thumbnail"]').first()
    await thumbnail.waitFor()
    await owner.waitForFunction(
      () => {
        const image = document.querySelector<HTMLImageElement>('img[src$="/thumbnail"]')
        return !!image && image.complete && image.naturalWidth > 0
      },
      undefined,
      { timeout: LIVE_MS },
    )
    const natural = await thumbnail.evaluate((image: HTMLImageElement) => image.naturalWidth)
    t.ok(natural > 0 && natural <= 320, `the owner sees the photo's thumbnail, loaded (${natural} px wide)`)

    // 6. The phone goes offline: the message waits as pending, then arrives exactly once.
    const offlineText = `Sent from the cold room ${Date.now()}`
    await staffContext.setOffline(true)
    await staff.locator('html[data-live="closed"]').waitFor({ state: 'attached', timeout: LIVE_MS })
    t.ok(await staff.getByText('Connection lost. Reconnecting…').isVisible(), 'the phone shows that it is offline')
    await staff.getByLabel('Message', { exact: true }).fill(offlineText)
    await staff.getByRole('button', { name: 'Send' }).click()
    const pendingItem = staff.getByTestId('pending-message').filter({ hasText: offlineText })
    await pendingItem.waitFor()
    t.ok(
      await pendingItem.getByRole('img', { name: 'Waiting to send' }).isVisible(),
      'it shows as pending with a clock',
    )
    const queued = await staff.evaluate(() =>
      Object.keys(localStorage)
        .filter((key) => key.startsWith('backboard.outbox.'))
        .map((key) => localStorage.getItem(key) ?? '')
        .join(''),
    )
    t.ok(queued.includes(offlineText), 'the pending message is kept in localStorage')
    await staff.waitForTimeout(1_500)
    t.equal(await pendingItem.count(), 1, 'it stays pending while offline')
    await staffContext.setOffline(false)
    await pendingItem.waitFor({ state: 'detached', timeout: 15_000 })
    const sent = staff.locator('.msg-mine:not(.msg-pending)', { hasText: offlineText })
    await sent.first().waitFor()
    await owner.locator('.msg', { hasText: offlineText }).first().waitFor({ timeout: LIVE_MS })
    await staff.waitForTimeout(1_000)
    t.equal(await sent.count(), 1, 'the phone shows it once, no longer pending')
    t.equal(await owner.locator('.msg', { hasText: offlineText }).count(), 1, 'the owner receives it exactly once')
    const conversationId = Number(owner.url().split('/').pop())
    const history = (await (
      await ownerContext.request.get(`/api/conversations/${conversationId}/messages`)
    ).json()) as {
      messages: { body: string }[]
    }
    t.equal(history.messages.filter((m) => m.body === offlineText).length, 1, 'the server stored it exactly once')

    // 7. Markdown with an XSS payload renders inert.
    const imagesBefore = await owner.locator('.conv img').count()
    await staff.getByLabel('Message', { exact: true }).fill(XSS)
    await staff.getByRole('button', { name: 'Send' }).click()
    const hostile = owner.locator('.msg', { hasText: 'onerror' }).last()
    await hostile.waitFor({ timeout: LIVE_MS })
    t.equal(await hostile.locator('img').count(), 0, 'no <img> element is created from the message')
    t.equal(await owner.locator('.conv img').count(), imagesBefore, 'the conversation has no extra images')
    t.equal(await owner.locator('a[href^="javascript:"]').count(), 0, 'no javascript: link anywhere')
    t.equal(await hostile.locator('strong').textContent(), 'bold', 'the bold part is a <strong>')
    t.match(await hostile.locator('.md').textContent(), /<img src=x onerror=alert\(1\)>/, 'the raw HTML shows as text')
    await staff.locator('.msg', { hasText: 'onerror' }).last().waitFor()
    t.equal(await staff.locator('a[href^="javascript:"]').count(), 0, 'no javascript: link on the sender’s side')

    t.same(dialogs, [], 'no alert ever ran')
    t.same(pageErrors, [], 'no script errors on either page')
    t.comment(`board and chat journey took ${Date.now() - started} ms`)
  })
}

/** Waits until the page's live connection is up, so that a server push can reach it. */
async function waitForLive(page: Page): Promise<void> {
  await page.locator('html[data-live="open"]').waitFor({ state: 'attached', timeout: LIVE_MS })
}

async function expectOk<T extends { ok(): boolean; status(): number; text(): Promise<string> }>(
  response: Promise<T>,
): Promise<T> {
  const result = await response
  if (!result.ok()) throw new Error(`request failed: ${result.status()} ${await result.text()}`)
  return result
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}

/** A real PNG "photo": a warm gradient, big enough that the phone scales it for its thumbnail. */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8
  header[9] = 2
  const rows: Buffer[] = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3)
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = 200 + Math.round((55 * x) / width)
      row[2 + x * 3] = 120 + Math.round((80 * y) / height)
      row[3 + x * 3] = 60
    }
    rows.push(row)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
