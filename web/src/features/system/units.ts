/** Sizes and durations for the system page, in the shop's words: "12.4 MB", "3 days, 2 hours". */
import { locale, t, tn } from '../../lib/i18n'

const KB = 1024
const UNITS = [
  ['system.tb', KB ** 4],
  ['system.gb', KB ** 3],
  ['system.mb', KB ** 2],
  ['system.kb', KB],
] as const

const oneDecimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 })
const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })

/** Binary multiples with the usual short names, so the 1 GB disk warning reads as 1 GB. */
export function formatSize(bytes: number): string {
  for (const [key, size] of UNITS) {
    if (bytes >= size) {
      const value = bytes / size
      return t(key, { count: value >= 100 ? whole.format(value) : oneDecimal.format(value) })
    }
  }
  return t('system.bytes', { count: whole.format(bytes) })
}

/** The two largest units of a duration: "3 days, 2 hours", "5 hours, 12 minutes", "4 minutes". */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60)
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const rest = minutes % 60
  const pair = (first: string, second: string) => t('system.durationPair', { first, second })
  if (days > 0) return hours > 0 ? pair(tn('system.days', days), tn('system.hours', hours)) : tn('system.days', days)
  if (hours > 0)
    return rest > 0 ? pair(tn('system.hours', hours), tn('system.minutes', rest)) : tn('system.hours', hours)
  return rest > 0 ? tn('system.minutes', rest) : t('system.underAMinute')
}
