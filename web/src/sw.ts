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
/** Reads kept for offline: what the first screens need. */
const CACHED_READS = [
  /^\/api\/me$/,
  /^\/api\/setup$/,
  /^\/api\/conversations$/,
  /^\/api\/notices$/,
  /^\/api\/conversations\/\d+\/messages$/,
  /^\/api\/directory$/,
  /^\/api\/pages(\/\d+)?$/,
]

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

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (request.mode === 'navigate') {
    // Pages: the network first; offline, the cached shell (the app routes by itself).
    event.respondWith(fetch(request).catch(async () => (await caches.match('/')) ?? Response.error()))
    return
  }
  if (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/icons/')) {
    event.respondWith(
      (async () => {
        const cached = await caches.match(request)
        if (cached) return cached
        const response = await fetch(request)
        if (response.ok) (await caches.open(SHELL_CACHE)).put(request, response.clone())
        return response
      })(),
    )
    return
  }
  if (CACHED_READS.some((pattern) => pattern.test(url.pathname))) {
    // Data: always fresh when online; the last answer when offline.
    event.respondWith(
      (async () => {
        try {
          const response = await fetch(request)
          if (response.ok) (await caches.open(DATA_CACHE)).put(request, response.clone())
          return response
        } catch {
          return (await caches.match(request)) ?? Response.error()
        }
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
    badge: notification.badge,
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
