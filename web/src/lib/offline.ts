/**
 * Opening without a connection: whether what the app shows came from the service worker's
 * copies (the "offline" banner until the live connection is back), and handing the worker
 * what the first visit loaded before it was in control.
 */
import { signal } from '@preact/signals'

/** Set by the service worker (web/src/sw.ts) on an answer it served from its cache. */
const CACHED_ANSWER_HEADER = 'x-backboard-cached'

/** True from the first answer served from the cache until the app is live again. */
export const isShowingCached = signal(false)

export function noteAnswer(response: Response): void {
  if (response.headers.has(CACHED_ANSWER_HEADER)) isShowingCached.value = true
}

function askWorkerToKeep(urls: string[]): void {
  navigator.serviceWorker.controller?.postMessage({ kind: 'keep-loaded', urls })
}

/**
 * The worker takes over the first visit only after its scripts and reads were fetched, so
 * it never saw them; once it is in control it is told which they were, and keeps them.
 */
let isWatchingForWorker = false

export function keepFirstVisitForOffline(): void {
  if (isWatchingForWorker || !('serviceWorker' in navigator) || navigator.serviceWorker.controller) return
  isWatchingForWorker = true
  navigator.serviceWorker.addEventListener(
    'controllerchange',
    () => {
      const urls = performance
        .getEntriesByType('resource')
        .map((entry) => entry.name)
        .filter((url) => url.startsWith(location.origin + '/'))
      askWorkerToKeep([...urls, '/api/setup', '/api/me'])
    },
    { once: true },
  )
}

/**
 * Signing in answers with who we are, so the reads a start needs (and that the worker
 * dropped with the last session) are not fetched again until the next start: kept now.
 */
export function keepSessionForOffline(): void {
  if ('serviceWorker' in navigator) askWorkerToKeep(['/api/setup', '/api/me'])
}
