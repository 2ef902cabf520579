/**
 * Whom to push, decided inside the transaction that stored the message, reminder or other
 * event, and queued in the outbox with it: nothing is pushed that was not committed, and
 * nothing committed is forgotten. A message kind words its own notifications and asks for
 * pushes about its own events (kinds.ts); the rules here stay the same for every kind.
 */
import type { Kysely } from 'kysely'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { notificationExcerpt } from '../shared/text'
import type { DB, PushLevel, ShiftStatus } from '../db/schema'
import type { MessageView, StoredEvent } from '../realtime/events'
import type { KindEventPush, KindNotification } from '../conversations/kinds'
import { minuteOfDay, shouldPush, type PushReason, type Recipient } from './rules'

export const PUSH_CHANNEL = 'push'
const DAY_S = 86_400

/** What the service worker shows (see web/src/sw.ts). */
export interface PushPayload {
  title: string
  body: string
  tag: string
  url: string
  icon: string
  badge: string
  isUrgent: boolean
  /** Buttons the service worker shows and acts on (a task's Take). */
  actions?: { action: string; title: string }[]
  /** What the service worker needs for them (a task's id). */
  data?: Record<string, unknown>
}

const ICONS = { icon: '/icons/icon-192.png', badge: '/icons/badge-72.png' }

/** A kind's notification as the service worker gets it. */
function kindPayload(own: KindNotification): PushPayload {
  return {
    title: own.title,
    body: own.body,
    tag: own.tag,
    url: own.url,
    ...ICONS,
    isUrgent: own.isUrgent,
    ...(own.actions?.length ? { actions: own.actions } : {}),
    ...(own.data ? { data: own.data } : {}),
  }
}

/** One push waiting in the outbox: for which device, what, and how the push service should treat it. */
export interface QueuedPush {
  subscriptionId: number
  payload: PushPayload
  ttlSeconds: number
  urgency: 'high' | 'normal'
  topic: string
}

export class PushQueue {
  constructor(
    private readonly ctx: AppContext,
    /** No device subscribed at all: nothing to decide (the common case on a new shop). */
    private readonly hasSubscriptions: () => boolean,
  ) {}

  /** Queues the pushes `events` call for, in the transaction that stored them. */
  async queueFor(w: WriteContext, events: StoredEvent[]): Promise<void> {
    if (!this.hasSubscriptions()) return
    for (const event of events) {
      if (event.type === 'message.created') {
        await this.queueMessage(w, event as StoredEvent<'message.created'>)
        // A message with no author (a customer's) may still concern someone: its kind says whom.
        if (!(event as StoredEvent<'message.created'>).data.message.author)
          await this.queueKindPushes(w, event, await this.ctx.kinds.eventPushes(w, event))
      } else if (event.type === 'notice.reminder') await this.queueReminder(w, event as StoredEvent<'notice.reminder'>)
      else await this.queueKindPushes(w, event, await this.ctx.kinds.eventPushes(w, event))
    }
  }

  private async recipients(db: Kysely<DB>, conversationId: number, memberIds: number[] | null): Promise<Recipient[]> {
    let q = db
      .selectFrom('conversation_member as cm')
      .innerJoin('member as m', 'm.id', 'cm.member_id')
      .select([
        'm.id',
        'm.push_level',
        'm.quiet_start_minute',
        'm.quiet_end_minute',
        'm.shift_status',
        'm.shift_status_until',
        'cm.muted_until',
      ])
      .where('cm.conversation_id', '=', conversationId)
      .where('m.status', '=', 'active')
      .where('m.role', '!=', 'display')
    if (memberIds) q = q.where('m.id', 'in', memberIds.length ? memberIds : [-1])
    return (await q.execute()).map((row) => this.recipientOf(row))
  }

