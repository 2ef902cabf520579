/**
 * Customer conversations on a 360 px phone, in a real browser against the real built app and
 * the loopback Telegram fake: a customer sends a voice note and a location; a staff member
 * who may answer customers finds them through More → Customers with an unread badge, plays
 * the voice note, follows the location to OpenStreetMap, answers with a photo that reaches
 * the customer's chat and turns to ✓ sent, and leaves an internal note the customer never
 * gets. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { bodyOf, createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { CHROMIUM, CHROMIUM_ARGS, isChromiumMissing, WEB_ROOT } from '../helpers/browser'
import { as, historyOf, tinyPng } from '../helpers/chat'
import { startTelegramFake } from '../helpers/telegram-fake'
import { BOT_TOKEN, BOT_USERNAME, outboxDrained, RunningClock, until } from '../helpers/telegram'
import { oggOpusSilence } from './take-customer-screenshots'

const PHONE = { width: 360, height: 740 }
const LIVE_MS = 10_000
const REPLY = 'Here is the paper roll that fits'
const NOTE = 'Printer is a TM-T20, roll 80 mm'

async function phoneAs(browser: Browser, base: string, member: SignedInMember): Promise<Page> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    timezoneId: 'Europe/London',
  })
  // OpenStreetMap and anything else outside the app never reach the network.
  await context.route(
    (url) => !url.href.startsWith(base),
    (route) => route.abort(),
  )
  const [name = '', value = ''] = member.cookie.split(/=(.*)/s)
  await context.addCookies([{ name, value, url: base }])
  return context.newPage()
}

/** How far the page is wider than the phone's screen (0 when nothing scrolls sideways). */
function overflowOf(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
}

