/** The customers inbox counts, kept live: the badge on More → Customers and the inbox tabs. */
import { signal } from '@preact/signals'
import { subscribeLive } from '../../lib/live'
import { can, me } from '../../lib/session'
import { request } from '../../lib/api'
import type { CustomerCounts } from './customers-api'

export const customerCounts = signal<CustomerCounts | null>(null)

/** Events that can change who has unread messages or which tab a customer sits in. */
export const CUSTOMER_EVENTS = ['message.', 'customer.', 'conversation.', 'read.'] as const

export async function refreshCustomerCounts(): Promise<void> {
  if (!me.value || !can('customers.answer')) {
    customerCounts.value = null
    return
  }
  try {
    // The request itself, not the customers API: this module is in every first load.
    customerCounts.value = await request<CustomerCounts>('GET', '/api/customers/counts')
  } catch {
    // Keep the last known counts; the next event refreshes them.
  }
}

let timer: ReturnType<typeof setTimeout> | null = null
let stop: (() => void) | null = null

/** Bursts of events (a customer's album) make one request. */
function scheduleRefresh(): void {
  if (timer) clearTimeout(timer)
  timer = setTimeout(() => {
    timer = null
    void refreshCustomerCounts()
  }, 300)
}

export function trackCustomerCounts(): () => void {
  stop?.()
  void refreshCustomerCounts()
  stop = subscribeLive((event) => {
    if (event === null || CUSTOMER_EVENTS.some((prefix) => event.type.startsWith(prefix))) scheduleRefresh()
  })
  return () => {
    stop?.()
    stop = null
    if (timer) clearTimeout(timer)
  }
}
