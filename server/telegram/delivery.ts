/**
 * Out to Telegram, the delivering half: the outbox hands over what mirror.ts queued, and
 * this sends it in parts (text, then each attachment), records every part it sent so a
 * retry never sends one twice, and carries edits, deletions and settled buttons over to
 * what was sent. Limits and holds are the sender's.
 */
import type TelegramBotType from 'node-telegram-bot-api'
import type { DeliveryResult, OutboxItem } from '../shared/ports'
import type { Bridge } from './bridge'
import { classify } from './client'
import { partsOf, type MessageParts } from './message-parts'
import { TELEGRAM_CHANNEL, type TelegramPayload } from './mirror'
import { CAPTION_LIMIT, MESSAGE_LIMIT, compose, visibleLength } from './render'
import { Deferred, type ChatSender, type Part } from './sender'

export class Delivery {
  constructor(
    private readonly bridge: Bridge,
    private readonly sender: ChatSender,
    private readonly messageParts: MessageParts,
  ) {}

  private get ctx() {
    return this.bridge.ctx
  }

  register(): void {
    this.ctx.outbox.register(TELEGRAM_CHANNEL, (item) => this.deliver(item), {
      // Most of these wait for their slot (one a second per chat, 25 a second overall): waiting is cheap.
      concurrency: 48,
      maxAttempts: 40,
      baseBackoffMs: 2_000,
      maxBackoffMs: 300_000,
    })
  }

  async deliver(item: OutboxItem): Promise<DeliveryResult> {
    const api = this.bridge.clients?.api
    // No bot now (disconnected): keep it until one is connected again.
    if (!api) return { kind: 'retry', error: 'no Telegram bot is connected', afterMs: 60_000 }
    const payload = item.payload as TelegramPayload
    try {
      switch (payload.op) {
        case 'send':
        case 'reply':
          return await this.sender.inChatOrder(payload.chatId, () => this.deliverToChat(item, payload))
        case 'edit':
          await this.deliverEdit(payload.messageId)
          return { kind: 'done' }
        case 'delete':
          await this.deliverDelete(payload.messageId)
          return { kind: 'done' }
        case 'acked':
          await this.deliverSettled(payload.messageId, payload.memberId)
          return { kind: 'done' }
        case 'out':
          return await this.sender.inChatOrder(payload.chatId, () => this.deliverOut(item, payload))
      }
    } catch (error) {
      if (error instanceof Deferred) return { kind: 'defer', untilMs: error.untilMs }
      const result = this.sender.failed(error, 'chatId' in payload ? payload.chatId : null)
      if (payload.op === 'out' && result.kind === 'dead') {
        // Refused for good: the feature marks it failed (and a chat that blocked the bot unreachable).
        const outbound = this.bridge.registry.outbound(payload.name)
        const reason = classify(error).kind === 'forbidden' ? 'blocked' : 'refused'
        await outbound?.failed(payload, reason, result.error).catch((failure: unknown) => {
          this.ctx.log.error({ error: String(failure) }, 'recording a failed delivery failed')
        })
      }
      return result
    }
  }

  /** A delivery its feature renders (a reply to a customer): each part once, then the feature is told. */
  private async deliverOut(
    item: OutboxItem,
    payload: Extract<TelegramPayload, { op: 'out' }>,
  ): Promise<DeliveryResult> {
    const held = this.sender.heldUntil(payload.chatId)
    if (held > this.ctx.clock.now()) return { kind: 'defer', untilMs: held }
    const outbound = this.bridge.registry.outbound(payload.name)
    const parts = outbound
      ? await outbound.render(payload, (header, body, attachments) => partsOf(header, body, [], attachments))
      : null
    if (!outbound || !parts) return { kind: 'done' }
    const sentRows = await this.ctx.db
      .selectFrom('telegram_sent')
      .select(['part', 'telegram_message_id'])
      .where('chat_id', '=', payload.chatId)
      .where('part', 'like', `${item.id}:%`)
      .execute()
    const sent = new Map(sentRows.map((row) => [row.part, row.telegram_message_id]))
    const ids: number[] = []
    for (const part of parts) {
      const key = `${item.id}:out:${part.key}`
      const already = sent.get(key)
      if (already !== undefined) {
        ids.push(already)
        continue
      }
      const telegramMessageId = await this.sender.sendPart(payload.chatId, false, part)
      ids.push(telegramMessageId)
      await this.ctx.db
        .insertInto('telegram_sent')
        .values({
          chat_id: payload.chatId,
          telegram_message_id: telegramMessageId,
          message_id: payload.messageId,
          conversation_id: payload.conversationId,
          member_id: null,
          part: key,
          created_at: this.ctx.clock.now(),
        })
        .onConflict((oc) => oc.doNothing())
        .execute()
    }
    await outbound.delivered(payload, ids)
    return { kind: 'done' }
  }

