/**
 * The web app's weight as a phone receives it: compressed JavaScript transferred on the
 * first load of the sign-in page, the join page and a signed-in staff member's board,
 * against size budgets (bytes, never a timing); and a repeat visit that asks the server
 * for no hashed asset. Service workers are blocked so that only the HTTP cache answers.
 * Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import type { APIResponse, BrowserContext, Page } from 'playwright-core'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT as webRoot } from '../helpers/browser'

const KB = 1000
/** Compressed JavaScript on the first load of a signed-out page (sign-in, join, setup). */
const SIGNED_OUT_BUDGET = 50 * KB
/** Compressed JavaScript on the first load of the staff app's board. */
const BOARD_BUDGET = 100 * KB
const OWNER_PASSWORD = 'flour and yeast at dawn'
const STAFF_PASSWORD = 'sourdough every morning'

interface ScriptLoad {
  name: string
  /** Bytes of body on the wire (compressed when the server compressed it). */
  encoded: number
  /** Bytes of the script itself. */
  decoded: number
}

/** The scripts a page fetched, as Resource Timing reports them, once its network is quiet. */
async function scriptsLoaded(page: Page): Promise<ScriptLoad[]> {
  await page.waitForLoadState('networkidle')
  return page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((entry) => new URL(entry.name).pathname.endsWith('.js'))
      .map((entry) => ({
        name: new URL(entry.name).pathname,
        encoded: entry.encodedBodySize,
        decoded: entry.decodedBodySize,
      })),
  )
}

function total(scripts: ScriptLoad[], key: 'encoded' | 'decoded'): number {
  return scripts.reduce((sum, script) => sum + script[key], 0)
}

/** Checks one first load against its budget and that every script came compressed. */
function checkLoad(t: Test, what: string, scripts: ScriptLoad[], budget: number): void {
  const encoded = total(scripts, 'encoded')
  t.comment(`${what}: ${scripts.length} scripts, ${encoded} B compressed (${total(scripts, 'decoded')} B as scripts)`)
  t.ok(scripts.length > 0, `${what} loads its scripts`)
  for (const script of scripts) {
    t.ok(script.encoded < script.decoded, `${what}: ${script.name} arrives compressed`)
  }
  t.ok(encoded <= budget, `${what}: ${encoded} B of compressed JavaScript, within ${budget} B`)
}

async function expectOk(response: Promise<APIResponse>): Promise<APIResponse> {
  const done = await response
  if (!done.ok()) throw new Error(`${done.url()} answered ${done.status()}`)
  return done
}

if (!isChromiumMissing(t)) {
  t.test('first loads stay within their compressed budgets; repeat visits fetch no hashed asset', async (t) => {
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const { app, base, browser } = await startAppAndBrowser(t, 'web-budget')
    /** Every path the server is asked for, whatever route answers it. */
    const requested: string[] = []
    app.server.on('request', (request: { url?: string }) => requested.push(request.url ?? ''))
    const phone = { baseURL: base, viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }
    const newPhone = (): Promise<BrowserContext> => browser.newContext({ ...phone, serviceWorkers: 'block' })

    // Setup, on a phone that has never seen the app.
    const setupContext = await newPhone()
    const setupPage = await setupContext.newPage()
    await setupPage.goto('/')
    await setupPage.locator('h1').first().waitFor()
    checkLoad(t, 'the setup page', await scriptsLoaded(setupPage), SIGNED_OUT_BUDGET)
    await setupContext.close()

    const owner = await browser.newContext({ baseURL: base })
    await expectOk(
      owner.request.post('/api/setup', {
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
      await expectOk(owner.request.post('/api/invites', { data: { role: 'staff', expiresInHours: 24, maxUses: 1 } }))
    ).json()) as { code: string }

    const signIn = await newPhone()
    const signInPage = await signIn.newPage()
    await signInPage.goto('/login')
    await signInPage.locator('input[type=password]').waitFor()
    checkLoad(t, 'the sign-in page', await scriptsLoaded(signInPage), SIGNED_OUT_BUDGET)
    await signIn.close()

    const staff = await newPhone()
    const joinPage = await staff.newPage()
    await joinPage.goto(`/join/${invite.code}`)
    await joinPage.locator('input[type=password]').first().waitFor()
    checkLoad(t, 'the join page', await scriptsLoaded(joinPage), SIGNED_OUT_BUDGET)
    await joinPage.close()

    await expectOk(
      staff.request.post('/api/join', {
        data: { code: invite.code, displayName: 'Bea Silva', username: 'bea', password: STAFF_PASSWORD },
      }),
    )
    const pending = (await (await owner.request.get('/api/members?status=pending')).json()) as { id: number }[]
    await expectOk(owner.request.post(`/api/members/${pending[0]?.id ?? 0}/approve`))
    await expectOk(staff.request.post('/api/auth/login', { data: { username: 'bea', password: STAFF_PASSWORD } }))

    // The board on a phone whose cache is empty (a new context), signed in as the staff member.
    const board = await browser.newContext({
      ...phone,
      serviceWorkers: 'block',
      storageState: await staff.storageState(),
    })
    const boardPage = await board.newPage()
    await boardPage.goto('/board')
    await boardPage.locator('.tab-link').first().waitFor()
    await boardPage.locator('main h1').first().waitFor()
    const boardScripts = await scriptsLoaded(boardPage)
    checkLoad(t, 'the staff board', boardScripts, BOARD_BUDGET)
    await boardPage.close()

    // A repeat visit: the same phone opens the app again; hashed assets come from its cache.
    requested.length = 0
    const again = await board.newPage()
    await again.goto('/board')
    await again.locator('main h1').first().waitFor()
    await again.waitForLoadState('networkidle')
    const assetsAsked = requested.filter((url) => url.startsWith('/assets/'))
    t.ok(requested.length > 0, 'the repeat visit reached the server (for the page and its data)')
    t.same(assetsAsked, [], 'the repeat visit asks the server for no hashed asset')
    await board.close()
    await staff.close()
    await owner.close()
  })
}
