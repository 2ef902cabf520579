/**
 * How the shop answers customers over a period. Requests, not people: a customer who comes
 * back after the quiet period (episodes) counts again, so the figures say how many times
 * someone needed help.
 */
import type { AppContext } from '../shared/context'
import type { Actor } from '../auth/actor'
import { assertAnswerer } from './service'

export interface CustomerStats {
  days: number
  /** Requests (a customer's episode) with a first message in the period. */
  requests: number
  /** Distinct customers among them. */
  customers: number
  messagesIn: number
  repliesOut: number
  /** Requests that got a reply, and the time from the customer's first message to it. */
  answered: number
  firstReplyMedianMs: number | null
  firstReplyP90Ms: number | null
  satisfaction: { up: number; down: number }
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null
}

export async function customerStats(ctx: AppContext, actor: Actor, days: number): Promise<CustomerStats> {
  assertAnswerer(actor)
  const since = ctx.clock.now() - days * 86_400_000
  const rows = await ctx.db
    .selectFrom('customer_message')
    .select(['customer_id', 'episode', 'direction', 'is_internal', 'created_at'])
    .where('created_at', '>=', since)
    .orderBy('created_at')
    .limit(200_000)
    .execute()
  const firstIn = new Map<string, number>()
  const firstOut = new Map<string, number>()
  let messagesIn = 0
  let repliesOut = 0
  for (const row of rows) {
    const key = `${row.customer_id}:${row.episode}`
    if (row.direction === 'in') {
      messagesIn++
      if (!firstIn.has(key)) firstIn.set(key, row.created_at)
    } else if (row.is_internal === 0) {
      repliesOut++
      if (firstIn.has(key) && !firstOut.has(key)) firstOut.set(key, row.created_at)
    }
  }
  const waits = [...firstOut].map(([key, at]) => at - (firstIn.get(key) ?? at)).sort((a, b) => a - b)
  const rated = await ctx.db
    .selectFrom('customer')
    .select(['satisfaction'])
    .where('last_contact_at', '>=', since)
    .where('satisfaction', 'is not', null)
    .execute()
  return {
    days,
    requests: firstIn.size,
    customers: new Set([...firstIn.keys()].map((key) => key.split(':')[0])).size,
    messagesIn,
    repliesOut,
    answered: waits.length,
    firstReplyMedianMs: quantile(waits, 0.5),
    firstReplyP90Ms: quantile(waits, 0.9),
    satisfaction: {
      up: rated.filter((r) => r.satisfaction === 'up').length,
      down: rated.filter((r) => r.satisfaction === 'down').length,
    },
  }
}
