/**
 * Out to Telegram. Inside the transaction that stored a message, reminder, edit or
 * acknowledgement, decide who gets it (the member's mirror setting and the away rule) and
 * queue one outbox item per chat. Delivery renders the message as it is then, sends it in
 * parts (text, then each attachment as real media), records every part it sent so a retry
 * never sends one twice, and keeps Telegram's limits: items for one chat go in order, one
 * at a time, each part in the earliest slot the limiter allows; a slot further away, or a
 * 429, puts the item back in the queue until then without counting a failed attempt.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type TelegramBotType from 'node-telegram-bot-api'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import type { StoredEvent } from '../realtime/events'
import type { DeliveryResult, OutboxItem } from '../outbox/service'
import { hydrateMessages } from '../conversations/views'
import { openStoredFile } from '../files/service'
import { classify } from './client'
import { SendLimiter } from './limiter'
import { webmOpusToOgg } from './opus'
import { CAPTION_LIMIT, MESSAGE_LIMIT, compose, escapeHtml, excerpt, formatTime, visibleLength } from './render'
import type { TelegramService } from './service'

export const TELEGRAM_CHANNEL = 'telegram'
/** A slot further away than this: back to the queue instead of holding a delivery slot. */
const MAX_WAIT_MS = 3_000
const MIRROR_TTL_MS = 3 * 86_400_000
const REMINDER_TTL_MS = 12 * 3_600_000
/** Bots may upload up to 50 MB. */
const UPLOAD_LIMIT = 50 * 1024 * 1024

type Keyboard = TelegramBotType.InlineKeyboardButton[][]
export type SendReason = 'notice' | 'direct' | 'mention' | 'group' | 'board' | 'reminder'

export type TelegramPayload =
  | {
      op: 'send'
      chatId: number
      isGroup: boolean
      memberId: number | null
      messageId: number
      reason: SendReason
    }
  | { op: 'reply'; chatId: number; isGroup: boolean; html: string; keyboard?: Keyboard | null }
  | { op: 'edit'; messageId: number }
  | { op: 'delete'; messageId: number }
  | { op: 'acked'; messageId: number; memberId: number }

interface Part {
  key: string
  kind: 'text' | 'photo' | 'video' | 'voice' | 'audio' | 'document' | 'location'
  html?: string
  fileId?: number
  location?: { latitude: number; longitude: number }
  keyboard?: Keyboard | null
}

class Deferred extends Error {
  constructor(readonly untilMs: number) {
    super('deferred')
  }
}

export class Outbound {
  readonly limiter = new SendLimiter()
  private readonly chains = new Map<number, Promise<unknown>>()
  private readonly deferredUntil = new Map<number, number>()
  /** Deliveries answered 429 since start (System page, tests). */
  rateLimitedCount = 0
  /** Failures to reach Telegram in a row: each waits longer, up to a minute. */
  private unreachableStreak = 0

  constructor(private readonly service: TelegramService) {}

  private get ctx(): AppContext {
    return this.service.ctx
  }

  register(): void {
    this.ctx.outbox.register(TELEGRAM_CHANNEL, (item) => this.deliver(item), {
      // Most of these wait for their slot (one a second per chat, 25 a second overall): waiting is cheap.
      concurrency: 48,
      maxAttempts: 40,
      baseBackoffMs: 2_000,
      maxBackoffMs: 300_000,
    })
    this.ctx.write.onStored((w, events) => this.queueFor(w, events))
  }

  resetBlocks(): void {
    this.deferredUntil.clear()
  }

  // Deciding, in the transaction.

  async queueReply(
    w: WriteContext,
    chatId: number,
    key: string,
    html: string,
    isGroup = false,
    keyboard: Keyboard | null = null,
  ) {
    await w.enqueue({
      channel: TELEGRAM_CHANNEL,
      idempotencyKey: `tg:reply:${this.service.bot?.id ?? 0}:${key}`,
      payload: { op: 'reply', chatId, isGroup, html, keyboard } satisfies TelegramPayload,
      expiresAt: w.now + MIRROR_TTL_MS,
    })
  }

