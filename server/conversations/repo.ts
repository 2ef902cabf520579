/** Queries for conversations, memberships, messages, reactions and read state. */
import { sql, type Kysely } from 'kysely'
import type { ConversationKind, DB } from '../db/schema'

export function selectConversation(db: Kysely<DB>, id: number) {
  return db.selectFrom('conversation').selectAll().where('id', '=', id).executeTakeFirst()
}

export function selectBoard(db: Kysely<DB>) {
  return db.selectFrom('conversation').selectAll().where('kind', '=', 'board').executeTakeFirstOrThrow()
}

export function selectDirectByKey(db: Kysely<DB>, key: string) {
  return db.selectFrom('conversation').selectAll().where('direct_key', '=', key).executeTakeFirst()
}

export function insertConversation(
  db: Kysely<DB>,
  row: {
    kind: ConversationKind
    name: string
    topic: string
    is_private: number
    direct_key: string | null
    created_by: number | null
    created_at: number
    status?: 'open' | 'waiting' | 'solved' | null
  },
) {
  return db.insertInto('conversation').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateConversation(
  db: Kysely<DB>,
  id: number,
  patch: {
    name?: string
    topic?: string
    archived_at?: number | null
    status?: 'open' | 'waiting' | 'solved' | null
    assignee_id?: number | null
  },
): Promise<void> {
  await db.updateTable('conversation').set(patch).where('id', '=', id).execute()
}

/** A conversation and whether the member belongs to it, in one query (every read and send asks). */
export async function selectConversationFor(db: Kysely<DB>, conversationId: number, memberId: number) {
  const row = await db
    .selectFrom('conversation as c')
    .leftJoin('conversation_member as cm', (join) =>
      join.onRef('cm.conversation_id', '=', 'c.id').on('cm.member_id', '=', memberId),
    )
    .selectAll('c')
    .select('cm.member_id as membership')
    .where('c.id', '=', conversationId)
    .executeTakeFirst()
  if (!row) return undefined
  const { membership, ...conversation } = row
  return { conversation, isMember: membership !== null }
}

export function selectMembership(db: Kysely<DB>, conversationId: number, memberId: number) {
  return db
    .selectFrom('conversation_member')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('member_id', '=', memberId)
    .executeTakeFirst()
}

export function selectAllMemberships(db: Kysely<DB>) {
  return db.selectFrom('conversation_member').select(['conversation_id', 'member_id']).execute()
}

/** Active members of a conversation with their read positions. */
export function selectConversationMembers(db: Kysely<DB>, conversationId: number) {
  return db
    .selectFrom('conversation_member as cm')
    .innerJoin('member as m', 'm.id', 'cm.member_id')
    .select([
      'm.id',
      'm.username',
      'm.display_name',
      'm.role',
      'm.status',
      'cm.is_admin',
      'cm.last_read_id',
      'cm.joined_at',
    ])
    .where('cm.conversation_id', '=', conversationId)
    .where('m.status', '=', 'active')
    .orderBy('m.display_name')
    .execute()
}

export async function insertMemberships(
  db: Kysely<DB>,
  conversationId: number,
  memberIds: readonly number[],
  now: number,
  adminId?: number,
): Promise<number[]> {
  const added: number[] = []
  for (const memberId of memberIds) {
    const result = await db
      .insertInto('conversation_member')
      .values({
        conversation_id: conversationId,
        member_id: memberId,
        joined_at: now,
        is_admin: memberId === adminId ? 1 : 0,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) added.push(memberId)
  }
  return added
}

export async function deleteMembership(db: Kysely<DB>, conversationId: number, memberId: number): Promise<boolean> {
  const result = await db
    .deleteFrom('conversation_member')
    .where('conversation_id', '=', conversationId)
    .where('member_id', '=', memberId)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export function countMembers(db: Kysely<DB>, conversationIds: readonly number[]) {
  if (conversationIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('conversation_member as cm')
    .innerJoin('member as m', 'm.id', 'cm.member_id')
    .select(['cm.conversation_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('cm.conversation_id', 'in', conversationIds)
    .where('m.status', '=', 'active')
    .groupBy('cm.conversation_id')
    .execute()
}

export function selectDirectMembers(db: Kysely<DB>, conversationIds: readonly number[]) {
  if (conversationIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('conversation_member as cm')
    .innerJoin('member as m', 'm.id', 'cm.member_id')
    .select(['cm.conversation_id', 'm.id', 'm.username', 'm.display_name'])
    .where('cm.conversation_id', 'in', conversationIds)
    .orderBy('m.display_name')
    .execute()
}

/** The member's conversations with unread and mention counts since their read position. */
export function selectConversationsOf(db: Kysely<DB>, memberId: number) {
  return db
    .selectFrom('conversation as c')
    .innerJoin('conversation_member as cm', (join) =>
      join.onRef('cm.conversation_id', '=', 'c.id').on('cm.member_id', '=', memberId),
    )
    .selectAll('c')
    .select(['cm.last_read_id', 'cm.is_admin', 'cm.muted_until'])
    .select((eb) => [
      eb
        .selectFrom('message as m')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('m.conversation_id', '=', 'c.id')
        .whereRef('m.id', '>', 'cm.last_read_id')
        .where('m.deleted_at', 'is', null)
        .where('m.kind', '!=', 'system')
        .where((w) => w.or([w('m.author_id', 'is', null), w('m.author_id', '!=', memberId)]))
        .as('unread'),
      eb
        .selectFrom('message_mention as mm')
        .innerJoin('message as m', 'm.id', 'mm.message_id')
        .select(eb.fn.countAll<number>().as('n'))
        .where('mm.member_id', '=', memberId)
        .whereRef('m.conversation_id', '=', 'c.id')
        .whereRef('m.id', '>', 'cm.last_read_id')
        .where('m.deleted_at', 'is', null)
        .as('mentions'),
      // The list previews the latest message still there; system lines say nothing of it.
      eb
        .selectFrom('message as m')
        .select((m) => m.fn.max('m.id').as('id'))
        .whereRef('m.conversation_id', '=', 'c.id')
        .where('m.deleted_at', 'is', null)
        .where('m.kind', '!=', 'system')
        .as('last_shown_id'),
    ])
    .orderBy(sql`coalesce(c.last_message_at, c.created_at)`, 'desc')
    .execute()
}

export function selectOpenChannelsNotJoined(db: Kysely<DB>, memberId: number) {
  return db
    .selectFrom('conversation as c')
    .selectAll('c')
    .where('c.kind', '=', 'channel')
    .where('c.is_private', '=', 0)
    .where('c.archived_at', 'is', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('conversation_member as cm')
            .select('cm.member_id')
            .whereRef('cm.conversation_id', '=', 'c.id')
            .where('cm.member_id', '=', memberId),
        ),
      ),
    )
    .orderBy('c.name')
    .execute()
}

export async function setReadPosition(
  db: Kysely<DB>,
  conversationId: number,
  memberId: number,
  lastReadId: number,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('conversation_member')
    .set({ last_read_id: lastReadId, last_read_at: now })
    .where('conversation_id', '=', conversationId)
    .where('member_id', '=', memberId)
    .where('last_read_id', '<', lastReadId)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

// Messages

export function selectMessage(db: Kysely<DB>, id: number) {
  return db.selectFrom('message').selectAll().where('id', '=', id).executeTakeFirst()
}

export function selectMessageByClientKey(db: Kysely<DB>, authorId: number, clientKey: string) {
  return db
    .selectFrom('message')
    .selectAll()
    .where('author_id', '=', authorId)
    .where('client_key', '=', clientKey)
    .executeTakeFirst()
}

export interface HistoryQuery {
  conversationId: number
  beforeId?: number | undefined
  afterId?: number | undefined
  limit: number
}

export async function selectHistory(db: Kysely<DB>, query: HistoryQuery) {
  let q = db.selectFrom('message').selectAll().where('conversation_id', '=', query.conversationId)
  if (query.afterId !== undefined) {
    return q.where('id', '>', query.afterId).orderBy('id', 'asc').limit(query.limit).execute()
  }
  if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId)
  const rows = await q.orderBy('id', 'desc').limit(query.limit).execute()
  return rows.reverse()
}

export function selectMessagesByIds(db: Kysely<DB>, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('message').selectAll().where('id', 'in', ids).execute()
}

export function selectAuthors(db: Kysely<DB>, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('member').select(['id', 'username', 'display_name']).where('id', 'in', ids).execute()
}

export function selectAttachments(db: Kysely<DB>, messageIds: readonly number[]) {
  if (messageIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('attachment as a')
    .leftJoin('file as f', 'f.id', 'a.file_id')
    .select([
      'a.id',
      'a.message_id',
      'a.position',
      'a.kind',
      'a.file_id',
      'a.name',
      'a.latitude',
      'a.longitude',
      'a.accuracy_m',
      'f.mime',
      'f.size',
      'f.width',
      'f.height',
      'f.thumbnail_id',
    ])
    .where('a.message_id', 'in', messageIds)
    .orderBy('a.message_id')
    .orderBy('a.position')
    .execute()
}

export function selectReactions(db: Kysely<DB>, messageIds: readonly number[]) {
  if (messageIds.length === 0) return Promise.resolve([])
  return db.selectFrom('reaction').selectAll().where('message_id', 'in', messageIds).orderBy('created_at').execute()
}

export function selectMentions(db: Kysely<DB>, messageIds: readonly number[]) {
  if (messageIds.length === 0) return Promise.resolve([])
  return db.selectFrom('message_mention').selectAll().where('message_id', 'in', messageIds).execute()
}

export async function insertMentions(db: Kysely<DB>, messageId: number, memberIds: readonly number[]): Promise<void> {
  if (memberIds.length === 0) return
  await db
    .insertInto('message_mention')
    .values(memberIds.map((member_id) => ({ message_id: messageId, member_id })))
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function deleteMentions(db: Kysely<DB>, messageId: number): Promise<void> {
  await db.deleteFrom('message_mention').where('message_id', '=', messageId).execute()
}

export async function addReaction(db: Kysely<DB>, messageId: number, memberId: number, emoji: string, now: number) {
  await db
    .insertInto('reaction')
    .values({ message_id: messageId, member_id: memberId, emoji, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function removeReaction(db: Kysely<DB>, messageId: number, memberId: number, emoji: string) {
  await db
    .deleteFrom('reaction')
    .where('message_id', '=', messageId)
    .where('member_id', '=', memberId)
    .where('emoji', '=', emoji)
    .execute()
}

// Full-text index (SQLite FTS5; the one place besides db/ that speaks it).

export async function indexMessage(
  db: Kysely<DB>,
  messageId: number,
  text: { title: string; body: string; names: string },
  isNew = false,
): Promise<void> {
  if (!isNew) await sql`delete from message_fts where rowid = ${messageId}`.execute(db)
  if (!text.title && !text.body && !text.names) return
  await sql`insert into message_fts (rowid, title, body, names) values (${messageId}, ${text.title}, ${text.body}, ${text.names})`.execute(
    db,
  )
}

export async function unindexMessage(db: Kysely<DB>, messageId: number): Promise<void> {
  await sql`delete from message_fts where rowid = ${messageId}`.execute(db)
}
