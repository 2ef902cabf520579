/**
 * The notice kind on the message registry: a notice message carries its title, urgency,
 * acknowledgement state and pin in `MessageView.notice`, is found by its title, is worded
 * by its title in a push, leaves the board when deleted and outlives the retention setting
 * while pinned. buildApp registers it; conversations/ never names it.
 */
import type { Kysely, Selectable } from 'kysely'
import { Type } from 'typebox'
import type { DB, MessageTable } from '../db/schema'
import type { MessageView, NoticeView } from '../shared/events'
import { notificationExcerpt } from '../shared/text'
import type { MessageKinds } from '../conversations/kinds'
import * as repo from './repo'

/** Notice fields for notice messages, with live acknowledgement counts. */
export async function noticeViews(
  db: Kysely<DB>,
  rows: readonly Selectable<MessageTable>[],
): Promise<Map<number, NoticeView>> {
  const map = new Map<number, NoticeView>()
  if (rows.length === 0) return map
  const ids = rows.map((row) => row.id)
  const [notices, audience, acks] = await Promise.all([
    repo.selectNotices(db, ids),
    repo.selectAudience(db),
    repo.selectAcks(db, ids),
  ])
  const audienceIds = new Set(audience.map((m) => m.id))
  const authorOf = new Map(rows.map((row) => [row.id, row.author_id]))
  for (const notice of notices) {
    const authorId = authorOf.get(notice.message_id) ?? null
    const expected = audienceIds.size - (authorId !== null && audienceIds.has(authorId) ? 1 : 0)
    const count = acks.filter(
      (a) => a.message_id === notice.message_id && audienceIds.has(a.member_id) && a.member_id !== authorId,
    ).length
    map.set(notice.message_id, {
      title: notice.title,
      isUrgent: notice.is_urgent === 1,
      mustAcknowledge: notice.must_acknowledge === 1,
      acknowledgeBy: notice.acknowledge_by,
      expiresAt: notice.expires_at,
      isPinned: notice.is_pinned === 1,
      pinOrder: notice.pin_order,
      ackCount: count,
      ackTotal: expected,
    })
  }
  return map
}

/** The member's own acknowledgements among these messages. */
export async function myAcks(db: Kysely<DB>, memberId: number, messageIds: readonly number[]) {
  if (messageIds.length === 0) return []
  const rows = await db
    .selectFrom('notice_ack')
    .select(['message_id', 'at'])
    .where('member_id', '=', memberId)
    .where('message_id', 'in', messageIds)
    .execute()
  return rows.map((row) => ({ messageId: row.message_id, at: row.at }))
}

function noticeNotification(view: MessageView) {
  const notice = view.notice as NoticeView
  const author = view.author?.displayName ?? ''
  const text = `${notice.title}: ${notificationExcerpt(view.body)}`
  return {
    title: `${notice.isUrgent ? 'Urgent: ' : ''}${notice.title}`,
    body: `${author}: ${notificationExcerpt(view.body) || text}`,
    tag: `notice-${view.id}`,
    url: '/board',
    isUrgent: notice.isUrgent,
  }
}

/** A notice's fields on the wire (`MessageView.notice`). */
export const NoticeSchema = Type.Object({
  title: Type.String(),
  isUrgent: Type.Boolean(),
  mustAcknowledge: Type.Boolean(),
  acknowledgeBy: Type.Union([Type.Number(), Type.Null()]),
  expiresAt: Type.Union([Type.Number(), Type.Null()]),
  isPinned: Type.Boolean(),
  pinOrder: Type.Number(),
  ackCount: Type.Integer(),
  ackTotal: Type.Integer(),
})

/** Registers the notice kind on the message registry (buildApp calls it once). */
export function registerNoticeKind(kinds: MessageKinds): void {
  kinds.register({
    kind: 'notice',
    field: 'notice',
    schema: NoticeSchema,
    hydrate: noticeViews,
    searchText: (view) => view.notice?.title ?? '',
    notification: noticeNotification,
    // The title says it: the text below it may be empty.
    allowsEmptyBody: true,
    onDeleted: async (w, row) => {
      await w.trx
        .updateTable('notice')
        .set({ is_pinned: 0, next_reminder_at: null })
        .where('message_id', '=', row.id)
        .execute()
      w.emit(
        'notice.unpinned',
        { kind: 'conversation', id: row.conversation_id },
        { messageId: row.id, reason: 'deleted' },
      )
    },
    retainedIds: async (db, now) => {
      const rows = await db
        .selectFrom('notice')
        .select('message_id')
        .where('is_pinned', '=', 1)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .execute()
      return rows.map((row) => row.message_id)
    },
    acknowledgements: myAcks,
  })
}
