/// <reference lib="webworker" />
/**
 * The service worker: shows pushes (with their buttons), opens the right page when one is
 * tapped, takes a job from its notification's Take button without opening the app, renews
 * the subscription when the browser rotates it, and keeps the app shell and the last data
 * so the app opens without the network and shows what it last had.
 */
import { isTaskNotificationData, takeFromNotification } from './sw-take'

declare const self: ServiceWorkerGlobalScope

const SHELL_CACHE = 'backboard-shell-v1'
const DATA_CACHE = 'backboard-data-v1'
/** Reads kept for offline: what the board, chats, directory, pages and tasks need to draw. */
const CACHED_READS = [
  /^\/api\/me$/,
  /^\/api\/setup$/,
  /^\/api\/conversations$/,
  /^\/api\/conversations\/\d+$/,
  /^\/api\/notices$/,
  /^\/api\/conversations\/\d+\/messages$/,
  /^\/api\/directory$/,
  /^\/api\/pages(\/\d+)?$/,
  /^\/api\/members$/,
  /^\/api\/presence$/,
  /^\/api\/tasks$/,
  /^\/api\/tasks\/\d+$/,
  /^\/api\/task-queues$/,
  /^\/api\/task-settings$/,
]
/** After these the browser holds another session (or none): what was kept is someone else's. */
const SESSION_CHANGES = /^\/api\/(auth\/login|auth\/logout|setup|join)$/
/** Marks an answer served from DATA_CACHE, so the app can say it is showing older data. */
const CACHED_ANSWER_HEADER = 'x-backboard-cached'
/** A network that neither answers nor fails (weak Wi-Fi) falls back to the cache after this. */
const NETWORK_TIMEOUT_MS = 8_000

interface PushPayload {
  title: string
  body: string
  tag: string
  url: string
  icon: string
  badge: string
  isUrgent: boolean
  actions?: { action: string; title: string }[]
  data?: Record<string, unknown>
}

/** The shell: index.html and every script and style it names, fetched fresh at install. */
async function cacheShell(): Promise<void> {
  const cache = await caches.open(SHELL_CACHE)
  const response = await fetch('/', { cache: 'no-store' })
  if (!response.ok) return
  const html = await response.clone().text()
  const assets = [...html.matchAll(/(?:src|href)="(\/(?:assets|icons)\/[^"]+|\/manifest\.webmanifest)"/g)].map(
    (m) => m[1] as string,
  )
  await cache.put('/', response)
  await cache.addAll([...new Set(assets)])
}

self.addEventListener('install', (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== SHELL_CACHE && key !== DATA_CACHE) await caches.delete(key)
      await self.clients.claim()
    })(),
  )
})

function isAsset(pathname: string): boolean {
  return pathname.startsWith('/assets/') || pathname.startsWith('/icons/')
}

function isCachedRead(pathname: string): boolean {
  return CACHED_READS.some((pattern) => pattern.test(pathname))
}

function withTimeout(pending: Promise<Response>): Promise<Response> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('network timeout')), NETWORK_TIMEOUT_MS)
    pending.then(resolve, reject).finally(() => clearTimeout(timer))
  })
}

async function memberIdOf(response: Response): Promise<number | null> {
  try {
    const body = (await response.json()) as { member?: { id?: unknown } }
    return typeof body.member?.id === 'number' ? body.member.id : null
  } catch {
    return null
  }
}

/**
 * Keeps a fresh answer for offline use, and never beside another member's: a different member
 * in /api/me, a setup answer without a session, or any 401 empties DATA_CACHE first.
 */
async function keepAnswer(request: Request, response: Response): Promise<void> {
  const pathname = new URL(request.url).pathname
  if (response.status === 401) {
    await caches.delete(DATA_CACHE)
    return
  }
  if (!response.ok) return
  if (pathname === '/api/setup') {
    const status = (await response.clone().json()) as { hasSession?: unknown }
    if (status.hasSession !== true) {
      await caches.delete(DATA_CACHE)
      return
    }
  }
  if (pathname === '/api/me') {
    const kept = await (await caches.open(DATA_CACHE)).match('/api/me')
    if (kept && (await memberIdOf(kept)) !== (await memberIdOf(response.clone()))) await caches.delete(DATA_CACHE)
  }
  await (await caches.open(DATA_CACHE)).put(request, response)
}

/** The cached answer, marked as such, or a network error when nothing was kept. */
async function cachedAnswer(request: Request): Promise<Response> {
  const cached = await (await caches.open(DATA_CACHE)).match(request)
  if (!cached) return Response.error()
  const headers = new Headers(cached.headers)
  headers.set(CACHED_ANSWER_HEADER, '1')
  return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers })
}

async function assetFirstFromCache(request: Request): Promise<Response> {
  const cached = await caches.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) await (await caches.open(SHELL_CACHE)).put(request, response.clone())
  return response
}

