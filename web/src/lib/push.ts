/**
 * Notifications on this device: registering the service worker, and turning Web Push on
 * and off. Browsers only allow it in a secure context (HTTPS, or localhost), and iPhones
 * only from an app added to the home screen; `pushSupport()` says which case applies.
 */
import { request } from './api'

export type PushSupport = 'ok' | 'insecure' | 'ios-not-installed' | 'unsupported' | 'denied'

export function isIos(): boolean {
  return (
    /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1)
  )
}

export function isStandalone(): boolean {
  return (
    window.matchMedia('(display-mode: standalone)').matches ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true
  )
}

export function pushSupport(): PushSupport {
  if (!window.isSecureContext) return 'insecure'
  if (isIos() && !isStandalone()) return 'ios-not-installed'
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return 'unsupported'
  if (Notification.permission === 'denied') return 'denied'
  return 'ok'
}

/** Registers the service worker once the page has loaded; harmless where unsupported. */
export function registerServiceWorker(onNavigate: (url: string) => void): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<{ kind?: string; url?: string }>) => {
    if (event.data?.kind === 'navigate' && event.data.url)
      onNavigate(new URL(event.data.url).pathname + new URL(event.data.url).search)
  })
  // With addEventListener, messages wait until this is called.
  navigator.serviceWorker.startMessages()
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined)
  })
}

function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(base64)
  const bytes = new Uint8Array(new ArrayBuffer(binary.length))
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** A readable name for this device, shown in the list of devices. */
export function deviceName(): string {
  const ua = navigator.userAgent
  const os = /Android/.test(ua)
    ? 'Android'
    : isIos()
      ? 'iPhone or iPad'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac/.test(ua)
          ? 'Mac'
          : /Linux/.test(ua)
            ? 'Linux'
            : 'Device'
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser'
  return `${browser} on ${os}`
}

export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!('serviceWorker' in navigator)) return null
  const registration = await navigator.serviceWorker.getRegistration('/')
  return (await registration?.pushManager.getSubscription()) ?? null
}

/** Asks for permission (call only from a tap) and subscribes this device. */
export async function enablePush(): Promise<void> {
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') throw new Error('permission-denied')
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' })
  await navigator.serviceWorker.ready
  const { publicKey } = await request<{ publicKey: string }>('GET', '/api/push/key')
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlToBytes(publicKey),
    }))
  const json = subscription.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } }
  await request('POST', '/api/push/subscriptions', {
    endpoint: json.endpoint,
    keys: json.keys,
    deviceName: deviceName(),
  })
}

export async function disablePush(subscriptionId: number | null): Promise<void> {
  const subscription = await currentSubscription()
  await subscription?.unsubscribe()
  if (subscriptionId !== null) await request('DELETE', `/api/push/subscriptions/${subscriptionId}`)
}
