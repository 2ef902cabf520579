/** Turns message and conversation rows into the views clients see, in a few batched queries. */
import type { Kysely, Selectable } from 'kysely'
import type { ConversationKind, ConversationTable, DB, MessageTable } from '../db/schema'
import type { Actor } from '../auth/actor'
import type { AttachmentView, ConversationView, MessageView, PersonRef, ReactionView } from '../shared/events'
import type { MessageKinds } from './kinds'
import * as repo from './repo'

export type MessageRow = Selectable<MessageTable>
export type ConversationRow = Selectable<ConversationTable>

export function fileUrl(fileId: number): string {
  return `/api/files/${fileId}`
}

export function personRef(row: { id: number; username: string; display_name: string }): PersonRef {
  return { id: row.id, username: row.username, displayName: row.display_name }
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim()
  return flat.length > 140 ? `${flat.slice(0, 139)}…` : flat
}

export function groupReactions(rows: readonly { emoji: string; member_id: number }[]): ReactionView[] {
  const byEmoji = new Map<string, number[]>()
  for (const row of rows) byEmoji.set(row.emoji, [...(byEmoji.get(row.emoji) ?? []), row.member_id])
  return [...byEmoji].map(([emoji, memberIds]) => ({ emoji, count: memberIds.length, memberIds }))
}

/** What the caller already knows about messages it has just written, to save queries. */
export interface KnownFacts {
  /** The messages are brand new: no reactions yet. */
  isNew?: boolean
  /** Mentions by message id, when the caller just stored them. */
  mentionIds?: ReadonlyMap<number, readonly number[]>
  /** Authors the caller has at hand. */
  authors?: readonly { id: number; username: string; display_name: string }[]
  /**
   * Who will read the views: a kind's private part is kept only for a viewer it allows.
   * Without one (events, pushes, the Telegram mirror) every private part is left out.
   */
  viewer?: Actor | null
  /** Every row is in a conversation of this kind: other conversation kinds' fields need no query. */
  conversationKind?: ConversationKind
}

