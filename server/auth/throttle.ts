/**
 * Login throttling that slows an attacker without locking the real member out.
 *
 * - per IP: many failures from one address block that address for any account;
 * - per account and IP: a few failures slow that address down for that account, with a
 *   back-off that doubles;
 * - per account: many failures from everywhere block the account.
 *
 * A device that has signed in to the account before (it holds that member's trusted-device
 * cookie) is not blocked by what others do: it passes the per-IP and per-account blocks,
 * and its own failures are counted apart from the address's. Behind a proxy every client
 * may share one address, and a guessing attack must not lock the owner out of their phone.
 *
 * Kept in memory: one process serves the shop, and a restart merely resets the counters.
 */
import type { Clock } from '../shared/clock'

const WINDOW_MS = 15 * 60_000
const MAX_PER_IP = 30
const FREE_PER_ACCOUNT_IP = 5
const MAX_PER_ACCOUNT_UNTRUSTED = 20
const MAX_ENTRIES = 10_000

interface Counter {
  failures: number
  firstAt: number
  blockedUntil: number
}

export interface ThrottleKey {
  ip: string
  username: string
  isTrustedDevice: boolean
}

export class LoginThrottle {
  private readonly byIp = new Map<string, Counter>()
  private readonly byAccountIp = new Map<string, Counter>()
  private readonly byAccount = new Map<string, Counter>()

  constructor(private readonly clock: Clock) {}

  /** Seconds to wait before another attempt is allowed, or 0. */
  retryAfter(key: ThrottleKey): number {
    const now = this.clock.now()
    const waits = [
      key.isTrustedDevice ? 0 : this.blockedFor(this.byIp, key.ip, now),
      this.blockedFor(this.byAccountIp, accountIp(key), now),
      key.isTrustedDevice ? 0 : this.blockedFor(this.byAccount, account(key), now),
    ]
    return Math.ceil(Math.max(...waits) / 1000)
  }

  recordFailure(key: ThrottleKey): void {
    const now = this.clock.now()
    if (!key.isTrustedDevice) {
      const ip = this.bump(this.byIp, key.ip, now)
      if (ip.failures >= MAX_PER_IP) ip.blockedUntil = ip.firstAt + WINDOW_MS
    }
    const pair = this.bump(this.byAccountIp, accountIp(key), now)
    if (pair.failures >= FREE_PER_ACCOUNT_IP) {
      const doublings = Math.min(pair.failures - FREE_PER_ACCOUNT_IP, 10)
      pair.blockedUntil = now + Math.min(1000 * 2 ** doublings, WINDOW_MS)
    }
    if (!key.isTrustedDevice) {
      const acc = this.bump(this.byAccount, account(key), now)
      if (acc.failures >= MAX_PER_ACCOUNT_UNTRUSTED) acc.blockedUntil = acc.firstAt + WINDOW_MS
    }
  }

  recordSuccess(key: ThrottleKey): void {
    this.byAccountIp.delete(accountIp(key))
  }

  private blockedFor(map: Map<string, Counter>, id: string, now: number): number {
    const counter = map.get(id)
    if (!counter) return 0
    if (now - counter.firstAt > WINDOW_MS && now >= counter.blockedUntil) {
      map.delete(id)
      return 0
    }
    return Math.max(0, counter.blockedUntil - now)
  }

  private bump(map: Map<string, Counter>, id: string, now: number): Counter {
    let counter = map.get(id)
    if (!counter || (now - counter.firstAt > WINDOW_MS && now >= counter.blockedUntil)) {
      if (map.size >= MAX_ENTRIES) this.prune(map, now)
      counter = { failures: 0, firstAt: now, blockedUntil: 0 }
      map.set(id, counter)
    }
    counter.failures += 1
    return counter
  }

  private prune(map: Map<string, Counter>, now: number): void {
    for (const [id, counter] of map) {
      if (now - counter.firstAt > WINDOW_MS && now >= counter.blockedUntil) map.delete(id)
    }
    // Still full: drop the oldest entries rather than grow without bound.
    for (const id of map.keys()) {
      if (map.size < MAX_ENTRIES * 0.9) break
      map.delete(id)
    }
  }
}

const account = (key: ThrottleKey) => key.username.toLowerCase()
// Counted apart, so that others' failures at a shared address never slow the member's own device.
const accountIp = (key: ThrottleKey) =>
  `${key.username.toLowerCase()}\u0000${key.ip}${key.isTrustedDevice ? '\u0000trusted' : ''}`
