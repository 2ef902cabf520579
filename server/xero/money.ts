/**
 * Amounts and days as cards show them. Days are plain calendar dates ('2026-12-03'): Xero's
 * Date and DueDate are calendar dates sent as midnight UTC, so they are read as written and
 * never moved into the shop's zone, which would show them a day early west of Greenwich.
 * Only "now" is turned into a day in the shop's zone.
 */

/** A calendar date, 'YYYY-MM-DD'. */
export type Day = string

const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/
const ISO_DAY = /^(\d{4}-\d{2}-\d{2})(?:T[\d:.]+)?$/

/** The day a Xero date field names, from "/Date(1700000000000+0000)/" or an ISO string; null when unreadable. */
export function xeroDay(value: unknown, timezone: string): Day | null {
  if (typeof value !== 'string') return null
  const ms = MS_DATE.exec(value)
  if (ms) {
    const offset = ms[2] ?? '+0000'
    const sign = offset.startsWith('-') ? -1 : 1
    const minutes = Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5))
    return new Date(Number(ms[1]) + sign * minutes * 60_000).toISOString().slice(0, 10)
  }
  // Without a zone the string is the calendar date itself.
  const plain = ISO_DAY.exec(value)
  if (plain) return plain[1]!
  // With a zone it is an instant: the shop's day at that moment.
  const instant = Date.parse(value)
  return Number.isNaN(instant) ? null : dayIn(instant, timezone)
}

/** The calendar day in `timezone` at `ms`. */
export function dayIn(ms: number, timezone: string): Day {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(ms)
    .slice(0, 10)
}

function dayToUtc(day: Day): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)))
}

export function addDays(day: Day, days: number): Day {
  return new Date(dayToUtc(day) + days * 86_400_000).toISOString().slice(0, 10)
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: Day, to: Day): number {
  return Math.round((dayToUtc(to) - dayToUtc(from)) / 86_400_000)
}

/** The Monday of the week holding `day`. */
export function weekStart(day: Day): Day {
  const weekday = new Date(dayToUtc(day)).getUTCDay()
  return addDays(day, -((weekday + 6) % 7))
}

export function monthStart(day: Day): Day {
  return `${day.slice(0, 8)}01`
}

// Made on first use, not at start: a formatter loads locale data the idle server has no use for.
let dayFormat: Intl.DateTimeFormat | null = null
let plainFormat: Intl.NumberFormat | null = null

/** "3 Dec 2026". */
export function formatDay(day: Day): string {
  dayFormat ??= new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
  return dayFormat.format(dayToUtc(day))
}

function plain(value: number): string {
  plainFormat ??= new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
  return plainFormat.format(value)
}

/** Xero's `where` literal for a day: DateTime(2026,12,03). */
export function xeroDateTime(day: Day): string {
  return `DateTime(${day.slice(0, 4)},${day.slice(5, 7)},${day.slice(8, 10)})`
}

/**
 * Formats amounts in the organisation's base currency with its bare symbol ($1,240.00) and
 * any other currency with a symbol that names it (US$1,240.00), so a foreign invoice cannot
 * pass for a local one. Without a known base currency amounts are plain numbers.
 */
export class MoneyFormat {
  private readonly formats = new Map<string, Intl.NumberFormat | null>()

  constructor(readonly base: string | null) {}

  format(amount: number, currency?: string | null): string {
    const value = Object.is(amount, -0) ? 0 : amount
    const code = currency || this.base
    if (!code) return plain(value)
    const format = this.formatter(code)
    return format ? format.format(value) : `${code} ${plain(value)}`
  }

  private formatter(code: string): Intl.NumberFormat | null {
    if (!this.formats.has(code)) this.formats.set(code, currencyFormat(code, code === this.base))
    return this.formats.get(code)!
  }
}

function currencyFormat(code: string, isBase: boolean): Intl.NumberFormat | null {
  try {
    return new Intl.NumberFormat('en-GB', {
      style: 'currency',
      currency: code,
      currencyDisplay: isBase ? 'narrowSymbol' : 'symbol',
    })
  } catch {
    // Not a well-formed currency code: the amount is shown after the code as given.
    return null
  }
}