  private async deliverToChat(
    item: OutboxItem,
    payload: Extract<TelegramPayload, { op: 'send' | 'reply' }>,
  ): Promise<DeliveryResult> {
    const held = this.sender.heldUntil(payload.chatId)
    if (held > this.ctx.clock.now()) return { kind: 'defer', untilMs: held }
    let parts: Part[]
    let record: { messageId: number | null; conversationId: number | null; memberId: number | null }
    if (payload.op === 'reply') {
      parts = splitHtml(payload.html).map((html, i, all) => ({
        key: i === 0 ? 'reply:text' : `text${i}`,
        kind: 'text' as const,
        html,
        keyboard: i === all.length - 1 ? (payload.keyboard ?? null) : null,
      }))
      record = { messageId: null, conversationId: null, memberId: null }
    } else {
      const rendered = await this.messageParts.render(payload)
      if (!rendered) return { kind: 'done' }
      parts = rendered.parts
      record = { messageId: payload.messageId, conversationId: rendered.conversationId, memberId: payload.memberId }
    }
    const done = new Set(
      (
        await this.ctx.db
          .selectFrom('telegram_sent')
          .select('part')
          .where('chat_id', '=', payload.chatId)
          .where('part', 'like', `${item.id}:%`)
          .execute()
      ).map((row) => row.part),
    )
    for (const part of parts) {
      const key = `${item.id}:${part.key}`
      if (done.has(key)) continue
      const sent = await this.sender.sendPart(payload.chatId, payload.isGroup, part)
      await this.ctx.db
        .insertInto('telegram_sent')
        .values({
          chat_id: payload.chatId,
          telegram_message_id: sent,
          message_id: record.messageId,
          conversation_id: record.conversationId,
          member_id: record.memberId,
          part: key,
          created_at: this.ctx.clock.now(),
        })
        .onConflict((oc) => oc.doNothing())
        .execute()
    }
    // Where a plain message to the bot goes next. Not the board: staff answer a notice by replying to it.
    const isConversation = payload.op === 'send' && (payload.reason === 'direct' || payload.reason === 'mention')
    if (isConversation && payload.op === 'send' && payload.memberId !== null && record.conversationId !== null) {
      await this.ctx.db
        .updateTable('telegram_link')
        .set({ last_conversation_id: record.conversationId })
        .where('member_id', '=', payload.memberId)
        .execute()
    }
    return { kind: 'done' }
  }

  private async mirroredMains(messageId: number, memberId?: number) {
    let q = this.ctx.db
      .selectFrom('telegram_sent')
      .selectAll()
      .where('message_id', '=', messageId)
      .where('part', 'like', '%:main:%')
    if (memberId !== undefined) q = q.where('member_id', '=', memberId)
    return q.execute()
  }

  /** Edits wait for the sends of the same message still queued, so they edit what was sent. */
  private async assertSendsDone(messageId: number): Promise<void> {
    const pending = await this.ctx.db
      .selectFrom('outbox')
      .select('next_attempt_at')
      .where('channel', '=', TELEGRAM_CHANNEL)
      .where('state', 'in', ['pending', 'sending'])
      .where('idempotency_key', '>=', `tg:send:${messageId}:`)
      .where('idempotency_key', '<', `tg:send:${messageId};`)
      .executeTakeFirst()
    if (pending) throw new Deferred(Math.max(this.ctx.clock.now() + 1_000, pending.next_attempt_at + 1_000))
  }

