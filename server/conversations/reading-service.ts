/** Reading messages: a page of history, a message's earlier versions, and read positions. */
import type { AppContext } from '../shared/context'
import type { Actor } from '../auth/actor'
import type { PersonRef } from '../shared/events'
import { requireReadable } from './access'
import { requireMessage } from './messages-service'
import * as repo from './repo'
import { hydrateMessages, personRef, type MessageRow } from './views'

/** One earlier version of a message: its text (and a notice's title) before an edit. */
export interface MessageRevisionView {
  id: number
  body: string
  /** A notice's title before the edit; null for other messages. */
  title: string | null
  /** When the edit that replaced this text was made, and by whom. */
  editedAt: number
  editedBy: PersonRef | null
}

/**
 * A message's earlier versions, newest first, for whoever may read the message. A deleted
 * message has none.
 */
export async function listMessageRevisions(
  ctx: AppContext,
  actor: Actor,
  messageId: number,
): Promise<MessageRevisionView[]> {
  await requireMessage(ctx, null, actor, messageId)
  const rows = await ctx.db
    .selectFrom('message_revision as r')
    .leftJoin('member as m', 'm.id', 'r.edited_by')
    .select(['r.id', 'r.body', 'r.title', 'r.edited_at', 'm.id as member_id', 'm.username', 'm.display_name'])
    .where('r.message_id', '=', messageId)
    .orderBy('r.id', 'desc')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    body: row.body,
    title: row.title,
    editedAt: row.edited_at,
    editedBy:
      row.member_id === null || row.username === null || row.display_name === null
        ? null
        : personRef({ id: row.member_id, username: row.username, display_name: row.display_name }),
  }))
}

export interface HistoryOptions {
  beforeId?: number | undefined
  afterId?: number | undefined
  aroundId?: number | undefined
  limit?: number | undefined
}

/** A page of history, oldest first. `aroundId` centres the page on one message (search hits). */
export async function listMessages(ctx: AppContext, actor: Actor, conversationId: number, options: HistoryOptions) {
  const conversation = await requireReadable(ctx.db, actor, conversationId)
  const limit = Math.min(options.limit ?? 50, 100)
  let rows: MessageRow[]
  if (options.aroundId !== undefined) {
    const half = Math.floor(limit / 2)
    const before = await repo.selectHistory(ctx.db, { conversationId, beforeId: options.aroundId + 1, limit: half + 1 })
    const after = await repo.selectHistory(ctx.db, { conversationId, afterId: options.aroundId, limit: half })
    rows = [...before, ...after]
  } else {
    rows = await repo.selectHistory(ctx.db, {
      conversationId,
      beforeId: options.beforeId,
      afterId: options.afterId,
      limit,
    })
  }
  return hydrateMessages(ctx.kinds, ctx.db, rows, { viewer: actor, conversationKind: conversation.kind })
}

/** Moves the actor's read position forward (never back). */
export async function markRead(
  ctx: AppContext,
  actor: Actor,
  conversationId: number,
  lastReadId: number,
): Promise<void> {
  await ctx.write(async (w) => {
    const conversation = await requireReadable(w.trx, actor, conversationId)
    const upTo = Math.min(lastReadId, conversation.last_message_id)
    if (!(await repo.setReadPosition(w.trx, conversationId, actor.member.id, upTo, w.now))) return
    const audience =
      conversation.kind === 'direct'
        ? ({ kind: 'conversation', id: conversationId } as const)
        : ({ kind: 'member', id: actor.member.id } as const)
    w.emit('read.updated', audience, { conversationId, memberId: actor.member.id, lastReadId: upTo })
  })
}

export async function markAllRead(ctx: AppContext, actor: Actor): Promise<number> {
  return ctx.write(async (w) => {
    const rows = await repo.selectConversationsOf(w.trx, actor.member.id)
    let count = 0
    for (const row of rows) {
      if (row.last_message_id <= row.last_read_id) continue
      await repo.setReadPosition(w.trx, row.id, actor.member.id, row.last_message_id, w.now)
      const audience =
        row.kind === 'direct'
          ? ({ kind: 'conversation', id: row.id } as const)
          : ({ kind: 'member', id: actor.member.id } as const)
      w.emit('read.updated', audience, {
        conversationId: row.id,
        memberId: actor.member.id,
        lastReadId: row.last_message_id,
      })
      count++
    }
    return count
  })
}