if (!isChromiumMissing(t)) {
  t.test('a staff member answers a customer’s voice note and location with a photo', async (t) => {
    t.setTimeout(120_000)
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web)')) return
    const clock = new RunningClock()
    const fake = await startTelegramFake({
      token: BOT_TOKEN,
      botUsername: BOT_USERNAME,
      botFirstName: 'Corner Shop',
      now: () => clock.now(),
    })
    const started = await startApp({
      env: { TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: 'silent' },
      webRoot: WEB_ROOT,
      clock,
      build: { telegramPollTimeoutS: 1, outboxPollMs: 100 },
    })
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await started.close()
      await fake.stop()
    })
    const { app, ctx } = started
    const owner = await setupOwner(app, { shopName: 'Corner Shop' })
    const connected = await as(app, owner, 'PUT', '/api/telegram/bot', { token: BOT_TOKEN })
    t.equal(connected.statusCode, 200, 'the bot is connected')
    const enabled = await as(app, owner, 'PATCH', '/api/settings', { customersEnabled: true })
    t.equal(enabled.statusCode, 200, 'customers are enabled')
    const sam = await createMember(app, owner.cookie, { displayName: 'Sam Baker', username: 'sam' })
    const granted = await as(app, owner, 'PUT', `/api/members/${sam.id}/access`, {
      permissions: ['customers.answer'],
    })
    t.equal(granted.statusCode, 200, 'Sam may answer customers')

    // The customer writes: a voice note, then where they are.
    const maria = fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs', username: 'mariak' })
    maria.voice(oggOpusSilence(3), { duration: 3 })
    maria.location(47.497913, 19.040236)
    let conversationId = 0
    await until(
      'both customer messages to arrive',
      async () => {
        const list = (await as(app, sam, 'GET', '/api/customers?filter=open')).json() as {
          items: { conversationId: number; unreadCount: number }[]
        }
        conversationId = list.items[0]?.conversationId ?? 0
        return list.items[0]?.unreadCount === 2
      },
      LIVE_MS,
    )
    await outboxDrained(ctx)
    const botSentBefore = fake.botMessages(maria.chat.id).length

    const base = await listen(app)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const page = await phoneAs(browser, base, sam)
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    // 1. More → Customers: Maria's row with 2 unread.
    await page.goto('/more')
    await page.getByRole('link', { name: /Customers/ }).click()
    await page.waitForURL('**/customers')
    const row = page.locator('.customer-row', { hasText: 'Maria Kovacs' })
    await row.waitFor({ timeout: LIVE_MS })
    t.equal(await row.getAttribute('data-conversation-id'), String(conversationId), 'the row is Maria’s conversation')
    t.equal((await row.locator('.customer-count').textContent())?.trim(), '2', 'the row shows 2 unread')
    t.match(await row.getAttribute('class'), /customer-row-unread/, 'and is marked unread')
    t.equal(await overflowOf(page), 0, 'the inbox does not scroll sideways at 360 px')

    // 2. The conversation: a voice note that plays and a location that opens OpenStreetMap.
    await row.click()
    await page.waitForURL(`**/chat/${conversationId}`)
    const audio = page.locator('.msg audio')
    await audio.waitFor({ timeout: LIVE_MS })
    const src = await audio.getAttribute('src')
    t.ok(src, 'the voice note has a source')
    const fetched = await page.request.get(new URL(src!, base).href)
    t.equal(fetched.status(), 200, 'its source answers 200')
    t.match(fetched.headers()['content-type'], /^audio\//, 'with an audio content type')
    // Inline functions only: the page runs them as they are, without the test's transpiler helpers.
    await page.waitForFunction(
      () => {
        const element = document.querySelector<HTMLAudioElement>('.msg audio')
        return !!element && (element.readyState >= 1 || element.error !== null)
      },
      undefined,
      { timeout: LIVE_MS },
    )
    const loaded = await audio.evaluate((element: HTMLAudioElement) => ({
      duration: element.duration,
      error: element.error?.code ?? null,
    }))
    t.equal(loaded.error, null, 'Chromium decodes the voice note without an error')
    t.ok(Math.abs(loaded.duration - 3) < 0.2, `and reads its length, 3 s (${loaded.duration})`)
    const location = page.locator('.msg a.att-location')
    await location.waitFor()
    t.match(
      await location.getAttribute('href'),
      /^https:\/\/www\.openstreetmap\.org\/\?mlat=47\.497913&mlon=19\.040236/,
      'the location links to OpenStreetMap',
    )
    t.match(
      await page
        .locator('.msg', { has: page.locator('audio') })
        .locator('.msg-author')
        .textContent(),
      'Maria Kovacs',
      'the voice note is Maria’s',
    )
    await page.getByLabel('Message', { exact: true }).waitFor()
    t.equal(await overflowOf(page), 0, 'the conversation does not scroll sideways at 360 px')

    // 3. Sam answers with a photo from the phone and a caption.
    const photosBefore = fake.calls('sendPhoto').length
    await page.getByLabel('Take a photo').setInputFiles({
      name: 'paper-roll.png',
      mimeType: 'image/png',
      buffer: tinyPng(64, 48, [240, 240, 230]),
    })
    await page.getByLabel('Message', { exact: true }).fill(REPLY)
    // Enabled once the photo is uploaded: a click waits for that.
    await page.getByRole('button', { name: 'Send', exact: true }).click({ timeout: 15_000 })
    await until(
      'the photo to reach Maria’s chat',
      () =>
        fake
          .calls('sendPhoto')
          .slice(photosBefore)
          .some((call) => String(call.params.chat_id) === String(maria.chat.id) && call.files.length > 0),
      LIVE_MS,
    )
    const photoCall = fake
      .calls('sendPhoto')
      .slice(photosBefore)
      .find((call) => String(call.params.chat_id) === String(maria.chat.id))!
    // The phone may shrink a photo before uploading it; Telegram gets an image file either way.
    t.match(
      photoCall.files[0],
      { field: 'photo', contentType: /^image\//, filename: /^paper-roll\./ },
      'Telegram gets the photo as an upload',
    )
    t.match(String(photoCall.params.caption), REPLY, 'with the reply as its caption')
    const reply = page.locator('.msg', { hasText: REPLY })
    await reply.locator('[data-delivery="sent"]').waitFor({ timeout: LIVE_MS })
    t.equal(
      await reply.locator('.msg-delivery').getAttribute('aria-label'),
      'Sent to the customer',
      'the reply turns to sent',
    )
    t.equal((await reply.locator('.msg-delivery').textContent())?.trim(), '✓', 'with the ✓ mark')
    t.ok(await reply.locator('.att-photo img, img').first().isVisible(), 'the photo shows in the reply')

    // 4. An internal note: styled as such, and never sent to Maria.
    await page.getByLabel('Internal note (staff only)').check()
    await page.getByLabel('Message', { exact: true }).fill(NOTE)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    const note = page.locator('.msg.msg-internal', { hasText: NOTE })
    await note.waitFor({ timeout: LIVE_MS })
    t.equal((await note.locator('.msg-internal-label').textContent())?.trim(), 'Internal note', 'the note is labelled')
    t.equal(await note.locator('.msg-delivery').count(), 0, 'a note has no delivery mark')
    const history = await historyOf(app, sam, conversationId)
    t.equal(history.find((m) => m.body === NOTE)?.customer?.isInternal, true, 'it is stored as internal')
    await outboxDrained(ctx)
    const toMaria = fake.botMessages(maria.chat.id)
    t.equal(toMaria.length, botSentBefore + 1, 'Maria got the photo and nothing else')
    t.notOk(
      toMaria.some((m) => `${m.text ?? ''} ${m.caption ?? ''}`.includes(NOTE)),
      'the note never reached Maria’s chat',
    )
    // 5. The customer's record: a tag and a solved status from the phone reach the server.
    await page.locator('.customer-panel-summary').click()
    await page.getByRole('textbox', { name: 'New tag' }).fill('Printer')
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.locator('.customer-chip', { hasText: 'printer' }).waitFor({ timeout: LIVE_MS })
    await page.getByLabel('Status', { exact: true }).selectOption('solved')
    await page.locator('.customer-panel-summary', { hasText: 'Solved' }).waitFor({ timeout: LIVE_MS })
    const record = bodyOf<{ tags: string[]; status: string }>(
      await as(app, sam, 'GET', `/api/customers/${conversationId}`),
    )
    t.same(record.tags, ['printer'], 'the tag is stored, in lower case')
    t.equal(record.status, 'solved', 'and the conversation is solved')
    t.equal(await overflowOf(page), 0, 'still nothing scrolls sideways')
    t.same(pageErrors, [], 'no script errors on the page')
    t.same(fake.violations, [], "Telegram's rate limits held")
  })
}
