/** The one event every change to a customer conversation announces. */
import type { PersonRef } from '../shared/events'
import type { WriteContext } from '../shared/write'
import type { CustomerStatus } from '../db/schema'

/** Tells the conversation's members (and the queue, the mirror) that its status, assignee or record changed. */
export function emitCustomerChanged(
  w: WriteContext,
  conversationId: number,
  status: CustomerStatus,
  assigneeId: number | null,
  by: PersonRef | null,
): void {
  w.emit('customer.changed', { kind: 'conversation', id: conversationId }, { conversationId, status, assigneeId, by })
}
