/**
 * Out to Telegram, the deciding half: inside the transaction that stored a message, an
 * edit or a kind's own event, decide who gets it (the member's mirror setting, mutes and
 * the away rule) and queue one outbox item per chat. delivery.ts sends them.
 */
import type { StoredEvent } from '../shared/events'
import type { WriteContext } from '../shared/write'
import { appUrlOf, type Bridge } from './bridge'
import type { TgChat } from './client'
import type { Keyboard, MirrorQueue, MirrorSend, OutboundSend, Step } from './registry'

export const TELEGRAM_CHANNEL = 'telegram'
const MIRROR_TTL_MS = 3 * 86_400_000
const CHANGE_TTL_MS = 2 * 86_400_000

export type TelegramPayload =
  | ({ op: 'send' } & MirrorSend)
  | { op: 'reply'; chatId: number; isGroup: boolean; html: string; keyboard?: Keyboard | null }
  | { op: 'edit'; messageId: number }
  | { op: 'delete'; messageId: number }
  /** The member's buttons on a mirrored message are settled (named when notices were the only kind). */
  | { op: 'acked'; messageId: number; memberId: number }
  /** A delivery a feature renders itself (a reply to a customer). */
  | ({ op: 'out' } & OutboundSend)

export type SendPayload = Extract<TelegramPayload, { op: 'send' }>

interface Recipient {
  id: number
  telegram_mirror: string
  shift_status: 'on_shift' | 'off_shift' | 'away'
  shift_status_until: number | null
  telegram_user_id: number
  muted_until: number | null
}

export class Mirror implements MirrorQueue {
  constructor(private readonly bridge: Bridge) {}

  /** Queues the mirror's reaction to every stored batch of events. */
  register(): void {
    this.bridge.ctx.write.onStored((w, events) => this.queueFor(w, events))
  }

  /** Queues a bot message (HTML) to a chat; `key` makes it once only. */
  async queueReply(
    w: WriteContext,
    chatId: number,
    key: string,
    html: string,
    isGroup = false,
    keyboard: Keyboard | null = null,
  ): Promise<void> {
    await w.enqueue({
      channel: TELEGRAM_CHANNEL,
      idempotencyKey: `tg:reply:${this.bridge.bot?.id ?? 0}:${key}`,
      payload: { op: 'reply', chatId, isGroup, html, keyboard } satisfies TelegramPayload,
      expiresAt: w.now + MIRROR_TTL_MS,
    })
  }

  /** A step answering in the chat an update came from, once per update. */
  replyStep(updateId: number, chat: TgChat, html: string, keyboard: Keyboard | null = null): Step {
    return (w) => this.queueReply(w, chat.id, `${updateId}`, html, chat.type !== 'private', keyboard)
  }

  async send(w: WriteContext, key: string, send: MirrorSend, ttlMs = MIRROR_TTL_MS): Promise<void> {
    await w.enqueue({
      channel: TELEGRAM_CHANNEL,
      idempotencyKey: `tg:${key}`,
      payload: { op: 'send', ...send } satisfies TelegramPayload,
      expiresAt: w.now + ttlMs,
    })
  }

  async sendOut(w: WriteContext, key: string, send: OutboundSend, ttlMs = MIRROR_TTL_MS): Promise<void> {
    await w.enqueue({
      channel: TELEGRAM_CHANNEL,
      idempotencyKey: `tg:out:${key}`,
      payload: { op: 'out', ...send } satisfies TelegramPayload,
      expiresAt: w.now + ttlMs,
    })
  }

  async sendToMembers(w: WriteContext, options: Parameters<MirrorQueue['sendToMembers']>[1]): Promise<void> {
    for (const row of await this.linkedRecipients(w, options.memberIds, options.conversationId)) {
      if (!this.wants(row, options.isUrgent, w.now)) continue
      await this.send(
        w,
        `${options.key}:${row.telegram_user_id}`,
        {
          chatId: row.telegram_user_id,
          isGroup: false,
          memberId: row.id,
          messageId: options.messageId,
          reason: options.reason,
        },
        options.ttlMs,
      )
    }
  }

  async settleButtons(w: WriteContext, messageId: number, memberId: number, ttlMs?: number): Promise<void> {
    await w.enqueue({
      channel: TELEGRAM_CHANNEL,
      idempotencyKey: `tg:acked:${messageId}:${memberId}`,
      payload: { op: 'acked', messageId, memberId } satisfies TelegramPayload,
      ...(ttlMs === undefined ? {} : { expiresAt: w.now + ttlMs }),
    })
  }

  appUrl(): Promise<string | null> {
    return appUrlOf(this.bridge.ctx)
  }

  async wasMirrored(w: WriteContext, messageId: number, memberId?: number): Promise<boolean> {
    let sent = w.trx.selectFrom('telegram_sent').select('chat_id').where('message_id', '=', messageId)
    if (memberId !== undefined) sent = sent.where('member_id', '=', memberId)
    if (await sent.limit(1).executeTakeFirst()) return true
    const queued = await w.trx
      .selectFrom('outbox')
      .select('id')
      .where('channel', '=', TELEGRAM_CHANNEL)
      .where('state', 'in', ['pending', 'sending'])
      .where('idempotency_key', '>=', `tg:send:${messageId}:`)
      .where('idempotency_key', '<', `tg:send:${messageId};`)
      .limit(1)
      .executeTakeFirst()
    return queued !== undefined
  }

