/**
 * Business hours: several periods per weekday in the shop's timezone, and holidays (whole
 * local days closed). Pure functions, so the rule reads and tests as a table.
 */
import { badRequest } from '../shared/errors'

export interface Period {
  /** "09:00" */
  from: string
  /** "17:30"; "24:00" for midnight at the end of the day. */
  to: string
}

export interface BusinessHours {
  /** Keyed by weekday, 0 = Sunday … 6 = Saturday; a missing day is closed. */
  days: Partial<Record<'0' | '1' | '2' | '3' | '4' | '5' | '6', Period[]>>
  /** Local dates ("2026-12-25") the shop is closed all day. */
  holidays: string[]
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

function minutes(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number]
  return h * 60 + m
}

/** Throws 400 `invalid_hours` with what is wrong. */
export function assertHours(hours: BusinessHours): void {
  for (const [day, periods] of Object.entries(hours.days)) {
    if (!/^[0-6]$/.test(day)) throw badRequest('invalid_hours', `Weekdays are 0 (Sunday) to 6 (Saturday), not ${day}.`)
    if ((periods ?? []).length > 6) throw badRequest('invalid_hours', 'At most six periods a day.')
    for (const period of periods ?? []) {
      if (!TIME.test(period.from) || !TIME.test(period.to))
        throw badRequest('invalid_hours', 'Times are HH:MM, from 00:00 to 24:00.')
      if (minutes(period.from) >= minutes(period.to))
        throw badRequest('invalid_hours', `A period must end after it starts (${period.from}–${period.to}).`)
    }
  }
  if (hours.holidays.length > 366) throw badRequest('invalid_hours', 'At most 366 holidays.')
  for (const date of hours.holidays) {
    if (!DATE.test(date)) throw badRequest('invalid_hours', `Holidays are dates like 2026-12-25, not ${date}.`)
  }
}

/** The local date, weekday and minute of the day of an instant in a timezone. */
export function localParts(at: number, timezone: string): { date: string; weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'))
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    weekday,
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  }
}

/** Whether the shop is open at `at`; no hours set means always open. */
export function isOpenAt(hours: BusinessHours | null, at: number, timezone: string): boolean {
  if (!hours) return true
  const { date, weekday, minute } = localParts(at, timezone)
  if (hours.holidays.includes(date)) return false
  const periods = hours.days[String(weekday) as keyof BusinessHours['days']] ?? []
  return periods.some((p) => minute >= minutes(p.from) && minute < minutes(p.to))
}

export function parseHours(json: string | null): BusinessHours | null {
  if (!json) return null
  try {
    const value = JSON.parse(json) as BusinessHours
    return { days: value.days ?? {}, holidays: value.holidays ?? [] }
  } catch {
    return null
  }
}
