/** Who may read, write and manage a conversation. Every conversation route goes through here. */
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import { AppError, conflict, forbidden, notFound } from '../shared/errors'
import { can, type Actor } from '../auth/actor'
import * as repo from './repo'
import type { ConversationRow } from './views'

const noSuchConversation = () => notFound('conversation_not_found', 'No such conversation, or you are not in it.')

/** The conversation, if the actor is a member of it. Non-members learn nothing. */
export async function requireReadable(db: Kysely<DB>, actor: Actor, conversationId: number): Promise<ConversationRow> {
  const found = await repo.selectConversationFor(db, conversationId, actor.member.id)
  if (!found || !found.isMember) throw noSuchConversation()
  const { conversation } = found
  // A wall display sees the board only, never a channel or a direct conversation.
  if (actor.member.role === 'display' && conversation.kind !== 'board') throw noSuchConversation()
  return conversation
}

export function assertCanWrite(actor: Actor, conversation: ConversationRow): void {
  if (actor.member.role === 'display') throw new AppError(403, 'read_only', 'A wall display cannot post.')
  if (conversation.archived_at !== null) throw conflict('conversation_archived', 'This conversation is archived.')
}

/** May post a top-level message here (on the board that takes board.post; replies do not). */
export function assertCanPost(actor: Actor, conversation: ConversationRow, isReply: boolean): void {
  assertCanWrite(actor, conversation)
  if (conversation.kind === 'board' && !isReply && !can(actor, 'board.post')) {
    throw forbidden(
      'board_post_required',
      'Only members allowed to post on the board can start a new board post. You can reply.',
    )
  }
}

export function canCreateChannel(actor: Actor): boolean {
  return actor.member.role === 'owner' || actor.member.role === 'manager' || can(actor, 'board.post')
}

/** Channel admins (its creator and whoever they make admin) and managers manage a channel. */
export async function assertCanManage(db: Kysely<DB>, actor: Actor, conversation: ConversationRow): Promise<void> {
  if (conversation.kind !== 'channel') throw forbidden('not_a_channel', 'Only channels can be changed like that.')
  if (can(actor, 'members.manage')) return
  const membership = await repo.selectMembership(db, conversation.id, actor.member.id)
  if (membership?.is_admin !== 1)
    throw forbidden('channel_admin_required', 'Only the channel’s admins and managers can do that.')
}
