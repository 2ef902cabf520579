/**
 * Notices: board messages with a title, urgency, "must acknowledge" with an optional due
 * time, an expiry after which they unpin themselves, and a pinned order. Acknowledging is
 * one tap and counts once per member however often they tap.
 */
import type { Kysely } from 'kysely'
import type { AppContext } from '../shared/context'
import { badRequest, conflict, forbidden, notFound } from '../shared/errors'
import { can, type Actor } from '../auth/actor'
import type { DB } from '../db/schema'
import type { MessageView, PersonRef } from '../shared/events'
import { prepareAttachments, type AttachmentInput } from '../files/service'
import { requireReadable } from '../conversations/access'
import {
  assertAuthor,
  assertBody,
  CLIENT_KEY_PATTERN,
  insertMessage,
  recordMessageEdit,
  reindexAndEmit,
} from '../conversations/messages-service'
import { selectBoard, selectMessageByClientKey } from '../conversations/repo'
import { hydrateMessages, personRef } from '../conversations/views'
import { myAcks, noticeViews } from './kind'
import * as repo from './repo'

const MAX_TITLE = 200

function assertTitle(title: string): string {
  const trimmed = title.trim()
  if (!trimmed) throw badRequest('invalid_title', 'A notice needs a title.')
  if ([...trimmed].length > MAX_TITLE)
    throw badRequest('title_too_long', `A title can be at most ${MAX_TITLE} characters.`)
  return trimmed
}

function assertFuture(now: number, value: number | null | undefined, code: string): void {
  if (value !== null && value !== undefined && value <= now) throw badRequest(code, 'Choose a time in the future.')
}

export interface NoticeInput {
  title: string
  body: string
  clientKey: string
  isUrgent?: boolean | undefined
  mustAcknowledge?: boolean | undefined
  acknowledgeBy?: number | null | undefined
  expiresAt?: number | null | undefined
  attachments?: AttachmentInput[] | undefined
}

async function reminderInterval(db: Kysely<DB>): Promise<number> {
  const shop = await db.selectFrom('shop').select('reminder_interval_minutes').executeTakeFirst()
  return (shop?.reminder_interval_minutes ?? 240) * 60_000
}

/** Posts a notice on the board (needs board.post). Idempotent by client key. */
export async function postNotice(
  ctx: AppContext,
  actor: Actor,
  input: NoticeInput,
): Promise<{ message: MessageView; isNew: boolean }> {
  if (!can(actor, 'board.post')) throw forbidden('board_post_required', 'You are not allowed to post notices.')
  if (!CLIENT_KEY_PATTERN.test(input.clientKey))
    throw badRequest('invalid_client_key', 'clientKey must be 8 to 64 letters, digits, - or _.')
  const title = assertTitle(input.title)
  const body = input.body.trim() === '' ? '' : assertBody(input.body, true)
  return ctx.write(async (w) => {
    const board = await selectBoard(w.trx)
    const existing = await selectMessageByClientKey(w.trx, actor.member.id, input.clientKey)
    if (existing) {
      // The key may belong to one of the actor's messages elsewhere (a private channel they
      // have since left): a replay returns only a notice of this board, to a board reader.
      if (existing.conversation_id !== board.id || existing.kind !== 'notice')
        throw conflict('client_key_reused', 'That clientKey was used for another message.')
      await requireReadable(w.trx, actor, board.id)
      return { message: (await hydrateMessages(ctx.kinds, w.trx, [existing]))[0] as MessageView, isNew: false }
    }
    assertFuture(w.now, input.expiresAt, 'invalid_expiry')
    assertFuture(w.now, input.acknowledgeBy, 'invalid_due_time')
    const attachments = await prepareAttachments(w, actor, input.attachments ?? [])
    const mustAcknowledge = input.mustAcknowledge === true
    const interval = await reminderInterval(w.trx)
    const message = await insertMessage(ctx, w, {
      conversation: board,
      author: actor.member,
      kind: 'notice',
      body,
      clientKey: input.clientKey,
      attachments,
      beforeEmit: async (messageId) => {
        await w.trx
          .insertInto('notice')
          .values({
            message_id: messageId,
            title,
            is_urgent: input.isUrgent ? 1 : 0,
            must_acknowledge: mustAcknowledge ? 1 : 0,
            acknowledge_by: input.acknowledgeBy ?? null,
            expires_at: input.expiresAt ?? null,
            pin_order: w.now,
            next_reminder_at: mustAcknowledge ? (input.acknowledgeBy ?? w.now + interval) : null,
          })
          .execute()
      },
    })
    return { message, isNew: true }
  })
}

export interface NoticePatch {
  title?: string | undefined
  body?: string | undefined
  isUrgent?: boolean | undefined
  mustAcknowledge?: boolean | undefined
  acknowledgeBy?: number | null | undefined
  expiresAt?: number | null | undefined
  isPinned?: boolean | undefined
  /** Moves the notice to the top of the pinned list. */
  moveToTop?: boolean | undefined
}

