/** Search over the messages, notices and attachment names a member is allowed to see. */
import type { AppContext } from '../shared/context'
import { badRequest } from '../shared/errors'
import type { Actor } from '../auth/actor'
import { searchMessages } from './search-repo'
import * as repo from './repo'
import { personRef } from './views'
import { searchPages } from '../pages/service'

export interface SearchQuery {
  q: string
  conversationId?: number | undefined
  authorId?: number | undefined
  hasAttachment?: boolean | undefined
  from?: number | undefined
  to?: number | undefined
  limit?: number | undefined
}

/** Turns what people type into a safe FTS5 query: every word must match, as a prefix. */
export function toMatchExpression(q: string): string | null {
  const words = (q.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8)
  if (words.length === 0) return null
  return words.map((word) => `"${word}"*`).join(' ')
}

export interface SearchHit {
  /** 0 for an info page hit. */
  messageId: number
  /** Set for an info page hit. */
  pageId: number | null
  conversationId: number
  conversationName: string
  conversationKind: string
  author: { id: number; username: string; displayName: string } | null
  /** A guest from a linked Telegram group (author is then null). */
  guestName: string | null
  createdAt: number
  kind: string
  /** Text around the match; matched words are wrapped in \u0002 … \u0003. */
  snippet: string
}

export async function search(ctx: AppContext, actor: Actor, query: SearchQuery): Promise<SearchHit[]> {
  const match = toMatchExpression(query.q)
  if (!match) throw badRequest('invalid_query', 'Type at least one word to search for.')
  const rows = await searchMessages(ctx.db, {
    memberId: actor.member.id,
    match,
    isBoardOnly: actor.member.role === 'display',
    conversationId: query.conversationId,
    authorId: query.authorId,
    hasAttachment: query.hasAttachment,
    from: query.from,
    to: query.to,
    limit: Math.min(query.limit ?? 30, 100),
  })
  const conversationIds = [...new Set(rows.map((r) => r.conversation_id))]
  const conversations = conversationIds.length
    ? await ctx.db
        .selectFrom('conversation')
        .select(['id', 'name', 'kind'])
        .where('id', 'in', conversationIds)
        .execute()
    : []
  const authors = await repo.selectAuthors(ctx.db, [
    ...new Set(rows.map((r) => r.author_id).filter((id): id is number => id !== null)),
  ])
  const directNames = new Map<number, string>()
  for (const row of await repo.selectDirectMembers(
    ctx.db,
    conversations.filter((c) => c.kind === 'direct').map((c) => c.id),
  )) {
    if (row.id === actor.member.id) continue
    directNames.set(
      row.conversation_id,
      [directNames.get(row.conversation_id), row.display_name].filter(Boolean).join(', '),
    )
  }
  const isUnfiltered = [query.conversationId, query.authorId, query.hasAttachment, query.from, query.to].every(
    (v) => v === undefined,
  )
  const pageHits: SearchHit[] = isUnfiltered
    ? (await searchPages(ctx, actor, match, 5)).map((hit) => ({
        messageId: 0,
        pageId: hit.pageId,
        conversationId: 0,
        conversationName: hit.title,
        conversationKind: 'page',
        author: null,
        guestName: null,
        createdAt: 0,
        kind: 'page',
        snippet: hit.snippet,
      }))
    : []
  const messageHits = rows.map((row): SearchHit => {
    const conversation = conversations.find((c) => c.id === row.conversation_id)
    const author = authors.find((a) => a.id === row.author_id)
    return {
      messageId: row.id,
      pageId: null,
      conversationId: row.conversation_id,
      conversationName:
        conversation?.kind === 'direct' ? (directNames.get(row.conversation_id) ?? '') : (conversation?.name ?? ''),
      conversationKind: conversation?.kind ?? 'channel',
      author: author ? personRef(author) : null,
      guestName: row.guest_name,
      createdAt: row.created_at,
      kind: row.kind,
      snippet: row.snippet,
    }
  })
  return [...pageHits, ...messageHits]
}
