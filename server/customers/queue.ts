/**
 * The Customers queue. When the shop names a task queue for customers, every customer
 * conversation that is open and nobody's is a job in that queue ("Answer Maria (C-00007)"):
 * staff take it with Take or Next like any job, and taking it assigns the conversation.
 * Assigning by hand, solving, or giving the job back keep the two in step. The rule runs in
 * the transaction of whatever changed, whichever surface changed it.
 */
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import type { StoredEvent } from '../shared/events'
import { forbidden } from '../shared/errors'
import type { Actor } from '../auth/actor'
import { closeTask, insertTask } from '../tasks/service'
import { customerName, referenceOf } from './names'
import * as repo from './repo'
import { assignIn } from './service'

const ACTIVE = ['open', 'taken', 'started'] as const

async function activeJob(w: WriteContext, customerId: number) {
  return w.trx
    .selectFrom('customer_task as ct')
    .innerJoin('task as t', 't.message_id', 'ct.task_message_id')
    .innerJoin('message as m', 'm.id', 't.message_id')
    .select(['t.message_id as id', 't.state', 't.taken_by'])
    .where('ct.customer_id', '=', customerId)
    .where('ct.purpose', '=', 'answer')
    .where('t.state', 'in', [...ACTIVE])
    .where('m.deleted_at', 'is', null)
    .executeTakeFirst()
}

/** Makes the queue's job match the conversation: one while it is open and nobody's, none otherwise. */
async function syncJob(ctx: AppContext, w: WriteContext, conversationId: number): Promise<void> {
  const conversation = await w.trx
    .selectFrom('conversation')
    .select(['id', 'kind', 'status', 'assignee_id'])
    .where('id', '=', conversationId)
    .executeTakeFirst()
  if (conversation?.kind !== 'customer') return
  const customer = await repo.selectByConversation(w.trx, conversationId)
  if (!customer) return
  const settings = await repo.selectSettings(w.trx)
  const job = await activeJob(w, customer.id)
  const isWanted =
    settings.queue_id !== null &&
    conversation.status !== 'solved' &&
    conversation.assignee_id === null &&
    customer.blocked_at === null &&
    customer.erased_at === null
  if (isWanted && !job) {
    const queue = await w.trx
      .selectFrom('task_queue')
      .select(['id', 'archived_at'])
      .where('id', '=', settings.queue_id as number)
      .executeTakeFirst()
    if (!queue || queue.archived_at !== null) return
    const id = await insertTask(
      ctx,
      w,
      null,
      null,
      {
        title: `Answer ${customerName(customer)} (${referenceOf(customer.id)})`,
        details: `Open the customer conversation: /chat/${conversationId}`,
        queueId: queue.id,
        priority: 60,
        // Next and the lists offer it only to those who may answer customers.
        requiredPermission: 'customers.answer',
      },
      {},
    )
    await w.trx
      .insertInto('customer_task')
      .values({ task_message_id: id, customer_id: customer.id, purpose: 'answer', notify_customer: 0 })
      .execute()
    return
  }
  if (!job || isWanted) return
  // Solved, blocked or erased: the job is over. Given to someone else by hand: the open job goes.
  const isOver = conversation.status === 'solved' || customer.blocked_at !== null || customer.erased_at !== null
  if (isOver || job.state === 'open' || job.taken_by !== conversation.assignee_id) await closeTask(ctx, w, job.id, null)
}

/** Taking the job assigns the conversation; giving it back unassigns it. */
async function followJob(ctx: AppContext, w: WriteContext, event: StoredEvent<'task.changed'>): Promise<void> {
  const data = event.data
  if (!['taken', 'released', 'returned', 'reassigned'].includes(data.action)) return
  const link = await w.trx
    .selectFrom('customer_task as ct')
    .innerJoin('customer as c', 'c.id', 'ct.customer_id')
    .select(['c.conversation_id'])
    .where('ct.task_message_id', '=', data.taskId)
    .where('ct.purpose', '=', 'answer')
    .executeTakeFirst()
  if (!link) return
  const taker = data.takenBy?.id ?? null
  if (taker !== null && !(await repo.selectAnswererIds(w.trx)).includes(taker)) {
    // Refused in the take's own transaction: nothing of it stays.
    throw forbidden('not_eligible', 'Only members allowed to answer customers can take this job.')
  }
  const by = data.by
    ? await w.trx.selectFrom('member').selectAll().where('id', '=', data.by.id).executeTakeFirst()
    : undefined
  const actor: Actor | null = by ? { member: by, permissions: [], sessionId: 0, ip: '' } : null
  await assignIn(ctx, w, actor, link.conversation_id, taker)
}

export function registerCustomerQueue(ctx: AppContext): void {
  ctx.write.onStored(async (w, events) => {
    const conversations = new Set<number>()
    for (const event of events) {
      if (event.type === 'task.changed') await followJob(ctx, w, event as StoredEvent<'task.changed'>)
      else if (event.type === 'customer.changed')
        conversations.add((event as StoredEvent<'customer.changed'>).data.conversationId)
      else if (event.type === 'conversation.created') {
        const data = (event as StoredEvent<'conversation.created'>).data
        if (data.conversation.kind === 'customer') conversations.add(data.conversation.id)
      }
    }
    for (const id of conversations) await syncJob(ctx, w, id)
  })
}
