/**
 * Dates and times, always in the SHOP's timezone (from /api/me), never the browser's:
 * a phone set to another zone still shows shop time. A time no Date can hold (old data
 * from before the server bounded times) shows as a dash rather than throwing while a page
 * draws.
 */
import { signal } from '@preact/signals'
import { locale } from './i18n'

export const shopTimezone = signal('UTC')

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(options: Intl.DateTimeFormatOptions, timeZone = shopTimezone.value): Intl.DateTimeFormat {
  const key = timeZone + JSON.stringify(options)
  let cached = formatters.get(key)
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, { ...options, timeZone })
    formatters.set(key, cached)
  }
  return cached
}

/** What a time that cannot be shown shows instead. */
export const NO_TIME = '—'

/** The largest distance from 1970 a Date can hold, in ms; Intl throws "Invalid time value" past it. */
const MAX_DATE_MS = 8.64e15

/** Whether `ms` is a moment a Date (and so Intl) can show. */
export function isShowableTime(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS
}

function format(options: Intl.DateTimeFormatOptions, ms: number): string {
  return isShowableTime(ms) ? formatter(options).format(ms) : NO_TIME
}

export function formatDateTime(ms: number): string {
  return format({ dateStyle: 'medium', timeStyle: 'short' }, ms)
}

export function formatDate(ms: number): string {
  return format({ dateStyle: 'medium' }, ms)
}

export function formatTime(ms: number): string {
  return format({ timeStyle: 'short' }, ms)
}

export function formatLongDate(ms: number): string {
  return format({ weekday: 'long', day: 'numeric', month: 'long' }, ms)
}

/** For `<time dateTime>`: the ISO form, or empty when the time cannot be shown. */
export function isoTime(ms: number): string {
  return isShowableTime(ms) ? new Date(ms).toISOString() : ''
}

const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })

/** "5 minutes ago", "in 3 days"; falls back to a date beyond a week. */
export function formatRelative(ms: number, now = Date.now()): string {
  if (!isShowableTime(ms)) return NO_TIME
  const seconds = Math.round((ms - now) / 1000)
  const abs = Math.abs(seconds)
  if (abs < 45) return relative.format(0, 'second')
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute')
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), 'hour')
  if (abs < 7 * 86400) return relative.format(Math.round(seconds / 86400), 'day')
  return formatDate(ms)
}

interface ZonedParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
}

function zonedParts(ms: number, timeZone: string): ZonedParts {
  const parts = formatter(
    { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' },
    timeZone,
  ).formatToParts(ms)
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0)
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute') }
}

/** The hour of the day in the shop, 0-23 (0 for a time that cannot be shown). */
export function shopHour(ms = Date.now()): number {
  return isShowableTime(ms) ? zonedParts(ms, shopTimezone.value).hour : 0
}

/** A YYYY-MM-DD date as the epoch ms of its midnight in the shop's timezone. */
export function shopMidnight(date: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!match) return undefined
  const target = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  // Walk towards the instant whose wall-clock time in the zone is that midnight.
  let guess = target
  for (let i = 0; i < 3; i++) {
    const p = zonedParts(guess, shopTimezone.value)
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute)
    guess += target - wall
  }
  return guess
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(date + 'T00:00:00Z') + days * 86_400_000
  return isShowableTime(ms) ? new Date(ms).toISOString().slice(0, 10) : ''
}

/** Today's date in the shop, as YYYY-MM-DD (empty for a time that cannot be shown). */
export function shopToday(ms = Date.now()): string {
  if (!isShowableTime(ms)) return ''
  const p = zonedParts(ms, shopTimezone.value)
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`
}
