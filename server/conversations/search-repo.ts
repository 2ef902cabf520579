/** Full-text search over what a member may see. SQLite FTS5 lives here and in db/ only. */
import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema'

export interface SearchFilter {
  memberId: number
  match: string
  isBoardOnly: boolean
  conversationId?: number | undefined
  authorId?: number | undefined
  hasAttachment?: boolean | undefined
  from?: number | undefined
  to?: number | undefined
  limit: number
}

export interface SearchRow {
  id: number
  conversation_id: number
  author_id: number | null
  guest_name: string | null
  created_at: number
  kind: string
  snippet: string
}

export async function searchMessages(db: Kysely<DB>, f: SearchFilter): Promise<SearchRow[]> {
  const conditions = [sql`message_fts match ${f.match}`, sql`m.deleted_at is null`]
  if (f.isBoardOnly) conditions.push(sql`c.kind = 'board'`)
  if (f.conversationId !== undefined) conditions.push(sql`m.conversation_id = ${f.conversationId}`)
  if (f.authorId !== undefined) conditions.push(sql`m.author_id = ${f.authorId}`)
  if (f.hasAttachment !== undefined) conditions.push(sql`m.has_attachment = ${f.hasAttachment ? 1 : 0}`)
  if (f.from !== undefined) conditions.push(sql`m.created_at >= ${f.from}`)
  if (f.to !== undefined) conditions.push(sql`m.created_at < ${f.to}`)
  const result = await sql<SearchRow>`
    select m.id, m.conversation_id, m.author_id, m.guest_name, m.created_at, m.kind,
           snippet(message_fts, -1, char(2), char(3), char(8230), 16) as snippet
    from message_fts
    join message m on m.id = message_fts.rowid
    join conversation c on c.id = m.conversation_id
    join conversation_member cm on cm.conversation_id = m.conversation_id and cm.member_id = ${f.memberId}
    where ${sql.join(conditions, sql` and `)}
    order by bm25(message_fts, 5.0, 1.0, 2.0), m.id desc
    limit ${f.limit}`.execute(db)
  return result.rows
}
