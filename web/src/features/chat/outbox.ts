/**
 * Messages waiting to be sent. Every send goes through here with its client key: it shows
 * as pending at once, is kept in localStorage (a reload does not lose it) and is retried
 * when the connection returns. The server is idempotent on the client key, so a retry of
 * a message that did arrive returns the same message instead of a copy.
 */
import { effect, signal } from '@preact/signals'
import { errorMessage } from '../../lib/errors'
import { me, socketStatus } from '../../lib/session'
import { chatApi, isTransient, type AttachmentInput, type MessageView, type SendInput } from './chat-api'

export interface PendingAttachment {
  kind: 'image' | 'video' | 'audio' | 'file' | 'location'
  name: string
}

export interface PendingSend {
  clientKey: string
  conversationId: number
  body: string
  replyToId?: number
  replyTo?: { authorName: string; excerpt: string }
  attachments: AttachmentInput[]
  /** A note for colleagues in a customer conversation, never sent to the customer. */
  isInternal?: boolean
  /** What to show for the attachments while the message waits. */
  labels: PendingAttachment[]
  createdAt: number
  /** Set when the server refused the message: it will not be retried by itself. */
  error?: string
}

export const pendingSends = signal<readonly PendingSend[]>([])

const RETRY_MS = 10_000
/** A request that hangs longer than this on a dying Wi-Fi link counts as failed. */
const SEND_TIMEOUT_MS = 20_000

type DeliveredListener = (message: MessageView) => void
const deliveredListeners = new Set<DeliveredListener>()

/** Called with the server's message each time a pending send is delivered. */
export function onDelivered(listener: DeliveredListener): () => void {
  deliveredListeners.add(listener)
  return () => deliveredListeners.delete(listener)
}

let storageKey: string | null = null

function save(): void {
  if (!storageKey) return
  try {
    if (pendingSends.value.length) localStorage.setItem(storageKey, JSON.stringify(pendingSends.value))
    else localStorage.removeItem(storageKey)
  } catch {
    // Private mode or a full store: the queue still works for this page's life.
  }
}

function load(key: string): PendingSend[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(key) ?? '[]') as unknown
    return Array.isArray(parsed)
      ? (parsed as PendingSend[]).filter((item) => typeof item?.clientKey === 'string' && item.conversationId > 0)
      : []
  } catch {
    return []
  }
}

function setQueue(next: readonly PendingSend[]): void {
  pendingSends.value = next
  save()
}

/** Queues a message and starts sending it. */
export function enqueue(item: Omit<PendingSend, 'createdAt'>): void {
  setQueue([...pendingSends.value, { ...item, createdAt: Date.now() }])
  void flush()
}

export function discard(clientKey: string): void {
  setQueue(pendingSends.value.filter((item) => item.clientKey !== clientKey))
}

/** Tries a refused message again (after the person fixed what was wrong, or just to try). */
export function retry(clientKey: string): void {
  setQueue(pendingSends.value.map((item) => (item.clientKey === clientKey ? { ...item, error: undefined } : item)))
  void flush()
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), SEND_TIMEOUT_MS)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}

let isFlushing = false
let retryTimer: ReturnType<typeof setTimeout> | null = null

function scheduleRetry(): void {
  if (retryTimer) return
  retryTimer = setTimeout(() => {
    retryTimer = null
    void flush()
  }, RETRY_MS)
}

/** Sends what is queued, oldest first; stops at the first failure that may pass by itself. */
export async function flush(): Promise<void> {
  if (isFlushing || !storageKey) return
  isFlushing = true
  try {
    for (;;) {
      const item = pendingSends.value.find((candidate) => !candidate.error)
      if (!item) return
      const input: SendInput = { body: item.body, clientKey: item.clientKey, attachments: item.attachments }
      if (item.replyToId) input.replyToId = item.replyToId
      if (item.isInternal) input.isInternal = true
      try {
        const message = await withTimeout(chatApi.send(item.conversationId, input))
        discard(item.clientKey)
        for (const listener of [...deliveredListeners]) listener(message)
      } catch (error) {
        if (!(error instanceof Error) || error.message === 'timeout' || isTransient(error)) {
          scheduleRetry()
          return
        }
        setQueue(
          pendingSends.value.map((queued) =>
            queued.clientKey === item.clientKey ? { ...queued, error: errorMessage(error) } : queued,
          ),
        )
      }
    }
  } finally {
    isFlushing = false
  }
}

/** Loads the signed-in member's queue and sends it whenever the connection comes back. */
export function startOutbox(): () => void {
  const memberId = me.value?.member.id
  if (!memberId) return () => undefined
  storageKey = `backboard.outbox.${memberId}`
  pendingSends.value = load(storageKey)
  const onOnline = () => void flush()
  window.addEventListener('online', onOnline)
  const stopEffect = effect(() => {
    if (socketStatus.value === 'open') void flush()
  })
  return () => {
    window.removeEventListener('online', onOnline)
    stopEffect()
    if (retryTimer) clearTimeout(retryTimer)
    retryTimer = null
    storageKey = null
    pendingSends.value = []
  }
}
