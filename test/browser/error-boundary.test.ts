/**
 * One bad item cannot blank a page: notices stored before times were bounded (an expiry in
 * the year 287,000, a creation time past what a Date holds) are written straight into the
 * database, and the board, the board's conversation and a channel in chat still show
 * everything else and still work. Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { APIResponse } from 'playwright-core'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT } from '../helpers/browser'

const ABSURD = 9_000_000_000_000_000
const GOOD_TITLES = ['Fire drill on Friday at 10', 'Bread delivery moved to 6:30']
const ABSURD_EXPIRY_TITLE = 'Holiday rota is on the office door'
const ABSURD_CREATED_TITLE = 'Ladder inspection overdue'

async function ok(response: Promise<APIResponse>): Promise<APIResponse> {
  const answer = await response
  if (!answer.ok()) throw new Error(`${answer.url()}: ${answer.status()} ${await answer.text()}`)
  return answer
}

if (!isChromiumMissing(t)) {
  t.test('a notice with an absurd time leaves the board and chat working', async (t) => {
    if (!t.ok(fs.existsSync(path.join(WEB_ROOT, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const { ctx, base, browser } = await startAppAndBrowser(t, 'error-boundary')
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
    await ok(
      context.request.post('/api/setup', {
        data: {
          shopName: 'Corner Hardware',
          timezone: 'Europe/London',
          displayName: 'Olive Owner',
          username: 'olive',
          password: 'owner counts the till',
        },
      }),
    )
    let keys = 0
    const postNotice = async (title: string) => {
      const response = await ok(
        context.request.post('/api/notices', {
          data: { title, body: `About: ${title}`, clientKey: `boundary-notice-${++keys}`, mustAcknowledge: true },
        }),
      )
      return ((await response.json()) as { id: number; conversationId: number }).id
    }
    // The damaged ones come first, so the newest message (chat's list preview) is a sound one.
    const absurdCreated = await postNotice(ABSURD_CREATED_TITLE)
    const absurdExpiry = await postNotice(ABSURD_EXPIRY_TITLE)
    for (const title of GOOD_TITLES) await postNotice(title)
    // As old data, written before the API bounded times.
    await ctx.db
      .updateTable('notice')
      .set({ expires_at: ABSURD, acknowledge_by: ABSURD })
      .where('message_id', '=', absurdExpiry)
      .execute()
    await ctx.db.updateTable('message').set({ created_at: ABSURD }).where('id', '=', absurdCreated).execute()
    const boardId = (
      await ctx.db.selectFrom('conversation').select('id').where('kind', '=', 'board').executeTakeFirstOrThrow()
    ).id
    const channel = (await (
      await ok(
        context.request.post('/api/conversations', { data: { kind: 'channel', name: 'front-desk', isPrivate: false } }),
      )
    ).json()) as { id: number }

    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))

    // The board: every sound notice is there, the damaged ones do not take it down.
    await page.goto('/board')
    await page.getByRole('heading', { level: 1, name: 'Board' }).waitFor()
    for (const title of GOOD_TITLES) await page.getByRole('heading', { name: title }).waitFor({ timeout: 5_000 })
    t.pass('the board shows the other notices')
    const expiring = page.locator('article', { has: page.getByRole('heading', { name: ABSURD_EXPIRY_TITLE }) })
    await expiring.waitFor({ timeout: 5_000 })
    t.match(await expiring.textContent(), /Comes down —/, 'an absurd expiry shows as a dash')
    t.ok(
      await page.getByText('This item could not be shown.').first().isVisible(),
      'an item that cannot be drawn is replaced by a short note',
    )
    t.equal(
      await page.getByRole('heading', { name: ABSURD_CREATED_TITLE }).count(),
      0,
      'the item that cannot be drawn is not half drawn',
    )
    await postNotice('Staff meeting moved to Monday')
    await page.getByRole('heading', { name: 'Staff meeting moved to Monday' }).waitFor({ timeout: 5_000 })
    t.pass('the board still works: a new notice arrives live')

    // The board's conversation in chat: its messages and day separators survive too.
    await page.goto(`/chat/${boardId}`)
    for (const title of GOOD_TITLES) await page.getByText(title).first().waitFor({ timeout: 5_000 })
    t.pass('the board conversation shows the other notices')
    await page.getByText('This item could not be shown.').first().waitFor({ timeout: 5_000 })
    t.pass('the message that cannot be drawn is replaced by a note in chat too')

    // A channel: sending works as ever.
    await page.goto('/chat')
    await page.getByRole('link', { name: /front-desk/ }).waitFor({ timeout: 5_000 })
    await page.goto(`/chat/${channel.id}`)
    const text = `Till 2 is open ${Date.now()}`
    await page.getByLabel('Message', { exact: true }).fill(text)
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('.msg-mine:not(.msg-pending)', { hasText: text }).first().waitFor({ timeout: 5_000 })
    t.pass('a message is sent and shown in chat')
    t.same(
      pageErrors.filter((message) => /Invalid time value/.test(message)),
      [],
      'no uncaught invalid-date error reaches the page',
    )
  })
}
