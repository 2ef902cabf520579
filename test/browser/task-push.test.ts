/**
 * A job's notification in Chromium: the push the server queued for a worker (its real
 * payload, delivered to the service worker through the DevTools protocol, since
 * PushManager.subscribe cannot reach a push service offline) shows a Take button; pressing
 * it takes the job from the service worker, with the session cookie and the app's origin,
 * without opening a window, and the notification is replaced by the result: "You have it"
 * for the winner, "Already taken by …" when someone was faster. Needs `npm run build:web`.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser, type CDPSession, type Worker } from 'playwright-core'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { PushPayload, QueuedPush } from '../../server/push/queue'
import { bodyOf, createMember, setupOwner } from '../helpers/app'
import { CHROMIUM, CHROMIUM_ARGS, isChromiumMissing, WEB_ROOT } from '../helpers/browser'
import { as, createChannel, newClientKey } from '../helpers/chat'
import { makeSubscription, startPushEndpoint } from '../helpers/push-endpoint'

interface Shown {
  title: string
  body: string
  tag: string
  actions: { action: string; title: string }[]
}

async function waitFor<T>(check: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const value = await check()
    if (value !== null) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('timed out')
}

if (!isChromiumMissing(t)) {
  t.test('a job’s notification takes the job from its Take button, and says who won', async (t) => {
    const webRoot = WEB_ROOT
    if (!t.ok(fs.existsSync(path.join(webRoot, 'index.html')), 'the web app is built (run npm run build:web)')) return
    t.setTimeout(180_000)
    const endpoint = await startPushEndpoint()
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-task-push-'))
    const { app, ctx } = await buildApp({
      config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      webRoot,
      logger: false,
      pushAgent: endpoint.agent,
      pushEndpoints: { allowEndpoint: endpoint.allows },
    })
    let browser: Browser | null = null
    t.teardown(async () => {
      await browser?.close()
      await app.close()
      await endpoint.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    })
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const owner = await setupOwner(app)
    const anna = await createMember(app, owner.cookie, { username: 'anna', displayName: 'Anna' })
    const ben = await createMember(app, owner.cookie, { username: 'ben', displayName: 'Ben' })
    const channelId = await createChannel(app, owner, 'floor', { members: [anna, ben] })
    // Anna's phone, as the server knows it: its pushes are queued with their real payload.
    const subscription = makeSubscription(endpoint.origin)
    const subscribed = await as(app, anna, 'POST', '/api/push/subscriptions', {
      endpoint: subscription.endpoint,
      keys: subscription.keys,
      deviceName: 'Anna’s phone',
    })
    t.equal(subscribed.statusCode, 201)
    // Her app is open in the test's browser; she said she is away, so she is pushed all the same.
    const away = await as(app, anna, 'PUT', '/api/me/status', { shiftStatus: 'away', untilMinutes: null })
    t.equal(away.statusCode, 200)

    const post = async (title: string) => {
      const response = await as(app, owner, 'POST', '/api/tasks', {
        conversationId: channelId,
        title,
        privateDetails: 'Customer: 0400 123 456',
        clientKey: newClientKey('push'),
      })
      if (response.statusCode !== 201) throw new Error(`task failed: ${response.body}`)
      return bodyOf<{ id: number }>(response).id
    }
    /** The payload the server queued for Anna's phone about a task. */
    const queuedFor = async (taskId: number): Promise<PushPayload> => {
      const rows = await ctx.db.selectFrom('outbox').select('payload').where('channel', '=', 'push').execute()
      const found = rows
        .map((row) => (JSON.parse(row.payload) as QueuedPush).payload)
        .find((payload) => payload.tag === `task-${taskId}`)
      if (!found) throw new Error(`no push queued about task ${taskId}`)
      return found
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const context = await browser.newContext({ baseURL: base, viewport: { width: 360, height: 740 } })
    await context.grantPermissions(['notifications'], { origin: base })
    const [name = '', value = ''] = anna.cookie.split(/=(.*)/s)
    await context.addCookies([{ name, value, url: base }])
    const page = await context.newPage()
    await page.goto('/')
    await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL)
    const cdp: CDPSession = await context.newCDPSession(page)
    const registrationId = await new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const found = registrations.find((r: { scopeURL: string; registrationId: string }) =>
          r.scopeURL.startsWith(base),
        )
        if (found) resolve(found.registrationId)
      })
      void cdp.send('ServiceWorker.enable')
    })
    const worker: Worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'))
    const shown = () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
          actions: [...((n as unknown as { actions?: { action: string; title: string }[] }).actions ?? [])].map(
            (a) => ({
              action: a.action,
              title: a.title,
            }),
          ),
        })),
      ) as Promise<Shown[]>
    const deliver = async (payload: PushPayload) => {
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: base,
        registrationId,
        data: JSON.stringify(payload),
      })
      return waitFor(
        async () => (await shown()).find((n) => n.tag === payload.tag && n.title === payload.title) ?? null,
      )
    }
    /** Presses the notification's button inside the service worker, as the phone would. */
    const press = (tag: string, action: string) =>
      worker.evaluate(
        async ({ tag, action }) => {
          const scope = self as unknown as {
            registration: { getNotifications(filter: { tag: string }): Promise<Notification[]> }
            dispatchEvent(event: Event): boolean
            NotificationEvent: new (type: string, init: { notification: Notification; action: string }) => Event
          }
          const [notification] = await scope.registration.getNotifications({ tag })
          scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification: notification!, action }))
        },
        { tag, action },
      )

    // 1. A new job: the notification has a Take button; pressing it takes the job.
    const tillId = await post('Fix the till')
    const tillPush = await queuedFor(tillId)
    t.notOk(JSON.stringify(tillPush).includes('0400'), 'the payload has no private details')
    const offered = await deliver(tillPush)
    t.same(offered.actions, [{ action: 'take', title: 'Take' }], 'the notification shows Take')
    const pagesBefore = context.pages().length
    await press(`task-${tillId}`, 'take')
    const result = await waitFor(async () => (await shown()).find((n) => n.title.startsWith('You have it')) ?? null)
    t.match(result, { title: 'You have it: Fix the till', tag: `task-${tillId}`, actions: [] })
    t.equal((await shown()).filter((n) => n.tag === `task-${tillId}`).length, 1, 'it replaced the one pressed')
    const till = bodyOf<{ takenBy: { displayName: string } | null }>(
      await as(app, owner, 'GET', `/api/tasks/${tillId}`),
    )
    t.equal(
      till.takenBy?.displayName,
      'Anna',
      'the job is Anna’s: the service worker’s request passed the origin check',
    )
    t.equal(context.pages().length, pagesBefore, 'no window was opened')

    // 2. Someone was faster: the notification says who.
    await as(app, anna, 'POST', `/api/tasks/${tillId}/release`)
    const floorId = await post('Sweep the floor')
    const floorPush = await queuedFor(floorId)
    await deliver(floorPush)
    t.equal((await as(app, ben, 'POST', `/api/tasks/${floorId}/take`)).statusCode, 200, 'Ben takes it first')
    await press(`task-${floorId}`, 'take')
    const lost = await waitFor(async () => (await shown()).find((n) => n.title.startsWith('Already taken')) ?? null)
    t.match(lost, { title: 'Already taken by Ben', body: 'Sweep the floor', tag: `task-${floorId}` })
    t.equal(context.pages().length, pagesBefore, 'still no window')
  })
}
