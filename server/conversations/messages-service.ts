/**
 * Messages: send (idempotent by client key), edit with earlier versions kept, delete as a
 * tombstone, and the retention purge (history and read positions are in reading-service.ts,
 * reactions in reactions-service.ts). Everything another feature posts (notices, system lines,
 * later tasks and cards) goes through `insertMessage`; what a kind adds to its messages it
 * registers in `ctx.kinds` (kinds.ts), which these functions call without naming a kind.
 */
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { badRequest, conflict, forbidden, notFound } from '../shared/errors'
import { auditParty, can, memberParty, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { Member, MessageKind } from '../db/schema'
import type { MessageView } from '../shared/events'
import { prepareAttachments, type AttachmentInput } from '../files/service'
import { assertCanPost, assertCanWrite, requireReadable } from './access'
import { parseMentions } from './mentions'
import * as repo from './repo'
import { hydrateMessages, type ConversationRow, type MessageRow } from './views'

export const MAX_BODY_LENGTH = 4_000

export function assertBody(body: string, hasAttachments: boolean): string {
  const trimmed = body.replace(/\s+$/u, '')
  if ([...trimmed].length > MAX_BODY_LENGTH) {
    throw badRequest('message_too_long', `A message can be at most ${MAX_BODY_LENGTH} characters.`)
  }
  if (trimmed.trim() === '' && !hasAttachments) throw badRequest('empty_message', 'Write something or attach a file.')
  return trimmed
}

export const CLIENT_KEY_PATTERN = /^[A-Za-z0-9_-]{8,64}$/

export interface NewMessageSpec {
  conversation: ConversationRow
  author: Member | null
  kind: MessageKind
  body: string
  replyToId?: number | null | undefined
  clientKey?: string | null | undefined
  attachments?: Awaited<ReturnType<typeof prepareAttachments>>
  systemData?: { action: string; detail?: string } | undefined
  /** A message from Telegram: the chat it came from, and for a guest their Telegram name. */
  originChatId?: number | null | undefined
  guestName?: string | null | undefined
  /** Runs after the message row exists and before its event is built (e.g. a notice row). */
  beforeEmit?: (messageId: number) => Promise<void>
  /** Handed to the conversation kind's `onInserted` (a customer reply's `isInternal`). */
  extra?: Readonly<Record<string, unknown>> | undefined
}

async function resolveMentions(
  ctx: AppContext,
  w: WriteContext,
  conversationId: number,
  authorId: number | null,
  body: string,
) {
  const parsed = parseMentions(body)
  if (parsed.usernames.length === 0 && !parsed.hasAll && !parsed.hasHere) return []
  const members = await repo.selectConversationMembers(w.trx, conversationId)
  const ids = new Set<number>()
  for (const member of members) {
    if (member.id === authorId || member.role === 'display') continue
    if (parsed.hasAll || parsed.usernames.includes(member.username.toLowerCase())) ids.add(member.id)
  }
  if (parsed.hasHere) {
    const candidates = members.filter((m) => m.id !== authorId && m.role !== 'display').map((m) => m.id)
    if (candidates.length) {
      const onShift = await w.trx
        .selectFrom('member')
        .select(['id', 'shift_status', 'shift_status_until'])
        .where('id', 'in', candidates)
        .execute()
      for (const member of onShift) {
        const isOnShift =
          member.shift_status === 'on_shift' ||
          (member.shift_status_until !== null && member.shift_status_until <= w.now)
        if (isOnShift || ctx.presence.presenceOf(member.id) === 'online') ids.add(member.id)
      }
    }
  }
  return [...ids]
}

/** Inserts a message with its attachments, mentions and search entry, and emits it. */
export async function insertMessage(ctx: AppContext, w: WriteContext, spec: NewMessageSpec): Promise<MessageView> {
  const attachments = spec.attachments ?? []
  const row = await w.trx
    .insertInto('message')
    .values({
      conversation_id: spec.conversation.id,
      author_id: spec.author?.id ?? null,
      kind: spec.kind,
      body: spec.body,
      reply_to_id: spec.replyToId ?? null,
      client_key: spec.clientKey ?? null,
      created_at: w.now,
      has_attachment: attachments.length > 0 ? 1 : 0,
      system_data: spec.systemData ? JSON.stringify(spec.systemData) : null,
      origin_chat_id: spec.originChatId ?? null,
      guest_name: spec.guestName ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  if (attachments.length) {
    await w.trx
      .insertInto('attachment')
      .values(attachments.map((a, position) => ({ ...a, message_id: row.id, position })))
      .execute()
  }
  await w.trx
    .updateTable('conversation')
    .set({ last_message_id: row.id, last_message_at: w.now })
    .where('id', '=', spec.conversation.id)
    .execute()
  let mentionIds: number[] = []
  if (spec.kind !== 'system') {
    mentionIds = await resolveMentions(ctx, w, spec.conversation.id, row.author_id, spec.body)
    await repo.insertMentions(w.trx, row.id, mentionIds)
    // Your own message marks the conversation read up to it.
    if (spec.author) await repo.setReadPosition(w.trx, spec.conversation.id, spec.author.id, row.id, w.now)
  }
  if (spec.beforeEmit) await spec.beforeEmit(row.id)
  await ctx.kinds
    .conversationKind(spec.conversation.kind)
    ?.onInserted?.(w, row, spec.conversation, spec.author, spec.extra ?? {})
  const [view] = (await hydrateMessages(ctx.kinds, w.trx, [row], {
    isNew: true,
    mentionIds: new Map([[row.id, mentionIds]]),
    authors: spec.author ? [spec.author] : [],
    conversationKind: spec.conversation.kind,
  })) as [MessageView]
  if (spec.kind !== 'system') {
    // Indexed once the kind's own rows exist (beforeEmit), so its searchText can read them.
    await repo.indexMessage(
      w.trx,
      row.id,
      { title: ctx.kinds.searchText(view), body: spec.body, names: attachments.map((a) => a.name).join(' ') },
      true,
    )
  }
  w.emit('message.created', { kind: 'conversation', id: spec.conversation.id }, { message: view as MessageView })
  return view as MessageView
}

export interface SendInput {
  body: string
  clientKey: string
  replyToId?: number | undefined
  attachments?: AttachmentInput[] | undefined
  /** An internal note, never sent outside (customer conversations only). */
  isInternal?: boolean | undefined
}

export interface SendResult {
  message: MessageView
  isNew: boolean
}

/** Sends a message. The same client key from the same author returns the first message. */
export async function sendMessage(
  ctx: AppContext,
  actor: Actor,
  conversationId: number,
  input: SendInput,
  /** Set when the message came in through Telegram: the chat it came from. */
  originChatId: number | null = null,
): Promise<SendResult> {
  if (!CLIENT_KEY_PATTERN.test(input.clientKey))
    throw badRequest('invalid_client_key', 'clientKey must be 8 to 64 letters, digits, - or _.')
  const body = assertBody(input.body, (input.attachments?.length ?? 0) > 0)
  return ctx.write(async (w) => {
    const existing = await repo.selectMessageByClientKey(w.trx, actor.member.id, input.clientKey)
    if (existing) {
      if (existing.conversation_id !== conversationId)
        throw conflict('client_key_reused', 'That clientKey was used for another message.')
      // A replay shows the message as it is now (reply excerpt, reactions): only to someone
      // who may still read the conversation, exactly as a fresh send would be refused.
      await requireReadable(w.trx, actor, conversationId)
      const [view] = await hydrateMessages(ctx.kinds, w.trx, [existing])
      return { message: view as MessageView, isNew: false }
    }
    const conversation = await requireReadable(w.trx, actor, conversationId)
    assertCanPost(actor, conversation, input.replyToId !== undefined)
    const postFields = ctx.kinds.conversationKind(conversation.kind)?.postFields ?? []
    if (input.isInternal !== undefined && !postFields.includes('isInternal')) {
      throw badRequest('internal_not_supported', 'Internal notes are for customer conversations only.')
    }
    if (input.replyToId !== undefined) await requireReplyTarget(w, conversationId, input.replyToId)
    const attachments = await prepareAttachments(w, actor, input.attachments ?? [])
    const message = await insertMessage(ctx, w, {
      conversation,
      author: actor.member,
      kind: 'text',
      body,
      replyToId: input.replyToId,
      clientKey: input.clientKey,
      attachments,
      originChatId,
      extra: input.isInternal === undefined ? undefined : { isInternal: input.isInternal },
    })
    return { message, isNew: true }
  })
}

async function requireReplyTarget(w: WriteContext, conversationId: number, replyToId: number): Promise<void> {
  const target = await repo.selectMessage(w.trx, replyToId)
  if (!target || target.conversation_id !== conversationId) {
    throw badRequest('invalid_reply', 'You can only reply to a message in the same conversation.')
  }
}

export async function requireMessage(ctx: AppContext, w: WriteContext | null, actor: Actor, messageId: number) {
  const db = w?.trx ?? ctx.db
  const message = await repo.selectMessage(db, messageId)
  if (!message) throw notFound('message_not_found', 'No such message.')
  const conversation = await requireReadable(db, actor, message.conversation_id).catch(() => {
    throw notFound('message_not_found', 'No such message.')
  })
  return { message, conversation }
}

function assertChangeable(message: MessageRow): void {
  if (message.kind === 'system') throw forbidden('system_message', 'System messages cannot be changed.')
  if (message.deleted_at !== null) throw conflict('message_deleted', 'That message was deleted.')
}

/**
 * Only the author puts words in their own mouth: a manager may remove a message but never
 * rewrite it, so what a message says is always what its author wrote.
 */
export function assertAuthor(actor: Actor, message: MessageRow): void {
  if (message.author_id !== actor.member.id) {
    throw forbidden('not_author', 'Only its author can edit a message. A manager can remove it.')
  }
}

/** The author deletes their own message; a manager (members.manage) may remove anyone's. */
function assertCanDelete(actor: Actor, message: MessageRow): void {
  if (message.author_id !== actor.member.id && !can(actor, 'members.manage')) {
    throw forbidden('not_author', 'Only its author or a manager can delete a message.')
  }
}

/**
 * Keeps a message's text (and a notice's title) as it was before an edit, with who edited
 * it and when, and records the edit in the audit log. Every edit path calls this before
 * changing the row, in the same transaction.
 */
export async function recordMessageEdit(
  w: WriteContext,
  actor: Actor,
  message: MessageRow,
  previous: { body: string; title?: string | null | undefined },
): Promise<void> {
  const revision = await w.trx
    .insertInto('message_revision')
    .values({
      message_id: message.id,
      body: previous.body,
      title: previous.title ?? null,
      edited_by: actor.member.id,
      edited_at: w.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(w.trx, w.now, {
    action: 'message.edited',
    actor: auditParty(actor),
    ip: actor.ip,
    // Ids only: the words stay in the message's history, readable to its conversation alone.
    detail: { conversation: message.conversation_id, messageId: message.id, revisionId: revision.id },
  })
}

/** Edits a message's text (its author only); it shows as edited and the old text is kept. */
export async function editMessage(
  ctx: AppContext,
  actor: Actor,
  messageId: number,
  body: string,
): Promise<MessageView> {
  return ctx.write(async (w) => {
    const { message, conversation } = await requireMessage(ctx, w, actor, messageId)
    assertCanWrite(actor, conversation)
    assertChangeable(message)
    assertAuthor(actor, message)
    const hasAttachments = message.has_attachment === 1
    const text = assertBody(body, hasAttachments || ctx.kinds.allowsEmptyBody(message.kind))
    if (text === message.body) return (await hydrateMessages(ctx.kinds, w.trx, [message]))[0] as MessageView
    await recordMessageEdit(w, actor, message, { body: message.body })
    await w.trx.updateTable('message').set({ body: text, edited_at: w.now }).where('id', '=', messageId).execute()
    await repo.deleteMentions(w.trx, messageId)
    await repo.insertMentions(w.trx, messageId, await resolveMentions(ctx, w, conversation.id, message.author_id, text))
    return reindexAndEmit(ctx, w, { ...message, body: text, edited_at: w.now })
  })
}

/** Re-indexes a changed message and emits message.updated. */
export async function reindexAndEmit(ctx: AppContext, w: WriteContext, message: MessageRow): Promise<MessageView> {
  const [view] = (await hydrateMessages(ctx.kinds, w.trx, [message])) as [MessageView]
  await repo.indexMessage(w.trx, message.id, {
    title: ctx.kinds.searchText(view),
    body: message.body,
    names: view.attachments.map((a) => a.name).join(' '),
  })
  w.emit('message.updated', { kind: 'conversation', id: message.conversation_id }, { message: view })
  return view
}

/**
 * Deletes a message, leaving a tombstone in its place; its text and earlier versions go.
 * Removed by someone other than its author (a manager), the tombstone says so and the
 * removal is audited.
 */
export async function deleteMessage(ctx: AppContext, actor: Actor, messageId: number): Promise<void> {
  await ctx.write(async (w) => {
    const { message, conversation } = await requireMessage(ctx, w, actor, messageId)
    assertCanWrite(actor, conversation)
    assertChangeable(message)
    assertCanDelete(actor, message)
    await w.trx
      .updateTable('message')
      .set({ body: '', deleted_at: w.now, deleted_by: actor.member.id, has_attachment: 0 })
      .where('id', '=', messageId)
      .execute()
    await w.trx.deleteFrom('message_revision').where('message_id', '=', messageId).execute()
    const isRemovedByManager = message.author_id !== actor.member.id
    if (isRemovedByManager) {
      const author =
        message.author_id === null
          ? undefined
          : await w.trx
              .selectFrom('member')
              .select(['id', 'username', 'display_name'])
              .where('id', '=', message.author_id)
              .executeTakeFirst()
      await recordAudit(w.trx, w.now, {
        action: 'message.removed',
        actor: auditParty(actor),
        target: author ? memberParty(author) : null,
        ip: actor.ip,
        detail: { conversation: conversation.id, messageId, kind: message.kind },
      })
    }
    await w.trx.deleteFrom('attachment').where('message_id', '=', messageId).execute()
    await w.trx.deleteFrom('reaction').where('message_id', '=', messageId).execute()
    await repo.deleteMentions(w.trx, messageId)
    await repo.unindexMessage(w.trx, messageId)
    await ctx.kinds.onDeleted(w, message)
    w.emit(
      'message.deleted',
      { kind: 'conversation', id: conversation.id },
      { conversationId: conversation.id, messageId, isRemovedByManager },
    )
  })
}

/**
 * The shop's retention setting: deletes messages older than the cutoff, with their
 * attachments, reactions and search entries. What a kind keeps for now stays (pinned
 * notices that have not expired). Returns how many messages were deleted.
 */
export async function purgeMessagesBefore(ctx: AppContext, cutoff: number): Promise<number> {
  return ctx.write(async (w) => {
    const retained = await ctx.kinds.retainedIds(w.trx, w.now)
    let query = w.trx.selectFrom('message as m').select('m.id').where('m.created_at', '<', cutoff)
    if (retained.length) query = query.where('m.id', 'not in', retained)
    const rows = await query.limit(5_000).execute()
    const ids = rows.map((row) => row.id)
    if (ids.length === 0) return 0
    for (const id of ids) await repo.unindexMessage(w.trx, id)
    await w.trx.updateTable('message').set({ reply_to_id: null }).where('reply_to_id', 'in', ids).execute()
    await w.trx.deleteFrom('message').where('id', 'in', ids).execute()
    return ids.length
  })
}