  private async deliverEdit(messageId: number): Promise<void> {
    await this.assertSendsDone(messageId)
    const api = this.bridge.clients?.api
    if (!api) return
    const { sender } = this
    for (const sent of await this.mirroredMains(messageId)) {
      const isGroup = sent.chat_id < 0
      const rendered = await this.messageParts.render({
        op: 'send',
        chatId: sent.chat_id,
        isGroup,
        memberId: sent.member_id,
        messageId,
        reason: 'edit',
      })
      const main = rendered?.parts[0]
      if (!main?.html) continue
      const isCaption = sent.part.endsWith(':caption')
      const limit = isCaption ? CAPTION_LIMIT : MESSAGE_LIMIT
      const html =
        visibleLength(main.html) > limit ? (compose(main.html.split('\n')[0] ?? '', '', limit)[0] ?? '') : main.html
      await sender.tolerate(() =>
        sender.dropLinksIfRefused(main.keyboard ?? null, (keyboard) => {
          const options = {
            chat_id: sent.chat_id,
            message_id: sent.telegram_message_id,
            parse_mode: 'HTML' as const,
            ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
          }
          return sender.call(sent.chat_id, isGroup, () =>
            isCaption
              ? api.editMessageCaption(html, options as TelegramBotType.EditMessageCaptionOptions)
              : api.editMessageText(html, {
                  ...options,
                  disable_web_page_preview: true,
                } as TelegramBotType.EditMessageTextOptions),
          )
        }),
      )
    }
  }

  private async deliverDelete(messageId: number): Promise<void> {
    await this.assertSendsDone(messageId)
    const api = this.bridge.clients?.api
    if (!api) return
    const rows = await this.ctx.db.selectFrom('telegram_sent').selectAll().where('message_id', '=', messageId).execute()
    for (const sent of rows) {
      const isGroup = sent.chat_id < 0
      try {
        await this.sender.call(sent.chat_id, isGroup, () => api.deleteMessage(sent.chat_id, sent.telegram_message_id))
      } catch (error) {
        if (error instanceof Deferred) throw error
        const failure = classify(error)
        if (failure.kind !== 'refused') throw error
        // Too old for Telegram to delete (48 hours): say so in its place where we can.
        if (sent.part.endsWith(':main:text')) {
          await this.sender.tolerate(() =>
            this.sender.call(sent.chat_id, isGroup, () =>
              api.editMessageText('<i>This message was deleted.</i>', {
                chat_id: sent.chat_id,
                message_id: sent.telegram_message_id,
                parse_mode: 'HTML',
              }),
            ),
          )
        }
      }
    }
    await this.ctx.db.deleteFrom('telegram_sent').where('message_id', '=', messageId).execute()
  }

  /** The member's press was answered: their buttons become the kind's settled ones. */
  private async deliverSettled(messageId: number, memberId: number): Promise<void> {
    await this.assertSendsDone(messageId)
    const api = this.bridge.clients?.api
    if (!api) return
    const { sender } = this
    const row = await this.ctx.db.selectFrom('message').select('kind').where('id', '=', messageId).executeTakeFirst()
    const settled = row ? this.bridge.registry.mirror(row.kind)?.settledButtons : undefined
    if (settled) {
      const appUrl = await this.messageParts.appUrl()
      for (const sent of await this.mirroredMains(messageId, memberId)) {
        await sender.tolerate(() =>
          sender.dropLinksIfRefused(settled(appUrl), (buttons) =>
            sender.call(sent.chat_id, false, () =>
              api.editMessageReplyMarkup(
                { inline_keyboard: buttons ?? [] },
                { chat_id: sent.chat_id, message_id: sent.telegram_message_id },
              ),
            ),
          ),
        )
      }
    }
    await this.ctx.db
      .deleteFrom('telegram_action')
      .where('member_id', '=', memberId)
      .where('message_id', '=', messageId)
      .execute()
  }
}

/** Splits a bot reply made of whole lines of HTML into messages within the limit. */
function splitHtml(html: string): string[] {
  const pieces: string[] = []
  let current = ''
  for (const line of html.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line
    if (visibleLength(candidate) > MESSAGE_LIMIT && current) {
      pieces.push(current)
      current = line
    } else current = candidate
  }
  if (current) pieces.push(current)
  return pieces
}
