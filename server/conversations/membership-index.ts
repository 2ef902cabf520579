/**
 * Who belongs to which conversation, in memory, so the hub can filter every event
 * without a query. Loaded once at start; kept in step by the membership events the
 * conversation service emits (applied before the events are fanned out). The board is
 * not listed: every active member is on it.
 */
import type { Database } from '../db/database'
import type { StoredEvent } from '../realtime/events'
import { selectAllMemberships, selectBoard } from './repo'

export class MembershipIndex {
  private readonly members = new Map<number, Set<number>>()
  boardId = 0

  async load(db: Database): Promise<void> {
    this.boardId = (await selectBoard(db)).id
    this.members.clear()
    for (const row of await selectAllMemberships(db)) {
      if (row.conversation_id !== this.boardId) this.add(row.conversation_id, row.member_id)
    }
  }

  has(conversationId: number, memberId: number): boolean {
    return conversationId === this.boardId || (this.members.get(conversationId)?.has(memberId) ?? false)
  }

  add(conversationId: number, memberId: number): void {
    let set = this.members.get(conversationId)
    if (!set) this.members.set(conversationId, (set = new Set()))
    set.add(memberId)
  }

  remove(conversationId: number, memberId: number): void {
    this.members.get(conversationId)?.delete(memberId)
  }

  /** Applies membership changes carried by committed events. */
  apply(event: StoredEvent): void {
    if (event.type === 'conversation.created') {
      const data = event.data as { conversation: { id: number }; memberIds: number[] }
      for (const memberId of data.memberIds) this.add(data.conversation.id, memberId)
    } else if (event.type === 'conversation.member_added') {
      const data = event.data as { conversationId: number; memberId: number }
      this.add(data.conversationId, data.memberId)
    } else if (event.type === 'conversation.member_removed') {
      const data = event.data as { conversationId: number; memberId: number }
      this.remove(data.conversationId, data.memberId)
    }
  }
}
