/**
 * Customer conversations on the message registry: every message in one carries
 * `MessageView.customer` (which way it went, internal notes, a reply's delivery). A staff
 * message posted there by any surface (the app, a Telegram reply) becomes a reply to the
 * customer unless it is an internal note; telegram.ts queues it for the bot.
 */
import type { Kysely, Selectable } from 'kysely'
import { Type } from 'typebox'
import type { DB, MessageTable } from '../db/schema'
import type { CustomerMessageFields } from '../shared/events'
import { Nullable } from '../shared/schemas'
import { conflict } from '../shared/errors'
import type { MessageKinds } from '../conversations/kinds'
import { updateOwnedConversation } from '../conversations/service'
import { customerName } from './names'
import { notifiedOf } from './notify'
import type { StoredEvent } from '../shared/events'
import { notificationExcerpt } from '../shared/text'
import { emitCustomerChanged } from './events'

type MessageRow = Selectable<MessageTable>

export const CustomerMessageSchema = Type.Object({
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  isInternal: Type.Boolean(),
  delivery: Nullable(Type.Union([Type.Literal('queued'), Type.Literal('sent'), Type.Literal('failed')])),
  deliveryError: Nullable(Type.String()),
  episode: Type.Integer(),
  isThrottled: Type.Boolean(),
  notReceived: Nullable(Type.String()),
  customerName: Type.String(),
})

/** What the inbound path hands `insertMessage` for a customer's own message. */
export interface IncomingExtra {
  direction: 'in'
  customerId: number
  telegramMessageId: number
  mediaGroupId: string | null
  isThrottled: boolean
  notReceived: string | null
  episode: number
}

export async function customerFields(
  db: Kysely<DB>,
  rows: readonly MessageRow[],
): Promise<Map<number, CustomerMessageFields>> {
  const map = new Map<number, CustomerMessageFields>()
  const ids = rows.filter((row) => row.kind !== 'system').map((row) => row.id)
  if (ids.length === 0) return map
  const found = await db
    .selectFrom('customer_message as cm')
    .innerJoin('customer as c', 'c.id', 'cm.customer_id')
    .select([
      'cm.message_id',
      'cm.direction',
      'cm.is_internal',
      'cm.delivery',
      'cm.delivery_error',
      'cm.episode',
      'cm.is_throttled',
      'cm.not_received',
      'c.first_name',
      'c.last_name',
      'c.username',
      'c.erased_at',
    ])
    .where('cm.message_id', 'in', ids)
    .execute()
  for (const row of found) {
    map.set(row.message_id, {
      direction: row.direction,
      isInternal: row.is_internal === 1,
      delivery: row.delivery,
      deliveryError: row.delivery_error,
      episode: row.episode,
      isThrottled: row.is_throttled === 1,
      notReceived: row.not_received,
      customerName: row.direction === 'in' ? customerName(row) : '',
    })
  }
  return map
}

export function registerCustomerKind(kinds: MessageKinds): void {
  kinds.registerConversationKind({
    conversationKind: 'customer',
    field: 'customer',
    schema: CustomerMessageSchema,
    hydrate: customerFields,
    postFields: ['isInternal'],
    // A new customer message: like a direct message to whoever answers it now.
    eventPushes: async (w, event) => {
      if (event.type !== 'message.created') return []
      const view = (event as StoredEvent<'message.created'>).data.message
      const memberIds = await notifiedOf(w, view)
      if (memberIds.length === 0 || !view.customer) return []
      const first = view.attachments[0]
      const label = first
        ? first.kind === 'location'
          ? '📍 Location'
          : first.kind === 'image'
            ? '📷 Photo'
            : first.kind === 'audio'
              ? '🎤 Voice note'
              : first.kind === 'video'
                ? '🎬 Video'
                : `📎 ${first.name}`
        : ''
      return [
        {
          memberIds,
          conversationId: view.conversationId,
          reason: 'addressed' as const,
          notification: {
            title: `${view.customer.customerName} · customer`,
            body: notificationExcerpt(view.body) || label || 'New message',
            tag: `conversation-${view.conversationId}`,
            url: `/chat/${view.conversationId}?at=${view.id}`,
            isUrgent: false,
            reason: 'addressed' as const,
          },
        },
      ]
    },
    onInserted: async (w, row, conversation, author, extra) => {
      if (row.kind === 'system') return
      const customer = await w.trx
        .selectFrom('customer')
        .selectAll()
        .where('conversation_id', '=', conversation.id)
        .executeTakeFirst()
      if (!customer) return
      if (extra.direction === 'in') {
        const incoming = extra as unknown as IncomingExtra
        await w.trx
          .insertInto('customer_message')
          .values({
            message_id: row.id,
            customer_id: customer.id,
            direction: 'in',
            telegram_message_id: incoming.telegramMessageId,
            media_group_id: incoming.mediaGroupId,
            episode: incoming.episode,
            is_throttled: incoming.isThrottled ? 1 : 0,
            not_received: incoming.notReceived,
            created_at: w.now,
          })
          .execute()
        return
      }
      if (!author) return
      const isInternal = extra.isInternal === true
      if (!isInternal && customer.erased_at !== null)
        throw conflict('customer_erased', 'This customer’s data was erased; nothing can be sent to them.')
      // Nothing more goes to a customer who blocked the bot, or whom the shop blocked.
      const isUnreachable = customer.unreachable_at !== null || customer.blocked_at !== null
      await w.trx
        .insertInto('customer_message')
        .values({
          message_id: row.id,
          customer_id: customer.id,
          direction: 'out',
          is_internal: isInternal ? 1 : 0,
          delivery: isInternal ? null : isUnreachable ? 'failed' : 'queued',
          delivery_error: !isInternal && isUnreachable ? unreachableReason(customer) : null,
          episode: customer.episode,
          created_at: w.now,
        })
        .execute()
      // A reply answers the customer: waiting for them now, and the replier's when nobody's.
      if (!isInternal) {
        const patch: { status?: 'waiting'; assignee_id?: number } = {}
        if (conversation.status === 'open') patch.status = 'waiting'
        if (conversation.assignee_id === null) patch.assignee_id = author.id
        if (Object.keys(patch).length) {
          await updateOwnedConversation(w, conversation.id, patch)
          emitCustomerChanged(
            w,
            conversation.id,
            patch.status ?? conversation.status ?? 'open',
            patch.assignee_id ?? conversation.assignee_id,
            { id: author.id, username: author.username, displayName: author.display_name },
          )
        }
      }
    },
  })
}

export function unreachableReason(customer: { blocked_at: number | null }): string {
  return customer.blocked_at !== null
    ? 'This customer is blocked; nothing is sent to them.'
    : 'The customer blocked the bot; nothing more can reach them.'
}
