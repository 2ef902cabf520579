/**
 * A customer's message at work across the product: turned into a task (which can keep the
 * customer informed when it is taken and done), or shared as a staff-only copy into a channel.
 */
import type { AppContext } from '../shared/context'
import type { MessageView } from '../shared/events'
import { badRequest, forbidden, notFound } from '../shared/errors'
import { can, type Actor } from '../auth/actor'
import { requireReadable, assertCanPost } from '../conversations/access'
import { insertMessage } from '../conversations/messages-service'
import { createTask } from '../tasks/service'
import { customerName, referenceOf } from './names'
import { requireCustomer } from './service'

async function requireCustomerMessage(ctx: AppContext, actor: Actor, conversationId: number, messageId: number) {
  const found = await requireCustomer(ctx.db, actor, conversationId)
  const message = await ctx.db.selectFrom('message').selectAll().where('id', '=', messageId).executeTakeFirst()
  if (
    !message ||
    message.conversation_id !== conversationId ||
    message.deleted_at !== null ||
    message.kind === 'system'
  )
    throw notFound('message_not_found', 'No such message in this conversation.')
  return { ...found, message }
}

export interface MessageToTask {
  title: string
  details?: string | undefined
  priority?: number | undefined
  queueId?: number | undefined
  conversationId?: number | undefined
  notifyCustomer?: boolean | undefined
  takenText?: string | undefined
  doneText?: string | undefined
  clientKey: string
}

/** A task from a customer's message; the customer's name and phone go in its private details. */
export async function messageToTask(
  ctx: AppContext,
  actor: Actor,
  conversationId: number,
  messageId: number,
  input: MessageToTask,
): Promise<{ taskId: number; conversationId: number }> {
  if (!can(actor, 'tasks.dispatch'))
    throw forbidden('dispatch_required', 'Only members who dispatch tasks can post them.')
  const { customer, message } = await requireCustomerMessage(ctx, actor, conversationId, messageId)
  const attachments = await ctx.db
    .selectFrom('attachment')
    .select(['kind', 'latitude', 'longitude'])
    .where('message_id', '=', messageId)
    .where('kind', '=', 'location')
    .execute()
  const where = attachments[0]
  const privateDetails = [
    `Customer: ${customerName(customer)} (${referenceOf(customer.id)})`,
    customer.phone ? `Phone: ${customer.phone}` : '',
    customer.username ? `Telegram: @${customer.username}` : '',
    where?.latitude !== null && where?.latitude !== undefined
      ? `Location: https://www.openstreetmap.org/?mlat=${where.latitude}&mlon=${where.longitude}`
      : '',
  ]
    .filter(Boolean)
    .join('\n')
  const details = input.details ?? (message.body ? `The customer wrote: ${message.body}` : '')
  return ctx.write(async (w) => {
    const { task } = await createTask({ ...ctx, write: ctx.write.within(w) }, actor, {
      title: input.title,
      details,
      privateDetails,
      priority: input.priority,
      clientKey: input.clientKey,
      ...(input.queueId !== undefined ? { queueId: input.queueId } : {}),
      ...(input.conversationId !== undefined ? { conversationId: input.conversationId } : {}),
    })
    await w.trx
      .insertInto('customer_task')
      .values({
        task_message_id: task.id,
        customer_id: customer.id,
        source_message_id: messageId,
        notify_customer: input.notifyCustomer ? 1 : 0,
        taken_text: input.takenText ?? null,
        done_text: input.doneText ?? null,
      })
      .onConflict((oc) => oc.doNothing())
      .execute()
    const conversation = await w.trx
      .selectFrom('conversation')
      .selectAll()
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow()
    await insertMessage(ctx, w, {
      conversation,
      author: actor.member,
      kind: 'system',
      body: '',
      systemData: { action: 'customer.task', detail: input.title },
    })
    return { taskId: task.id, conversationId: task.conversationId }
  })
}

/** A staff-only copy of a customer's message, posted by the member into a channel they are in. */
export async function shareMessage(
  ctx: AppContext,
  actor: Actor,
  conversationId: number,
  messageId: number,
  input: { conversationId: number; note?: string | undefined },
): Promise<MessageView> {
  const { customer, message } = await requireCustomerMessage(ctx, actor, conversationId, messageId)
  return ctx.write(async (w) => {
    const target = await requireReadable(w.trx, actor, input.conversationId)
    if (target.kind !== 'channel') throw badRequest('share_target', 'Share into a channel.')
    assertCanPost(actor, target, false)
    const files = await w.trx
      .selectFrom('attachment')
      .select(['kind', 'file_id', 'name', 'latitude', 'longitude', 'accuracy_m'])
      .where('message_id', '=', message.id)
      .orderBy('position')
      .execute()
    const note = input.note?.trim()
    const quoted = message.body
      ? message.body
          .split('\n')
          .map((line) => `> ${line}`)
          .join('\n')
      : ''
    const body = [note, `Shared from customer ${customerName(customer)} (${referenceOf(customer.id)}):`, quoted]
      .filter(Boolean)
      .join('\n')
    return insertMessage(ctx, w, {
      conversation: target,
      author: actor.member,
      kind: 'text',
      body,
      attachments: files,
    })
  })
}
