/**
 * The service worker in Chromium: it registers, a push delivered to it (through the
 * DevTools protocol, since PushManager.subscribe cannot reach a push service offline)
 * shows a notification with the payload's title, body and tag, and tapping it opens the
 * conversation in the open page. Also: the app opens from the cache when the server is gone.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser } from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { CHROMIUM, isChromiumMissing, CHROMIUM_ARGS as ARGS, WEB_ROOT as webRoot } from '../helpers/browser'

if (!isChromiumMissing(t)) {
  t.test('a push shows a notification whose tap opens the conversation', async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-push-browser-'))
    const { app } = await buildApp({ config: loadConfig({ DATA_DIR: dataDir }), webRoot, logger: false })
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await app.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    })
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    const context = await browser.newContext({ baseURL: base, viewport: { width: 360, height: 740 } })
    await context.grantPermissions(['notifications'], { origin: base })
    const page = await context.newPage()

    const setup = await page.request.post('/api/setup', {
      data: {
        shopName: 'Corner Deli',
        timezone: 'Europe/London',
        displayName: 'Olive Owner',
        username: 'olive',
        password: 'pickles in the big jar',
      },
    })
    t.equal(setup.status(), 201)
    const channel = await page.request.post('/api/conversations', {
      data: { kind: 'channel', name: 'deli-counter', isPrivate: false },
    })
    const conversationId = ((await channel.json()) as { id: number }).id

    await page.goto('/')
    const isReady = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready
      return registration.active?.scriptURL ?? ''
    })
    t.match(isReady, /\/sw\.js$/, 'the service worker is registered and active')

    const cdp = await context.newCDPSession(page)
    const registrationId = await new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const found = registrations.find((r: { scopeURL: string; registrationId: string }) =>
          r.scopeURL.startsWith(base),
        )
        if (found) resolve(found.registrationId)
      })
      void cdp.send('ServiceWorker.enable')
    })
    const payload = {
      title: 'Maria in #deli-counter',
      body: 'The olives are in, can someone unpack them?',
      tag: `conversation-${conversationId}`,
      url: `/chat/${conversationId}?at=1`,
      icon: '/icons/icon-192.png',
      badge: '/icons/badge-72.png',
      isUrgent: false,
    }
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId, data: JSON.stringify(payload) })

    const notifications = await waitFor(async () => {
      const found = await page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
        })),
      )
      return found.length ? found : null
    })
    t.same(
      notifications,
      [{ title: payload.title, body: payload.body, tag: payload.tag }],
      'the notification shows the payload',
    )

    // Tapping: run the worker's notificationclick handler on the shown notification.
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'))
    const clicked = await worker.evaluate(async () => {
      try {
        // Runs inside the service worker, whose globals the Node-side types do not describe.
        const scope = self as unknown as {
          registration: { getNotifications(): Promise<Notification[]> }
          dispatchEvent(event: Event): boolean
          NotificationEvent: new (type: string, init: { notification: Notification }) => Event
        }
        const [notification] = await scope.registration.getNotifications()
        scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification: notification! }))
        return 'dispatched'
      } catch (error) {
        return String(error)
      }
    })
    t.equal(clicked, 'dispatched')
    await page.waitForFunction((url) => location.pathname + location.search === url, payload.url, { timeout: 5000 })
    t.pass('the tap opened the conversation in the open page')
    await page.getByRole('heading', { name: 'deli-counter' }).waitFor({ timeout: 5000 })

    // The app shell and the last data come from the cache when the server is gone.
    await page.goto('/board')
    await page.waitForLoadState('networkidle')
    await context.setOffline(true)
    await page.reload()
    await page.getByRole('heading', { name: 'Board', exact: true }).first().waitFor({ timeout: 5000 })
    t.notOk(
      await page.getByText('Backboard is not answering').isVisible(),
      'the app opens offline from the cached shell',
    )
    await context.setOffline(false)
  })
}

async function waitFor<T>(check: () => Promise<T | null>, ms = 5000): Promise<T> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const value = await check()
    if (value !== null) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('timed out')
}
