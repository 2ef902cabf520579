/** Times in chat and on the board, always in the shop's timezone. */
import { addDays, formatDateTime, formatLongDate, formatTime, shopToday } from '../../lib/format'
import { t } from '../../lib/i18n'

/** The shop-local day of a moment, as YYYY-MM-DD: for grouping messages by day. */
export function dayKey(ms: number): string {
  return shopToday(ms)
}

/** "Today", "Yesterday" or "Tuesday 3 December". */
export function dayLabel(ms: number, now = Date.now()): string {
  const day = dayKey(ms)
  const today = shopToday(now)
  if (day === today) return t('chat.today')
  if (day === addDays(today, -1)) return t('chat.yesterday')
  return formatLongDate(ms)
}

/** Just the time today, otherwise the date and time. */
export function formatWhen(ms: number, now = Date.now()): string {
  return dayKey(ms) === shopToday(now) ? formatTime(ms) : formatDateTime(ms)
}

/** A short time for conversation lists: the time today, else the date. */
export function formatListTime(ms: number, now = Date.now()): string {
  const day = dayKey(ms)
  const today = shopToday(now)
  if (day === today) return formatTime(ms)
  if (day === addDays(today, -1)) return t('chat.yesterday')
  return formatLongDate(ms).replace(/^\S+,?\s/, '')
}
