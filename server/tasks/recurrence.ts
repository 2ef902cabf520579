// When scheduled and recurring tasks happen, in the shop's local time. Pure: no clock, no
// database. Dates are handled as whole local calendar days and only turned into instants
// at the end, so DST days of 23 or 25 hours never shift a task off its wall-clock time.

export type Repeat = 'once' | 'daily' | 'weekdays' | 'weekly' | 'monthly'

export interface RecurrenceRule {
  repeat: Repeat
  /** Local wall-clock time of day in minutes (0..1439), e.g. 420 for 07:00. */
  minuteOfDay: number
  /** The first local date it may happen on, 'YYYY-MM-DD' (for 'once': the date it happens). */
  startDate: string
  /** weekly: local weekdays it happens on, 0 = Sunday .. 6 = Saturday (at least one). */
  weekdays?: number[]
  /** monthly: day of month 1..31; in shorter months it happens on the month's last day. */
  dayOfMonth?: number
  /** Optional last local date (inclusive). */
  endDate?: string | null
}

export interface Occurrence {
  /** Epoch milliseconds (UTC instant). */
  at: number
  /** The local date 'YYYY-MM-DD' the occurrence belongs to: unique per occurrence of a rule. */
  key: string
}

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
// The last day a JavaScript Date can hold, counted from 1970-01-01.
const LAST_DAY = 100_000_000
const REPEATS: readonly Repeat[] = ['once', 'daily', 'weekdays', 'weekly', 'monthly']
const DEFAULT_LIMIT = 62

/** Validates a rule; returns an error message or null. */
export function ruleProblem(rule: RecurrenceRule): string | null {
  if (!REPEATS.includes(rule.repeat)) return `repeat must be one of ${REPEATS.join(', ')}`
  if (!Number.isInteger(rule.minuteOfDay) || rule.minuteOfDay < 0 || rule.minuteOfDay > 1439) {
    return 'minuteOfDay must be a whole number from 0 to 1439'
  }
  const start = parseDate(rule.startDate)
  if (start === null) return 'startDate must be a real date written YYYY-MM-DD'
  if (rule.endDate !== undefined && rule.endDate !== null) {
    const end = parseDate(rule.endDate)
    if (end === null) return 'endDate must be a real date written YYYY-MM-DD'
    if (end < start) return 'endDate must not be before startDate'
  }
  if (rule.repeat === 'weekly') {
    const { weekdays } = rule
    if (!Array.isArray(weekdays) || weekdays.length === 0) {
      return 'a weekly rule needs at least one weekday'
    }
    if (!weekdays.every((day) => Number.isInteger(day) && day >= 0 && day <= 6)) {
      return 'weekdays must be whole numbers from 0 (Sunday) to 6 (Saturday)'
    }
  }
  if (rule.repeat === 'monthly') {
    const day = rule.dayOfMonth
    if (day === undefined || !Number.isInteger(day) || day < 1 || day > 31) {
      return 'a monthly rule needs a dayOfMonth from 1 to 31'
    }
  }
  return null
}

/**
 * Every occurrence with fromExclusive < at <= toInclusive, in order, at most `limit` — the
 * most recent ones if there are more, so a long outage creates the latest ones and never
 * floods. An occurrence's key depends only on the rule and its date, so asking again about
 * an overlapping window (after a restart or a clock set back) gives the same keys.
 */
export function occurrencesBetween(
  rule: RecurrenceRule,
  timezone: string,
  fromExclusive: number,
  toInclusive: number,
  limit = DEFAULT_LIMIT,
): Occurrence[] {
  assertRule(rule)
  assertInstant(fromExclusive)
  assertInstant(toInclusive)
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a whole number')
  if (limit === 0 || toInclusive <= fromExclusive) return []
  // A date's occurrence lands on that local date, or on the next one when a DST gap pushes
  // it past midnight; so the dates worth looking at start one day before `from`.
  const firstDay = dayNumber(localDate(fromExclusive, timezone)) - 1
  const lastDay = dayNumber(localDate(toInclusive, timezone))
  const found: Occurrence[] = []
  for (const day of matchingDays(rule, firstDay, lastDay, 'backward')) {
    const occurrence = occurrenceOn(rule, day, timezone)
    if (occurrence === null || occurrence.at > toInclusive) continue
    if (occurrence.at <= fromExclusive) break
    found.push(occurrence)
    if (found.length === limit) break
  }
  return found.reverse()
}

/** The first occurrence strictly after `after`, or null when the rule has ended. */
export function nextOccurrence(rule: RecurrenceRule, timezone: string, after: number): Occurrence | null {
  assertRule(rule)
  assertInstant(after)
  const firstDay = dayNumber(localDate(after, timezone)) - 1
  for (const day of matchingDays(rule, firstDay, LAST_DAY, 'forward')) {
    const occurrence = occurrenceOn(rule, day, timezone)
    if (occurrence !== null && occurrence.at > after) return occurrence
  }
  return null
}

/**
 * The UTC instant of a local date + minute of day in a timezone. A local time skipped by a
 * DST jump forward (02:30 on the spring-forward night) moves forward by the jump (03:30); an
 * ambiguous one (fall back) is the first (earlier) instant.
 */
