/** Who is told of a new customer message, by push and in Telegram alike. */
import type { WriteContext } from '../shared/write'
import type { MessageView } from '../shared/events'
import * as repo from './repo'

/**
 * Who is told of a new customer message: its assignee and the colleagues added to it, or,
 * while nobody is assigned, everyone who answers customers and is on shift.
 */
export async function notifiedOf(w: WriteContext, view: MessageView): Promise<number[]> {
  if (view.customer?.direction !== 'in' || view.customer.isThrottled) return []
  const conversation = await w.trx
    .selectFrom('conversation')
    .select(['id', 'assignee_id'])
    .where('id', '=', view.conversationId)
    .executeTakeFirst()
  const customer = await repo.selectByConversation(w.trx, view.conversationId)
  if (!conversation || !customer) return []
  const participants = await repo.selectParticipantIds(w.trx, customer.id)
  if (conversation.assignee_id !== null) return [...new Set([conversation.assignee_id, ...participants])]
  const answerers = await repo.selectAnswererIds(w.trx)
  if (answerers.length === 0) return participants
  const onShift = await w.trx
    .selectFrom('member')
    .select(['id', 'shift_status', 'shift_status_until'])
    .where('id', 'in', answerers)
    .execute()
  const ids = onShift
    .filter((m) => m.shift_status === 'on_shift' || (m.shift_status_until !== null && m.shift_status_until <= w.now))
    .map((m) => m.id)
  return [...new Set([...ids, ...participants])]
}
