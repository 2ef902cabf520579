/**
 * The wall's soak test: a wall runs for weeks, so its memory must stay flat however much
 * happens. With the wall open in Chromium, we measure the JS heap after a forced garbage
 * collection, drive at least 10,000 events through the real API (board messages, edits,
 * reactions, deletions, notices with acknowledgements, shift changes; old notices are
 * unpinned so the pinned set stays bounded), let the wall settle, collect garbage and
 * measure again. Needs `npm run build:web` first; stops by itself in about a minute.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { AppContext } from '../../server/shared/context'
import { bodyOf, type SignedInMember } from '../helpers/app'
import { as, lastEventId, newClientKey, pairDisplay, send } from '../helpers/chat'
import { CHROMIUM, CHROMIUM_ARGS, isChromiumMissing, WEB_ROOT } from '../helpers/browser'
import { seedBakery } from './wall-seed'

const ARGS = [...CHROMIUM_ARGS, '--js-flags=--expose-gc']
const webRoot = WEB_ROOT
const EVENTS = 10_000
const WARM_UP_EVENTS = 400
const MB = 1024 * 1024
/** Notices pinned by the generator, oldest first; never more than three stay up. */
const pinned: number[] = []

interface Heap {
  /** Runtime.getHeapUsage after HeapProfiler.collectGarbage, in bytes. */
  used: number
  /** performance.memory.usedJSHeapSize after window.gc(), in bytes (coarse in Chromium). */
  pageReported: number
  domNodes: number
}

async function measure(page: Page, cdp: CDPSession): Promise<Heap> {
  // Twice: the first collection can leave garbage that finalisers only free in the second.
  for (let i = 0; i < 2; i++) {
    await page.evaluate('window.gc?.()')
    await cdp.send('HeapProfiler.collectGarbage')
  }
  const { usedSize } = await cdp.send('Runtime.getHeapUsage')
  const page_ = await page.evaluate<{ pageReported: number; domNodes: number }>(
    "({ pageReported: performance.memory?.usedJSHeapSize ?? 0, domNodes: document.getElementsByTagName('*').length })",
  )
  return { used: usedSize, ...page_ }
}

/**
 * Drives events through the API until `count` more are in the event log. Returns the
 * number generated and the text of the last board message, to know when the wall caught up.
 */
async function generate(
  app: Awaited<ReturnType<typeof buildApp>>['app'],
  ctx: AppContext,
  people: { owner: SignedInMember; posters: SignedInMember[]; readers: SignedInMember[] },
  boardId: number,
  count: number,
  label: string,
): Promise<{ generated: number; lastText: string }> {
  const start = await lastEventId(ctx)
  const recent: number[] = []
  const emojis = ['👍', '🎉', '🥐', '❤️']
  let lastText = ''
  let i = 0
  const expect = async (response: { statusCode: number; body: string }, what: string) => {
    if (response.statusCode >= 300) throw new Error(`${what} failed: ${response.statusCode} ${response.body}`)
  }
  while ((await lastEventId(ctx)) - start < count) {
    i++
    const author = people.posters[i % people.posters.length] as SignedInMember
    lastText = `${label} message ${i}: ${i % 3 === 0 ? 'sourdough' : i % 3 === 1 ? 'rye' : 'croissants'} ready`
    const message = await send(app, author, boardId, lastText)
    recent.push(message.id)
    const target = recent[Math.max(0, recent.length - 1 - (i % 5))] as number
    const reactor = people.readers[i % people.readers.length] as SignedInMember
    await expect(
      await as(app, reactor, 'POST', `/api/messages/${target}/reactions`, {
        emoji: emojis[i % emojis.length],
        isOn: i % 4 !== 3,
      }),
      'reaction',
    )
    if (i % 2 === 0) {
      await expect(
        await as(app, author, 'PATCH', `/api/messages/${message.id}`, { body: `${lastText} (edited)` }),
        'edit',
      )
      lastText = `${lastText} (edited)`
    }
    if (i % 9 === 0 && recent.length > 20) {
      const old = recent.shift() as number
      const owner = people.owner
      await expect(await as(app, owner, 'DELETE', `/api/messages/${old}`), 'delete')
    }
    if (i % 12 === 0) {
      const notice = await as(app, people.owner, 'POST', '/api/notices', {
        title: `${label} notice ${i}`,
        body: 'Please read and tick.',
        mustAcknowledge: true,
        clientKey: newClientKey('soak'),
      })
      await expect(notice, 'notice')
      const noticeId = bodyOf<{ id: number }>(notice).id
      pinned.push(noticeId)
      for (const reader of people.readers.slice(0, 4)) {
        await expect(await as(app, reader, 'POST', `/api/notices/${noticeId}/acknowledge`), 'ack')
      }
      // Keep the pinned set bounded, as a shop would: old notices come down.
      while (pinned.length > 3) {
        const old = pinned.shift() as number
        await expect(await as(app, people.owner, 'PATCH', `/api/notices/${old}`, { isPinned: false }), 'unpin')
      }
    }
    if (i % 25 === 0) {
      const reader = people.readers[(i / 25) % people.readers.length] as SignedInMember
      const shiftStatus = (i / 25) % 2 === 0 ? 'away' : 'on_shift'
      await expect(await as(app, reader, 'PUT', '/api/me/status', { shiftStatus, untilMinutes: null }), 'shift')
    }
  }
  return { generated: (await lastEventId(ctx)) - start, lastText }
}

