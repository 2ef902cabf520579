/**
 * Xero's limits for one organisation, as pure bookkeeping driven by the caller's clock:
 * a rolling minute of call start times, a count per UTC day (Xero's day), the lower budgets
 * Xero's answer headers announce, and a hold after a 429. The client asks `earliest` when a
 * call may start, then `take`s that slot; nothing here waits or fetches.
 */

export const XERO_LIMITS = { inFlight: 5, perMinute: 60, perDay: 5000 } as const

const MINUTE_MS = 60_000

/** The UTC date a time falls on: Xero's daily limit resets at midnight UTC. */
export function utcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10)
}

export type SlotDecision = { kind: 'go'; at: number } | { kind: 'day' }

export interface RateHeaders {
  minuteRemaining: number | null
  dayRemaining: number | null
  /** How long a 429 asks to wait, in milliseconds. */
  retryAfterMs: number | null
  /** X-Rate-Limit-Problem on a 429: 'minute', 'day' or 'concurrent'. */
  problem: string | null
}

function count(value: string | null): number | null {
  if (value === null || value.trim() === '') return null
  const n = Number(value)
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : null
}

/** Reads Xero's rate headers; Retry-After may be seconds or an HTTP date. */
export function readRateHeaders(headers: { get(name: string): string | null }, now: number): RateHeaders {
  const retryAfter = headers.get('retry-after')
  let retryAfterMs: number | null = null
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) retryAfterMs = Math.max(0, seconds * 1000)
    else {
      const date = Date.parse(retryAfter)
      if (Number.isFinite(date)) retryAfterMs = Math.max(0, date - now)
    }
  }
  return {
    minuteRemaining: count(headers.get('x-minlimit-remaining')),
    dayRemaining: count(headers.get('x-daylimit-remaining')),
    retryAfterMs,
    problem: headers.get('x-rate-limit-problem')?.trim().toLowerCase() || null,
  }
}

export interface BudgetUsage {
  callsToday: number
  remainingToday: number
  remainingThisMinute: number
  heldUntil: number | null
}

export class TenantBudget {
  /** Start times of calls, ascending; a reserved slot may lie a few seconds ahead. */
  private starts: number[] = []
  private day: string
  private callsToday = 0
  private dayCap: number = XERO_LIMITS.perDay
  /** Xero said fewer calls are left this minute than we counted: at most `left` until `until`. */
  private minuteCap: { until: number; left: number } | null = null
  private heldUntil = 0

  constructor(
    now: number,
    private readonly limits: { perMinute: number; perDay: number } = XERO_LIMITS,
  ) {
    this.day = utcDay(now)
    this.dayCap = limits.perDay
  }

  private roll(now: number): void {
    const today = utcDay(now)
    if (today !== this.day) {
      this.day = today
      this.callsToday = 0
      this.dayCap = this.limits.perDay
    }
    while (this.starts.length > 0 && this.starts[0]! <= now - MINUTE_MS) this.starts.shift()
    if (this.minuteCap && this.minuteCap.until <= now) this.minuteCap = null
  }

  /** When the next call may start: now or later, or not today. Changes nothing but expiry. */
  earliest(now: number): SlotDecision {
    this.roll(now)
    if (this.callsToday >= this.dayCap) return { kind: 'day' }
    let at = Math.max(now, this.heldUntil)
    const last = this.starts.at(-1)
    // Slots go out in order, so the window only needs its oldest call that must drop out.
    if (last !== undefined) at = Math.max(at, last)
    if (this.starts.length >= this.limits.perMinute) {
      at = Math.max(at, this.starts[this.starts.length - this.limits.perMinute]! + MINUTE_MS)
    }
    if (this.minuteCap && this.minuteCap.left <= 0 && at < this.minuteCap.until) at = this.minuteCap.until
    return { kind: 'go', at }
  }

  /** Spends the slot `earliest` gave. */
  take(at: number): void {
    this.starts.push(at)
    this.callsToday += 1
    if (this.minuteCap && at < this.minuteCap.until) this.minuteCap.left -= 1
  }

  /** Lowers the budgets to what Xero's answer says is left; never raises them. */
  observe(headers: RateHeaders, now: number): void {
    this.roll(now)
    if (headers.dayRemaining !== null) {
      this.dayCap = Math.min(this.dayCap, this.callsToday + headers.dayRemaining)
    }
    if (headers.minuteRemaining !== null) {
      const counted = this.limits.perMinute - this.starts.filter((start) => start <= now).length
      if (headers.minuteRemaining < counted) {
        this.minuteCap = { until: now + MINUTE_MS, left: headers.minuteRemaining }
      }
    }
    if (headers.problem === 'day') this.dayCap = Math.min(this.dayCap, this.callsToday)
  }

  /** After a 429: no call to this organisation starts before `until`. */
  hold(until: number): void {
    this.heldUntil = Math.max(this.heldUntil, until)
  }

  usage(now: number): BudgetUsage {
    this.roll(now)
    let remainingThisMinute = Math.max(0, this.limits.perMinute - this.starts.length)
    if (this.minuteCap) remainingThisMinute = Math.min(remainingThisMinute, Math.max(0, this.minuteCap.left))
    return {
      callsToday: this.callsToday,
      remainingToday: Math.max(0, this.dayCap - this.callsToday),
      remainingThisMinute,
      heldUntil: this.heldUntil > now ? this.heldUntil : null,
    }
  }
}
