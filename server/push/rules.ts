/**
 * Who gets a push for what. Pure functions, so the rules read (and test) as a table:
 * never for one's own actions, only when away, per-member level, quiet hours that only
 * urgent notices pass, and per-conversation mute. A message kind's own pushes (a task taken,
 * done, given to someone) come as `addressed` when they concern the member personally:
 * "messages for me" lets them through like a mention.
 */
import type { PushLevel } from '../db/schema'

export type PushReason =
  'direct' | 'mention' | 'addressed' | 'urgent_notice' | 'must_ack_notice' | 'reminder' | 'notice' | 'message'

export interface Recipient {
  memberId: number
  level: PushLevel
  quietStartMinute: number | null
  quietEndMinute: number | null
  mutedUntil: number | null
  isAway: boolean
}

/** The local minute of the day (0–1439) in a timezone. */
export function minuteOfDay(time: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(time)
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0)
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0)
  return hour * 60 + minute
}

export function isQuietTime(
  recipient: Pick<Recipient, 'quietStartMinute' | 'quietEndMinute'>,
  minute: number,
): boolean {
  const { quietStartMinute: start, quietEndMinute: end } = recipient
  if (start === null || end === null || start === end) return false
  // A span that crosses midnight (22:00–07:00) wraps around.
  return start < end ? minute >= start && minute < end : minute >= start || minute < end
}

function levelAllows(level: PushLevel, reason: PushReason): boolean {
  switch (level) {
    case 'none':
      return false
    case 'urgent':
      return reason === 'urgent_notice'
    case 'mentions':
      return reason !== 'message' && reason !== 'notice'
    case 'all':
      return true
  }
}

/** Whether this member should be pushed for this reason right now. */
export function shouldPush(recipient: Recipient, reason: PushReason, now: number, minute: number): boolean {
  if (!recipient.isAway) return false
  const isUrgent = reason === 'urgent_notice'
  if (!levelAllows(recipient.level, reason)) return false
  if (!isUrgent && recipient.mutedUntil !== null && recipient.mutedUntil > now) return false
  if (!isUrgent && isQuietTime(recipient, minute)) return false
  return true
}