if (!isChromiumMissing(t)) {
  t.test('the wall’s memory stays flat through 10,000 events', async (t) => {
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const started = Date.now()
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-soak-'))
    const { app, ctx } = await buildApp({
      config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      webRoot,
      logger: false,
      // A week of a shop's reactions and edits in minutes: far past any one person's pace.
      rateLimits: false,
    })
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await app.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    })
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const bakery = await seedBakery(app)
    // Tom, Liam and Chen may post on the board (see wall-seed); everyone reads and reacts.
    const [tom, , liam, chen] = bakery.staff as [SignedInMember, SignedInMember, SignedInMember, SignedInMember]
    const people = {
      owner: bakery.owner,
      posters: [bakery.owner, bakery.maria, tom, liam, chen],
      readers: bakery.staff,
    }
    const display = await pairDisplay(app, bakery.maria, 'Soak wall')

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1920, height: 1080 } })
    const [name, value] = display.cookie.split('=') as [string, string]
    await context.addCookies([{ name, value, url: base }])
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto('/wall')
    await page.getByTestId('wall-notice').first().waitFor({ timeout: 10_000 })
    await page.locator('html[data-live="open"]').waitFor({ state: 'attached', timeout: 5_000 })
    const cdp = await context.newCDPSession(page)

    // A short warm-up first, so that code compiled and cached once is not counted as growth.
    const warm = await generate(app, ctx, people, bakery.boardId, WARM_UP_EVENTS, 'Warm-up')
    await page.getByText(warm.lastText).waitFor({ timeout: 5_000 })
    await page.waitForTimeout(1_500)
    const before = await measure(page, cdp)

    const soakStarted = Date.now()
    const soak = await generate(app, ctx, people, bakery.boardId, EVENTS, 'Soak')
    const soakMs = Date.now() - soakStarted
    t.ok(soak.generated >= EVENTS, `generated ${soak.generated} events in ${(soakMs / 1000).toFixed(1)} s`)
    await page.getByText(soak.lastText).waitFor({ timeout: 10_000 })
    t.pass('the wall caught up with the last message')
    await page.waitForTimeout(2_000)
    const after = await measure(page, cdp)

    const mb = (bytes: number) => (bytes / MB).toFixed(2)
    t.comment(
      `heap before: ${mb(before.used)} MB (page reports ${mb(before.pageReported)} MB), ${before.domNodes} nodes`,
    )
    t.comment(`heap after:  ${mb(after.used)} MB (page reports ${mb(after.pageReported)} MB), ${after.domNodes} nodes`)
    t.ok(
      after.used < before.used + 10 * MB,
      `heap after < before + 10 MB (${mb(after.used)} < ${mb(before.used + 10 * MB)})`,
    )
    t.ok(after.used < before.used * 2, `heap after < 2× before (${mb(after.used)} < ${mb(before.used * 2)})`)
    t.ok(after.domNodes < before.domNodes * 2, `the DOM stays bounded (${before.domNodes} → ${after.domNodes} nodes)`)
    const cards = await page.getByTestId('wall-notice').count()
    t.ok(cards <= 3 + 2, `the pinned notices stay bounded (${cards} cards: the two seeded and three newest)`)
    t.same(pageErrors, [], 'no script errors')
    t.comment(`soak test took ${((Date.now() - started) / 1000).toFixed(1)} s`)
  })
}