/** Message rows as views, each with the fields its registered kind adds (a notice's). */
export async function hydrateMessages(
  kinds: MessageKinds,
  db: Kysely<DB>,
  rows: readonly MessageRow[],
  known: KnownFacts = {},
): Promise<MessageView[]> {
  if (rows.length === 0) return []
  const ids = rows.map((row) => row.id)
  const withAttachments = rows.filter((row) => row.has_attachment === 1).map((row) => row.id)
  const replyIds = [...new Set(rows.map((row) => row.reply_to_id).filter((id): id is number => id !== null))]
  const replies = await repo.selectMessagesByIds(db, replyIds)
  const knownAuthors = new Set((known.authors ?? []).map((a) => a.id))
  const authorIds = [
    ...new Set([...rows, ...replies].map((row) => row.author_id).filter((id): id is number => id !== null)),
  ].filter((id) => !knownAuthors.has(id))
  const [fetchedAuthors, attachments, reactions, mentions, kindFields] = await Promise.all([
    repo.selectAuthors(db, authorIds),
    repo.selectAttachments(db, withAttachments),
    known.isNew ? Promise.resolve([]) : repo.selectReactions(db, ids),
    known.mentionIds
      ? Promise.resolve(
          [...known.mentionIds].flatMap(([message_id, members]) =>
            members.map((member_id) => ({ message_id, member_id })),
          ),
        )
      : repo.selectMentions(db, ids),
    kinds.hydrate(db, rows, known.viewer ?? null, known.conversationKind),
  ])
  const noKindFields = kinds.emptyFields()
  const authorById = new Map([...(known.authors ?? []), ...fetchedAuthors].map((a) => [a.id, a]))
  const replyById = new Map(replies.map((r) => [r.id, r]))
  const attachmentsByMessage = new Map<number, AttachmentView[]>()
  for (const a of attachments) {
    const view: AttachmentView = {
      id: a.id,
      kind: a.kind,
      name: a.name,
      fileId: a.file_id,
      url: a.file_id === null ? null : fileUrl(a.file_id),
      thumbnailUrl:
        a.file_id === null
          ? null
          : a.thumbnail_id !== null || a.kind === 'image'
            ? `${fileUrl(a.file_id)}/thumbnail`
            : null,
      mime: a.mime,
      size: a.size,
      width: a.width,
      height: a.height,
      latitude: a.latitude,
      longitude: a.longitude,
      accuracyM: a.accuracy_m,
    }
    attachmentsByMessage.set(a.message_id, [...(attachmentsByMessage.get(a.message_id) ?? []), view])
  }
  const reactionsByMessage = new Map<number, { emoji: string; member_id: number }[]>()
  for (const r of reactions) reactionsByMessage.set(r.message_id, [...(reactionsByMessage.get(r.message_id) ?? []), r])
  const mentionsByMessage = new Map<number, number[]>()
  for (const m of mentions)
    mentionsByMessage.set(m.message_id, [...(mentionsByMessage.get(m.message_id) ?? []), m.member_id])

  return rows.map((row) => {
    const author = row.author_id === null ? undefined : authorById.get(row.author_id)
    const reply = row.reply_to_id === null ? undefined : replyById.get(row.reply_to_id)
    const replyAuthor = reply?.author_id ? authorById.get(reply.author_id) : undefined
    const isDeleted = row.deleted_at !== null
    let system: MessageView['system'] = null
    if (row.kind === 'system' && row.system_data) {
      const data = JSON.parse(row.system_data) as { action: string; detail?: string }
      system = { action: data.action, actorName: author?.display_name ?? '', detail: data.detail ?? '' }
    }
    return {
      id: row.id,
      conversationId: row.conversation_id,
      kind: row.kind,
      author: author ? personRef(author) : null,
      body: isDeleted ? '' : row.body,
      replyTo: reply
        ? {
            id: reply.id,
            authorName: replyAuthor?.display_name ?? '',
            excerpt: reply.deleted_at === null ? excerpt(reply.body) : '',
            isDeleted: reply.deleted_at !== null,
          }
        : null,
      clientKey: row.client_key,
      createdAt: row.created_at,
      editedAt: row.edited_at,
      deletedAt: row.deleted_at,
      isRemovedByManager: isDeleted && row.deleted_by !== null && row.deleted_by !== row.author_id,
      attachments: isDeleted ? [] : (attachmentsByMessage.get(row.id) ?? []),
      reactions: isDeleted ? [] : groupReactions(reactionsByMessage.get(row.id) ?? []),
      mentionIds: mentionsByMessage.get(row.id) ?? [],
      // Each registered kind's field, null here and filled in below for the kind's own messages.
      ...noKindFields,
      system,
      guest: row.guest_name === null ? null : { name: row.guest_name },
      via: row.origin_chat_id === null ? null : 'telegram',
      ...kindFields.get(row.id),
    } as MessageView
  })
}

export async function conversationViews(db: Kysely<DB>, rows: readonly ConversationRow[]): Promise<ConversationView[]> {
  const ids = rows.map((row) => row.id)
  const counts = new Map((await repo.countMembers(db, ids)).map((row) => [row.conversation_id, Number(row.n)]))
  const directIds = rows.filter((row) => row.kind === 'direct').map((row) => row.id)
  const directMembers = new Map<number, PersonRef[]>()
  for (const row of await repo.selectDirectMembers(db, directIds)) {
    directMembers.set(row.conversation_id, [...(directMembers.get(row.conversation_id) ?? []), personRef(row)])
  }
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    name: row.name,
    topic: row.topic,
    isPrivate: row.is_private === 1,
    isArchived: row.archived_at !== null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastMessageId: row.last_message_id,
    lastMessageAt: row.last_message_at,
    memberCount: counts.get(row.id) ?? 0,
    members: directMembers.get(row.id) ?? [],
    status: row.status,
    assigneeId: row.assignee_id,
  }))
}

export async function conversationView(db: Kysely<DB>, row: ConversationRow): Promise<ConversationView> {
  const [view] = await conversationViews(db, [row])
  return view as ConversationView
}
