/**
 * The details of a conversation on a 360 px touch phone with a 2× screen: the length counter
 * and a refusal (never a cut) over 4,000 characters, "Show more" on a very long message, a
 * channel's whole name in the header, 44 px reaction chips and message action, sharp
 * thumbnails and the full-screen photo viewer, and a file over the limit refused before it
 * is uploaded. Screenshots go to /tmp/chat-details-*.png. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import t from 'tap'
import type { APIRequestContext, APIResponse, Page } from 'playwright-core'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT as webRoot } from '../helpers/browser'
import { pngChunk } from '../helpers/chat'

const CHANNEL = 'Front Counter Team'
const LIMIT = 4_000

if (!isChromiumMissing(t)) {
  t.test('chat details on a phone', async (t) => {
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const { base, browser } = await startAppAndBrowser(t, 'chat-details')
    const context = await browser.newContext({
      baseURL: base,
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    })
    const api = context.request
    await expectOk(
      api.post('/api/setup', {
        data: {
          shopName: 'Corner Bakery',
          timezone: 'Europe/London',
          displayName: 'Ana Nunes',
          username: 'ana',
          password: 'flour and yeast at dawn',
        },
      }),
    )
    const channel = (await (
      await expectOk(api.post('/api/conversations', { data: { kind: 'channel', name: CHANNEL, isPrivate: false } }))
    ).json()) as { id: number }
    const longBody = Array.from({ length: 60 }, (_, i) => `Line ${i + 1} of the opening checklist`).join('\n')
    await send(api, channel.id, longBody)
    const short = (await (await send(api, channel.id, 'Croissants are out')).json()) as { id: number }
    await expectOk(api.post(`/api/messages/${short.id}/reactions`, { data: { emoji: '👍', isOn: true } }))

    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const messagePosts: string[] = []
    const uploads: string[] = []
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (request.method() === 'POST' && url.pathname.endsWith('/messages')) messagePosts.push(url.pathname)
      if (request.method() === 'POST' && url.pathname === '/api/files') uploads.push(url.pathname)
    })
    await page.goto(`/chat/${channel.id}`)
    const heading = page.getByRole('heading', { level: 1, name: CHANNEL })
    await heading.waitFor()
    await page.locator('.msg-bubble', { hasText: 'Croissants are out' }).waitFor()

    t.test('the whole channel name shows in the header, its icons in a menu', async (t) => {
      const fits = await heading.evaluate(
        (element) => element.scrollWidth <= element.clientWidth && element.scrollHeight <= element.clientHeight,
      )
      t.ok(fits, `"${CHANNEL}" is not cut at 360 px`)
      t.notOk(
        await page.getByRole('link', { name: 'Search in this conversation' }).isVisible(),
        'search is folded away',
      )
      await page.getByRole('button', { name: 'More for this conversation' }).click()
      await page.getByRole('link', { name: 'Search in this conversation' }).waitFor()
      t.ok(await page.getByRole('button', { name: /^Mute/ }).isVisible(), 'mute is in the menu')
      await page.keyboard.press('Escape')
      await page.getByRole('link', { name: 'Search in this conversation' }).waitFor({ state: 'hidden' })
      await page.screenshot({ path: '/tmp/chat-details-header.png' })
    })

    t.test('a very long message collapses behind "Show more"', async (t) => {
      const message = page.locator('.msg', { hasText: 'Line 1 of the opening checklist' })
      const more = message.getByRole('button', { name: 'Show more' })
      await more.waitFor()
      const collapsed = await message.locator('.msg-bubble').evaluate((element) => element.clientHeight)
      t.ok(collapsed < 600, `the collapsed message is ${collapsed} px tall`)
      t.equal(await more.getAttribute('aria-expanded'), 'false')
      await page.screenshot({ path: '/tmp/chat-details-collapsed.png' })
      await more.click()
      const less = message.getByRole('button', { name: 'Show less' })
      await less.waitFor()
      t.equal(await less.getAttribute('aria-expanded'), 'true', 'the button says the text is expanded')
      const expanded = await message.locator('.msg-bubble').evaluate((element) => element.clientHeight)
      t.ok(expanded > collapsed * 1.5, `expanded to ${expanded} px`)
      t.equal(await page.locator('.msg-sheet, dialog[open]').count(), 0, 'the button does not open the message sheet')
      t.equal(
        await page
          .locator('.msg', { hasText: 'Croissants are out' })
          .getByRole('button', { name: 'Show more' })
          .count(),
        0,
        'a short message has no "Show more"',
      )
    })

    t.test('reaction chips and the message action are 44 px on touch', async (t) => {
      t.ok(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), 'the page is on a touch screen')
      const message = page.locator('.msg', { hasText: 'Croissants are out' })
      const chip = await message.locator('.reaction').boundingBox()
      t.ok(chip && chip.height >= 44 && chip.width >= 44, `the reaction chip is ${chip?.width}×${chip?.height}`)
      const action = await message.getByRole('button', { name: /^Actions for the message/ }).boundingBox()
      t.ok(action && action.height >= 44 && action.width >= 44, `the action is ${action?.width}×${action?.height}`)
      await message.locator('.msg-bubble').tap()
      const sheet = page.getByRole('dialog', { name: 'Message options' })
      await sheet.waitFor()
      await sheet.getByRole('button', { name: 'Close' }).click()
      await sheet.waitFor({ state: 'hidden' })
    })

    t.test('the counter shows near the limit, and a message over it is refused, not cut', async (t) => {
      const box = page.getByRole('combobox', { name: 'Message' })
      await box.fill('x'.repeat(100))
      t.equal(await page.locator('.composer-count').count(), 0, 'no counter on a short message')
      await box.fill('x'.repeat(LIMIT - 300))
      await page.getByText('300 characters left').waitFor()
      const tooLong = 'y'.repeat(LIMIT + 1)
      await box.fill(tooLong)
      t.equal((await box.inputValue()).length, LIMIT + 1, 'the text box keeps every character')
      await page.getByRole('button', { name: 'Send' }).click()
      const alert = page.getByRole('alert').filter({ hasText: 'Too long to send' })
      await alert.waitFor()
      t.match(await alert.textContent(), /4,001 characters, 1 over the 4,000 limit/, 'the refusal says by how much')
      t.equal(await box.getAttribute('aria-invalid'), 'true')
      t.equal((await box.inputValue()).length, LIMIT + 1, 'nothing was cut from the message')
      t.same(messagePosts, [], 'nothing was sent')
      await page.screenshot({ path: '/tmp/chat-details-too-long.png' })
      await box.fill('y'.repeat(LIMIT))
      await page.getByRole('button', { name: 'Send' }).click()
      await page.locator('.msg-mine').filter({ hasText: 'yyyy' }).first().waitFor()
      t.equal(messagePosts.length, 1, 'exactly 4,000 characters are sent')
    })

    t.test('photos are sharp on 2× screens and open full screen', async (t) => {
      await page.getByLabel('Choose a file or photo').setInputFiles([
        { name: 'shelf.png', mimeType: 'image/png', buffer: png(960, 720) },
        { name: 'oven.png', mimeType: 'image/png', buffer: png(720, 960) },
      ])
      await page.getByRole('button', { name: 'Send' }).click()
      const thumbnail = page.locator('.msg-mine .att-image img').first()
      await thumbnail.waitFor()
      await page.waitForFunction(() => {
        const image = document.querySelector<HTMLImageElement>('.msg-mine .att-image img')
        return !!image && image.complete && image.naturalWidth > 0 && !!image.currentSrc
      })
      const currentSrc = await thumbnail.evaluate((image: HTMLImageElement) => image.currentSrc)
      t.notOk(currentSrc.endsWith('/thumbnail'), `a 2× screen loads the full photo (${currentSrc})`)
      t.match(await thumbnail.getAttribute('srcset'), /\/thumbnail 1x, .* 2x$/, 'the thumbnail is the 1× source')

      await page.getByRole('button', { name: /^Open photo shelf/ }).click()
      const viewer = page.getByRole('dialog', { name: /^Photo / })
      await viewer.waitFor()
      const size = await viewer.boundingBox()
      t.ok(
        size && size.width >= 360 && size.height >= 740,
        `the viewer fills the screen (${size?.width}×${size?.height})`,
      )
      await viewer.getByText('1 of 2').waitFor()
      await page.screenshot({ path: '/tmp/chat-details-viewer.png' })

      // Swipe left for the next photo.
      const stage = viewer.locator('.photo-viewer-stage')
      await dispatchPointers(stage, [
        ['pointerdown', 1, 300, 400],
        ['pointermove', 1, 150, 405],
        ['pointerup', 1, 60, 405],
      ])
      await viewer.getByText('2 of 2').waitFor()
      t.pass('a swipe shows the next photo')

      // Pinch out with two fingers to zoom in.
      await dispatchPointers(stage, [
        ['pointerdown', 1, 130, 400],
        ['pointerdown', 2, 230, 400],
        ['pointermove', 2, 330, 400],
      ])
      const transform = await viewer.locator('img').getAttribute('style')
      t.match(transform, /scale\(2\)/, 'pinching zooms the photo in')
      await dispatchPointers(stage, [
        ['pointerup', 2, 330, 400],
        ['pointerup', 1, 130, 400],
      ])

      await page.keyboard.press('Escape')
      await viewer.waitFor({ state: 'hidden' })
      t.pass('Escape closes the viewer')
      t.equal(new URL(page.url()).pathname, `/chat/${channel.id}`, 'still in the conversation')

      await page.getByRole('button', { name: /^Open photo shelf/ }).click()
      await viewer.waitFor()
      await page.goBack()
      await viewer.waitFor({ state: 'hidden' })
      await heading.waitFor()
      t.equal(new URL(page.url()).pathname, `/chat/${channel.id}`, 'back closes the viewer, not the conversation')
    })

    t.test('a file over the limit is refused before it is uploaded', async (t) => {
      await expectOk(api.patch('/api/settings', { data: { maxFileMb: 1 } }))
      const big = Buffer.alloc(1_200_000, 7)
      const picker = page.getByLabel('Choose a file or photo')
      uploads.length = 0
      await picker.setInputFiles({ name: 'first.bin', mimeType: 'application/octet-stream', buffer: big })
      await page.getByText('files can be at most 1 MB').first().waitFor()
      t.equal(uploads.length, 1, 'the first try learns the limit from the server')
      t.equal(
        await page.getByRole('button', { name: 'Retry uploading first.bin' }).count(),
        0,
        'no retry for a file that can never fit',
      )
      uploads.length = 0
      await picker.setInputFiles({ name: 'second.bin', mimeType: 'application/octet-stream', buffer: big })
      const refusal = page.locator('.tray-item', { hasText: 'second.bin' }).getByRole('alert')
      await refusal.waitFor()
      t.match(await refusal.textContent(), /too large to send, files can be at most 1 MB/)
      t.same(uploads, [], 'no request to the upload endpoint')
      t.equal(await page.getByRole('button', { name: 'Retry uploading second.bin' }).count(), 0, 'and no retry')
      await page.screenshot({ path: '/tmp/chat-details-too-large.png' })
    })

    t.test('nothing is wider than the phone', async (t) => {
      const width = await page.evaluate(() => document.documentElement.scrollWidth)
      t.ok(width <= 360, `the page is ${width} px wide`)
    })

    t.test('on a desktop the message menu sits next to the bubble', async (t) => {
      const desktop = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
      t.teardown(() => desktop.close())
      await desktop.request.post('/api/auth/login', {
        data: { username: 'ana', password: 'flour and yeast at dawn' },
      })
      const wide = await desktop.newPage()
      await wide.goto(`/chat/${channel.id}`)
      const message = wide.locator('.msg', { hasText: 'Croissants are out' })
      await message.hover()
      const bubble = await message.locator('.msg-bubble').boundingBox()
      const action = await message.getByRole('button', { name: /^Actions for the message/ }).boundingBox()
      const gap = bubble && action ? bubble.x - (action.x + action.width) : Infinity
      t.ok(gap >= 0 && gap <= 16, `the ⋯ button is ${gap} px from the bubble`)
      await wide.screenshot({ path: '/tmp/chat-details-desktop.png' })
    })

    t.same(pageErrors, [], 'no script errors')
  })
}

async function send(api: APIRequestContext, conversationId: number, body: string) {
  return expectOk(
    api.post(`/api/conversations/${conversationId}/messages`, {
      data: { body, clientKey: `k${Math.random().toString(36).slice(2, 12)}` },
    }),
  )
}

/** Touch pointers, one event at a time: Playwright's touchscreen has no second finger. */
async function dispatchPointers(
  target: ReturnType<Page['locator']>,
  steps: readonly [type: string, pointerId: number, x: number, y: number][],
): Promise<void> {
  for (const [type, pointerId, x, y] of steps) {
    await target.dispatchEvent(type, {
      pointerId,
      pointerType: 'touch',
      isPrimary: pointerId === 1,
      clientX: x,
      clientY: y,
      bubbles: true,
    })
  }
}

async function expectOk(response: Promise<APIResponse>): Promise<APIResponse> {
  const result = await response
  if (!result.ok()) throw new Error(`request failed: ${result.status()} ${await result.text()}`)
  return result
}

/** A real PNG photo: a gradient, large enough that the phone makes a smaller thumbnail. */
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
    pngChunk('IHDR', header),
    pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}