  private async queueFor(w: WriteContext, events: StoredEvent[]): Promise<void> {
    if (!this.bridge.bot) return
    for (const event of events) {
      switch (event.type) {
        case 'message.created':
          await this.queueMessage(w, event as StoredEvent<'message.created'>)
          break
        case 'message.updated':
        case 'message.deleted': {
          const messageId =
            event.type === 'message.updated'
              ? (event as StoredEvent<'message.updated'>).data.message.id
              : (event as StoredEvent<'message.deleted'>).data.messageId
          if (await this.wasMirrored(w, messageId)) {
            await w.enqueue({
              channel: TELEGRAM_CHANNEL,
              idempotencyKey: `tg:${event.type}:${event.id}`,
              payload: {
                op: event.type === 'message.updated' ? 'edit' : 'delete',
                messageId,
              } satisfies TelegramPayload,
              expiresAt: w.now + CHANGE_TTL_MS,
            })
          }
          break
        }
        default:
          for (const renderer of this.bridge.registry.allMirrors()) await renderer.onEvent?.(w, event, this)
      }
      for (const own of this.bridge.registry.allConversationMirrors()) await own.onEvent?.(w, event, this)
    }
  }

  private async linkedRecipients(
    w: WriteContext,
    memberIds: readonly number[] | null,
    conversationId: number,
  ): Promise<Recipient[]> {
    let q = w.trx
      .selectFrom('telegram_link as l')
      .innerJoin('member as m', 'm.id', 'l.member_id')
      .innerJoin('conversation_member as cm', (join) =>
        join.onRef('cm.member_id', '=', 'm.id').on('cm.conversation_id', '=', conversationId),
      )
      .select([
        'm.id',
        'm.telegram_mirror',
        'm.shift_status',
        'm.shift_status_until',
        'l.telegram_user_id',
        'cm.muted_until',
      ])
      .where('m.status', '=', 'active')
      .where('m.role', '!=', 'display')
    if (memberIds) q = q.where('m.id', 'in', memberIds.length ? [...memberIds] : [-1])
    return q.execute()
  }

  private wants(row: Recipient, isUrgent: boolean, now: number): boolean {
    if (row.telegram_mirror === 'never') return false
    if (!isUrgent && row.muted_until !== null && row.muted_until > now) return false
    if (row.telegram_mirror === 'always') return true
    return this.bridge.ctx.presence.isAway(row)
  }

  private async queueMessage(w: WriteContext, event: StoredEvent<'message.created'>): Promise<void> {
    const message = event.data.message
    if (message.kind === 'system') return
    const conversation = await w.trx
      .selectFrom('conversation')
      .select(['id', 'kind'])
      .where('id', '=', message.conversationId)
      .executeTakeFirst()
    if (!conversation) return
    const origin = await w.trx
      .selectFrom('message')
      .select('origin_chat_id')
      .where('id', '=', message.id)
      .executeTakeFirst()
    const group = await w.trx
      .selectFrom('telegram_group')
      .select('chat_id')
      .where('conversation_id', '=', conversation.id)
      .executeTakeFirst()
    if (group && origin?.origin_chat_id !== group.chat_id) {
      await this.send(w, `send:${message.id}:${group.chat_id}`, {
        chatId: group.chat_id,
        isGroup: true,
        memberId: null,
        messageId: message.id,
        reason: 'group',
      })
    }
    // A kind may send to everyone in the conversation (a notice on the board); a kind of
    // conversation may name its own recipients (a customer's: the assignee, or those on
    // duty); otherwise direct messages go to the other members, and elsewhere only mentions go.
    const renderer = this.bridge.registry.mirror(message.kind)
    const own = this.bridge.registry.conversationMirror(conversation.kind)
    const audience = renderer?.audience?.(message, conversation) ?? (own ? 'direct' : null)
    const named = own ? [...new Set([...(await own.recipients(w, message)), ...message.mentionIds])] : null
    const targets =
      named ??
      (audience !== null || conversation.kind === 'direct' ? null : message.mentionIds.length ? message.mentionIds : [])
    if (targets !== null && targets.length === 0) return
    const isUrgent = renderer?.isUrgent?.(message) === true
    for (const row of await this.linkedRecipients(w, targets, conversation.id)) {
      if (row.id === message.author?.id) continue
      // What came from this person's own chat is not sent back to it.
      if (origin?.origin_chat_id === row.telegram_user_id) continue
      if (!this.wants(row, isUrgent, w.now)) continue
      await this.send(w, `send:${message.id}:${row.telegram_user_id}`, {
        chatId: row.telegram_user_id,
        isGroup: false,
        memberId: row.id,
        messageId: message.id,
        reason: audience ?? (conversation.kind === 'direct' ? 'direct' : 'mention'),
      })
    }
  }
}