/**
 * The files and reads a page loaded before this worker controlled it (the first visit): kept
 * now, or the first start without a connection would find neither its pages nor its data.
 */
async function keepLoaded(urls: string[]): Promise<void> {
  const unique = new Set(urls.map((text) => new URL(text, self.location.origin).href))
  for (const href of unique) {
    const url = new URL(href)
    if (url.origin !== self.location.origin) continue
    try {
      if (isAsset(url.pathname)) await assetFirstFromCache(new Request(url))
      else if (isCachedRead(url.pathname)) {
        const request = new Request(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        await keepAnswer(request, await fetch(request))
      }
    } catch {
      // Offline already: what could not be kept now is kept on the next visit.
    }
  }
}

self.addEventListener('message', (event) => {
  const data = event.data as { kind?: unknown; urls?: unknown } | null
  if (data?.kind !== 'keep-loaded' || !Array.isArray(data.urls)) return
  event.waitUntil(keepLoaded(data.urls.filter((url): url is string => typeof url === 'string')))
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.method !== 'GET') {
    if (SESSION_CHANGES.test(url.pathname)) event.waitUntil(caches.delete(DATA_CACHE))
    return
  }
  if (request.mode === 'navigate') {
    // Pages: the network first; offline, the cached shell (the app routes by itself).
    event.respondWith(withTimeout(fetch(request)).catch(async () => (await caches.match('/')) ?? Response.error()))
    return
  }
  if (isAsset(url.pathname)) {
    event.respondWith(assetFirstFromCache(request))
    return
  }
  if (isCachedRead(url.pathname)) {
    // Data: always fresh when online; the last answer, marked as such, when offline.
    event.respondWith(
      (async () => {
        let response: Response
        try {
          response = await withTimeout(fetch(request))
        } catch {
          return cachedAnswer(request)
        }
        event.waitUntil(keepAnswer(request, response.clone()))
        return response
      })(),
    )
  }
})

self.addEventListener('push', (event) => {
  let payload: PushPayload
  try {
    payload = event.data?.json() as PushPayload
  } catch {
    payload = {
      title: 'Backboard',
      body: event.data?.text() ?? '',
      tag: 'backboard',
      url: '/',
      icon: '/icons/icon-192.png',
      badge: '/icons/badge-72.png',
      isUrgent: false,
    }
  }
  event.waitUntil(
    self.registration.showNotification(payload.title, {
      body: payload.body,
      icon: payload.icon,
      badge: payload.badge,
      tag: payload.tag,
      // A newer push in the same conversation replaces the old one, and still alerts.
      renotify: true,
      requireInteraction: payload.isUrgent,
      actions: payload.actions ?? [],
      data: { ...payload.data, url: payload.url },
    } as NotificationOptions),
  )
})

/** A job's Take button: the job is taken here, and the notification says how that went. */
async function takeAndTell(notification: Notification): Promise<void> {
  const data = notification.data as unknown
  if (!isTaskNotificationData(data)) return
  const result = await takeFromNotification(fetch, data, notification.title)
  // The same tag replaces the notification; tapping the new one opens the job.
  await self.registration.showNotification(result.title, {
    body: result.body,
    icon: notification.icon,
    // Chromium has Notification.badge; not every TypeScript DOM library lists it.
    badge: (notification as Notification & { badge?: string }).badge,
    tag: notification.tag,
    silent: true,
    data: { url: (data as { url?: string }).url ?? `/tasks/${data.taskId}` },
  })
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  if (event.action === 'take') {
    event.waitUntil(takeAndTell(event.notification))
    return
  }
  const url = new URL((event.notification.data as { url?: string } | null)?.url ?? '/', self.location.origin).href
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin)
      if (open) {
        // The app navigates in place (no reload) when told where to go.
        open.postMessage({ kind: 'navigate', url })
        await open.focus().catch(() => undefined)
        return
      }
      await self.clients.openWindow(url)
    })(),
  )
})

self.addEventListener('pushsubscriptionchange', (event) => {
  const change = event as Event & {
    oldSubscription?: PushSubscription
    newSubscription?: PushSubscription
    waitUntil(p: Promise<unknown>): void
  }
  change.waitUntil(
    (async () => {
      const key = await fetch('/api/push/key', { credentials: 'same-origin' }).then(
        (r) => r.json() as Promise<{ publicKey: string }>,
      )
      const subscription =
        change.newSubscription ??
        (await self.registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: base64UrlToBytes(key.publicKey),
        }))
      const json = subscription.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } }
      await fetch('/api/push/subscriptions', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint: json.endpoint, keys: json.keys, deviceName: 'Renewed subscription' }),
      })
    })(),
  )
})

function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(base64)
  const bytes = new Uint8Array(new ArrayBuffer(binary.length))
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export {}