async function requireNotice(ctx: AppContext, actor: Actor, messageId: number, db?: Kysely<DB>) {
  const message = await (db ?? ctx.db).selectFrom('message').selectAll().where('id', '=', messageId).executeTakeFirst()
  const notice = await (db ?? ctx.db)
    .selectFrom('notice')
    .selectAll()
    .where('message_id', '=', messageId)
    .executeTakeFirst()
  if (!message || !notice) throw notFound('notice_not_found', 'No such notice.')
  await requireReadable(db ?? ctx.db, actor, message.conversation_id)
  return { message, notice }
}

/**
 * Changes a notice. What it says (title, text, urgency, acknowledgement) only its author
 * changes, keeping the earlier title and text in its history; where it sits on the board
 * (pinned, order, expiry) its author or a manager.
 */
export async function updateNotice(
  ctx: AppContext,
  actor: Actor,
  messageId: number,
  patch: NoticePatch,
): Promise<MessageView> {
  return ctx.write(async (w) => {
    const { message, notice } = await requireNotice(ctx, actor, messageId, w.trx)
    if (message.deleted_at !== null) throw conflict('message_deleted', 'That notice was deleted.')
    const isWordingChange =
      patch.title !== undefined ||
      patch.body !== undefined ||
      patch.isUrgent !== undefined ||
      patch.mustAcknowledge !== undefined ||
      patch.acknowledgeBy !== undefined
    if (isWordingChange) assertAuthor(actor, message)
    else if (message.author_id !== actor.member.id && !can(actor, 'members.manage')) {
      throw forbidden('not_author', 'Only its author or a manager can pin, unpin or move a notice.')
    }
    assertFuture(w.now, patch.expiresAt, 'invalid_expiry')
    assertFuture(w.now, patch.acknowledgeBy, 'invalid_due_time')
    const change: Record<string, unknown> = {}
    if (patch.title !== undefined) change.title = assertTitle(patch.title)
    if (patch.isUrgent !== undefined) change.is_urgent = patch.isUrgent ? 1 : 0
    if (patch.mustAcknowledge !== undefined) change.must_acknowledge = patch.mustAcknowledge ? 1 : 0
    if (patch.acknowledgeBy !== undefined) change.acknowledge_by = patch.acknowledgeBy
    if (patch.expiresAt !== undefined) {
      change.expires_at = patch.expiresAt
      change.expired_handled = 0
    }
    if (patch.isPinned !== undefined) change.is_pinned = patch.isPinned ? 1 : 0
    if (patch.moveToTop) change.pin_order = w.now
    const mustAck = patch.mustAcknowledge ?? notice.must_acknowledge === 1
    if (patch.mustAcknowledge !== undefined || patch.acknowledgeBy !== undefined) {
      const due = patch.acknowledgeBy === undefined ? notice.acknowledge_by : patch.acknowledgeBy
      change.next_reminder_at = mustAck ? (due ?? w.now + (await reminderInterval(w.trx))) : null
    }
    const nextBody =
      patch.body === undefined || patch.body.trim() === message.body
        ? null
        : patch.body.trim() === ''
          ? ''
          : assertBody(patch.body, true)
    if (nextBody !== null || (change.title !== undefined && change.title !== notice.title))
      await recordMessageEdit(w, actor, message, { body: message.body, title: notice.title })
    if (Object.keys(change).length)
      await w.trx.updateTable('notice').set(change).where('message_id', '=', messageId).execute()
    let row = message
    if (nextBody !== null) {
      const body = nextBody
      await w.trx.updateTable('message').set({ body, edited_at: w.now }).where('id', '=', messageId).execute()
      row = { ...message, body, edited_at: w.now }
    } else if (patch.title !== undefined) {
      await w.trx.updateTable('message').set({ edited_at: w.now }).where('id', '=', messageId).execute()
      row = { ...message, edited_at: w.now }
    }
    if (patch.isPinned === false && notice.is_pinned === 1) {
      w.emit(
        'notice.unpinned',
        { kind: 'conversation', id: message.conversation_id },
        { messageId, reason: 'unpinned' },
      )
    }
    return reindexAndEmit(ctx, w, row)
  })
}