  /**
   * Members a kind's event concerns, whether or not they are in its conversation (a
   * follower, a manager); a mute of that conversation still counts for those who are.
   */
  private async recipientsByIds(
    db: Kysely<DB>,
    memberIds: readonly number[],
    conversationId: number | null,
  ): Promise<Recipient[]> {
    if (memberIds.length === 0) return []
    const rows = await db
      .selectFrom('member as m')
      .leftJoin('conversation_member as cm', (join) =>
        join.onRef('cm.member_id', '=', 'm.id').on('cm.conversation_id', '=', conversationId ?? -1),
      )
      .select([
        'm.id',
        'm.push_level',
        'm.quiet_start_minute',
        'm.quiet_end_minute',
        'm.shift_status',
        'm.shift_status_until',
        'cm.muted_until',
      ])
      .where('m.id', 'in', [...memberIds])
      .where('m.status', '=', 'active')
      .where('m.role', '!=', 'display')
      .execute()
    return rows.map((row) => this.recipientOf(row))
  }

  private recipientOf(row: {
    id: number
    push_level: PushLevel
    quiet_start_minute: number | null
    quiet_end_minute: number | null
    shift_status: ShiftStatus
    shift_status_until: number | null
    muted_until: number | null
  }): Recipient {
    return {
      memberId: row.id,
      level: row.push_level,
      quietStartMinute: row.quiet_start_minute,
      quietEndMinute: row.quiet_end_minute,
      mutedUntil: row.muted_until,
      isAway: this.ctx.presence.isAway({
        id: row.id,
        shift_status: row.shift_status,
        shift_status_until: row.shift_status_until,
      }),
    }
  }

  private async timezone(db: Kysely<DB>): Promise<string> {
    return (await db.selectFrom('shop').select('timezone').executeTakeFirst())?.timezone ?? 'UTC'
  }

  private async queueMessage(w: WriteContext, event: StoredEvent<'message.created'>): Promise<void> {
    const message = event.data.message
    if (message.kind === 'system' || !message.author) return
    const conversation = await w.trx
      .selectFrom('conversation')
      .select(['id', 'kind', 'name'])
      .where('id', '=', message.conversationId)
      .executeTakeFirst()
    if (!conversation) return
    const recipients = (await this.recipients(w.trx, conversation.id, null)).filter(
      (r) => r.memberId !== message.author?.id,
    )
    const minute = minuteOfDay(w.now, await this.timezone(w.trx))
    const kindReason = this.ctx.kinds.notification(message)?.reason
    for (const recipient of recipients) {
      const reason = reasonFor(message, conversation.kind, recipient.memberId, kindReason)
      if (!shouldPush(recipient, reason, w.now, minute)) continue
      await this.queueToDevices(
        w,
        recipient.memberId,
        event.id,
        await this.messagePayload(w, message, conversation, recipient.memberId),
        reason,
      )
    }
  }

  private async messagePayload(
    w: WriteContext,
    message: MessageView,
    conversation: { id: number; kind: string; name: string },
    memberId: number,
  ): Promise<PushPayload> {
    const author = message.author?.displayName ?? ''
    const where =
      conversation.kind === 'direct' ? author : conversation.kind === 'board' ? 'Board' : `#${conversation.name}`
    // A burst in one conversation collapses: the same tag replaces the notification, and it says how many are waiting.
    const unread = await w.trx
      .selectFrom('message as m')
      .innerJoin('conversation_member as cm', (join) =>
        join.onRef('cm.conversation_id', '=', 'm.conversation_id').on('cm.member_id', '=', memberId),
      )
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('m.conversation_id', '=', conversation.id)
      .whereRef('m.id', '>', 'cm.last_read_id')
      .where('m.deleted_at', 'is', null)
      .where('m.kind', '!=', 'system')
      .executeTakeFirst()
    const waiting = Number(unread?.n ?? 1)
    // A kind (a notice, a task) words its own notification; a plain message says where it was sent.
    const own = this.ctx.kinds.notification(message)
    if (own) return kindPayload(own)
    const text = notificationExcerpt(message.body) || attachmentLabel(message)
    return {
      title: conversation.kind === 'direct' ? author : `${author} in ${where}`,
      body: waiting > 1 ? `${waiting} new messages · ${author}: ${text}` : text,
      tag: `conversation-${conversation.id}`,
      url: `/chat/${conversation.id}?at=${message.id}`,
      ...ICONS,
      isUrgent: false,
    }
  }

