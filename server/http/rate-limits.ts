/**
 * Rate limits on writes. @fastify/rate-limit counts per member when signed in (per
 * address otherwise) and per route; a route may set its own `config.rateLimit`, tighter
 * for cheap writes anyone can loop (a reaction, a status, a read marker). Every other
 * write under /api gets DEFAULT_WRITE_LIMIT, so that a new route is limited unless it
 * says otherwise; `rateLimit: false` on a route is a decision, with its reason beside it.
 */
import type { App } from '../shared/app-types'

/** For any write route that declares no limit: ample for a person, a wall for a loop. */
export const DEFAULT_WRITE_LIMIT = { max: 120, timeWindow: 60_000 } as const

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function isWrite(method: string | string[]): boolean {
  return (Array.isArray(method) ? method : [method]).some((m) => WRITE_METHODS.has(m.toUpperCase()))
}

/**
 * Gives DEFAULT_WRITE_LIMIT to every write route under /api that declares no limit of
 * its own. Call before registering @fastify/rate-limit, whose own route hook must see it.
 */
export function registerDefaultWriteLimits(app: App): void {
  app.addHook('onRoute', (route) => {
    if (!isWrite(route.method) || !route.url.startsWith('/api/')) return
    if (route.config?.rateLimit !== undefined) return
    route.config = { ...route.config, rateLimit: { ...DEFAULT_WRITE_LIMIT } }
  })
}