export function localToInstant(date: string, minuteOfDay: number, timezone: string): number {
  const day = parseDate(date)
  if (day === null) throw new RangeError(`not a date: ${date}`)
  if (!Number.isInteger(minuteOfDay) || minuteOfDay < 0 || minuteOfDay > 1439) {
    throw new RangeError(`not a minute of the day: ${minuteOfDay}`)
  }
  // The wall-clock time read as if it were UTC; the real instant is that minus the offset
  // in force. Offsets a day either side cover any single change of offset around it.
  const wall = day * DAY_MS + minuteOfDay * MINUTE_MS
  const offsetBefore = offsetAt(wall - DAY_MS, timezone)
  const offsetAfter = offsetAt(wall + DAY_MS, timezone)
  const valid = [offsetBefore, offsetAfter]
    .map((offset) => wall - offset)
    .filter((instant) => wall - offsetAt(instant, timezone) === instant)
  if (valid.length > 0) return Math.min(...valid)
  // No instant shows this wall time: it fell in a jump forward. Reading it with the offset
  // from before the jump lands the same distance past the jump.
  return wall - offsetBefore
}

/** The local date 'YYYY-MM-DD' of an instant in a timezone. */
export function localDate(at: number, timezone: string): string {
  const { year, month, day } = localParts(at, timezone)
  return formatDay(daysFromCivil(year, month, day))
}

function occurrenceOn(rule: RecurrenceRule, day: number, timezone: string): Occurrence | null {
  const key = formatDay(day)
  const at = localToInstant(key, rule.minuteOfDay, timezone)
  // A date the zone skipped entirely (Samoa's 2011-12-30) would otherwise land on the next
  // day's occurrence and give two tasks at the same instant.
  if (localDate(at, timezone) !== key && !dayExists(key, timezone)) return null
  return { at, key }
}

function dayExists(date: string, timezone: string): boolean {
  return localDate(localToInstant(date, 0, timezone), timezone) === date
}

/** The days in [firstDay, lastDay] the rule happens on, as day numbers, in the given order. */
function* matchingDays(
  rule: RecurrenceRule,
  firstDay: number,
  lastDay: number,
  direction: 'forward' | 'backward',
): Generator<number> {
  const start = dayNumber(rule.startDate)
  const end = rule.endDate ? dayNumber(rule.endDate) : LAST_DAY
  const from = Math.max(firstDay, start)
  const to = Math.min(lastDay, end)
  if (from > to) return

  if (rule.repeat === 'once') {
    if (start >= firstDay) yield start
    return
  }

  if (rule.repeat === 'monthly') {
    const wanted = rule.dayOfMonth ?? 1
    const first = civilFromDays(from)
    const last = civilFromDays(to)
    const firstMonth = first.year * 12 + first.month - 1
    const lastMonth = last.year * 12 + last.month - 1
    const step = direction === 'forward' ? 1 : -1
    for (
      let month = direction === 'forward' ? firstMonth : lastMonth;
      month >= firstMonth && month <= lastMonth;
      month += step
    ) {
      const year = Math.floor(month / 12)
      const monthOfYear = month - year * 12 + 1
      const day = daysFromCivil(year, monthOfYear, Math.min(wanted, daysInMonth(year, monthOfYear)))
      if (day >= from && day <= to) yield day
    }
    return
  }

  const onDays = new Set(
    rule.repeat === 'weekdays'
      ? [1, 2, 3, 4, 5]
      : rule.repeat === 'weekly'
        ? (rule.weekdays ?? [])
        : [0, 1, 2, 3, 4, 5, 6],
  )
  if (direction === 'forward') {
    for (let day = from; day <= to; day++) if (onDays.has(weekday(day))) yield day
  } else {
    for (let day = to; day >= from; day--) if (onDays.has(weekday(day))) yield day
  }
}

function assertRule(rule: RecurrenceRule): void {
  const problem = ruleProblem(rule)
  if (problem !== null) throw new RangeError(problem)
}

function assertInstant(at: number): void {
  if (!Number.isFinite(at)) throw new RangeError(`not an instant: ${at}`)
}

// Creating a DateTimeFormat costs far more than using one, and occurrences are computed
// for every schedule on every tick.
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    })
    formatters.set(timezone, formatter)
  }
  return formatter
}

interface LocalParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function localParts(at: number, timezone: string): LocalParts {
  const parts: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 }
  for (const part of formatterFor(timezone).formatToParts(at)) {
    if (part.type in parts) parts[part.type as keyof LocalParts] = Number(part.value)
  }
  return parts
}

/**
 * The zone's offset from UTC at an instant, in milliseconds (local = UTC + offset). The
 * formatter drops milliseconds, so `at` must be a whole second, as every caller's is.
 */
function offsetAt(at: number, timezone: string): number {
  const local = localParts(at, timezone)
  const wall =
    daysFromCivil(local.year, local.month, local.day) * DAY_MS +
    ((local.hour * 60 + local.minute) * 60 + local.second) * 1000
  return wall - at
}

/** The day number (days since 1970-01-01) of a 'YYYY-MM-DD' date, or null if it is not one. */
function parseDate(date: string): number | null {
  const match = typeof date === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null
  if (match === null) return null
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null
  return daysFromCivil(year, month, day)
}

function dayNumber(date: string): number {
  const day = parseDate(date)
  if (day === null) throw new RangeError(`not a date: ${date}`)
  return day
}

function formatDay(day: number): string {
  const { year, month, day: dayOfMonth } = civilFromDays(day)
  const pad = (value: number, width: number): string => String(value).padStart(width, '0')
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(dayOfMonth, 2)}`
}

// setUTCFullYear rather than Date.UTC, which reads years 0..99 as 1900..1999.
function daysFromCivil(year: number, month: number, day: number): number {
  return new Date(0).setUTCFullYear(year, month - 1, day) / DAY_MS
}

function civilFromDays(day: number): { year: number; month: number; day: number } {
  const date = new Date(day * DAY_MS)
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() }
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(year, month + 1, 1) - daysFromCivil(year, month, 1)
}

function weekday(day: number): number {
  // 1970-01-01 was a Thursday.
  return (((day + 4) % 7) + 7) % 7
}