  private async queueReminder(w: WriteContext, event: StoredEvent<'notice.reminder'>): Promise<void> {
    const { messageId, title, isUrgent, missingMemberIds } = event.data
    const board = await w.trx
      .selectFrom('conversation')
      .select('id')
      .where('kind', '=', 'board')
      .executeTakeFirstOrThrow()
    const recipients = await this.recipients(w.trx, board.id, missingMemberIds)
    const minute = minuteOfDay(w.now, await this.timezone(w.trx))
    const reason: PushReason = isUrgent ? 'urgent_notice' : 'reminder'
    for (const recipient of recipients) {
      if (!shouldPush(recipient, reason, w.now, minute)) continue
      await this.queueToDevices(
        w,
        recipient.memberId,
        event.id,
        {
          title: `Please read: ${title}`,
          body: 'This notice is waiting for your acknowledgement.',
          tag: `notice-${messageId}`,
          url: `/board`,
          ...ICONS,
          isUrgent,
        },
        reason,
      )
    }
  }

  /**
   * A kind's pushes about one event, under the same rules as messages; a member told twice
   * about one event (a dispatcher who also follows the task) gets the first push only.
   */
  private async queueKindPushes(w: WriteContext, event: StoredEvent, pushes: KindEventPush[]): Promise<void> {
    if (pushes.length === 0) return
    const minute = minuteOfDay(w.now, await this.timezone(w.trx))
    const told = new Set<number>()
    for (const push of pushes) {
      const memberIds = [...new Set(push.memberIds)].filter((id) => !told.has(id))
      const reason: PushReason = push.reason === 'addressed' ? 'addressed' : 'message'
      for (const recipient of await this.recipientsByIds(w.trx, memberIds, push.conversationId)) {
        told.add(recipient.memberId)
        if (!shouldPush(recipient, reason, w.now, minute)) continue
        await this.queueToDevices(w, recipient.memberId, event.id, kindPayload(push.notification), reason)
      }
    }
  }

  private async queueToDevices(
    w: WriteContext,
    memberId: number,
    eventId: number,
    payload: PushPayload,
    reason: PushReason,
  ) {
    const devices = await w.trx.selectFrom('push_subscription').select('id').where('member_id', '=', memberId).execute()
    const isUrgent = reason === 'urgent_notice'
    const ttlSeconds = reason === 'reminder' ? DAY_S / 2 : DAY_S
    for (const device of devices) {
      const queued: QueuedPush = {
        subscriptionId: device.id,
        payload,
        ttlSeconds,
        urgency: isUrgent ? 'high' : 'normal',
        // The push service keeps only the newest undelivered message per topic.
        topic: payload.tag.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32),
      }
      await w.enqueue({
        channel: PUSH_CHANNEL,
        idempotencyKey: `push:${eventId}:${device.id}`,
        payload: queued,
        expiresAt: w.now + ttlSeconds * 1000,
      })
    }
  }

  // Delivery, from the outbox.
}

function reasonFor(
  message: MessageView,
  kind: string,
  memberId: number,
  kindReason: KindNotification['reason'],
): PushReason {
  if (message.notice?.isUrgent) return 'urgent_notice'
  if (message.notice?.mustAcknowledge) return 'must_ack_notice'
  if (kind === 'direct') return 'direct'
  if (message.mentionIds.includes(memberId)) return 'mention'
  if (kindReason === 'addressed') return 'addressed'
  return message.notice ? 'notice' : 'message'
}

function attachmentLabel(message: MessageView): string {
  const first = message.attachments[0]
  if (!first) return ''
  return { image: 'Photo', video: 'Video', audio: 'Voice note', file: first.name, location: 'Location' }[first.kind]
}
