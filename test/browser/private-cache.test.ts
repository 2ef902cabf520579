/**
 * Private files and the browser's cache, in Chromium against the real built app: once a
 * member signs out, the photo they sent in a private channel cannot be fetched from the same
 * browser, not even from its cache, and not by the next person who signs in on that phone.
 * Needs `npm run build:web` first.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Page } from 'playwright-core'
import { isChromiumMissing, startAppAndBrowser, WEB_ROOT as webRoot } from '../helpers/browser'
import { tinyPng } from '../helpers/chat'

const OWNER_PASSWORD = 'flour and yeast at dawn'
const STAFF_PASSWORD = 'sourdough every morning'

interface Fetched {
  status: number
  length: number
  error?: string
}

/** Fetches `url` from inside the page with a cache mode; what came back, or the error. */
function fetchInPage(page: Page, url: string, cache: RequestCache = 'default'): Promise<Fetched> {
  return page.evaluate(
    async ({ url, cache }) => {
      try {
        const response = await fetch(url, { cache, mode: 'same-origin' })
        return { status: response.status, length: (await response.arrayBuffer()).byteLength }
      } catch (error) {
        return { status: 0, length: 0, error: String(error) }
      }
    },
    { url, cache },
  )
}

/** Whether an <img> of `url` loads in the page. */
function imageLoads(page: Page, url: string): Promise<boolean> {
  return page.evaluate(
    (url) =>
      new Promise<boolean>((resolve) => {
        const image = new Image()
        image.onload = () => resolve(true)
        image.onerror = () => resolve(false)
        image.src = url
      }),
    url,
  )
}

if (!isChromiumMissing(t)) {
  t.test('after signing out, a private file cannot be fetched from the same browser', async (t) => {
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web first)'))
      return
    const { base, browser } = await startAppAndBrowser(t, 'private-cache')
    const context = await browser.newContext({ baseURL: base, viewport: { width: 360, height: 740 }, isMobile: true })
    const expectOk = async <T extends { ok(): boolean; status(): number; text(): Promise<string> }>(
      response: Promise<T>,
    ): Promise<T> => {
      const result = await response
      if (!result.ok()) throw new Error(`request failed: ${result.status()} ${await result.text()}`)
      return result
    }

    // The shop, a staff member for later, and a private channel with the owner alone.
    await expectOk(
      context.request.post('/api/setup', {
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
      await expectOk(context.request.post('/api/invites', { data: { role: 'staff', expiresInHours: 24, maxUses: 1 } }))
    ).json()) as { code: string }
    const staffContext = await browser.newContext({ baseURL: base })
    await expectOk(
      staffContext.request.post('/api/join', {
        data: { code: invite.code, displayName: 'Bea Silva', username: 'bea', password: STAFF_PASSWORD },
      }),
    )
    await staffContext.close()
    const pending = (await (await context.request.get('/api/members?status=pending')).json()) as { id: number }[]
    await expectOk(context.request.post(`/api/members/${pending[0]?.id ?? 0}/approve`))
    const channel = (await (
      await expectOk(
        context.request.post('/api/conversations', {
          data: { kind: 'channel', name: 'takings', isPrivate: true, memberIds: [] },
        }),
      )
    ).json()) as { id: number }

    const page = await context.newPage()
    await page.goto('/')
    await page.getByRole('heading', { level: 1, name: /^Good (morning|afternoon|evening), Ana$/ }).waitFor()

    // The owner sends a photo of the till count to the private channel, from the page.
    const png = tinyPng(24, 16, [200, 180, 20])
    const fileUrl = await page.evaluate(
      async ({ bytes, channelId }) => {
        const uploaded = await fetch('/api/files?name=takings.png', {
          method: 'POST',
          headers: { 'content-type': 'image/png' },
          body: new Uint8Array(bytes),
        })
        const file = (await uploaded.json()) as { id: number; url: string }
        await fetch(`/api/conversations/${channelId}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ body: 'takings', clientKey: 'takings-1', attachments: [{ fileId: file.id }] }),
        })
        return file.url
      },
      { bytes: [...png], channelId: channel.id },
    )
    t.same(await fetchInPage(page, fileUrl), { status: 200, length: png.length }, 'the owner loads the photo')
    t.ok(await imageLoads(page, fileUrl), 'and shows it')
    t.same(
      await fetchInPage(page, fileUrl, 'force-cache'),
      { status: 200, length: png.length },
      'which the browser may keep while signed in',
    )

    // Signing out through the app.
    await page.goto('/account')
    await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor()
    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()

    // The cache first: a plain request's 401 would also evict the copy, hiding a cache that
    // was not cleared at sign-out.
    const cachedOnly = await fetchInPage(page, fileUrl, 'only-if-cached')
    t.not(cachedOnly.status, 200, 'the cache holds no copy any more')
    const forced = await fetchInPage(page, fileUrl, 'force-cache')
    t.equal(forced.status, 401, 'a request that prefers the cached copy is refused')
    t.not(forced.length, png.length, 'with no bytes of the photo')
    const fetched = await fetchInPage(page, fileUrl)
    t.equal(fetched.status, 401, 'so is a plain request')
    t.notOk(await imageLoads(page, fileUrl), 'an <img> of it does not load')

    // The next person signs in on the same phone: the photo is not theirs to see either.
    await page.getByLabel('Username').fill('bea')
    await page.getByLabel('Password', { exact: true }).fill(STAFF_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: /^Good (morning|afternoon|evening), Bea$/ }).waitFor()
    const nextPerson = await fetchInPage(page, fileUrl, 'force-cache')
    t.equal(nextPerson.status, 404, 'the next member gets "no such file", not the cached photo')
    t.notOk(await imageLoads(page, fileUrl), 'and sees no image')

    // Signed out by the server instead (a manager deactivates her): her own photo goes too,
    // although the browser still holds her old session cookie.
    const beaPhoto = tinyPng(20, 20, [20, 90, 160])
    const beaUrl = await page.evaluate(
      async (bytes) => {
        const uploaded = await fetch('/api/files?name=shelf.png', {
          method: 'POST',
          headers: { 'content-type': 'image/png' },
          body: new Uint8Array(bytes),
        })
        return ((await uploaded.json()) as { url: string }).url
      },
      [...beaPhoto],
    )
    t.same(await fetchInPage(page, beaUrl), { status: 200, length: beaPhoto.length }, 'Bea loads her photo')
    t.same(await fetchInPage(page, beaUrl, 'only-if-cached'), { status: 200, length: beaPhoto.length }, 'cached')
    const me = (await page.evaluate(async () => (await (await fetch('/api/me')).json()) as { member: { id: number } }))
      .member
    const ownerContext = await browser.newContext({ baseURL: base })
    await expectOk(
      ownerContext.request.post('/api/auth/login', { data: { username: 'ana', password: OWNER_PASSWORD } }),
    )
    const signedOutAnswer = page
      .waitForResponse((response) => response.url().endsWith('/api/auth/logout'), { timeout: 10_000 })
      .catch(() => null)
    await expectOk(ownerContext.request.post(`/api/members/${me.id}/deactivate`))
    await page.getByText('You have been signed out').waitFor()
    t.ok(await signedOutAnswer, 'the app asks the server to clear the cache')
    const kept = await fetchInPage(page, beaUrl, 'only-if-cached')
    t.not(kept.status, 200, 'the cache holds no copy of her photo any more')
    await ownerContext.close()
    await context.close()
  })
}