/** Records the actor's acknowledgement once; a second tap changes nothing. */
export async function acknowledge(ctx: AppContext, actor: Actor, messageId: number) {
  if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display cannot acknowledge.')
  return ctx.write(async (w) => {
    const { message, notice } = await requireNotice(ctx, actor, messageId, w.trx)
    if (message.deleted_at !== null) throw conflict('message_deleted', 'That notice was deleted.')
    const isNew = await repo.insertAck(w.trx, messageId, actor.member.id, w.now)
    const [view] = (await noticeViews(w.trx, [message])).values()
    const ack = await w.trx
      .selectFrom('notice_ack')
      .select('at')
      .where('message_id', '=', messageId)
      .where('member_id', '=', actor.member.id)
      .executeTakeFirstOrThrow()
    const result = {
      messageId,
      memberId: actor.member.id,
      at: ack.at,
      ackCount: view?.ackCount ?? 0,
      ackTotal: view?.ackTotal ?? 0,
    }
    if (isNew) {
      w.emit('notice.acknowledged', { kind: 'conversation', id: message.conversation_id }, result)
      if (notice.must_acknowledge === 1 && result.ackCount >= result.ackTotal) {
        await w.trx.updateTable('notice').set({ next_reminder_at: null }).where('message_id', '=', messageId).execute()
      }
    }
    return result
  })
}

export interface AckReport {
  acknowledged: (PersonRef & { at: number })[]
  missing: PersonRef[]
}

/** Who has acknowledged and who has not: for the notice's author and managers. */
export async function acknowledgementReport(ctx: AppContext, actor: Actor, messageId: number): Promise<AckReport> {
  const { message } = await requireNotice(ctx, actor, messageId)
  if (message.author_id !== actor.member.id && !can(actor, 'members.manage')) {
    throw forbidden('not_author', 'Only its author and managers can see who has acknowledged.')
  }
  const [audience, acks] = await Promise.all([repo.selectAudience(ctx.db), repo.selectAcks(ctx.db, [messageId])])
  const ackAt = new Map(acks.map((a) => [a.member_id, a.at]))
  const people = audience.filter((m) => m.id !== message.author_id)
  return {
    acknowledged: people
      .filter((m) => ackAt.has(m.id))
      .map((m) => ({ ...personRef(m), at: ackAt.get(m.id) as number }))
      .sort((a, b) => a.at - b.at),
    missing: people.filter((m) => !ackAt.has(m.id)).map(personRef),
  }
}

/** Pinned, unexpired notices, urgent first, then by pinned order; with the actor's own acknowledgements. */
export async function listPinned(ctx: AppContext, actor: Actor) {
  const board = await selectBoard(ctx.db)
  await requireReadable(ctx.db, actor, board.id)
  const ids = (await repo.selectPinnedIds(ctx.db, ctx.clock.now())).map((row) => row.message_id)
  const rows = await ctx.db
    .selectFrom('message')
    .selectAll()
    .where('id', 'in', ids.length ? ids : [-1])
    .execute()
  const order = new Map(ids.map((id, i) => [id, i]))
  rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
  return {
    notices: await hydrateMessages(ctx.kinds, ctx.db, rows, { viewer: actor }),
    acknowledged: await myAcks(ctx.db, actor.member.id, ids),
  }
}

/**
 * Background duties, run every few seconds: unpin expired notices, and emit a reminder
 * event for each must-acknowledge notice whose reminder is due (push and Telegram act on
 * these), then schedule the next one.
 */
export async function runNoticeJobs(ctx: AppContext): Promise<{ expired: number; reminders: number }> {
  return ctx.write(async (w) => {
    const expired = await repo.selectExpiredUnhandled(w.trx, w.now)
    for (const { message_id } of expired) {
      await w.trx
        .updateTable('notice')
        .set({ is_pinned: 0, expired_handled: 1, next_reminder_at: null })
        .where('message_id', '=', message_id)
        .execute()
      const message = await w.trx
        .selectFrom('message')
        .select('conversation_id')
        .where('id', '=', message_id)
        .executeTakeFirstOrThrow()
      w.emit(
        'notice.unpinned',
        { kind: 'conversation', id: message.conversation_id },
        { messageId: message_id, reason: 'expired' },
      )
    }
    const due = await repo.selectDueReminders(w.trx, w.now)
    let reminders = 0
    if (due.length) {
      const audience = await repo.selectAudience(w.trx)
      const acks = await repo.selectAcks(
        w.trx,
        due.map((d) => d.message_id),
      )
      const interval = await reminderInterval(w.trx)
      for (const notice of due) {
        const acked = new Set(acks.filter((a) => a.message_id === notice.message_id).map((a) => a.member_id))
        const missing = audience.filter((m) => m.id !== notice.author_id && !acked.has(m.id)).map((m) => m.id)
        const next = missing.length ? w.now + interval : null
        await w.trx
          .updateTable('notice')
          .set({ next_reminder_at: next })
          .where('message_id', '=', notice.message_id)
          .execute()
        if (missing.length === 0) continue
        w.emit(
          'notice.reminder',
          { kind: 'managers' },
          {
            messageId: notice.message_id,
            title: notice.title,
            isUrgent: notice.is_urgent === 1,
            missingMemberIds: missing,
          },
        )
        reminders++
      }
    }
    return { expired: expired.length, reminders }
  })
}