  async queueSend(w: WriteContext, key: string, payload: Extract<TelegramPayload, { op: 'send' }>) {
    await w.enqueue({
      channel: TELEGRAM_CHANNEL,
      idempotencyKey: `tg:${key}`,
      payload,
      expiresAt: w.now + (payload.reason === 'reminder' ? REMINDER_TTL_MS : MIRROR_TTL_MS),
    })
  }

  private async queueFor(w: WriteContext, events: StoredEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'member.deactivated') {
        // The bot stops treating that Telegram account as staff, in the same transaction.
        await this.service.removeLink(w, (event as StoredEvent<'member.deactivated'>).data.memberId, 'deactivation')
        await w.trx
          .deleteFrom('telegram_code')
          .where('member_id', '=', (event as StoredEvent<'member.deactivated'>).data.memberId)
          .execute()
      }
    }
    if (!this.service.bot) return
    for (const event of events) {
      switch (event.type) {
        case 'message.created':
          await this.queueMessage(w, event as StoredEvent<'message.created'>)
          break
        case 'notice.reminder':
          await this.queueReminder(w, event as StoredEvent<'notice.reminder'>)
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
              expiresAt: w.now + 2 * 86_400_000,
            })
          }
          break
        }
        case 'notice.acknowledged': {
          const { messageId, memberId } = (event as StoredEvent<'notice.acknowledged'>).data
          if (await this.wasMirrored(w, messageId, memberId)) {
            await w.enqueue({
              channel: TELEGRAM_CHANNEL,
              idempotencyKey: `tg:acked:${messageId}:${memberId}`,
              payload: { op: 'acked', messageId, memberId } satisfies TelegramPayload,
              expiresAt: w.now + 2 * 86_400_000,
            })
          }
          break
        }
      }
    }
  }

  /** Whether a message went (or is about to go) to Telegram, to anyone or to one member. */
  private async wasMirrored(w: WriteContext, messageId: number, memberId?: number): Promise<boolean> {
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

  private async linkedRecipients(w: WriteContext, memberIds: readonly number[] | null, conversationId: number) {
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

  private wants(
    row: {
      id: number
      telegram_mirror: string
      shift_status: 'on_shift' | 'off_shift' | 'away'
      shift_status_until: number | null
      muted_until: number | null
    },
    isUrgent: boolean,
    now: number,
  ): boolean {
    if (row.telegram_mirror === 'never') return false
    if (!isUrgent && row.muted_until !== null && row.muted_until > now) return false
    if (row.telegram_mirror === 'always') return true
    return this.ctx.presence.isAway(row)
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
      await this.queueSend(w, `send:${message.id}:${group.chat_id}`, {
        op: 'send',
        chatId: group.chat_id,
        isGroup: true,
        memberId: null,
        messageId: message.id,
        reason: 'group',
      })
    }
    const isNotice = message.notice !== null && conversation.kind === 'board'
    const targets =
      isNotice || conversation.kind === 'direct' ? null : message.mentionIds.length ? message.mentionIds : []
    if (targets !== null && targets.length === 0) return
    const isUrgent = message.notice?.isUrgent === true
    for (const row of await this.linkedRecipients(w, targets, conversation.id)) {
      if (row.id === message.author?.id) continue
      // What came from this person's own chat is not sent back to it.
      if (origin?.origin_chat_id === row.telegram_user_id) continue
      if (!this.wants(row, isUrgent, w.now)) continue
      await this.queueSend(w, `send:${message.id}:${row.telegram_user_id}`, {
        op: 'send',
        chatId: row.telegram_user_id,
        isGroup: false,
        memberId: row.id,
        messageId: message.id,
        reason: isNotice ? 'notice' : conversation.kind === 'direct' ? 'direct' : 'mention',
      })
    }
  }

  private async queueReminder(w: WriteContext, event: StoredEvent<'notice.reminder'>): Promise<void> {
    const { messageId, isUrgent, missingMemberIds } = event.data
    const board = await w.trx.selectFrom('conversation').select('id').where('kind', '=', 'board').executeTakeFirst()
    if (!board) return
    for (const row of await this.linkedRecipients(w, missingMemberIds, board.id)) {
      if (!this.wants(row, isUrgent, w.now)) continue
      await this.queueSend(w, `reminder:${event.id}:${row.telegram_user_id}`, {
        op: 'send',
        chatId: row.telegram_user_id,
        isGroup: false,
        memberId: row.id,
        messageId,
        reason: 'reminder',
      })
    }
  }

  // Delivering, from the outbox.

  async deliver(item: OutboxItem): Promise<DeliveryResult> {
    const api = this.service.clients?.api
    // No bot now (disconnected): keep it until one is connected again.
    if (!api) return { kind: 'retry', error: 'no Telegram bot is connected', afterMs: 60_000 }
    const payload = item.payload as TelegramPayload
    try {
      switch (payload.op) {
        case 'send':
        case 'reply':
          return await this.inChatOrder(payload.chatId, () => this.deliverToChat(item, payload))
        case 'edit':
          await this.deliverEdit(payload.messageId)
          return { kind: 'done' }
        case 'delete':
          await this.deliverDelete(payload.messageId)
          return { kind: 'done' }
        case 'acked':
          await this.deliverAcked(payload.messageId, payload.memberId)
          return { kind: 'done' }
      }
    } catch (error) {
      if (error instanceof Deferred) return { kind: 'defer', untilMs: error.untilMs }
      return this.failed(error, 'chatId' in payload ? payload.chatId : null)
    }
  }

  /** Nothing more to this chat before `until`; later items for it wait too, so order holds. */
  private hold(chatId: number | null, until: number): DeliveryResult {
    if (chatId === null) return { kind: 'defer', untilMs: until }
    // Every held item of a chat comes back at the same time, so they go again in queue order.
    const held = Math.max(this.deferredUntil.get(chatId) ?? 0, until)
    this.deferredUntil.set(chatId, held)
    return { kind: 'defer', untilMs: held }
  }

  private failed(error: unknown, chatId: number | null): DeliveryResult {
    const failure = classify(error)
    const now = this.ctx.clock.now()
    switch (failure.kind) {
      case 'rate_limited':
        return this.hold(chatId, now + failure.retryAfterS * 1000)
      case 'unavailable':
        // Telegram out of reach is not this message's fault: it waits (until it expires),
        // and goes at once when Telegram answers again.
        this.service.deliveryFailed()
        this.unreachableStreak++
        return this.hold(chatId, now + Math.min(60_000, 1_000 * 2 ** Math.min(this.unreachableStreak, 6)))
      case 'unauthorized':
        // A revoked token: it waits for the owner to paste a new one.
        return this.hold(chatId, now + 300_000)
      case 'local':
        return { kind: 'retry', error: failure.message }
      default:
        return { kind: 'dead', error: failure.message }
    }
  }

  /** Runs deliveries for one chat one after another, in the order the outbox handed them out. */
  private inChatOrder<T>(chatId: number, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(chatId) ?? Promise.resolve()
    const next = previous.then(work, work)
    const tail = next.catch(() => undefined)
    this.chains.set(chatId, tail)
    void tail.then(() => {
      if (this.chains.get(chatId) === tail) this.chains.delete(chatId)
    })
    return next
  }

  /** Waits for this chat's next slot, or throws Deferred when it is further than MAX_WAIT_MS. */
  private async takeSlot(chatId: number, isGroup: boolean): Promise<number> {
    const now = this.ctx.clock.now()
    // Shutting down: what has not started waits for the next start, so nothing is half-recorded.
    if (this.service.isStopping) throw new Deferred(now)
    const held = this.deferredUntil.get(chatId) ?? 0
    if (held > now) throw new Deferred(held)
    const earliest = this.limiter.earliest(chatId, isGroup, now)
    if (earliest - now > MAX_WAIT_MS) {
      this.deferredUntil.set(chatId, earliest)
      throw new Deferred(earliest)
    }
    const at = this.limiter.reserve(chatId, isGroup, now)
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now))
    if (this.service.isStopping) throw new Deferred(this.ctx.clock.now())
    return at
  }

  /** Calls Telegram for one chat; a 429 blocks the chat for as long as Telegram says. */
  private async call<T>(chatId: number, isGroup: boolean, request: () => Promise<T>): Promise<T> {
    const slot = await this.takeSlot(chatId, isGroup)
    try {
      const result = await request()
      this.limiter.settle(chatId, isGroup, slot, this.ctx.clock.now())
      this.unreachableStreak = 0
      void this.service.deliverySucceeded().catch(() => undefined)
      return result
    } catch (error) {
      this.limiter.settle(chatId, isGroup, slot, this.ctx.clock.now())
      const failure = classify(error)
      if (failure.kind === 'rate_limited') {
        this.rateLimitedCount++
        const until = this.ctx.clock.now() + failure.retryAfterS * 1000 + 100
        this.limiter.block(chatId, until)
        this.deferredUntil.set(chatId, until)
        throw new Deferred(until)
      }
      throw error
    }
  }

  private async deliverToChat(
    item: OutboxItem,
    payload: Extract<TelegramPayload, { op: 'send' | 'reply' }>,
  ): Promise<DeliveryResult> {
    const held = this.deferredUntil.get(payload.chatId) ?? 0
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
      const rendered = await this.render(payload)
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
      const sent = await this.sendPart(payload.chatId, payload.isGroup, part)
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

  private async sendPart(chatId: number, isGroup: boolean, part: Part): Promise<number> {
    const api = this.service.clients?.api
    if (!api) throw new Error('no Telegram bot is connected')
    const markup = (keyboard: Keyboard | null) => (keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {})
    const send = async (withMarkup: object, as: Part['kind'] = part.kind, text = part.html): Promise<number> => {
      if (as === 'text') {
        const message = await this.call(chatId, isGroup, () =>
          api.sendMessage(chatId, text ?? '', {
            parse_mode: 'HTML',
            disable_web_page_preview: true,
            ...withMarkup,
          } as TelegramBotType.SendMessageOptions),
        )
        return message.message_id
      }
      if (as === 'location' && part.location) {
        const { latitude, longitude } = part.location
        const message = await this.call(chatId, isGroup, () =>
          api.sendLocation(chatId, latitude, longitude, withMarkup as TelegramBotType.SendLocationOptions),
        )
        return message.message_id
      }
      const file = await openStoredFile(this.ctx, part.fileId as number)
      const options = {
        ...(part.html ? { caption: part.html, parse_mode: 'HTML' } : {}),
        ...withMarkup,
      } as TelegramBotType.SendPhotoOptions
      let data: Buffer = await fs.promises.readFile(file.path)
      let fileOptions = { filename: file.name || 'file', contentType: file.mime }
      let kind = as
      if (kind === 'voice' && file.mime === 'audio/webm') {
        // Recorded in Chrome or on Android: same Opus audio, in the Ogg file Telegram plays.
        const ogg = webmOpusToOgg(data)
        if (ogg) {
          data = ogg
          fileOptions = {
            filename: `${(file.name || 'voice-note').replace(/\.webm$/i, '')}.ogg`,
            contentType: 'audio/ogg',
          }
        } else kind = 'document'
      }
      const uploader = this.service.clients?.uploader ?? api
      const message = await this.call(chatId, isGroup, () => {
        switch (kind) {
          case 'photo':
            return uploader.sendPhoto(chatId, data, options, fileOptions)
          case 'video':
            return uploader.sendVideo(chatId, data, options, fileOptions)
          case 'voice':
            return uploader.sendVoice(chatId, data, options, fileOptions)
          case 'audio':
            return uploader.sendAudio(chatId, data, options, fileOptions)
          default:
            return uploader.sendDocument(chatId, data, options, fileOptions)
        }
      })
      return message.message_id
    }
    try {
      return await this.dropLinksIfRefused(part.keyboard ?? null, (keyboard) => send(markup(keyboard)))
    } catch (error) {
      if (error instanceof Deferred) throw error
      const failure = classify(error)
      // Telegram would not take the file as a photo, video or voice message: as a file, and
      // failing that, in words; the rest of the message still goes.
      if (failure.kind === 'refused' && part.fileId !== undefined) {
        if (part.kind !== 'document') {
          try {
            return await this.dropLinksIfRefused(part.keyboard ?? null, (keyboard) =>
              send(markup(keyboard), 'document'),
            )
          } catch (again) {
            if (again instanceof Deferred || classify(again).kind !== 'refused') throw again
          }
        }
        const note = '📎 A file that Telegram would not take: open it in the app.'
        return this.dropLinksIfRefused(part.keyboard ?? null, (keyboard) =>
          send(markup(keyboard), 'text', part.html ? `${part.html}\n${note}` : note),
        )
      }
      throw error
    }
  }

  /**
   * Sends with `keyboard`; when Telegram refuses one of its link buttons (an app address on
   * the LAN, which Telegram will not link to), sends again with the callback buttons only.
   */
  private async dropLinksIfRefused<T>(
    keyboard: Keyboard | null,
    send: (keyboard: Keyboard | null) => Promise<T>,
  ): Promise<T> {
    try {
      return await send(keyboard)
    } catch (error) {
      if (error instanceof Deferred || !keyboard?.some((row) => row.some((b) => b.url))) throw error
      const failure = classify(error)
      if (failure.kind !== 'refused' || !/url|button/i.test(failure.message)) throw error
      const callbacksOnly = keyboard.map((row) => row.filter((b) => !b.url)).filter((row) => row.length)
      return send(callbacksOnly.length ? callbacksOnly : null)
    }
  }

  // Rendering.

  private async appUrl(): Promise<string | null> {
    const fromConfig = this.ctx.config.publicUrl?.origin
    const stored = (await this.ctx.db.selectFrom('telegram_bot').select('app_url').executeTakeFirst())?.app_url
    const url = fromConfig ?? (stored || null)
    if (!url) return null
    const host = new URL(url).hostname
    // Telegram refuses buttons that point at this machine itself.
    if (host === 'localhost' || host.startsWith('127.') || host === '[::1]') return null
    return url.replace(/\/+$/, '')
  }

  private async timezone(): Promise<string> {
    return (await this.ctx.db.selectFrom('shop').select('timezone').executeTakeFirst())?.timezone ?? 'UTC'
  }

  /** The parts of one message for one chat, or null when it should no longer go there. */
  private async render(payload: Extract<TelegramPayload, { op: 'send' }>) {
    const db = this.ctx.db
    const row = await db.selectFrom('message').selectAll().where('id', '=', payload.messageId).executeTakeFirst()
    if (!row || row.deleted_at !== null) return null
    const conversation = await db
      .selectFrom('conversation')
      .select(['id', 'kind', 'name'])
      .where('id', '=', row.conversation_id)
      .executeTakeFirst()
    if (!conversation) return null
    if (payload.isGroup) {
      const group = await db
        .selectFrom('telegram_group')
        .select('conversation_id')
        .where('chat_id', '=', payload.chatId)
        .executeTakeFirst()
      if (group?.conversation_id !== conversation.id) return null
    } else {
      // Still linked to this chat, still active, still allowed to read the conversation.
      const allowed = await db
        .selectFrom('telegram_link as l')
        .innerJoin('member as m', 'm.id', 'l.member_id')
        .innerJoin('conversation_member as cm', (join) =>
          join.onRef('cm.member_id', '=', 'm.id').on('cm.conversation_id', '=', conversation.id),
        )
        .select('m.id')
        .where('l.member_id', '=', payload.memberId ?? -1)
        .where('l.telegram_user_id', '=', payload.chatId)
        .where('m.status', '=', 'active')
        .executeTakeFirst()
      if (!allowed) return null
    }
    const [view] = await hydrateMessages(db, [row])
    if (!view) return null
    const acked =
      payload.memberId === null
        ? undefined
        : await db
            .selectFrom('notice_ack')
            .select('at')
            .where('message_id', '=', row.id)
            .where('member_id', '=', payload.memberId)
            .executeTakeFirst()
    if (payload.reason === 'reminder' && acked) return null
    const timezone = await this.timezone()
    const appUrl = await this.appUrl()
    const link = appUrl
      ? `${appUrl}${view.notice && conversation.kind === 'board' ? '/board' : `/chat/${conversation.id}?at=${row.id}`}`
      : null
    const who = view.author?.displayName ?? (view.guest ? `${view.guest.name} (guest)` : 'Someone')
    let header: string
    let body = view.body
    if (payload.reason === 'reminder' && view.notice) {
      header = `⏰ <b>Reminder: ${escapeHtml(view.notice.title)}</b>\n<i>Waiting for your acknowledgement</i>`
      body = excerpt(view.body, 600)
    } else if (view.notice) {
      header = `${view.notice.isUrgent ? '🚨 <b>Urgent</b> · ' : '📌 '}<b>${escapeHtml(view.notice.title)}</b>\n<i>${escapeHtml(who)} · Board</i>`
    } else if (payload.isGroup) {
      header = `<b>${escapeHtml(who)}</b>`
    } else if (conversation.kind === 'direct') {
      header = `<b>${escapeHtml(who)}</b> <i>· direct message</i>`
    } else if (conversation.kind === 'board') {
      header = `<b>${escapeHtml(who)}</b> <i>on the Board</i>`
    } else {
      header = `<b>${escapeHtml(who)}</b> in <b>#${escapeHtml(conversation.name)}</b>`
    }
    if (view.replyTo) {
      header += `\n↩ <i>${escapeHtml(view.replyTo.authorName || 'message')}: ${escapeHtml(view.replyTo.isDeleted ? 'deleted' : excerpt(view.replyTo.excerpt, 80))}</i>`
    }
    if (view.notice?.mustAcknowledge && view.notice.acknowledgeBy !== null) {
      body += `\n\nPlease acknowledge by ${formatTime(view.notice.acknowledgeBy, timezone)}.`
    }
    const keyboard: Keyboard = []
    if (view.notice?.mustAcknowledge && payload.memberId !== null) {
      if (acked) keyboard.push([{ text: 'Acknowledged ✓', callback_data: 'noop' }])
      else {
        const token = await this.actionToken(payload.memberId, row.id)
        keyboard.push([{ text: 'Acknowledge', callback_data: `a:${token}` }])
      }
    }
    // Not in groups: guests there have no account, and the app's address is the shop's business.
    if (link && !payload.isGroup) keyboard.push([{ text: 'Open in app', url: link }])
    const files = view.attachments.filter((a) => a.fileId !== null)
    const locations = view.attachments.filter((a) => a.kind === 'location')
    const parts: Part[] = []
    const full = `${header}\n${escapeHtml(body)}`
    const mainKeyboard = keyboard.length ? keyboard : null
    const first = files[0]
    if (first && visibleLength(full) <= CAPTION_LIMIT && (first.size ?? 0) <= UPLOAD_LIMIT) {
      parts.push({
        key: 'main:caption',
        kind: mediaKind(first),
        fileId: first.fileId as number,
        html: full,
        keyboard: mainKeyboard,
      })
    } else {
      compose(header, body).forEach((html, i) =>
        parts.push({
          key: i === 0 ? 'main:text' : `text${i}`,
          kind: 'text',
          html,
          keyboard: i === 0 ? mainKeyboard : null,
        }),
      )
    }
    for (const attachment of files) {
      if (parts.some((p) => p.fileId === attachment.fileId)) continue
      if ((attachment.size ?? 0) > UPLOAD_LIMIT) {
        parts.push({
          key: `att${attachment.id}`,
          kind: 'text',
          html: `📎 ${escapeHtml(attachment.name)} is too large for Telegram; open it in the app.`,
        })
        continue
      }
      parts.push({ key: `att${attachment.id}`, kind: mediaKind(attachment), fileId: attachment.fileId as number })
    }
    for (const location of locations) {
      if (location.latitude === null || location.longitude === null) continue
      parts.push({
        key: `att${location.id}`,
        kind: 'location',
        location: { latitude: location.latitude, longitude: location.longitude },
      })
    }
    return { parts, conversationId: conversation.id }
  }

  private async actionToken(memberId: number, messageId: number): Promise<string> {
    const existing = await this.ctx.db
      .selectFrom('telegram_action')
      .select('token')
      .where('action', '=', 'ack')
      .where('member_id', '=', memberId)
      .where('message_id', '=', messageId)
      .executeTakeFirst()
    if (existing) return existing.token
    const token = randomBytes(16).toString('base64url')
    await this.ctx.db
      .insertInto('telegram_action')
      .values({ token, action: 'ack', member_id: memberId, message_id: messageId, created_at: this.ctx.clock.now() })
      .execute()
    return token
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
    const api = this.service.clients?.api
    if (!api) return
    for (const sent of await this.mirroredMains(messageId)) {
      const isGroup = sent.chat_id < 0
      const rendered = await this.render({
        op: 'send',
        chatId: sent.chat_id,
        isGroup,
        memberId: sent.member_id,
        messageId,
        reason: 'notice',
      })
      const main = rendered?.parts[0]
      if (!main?.html) continue
      const isCaption = sent.part.endsWith(':caption')
      const limit = isCaption ? CAPTION_LIMIT : MESSAGE_LIMIT
      const html =
        visibleLength(main.html) > limit ? (compose(main.html.split('\n')[0] ?? '', '', limit)[0] ?? '') : main.html
      await this.tolerate(() =>
        this.dropLinksIfRefused(main.keyboard ?? null, (keyboard) => {
          const options = {
            chat_id: sent.chat_id,
            message_id: sent.telegram_message_id,
            parse_mode: 'HTML' as const,
            ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
          }
          return this.call(sent.chat_id, isGroup, () =>
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
    const api = this.service.clients?.api
    if (!api) return
    const rows = await this.ctx.db.selectFrom('telegram_sent').selectAll().where('message_id', '=', messageId).execute()
    for (const sent of rows) {
      const isGroup = sent.chat_id < 0
      try {
        await this.call(sent.chat_id, isGroup, () => api.deleteMessage(sent.chat_id, sent.telegram_message_id))
      } catch (error) {
        if (error instanceof Deferred) throw error
        const failure = classify(error)
        if (failure.kind !== 'refused') throw error
        // Too old for Telegram to delete (48 hours): say so in its place where we can.
        if (sent.part.endsWith(':main:text')) {
          await this.tolerate(() =>
            this.call(sent.chat_id, isGroup, () =>
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

  private async deliverAcked(messageId: number, memberId: number): Promise<void> {
    await this.assertSendsDone(messageId)
    const api = this.service.clients?.api
    if (!api) return
    const appUrl = await this.appUrl()
    for (const sent of await this.mirroredMains(messageId, memberId)) {
      const keyboard: Keyboard = [[{ text: 'Acknowledged ✓', callback_data: 'noop' }]]
      if (appUrl) keyboard.push([{ text: 'Open in app', url: `${appUrl}/board` }])
      await this.tolerate(() =>
        this.dropLinksIfRefused(keyboard, (buttons) =>
          this.call(sent.chat_id, false, () =>
            api.editMessageReplyMarkup(
              { inline_keyboard: buttons ?? [] },
              { chat_id: sent.chat_id, message_id: sent.telegram_message_id },
            ),
          ),
        ),
      )
    }
    await this.ctx.db
      .deleteFrom('telegram_action')
      .where('member_id', '=', memberId)
      .where('message_id', '=', messageId)
      .execute()
  }

  /** Edits that Telegram refuses (not modified, too old, gone) are not worth retrying. */
  private async tolerate(request: () => Promise<unknown>): Promise<void> {
    try {
      await request()
    } catch (error) {
      if (error instanceof Deferred) throw error
      const failure = classify(error)
      if (failure.kind === 'refused' || failure.kind === 'forbidden') return
      throw error
    }
  }
}

function mediaKind(attachment: { kind: string; mime: string | null; size: number | null }): Part['kind'] {
  const mime = attachment.mime ?? ''
  if (
    attachment.kind === 'image' &&
    /^image\/(jpeg|png|webp)$/.test(mime) &&
    (attachment.size ?? 0) <= 10 * 1024 * 1024
  )
    return 'photo'
  if (attachment.kind === 'video' && mime === 'video/mp4') return 'video'
  // Telegram plays OGG/Opus, MP3 and M4A as voice messages; anything else goes as a file.
  if (attachment.kind === 'audio' && /^audio\/(ogg|mpeg|mp4|webm)$/.test(mime)) return 'voice'
  return 'document'
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
