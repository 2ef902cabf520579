/** How many join requests wait for approval: a badge on the Members tab and a card on Home. */
import { signal } from '@preact/signals'
import { api } from '../../lib/api'
import { subscribeLive } from '../../lib/live'
import { can, me } from '../../lib/session'

export const pendingCount = signal(0)

export async function refreshPendingCount(): Promise<void> {
  if (!me.value || !can('members.manage')) {
    pendingCount.value = 0
    return
  }
  try {
    pendingCount.value = (await api.members('pending')).length
  } catch {
    // Keep the last known count; the next event refreshes it.
  }
}

let stop: (() => void) | null = null

export function trackPendingCount(): () => void {
  stop?.()
  void refreshPendingCount()
  stop = subscribeLive((event) => {
    if (event === null || event.type.startsWith('member.')) void refreshPendingCount()
  })
  return () => {
    stop?.()
    stop = null
  }
}
