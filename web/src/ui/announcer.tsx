/**
 * One polite live region for the whole app. Screen readers announce changes to a region
 * that already exists, not one inserted with its text, so news ("New message from Maria"),
 * confirmations and the connection state all go through this one element.
 */
import { signal } from '@preact/signals'

const announcement = signal('')
let clearTimer: ReturnType<typeof setTimeout> | undefined

/** Reads `text` out to screen-reader users, once, without moving focus. */
export function announce(text: string): void {
  // Emptied first, so the same words twice in a row are still read twice.
  announcement.value = ''
  setTimeout(() => (announcement.value = text), 50)
  clearTimeout(clearTimer)
  clearTimer = setTimeout(() => (announcement.value = ''), 10_000)
}

export function Announcer() {
  return (
    <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {announcement.value}
    </div>
  )
}
