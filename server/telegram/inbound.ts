/**
 * In from Telegram. Each update is applied in one transaction together with the offset
 * after it, so an update's effects and "this update is done" commit together: a crash
 * before the commit re-reads it, a crash after never applies it twice. Files are fetched
 * before that transaction (an orphaned file is swept a day later if it never commits).
 *
 * Only linked, active staff reach shop data. Anyone else gets a polite answer and nothing
 * more; in a linked group they appear as guests of that one conversation.
 */
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type TelegramBotType from 'node-telegram-bot-api'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { AppError } from '../shared/errors'
import { can, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { MAX_BODY_LENGTH, assertBody, editMessage, insertMessage, sendMessage } from '../conversations/messages-service'
import { requireReadable } from '../conversations/access'
import { acknowledge, listPinned } from '../notices/service'
import { storeFile, type AttachmentInput } from '../files/service'
import { classify, scrub, type TgMessage, type TgUpdate, type TgUser } from './client'
import { escapeHtml, splitText } from './render'
import { TELEGRAM_CHANNEL } from './outbound'
import { actorFor, hashCode, type TelegramService } from './service'

/** What a bot may download through getFile. */
export const DOWNLOAD_LIMIT = 20 * 1024 * 1024
const STRANGER_REPLY_EVERY_MS = 10 * 60_000
const MUTE_HOURS = 8
const CONFIRM_AGAIN_AFTER_MS = 10 * 60_000

const STRANGER_TEXT =
  'Hello! This bot carries messages for the staff of a shop, and it only talks to staff who linked their account in the app. ' +
  'If you work there: open the app, go to Account → Telegram and tap “Link Telegram”.'

const HELP_TEXT = [
  '<b>Backboard on Telegram</b>',
  'Board notices, direct messages, mentions and reminders come here (Account → Telegram in the app says when).',
  '',
  '• Reply to a message to answer in the same conversation; photos, videos, voice notes, files and locations work too.',
  '• A message that is not a reply goes to the conversation I sent you last.',
  '',
  '/board – pinned notices',
  '/here – you are in the shop: messages stay in the app',
  '/away – you are away: messages come here',
  '/mute – mute the last conversation for 8 hours (/mute off to undo)',
  '/unlink – stop using this Telegram account with Backboard',
].join('\n')

type Step = (w: WriteContext) => Promise<void>
interface Plan {
  step: Step
  /** After the commit: answering a button press (it must happen within seconds). */
  after?: () => Promise<void>
}

interface Command {
  name: string
  args: string
}

interface Downloaded {
  fileId: number
}

function fullName(user: TgUser): string {
  return [user.first_name, user.last_name].filter(Boolean).join(' ').slice(0, 80) || 'Telegram user'
}

export class Inbound {
  private readonly strangerRepliedAt = new Map<number, number>()
  private readonly failures = new Map<number, number>()
  private readonly confirmed = new Map<number, { conversationId: number; at: number }>()

  constructor(private readonly service: TelegramService) {}

  private get ctx(): AppContext {
    return this.service.ctx
  }

  /** The app's services, writing inside this update's transaction. */
  private joined(w: WriteContext): AppContext {
    return { ...this.ctx, write: this.ctx.write.within(w) }
  }

  /** Applies one update and moves the offset past it, in one transaction. */
  async apply(update: TgUpdate): Promise<void> {
    let plan: Plan
    try {
      plan = await this.plan(update)
    } catch (error) {
      if (error instanceof AppError) plan = this.planFailure(update, error)
      else {
        // Fetching a file failed, or something unexpected: try again on the next polls, then
        // tell the sender and move on rather than hold up everything after it.
        if (this.countFailure(update.update_id) < 3) throw error
        this.ctx.log.error(
          { error: scrub(error instanceof Error ? error.message : String(error)), updateId: update.update_id },
          'a Telegram update could not be taken in; skipped',
        )
        plan = this.planFailure(
          update,
          new AppError(502, 'telegram_fetch_failed', 'Sorry, I could not take that message in. Please send it again.'),
        )
      }
    }
    try {
      const isApplied = await this.ctx.write(async (w) => {
        const bot = await w.trx.selectFrom('telegram_bot').select('update_offset').executeTakeFirst()
        // Already applied (a poll answered twice): at most once.
        if (!bot || bot.update_offset > update.update_id) return false
        await plan.step(w)
        await w.trx
          .updateTable('telegram_bot')
          .set({ update_offset: update.update_id + 1 })
          .execute()
        return true
      })
      this.failures.delete(update.update_id)
      if (isApplied && plan.after) await plan.after().catch(() => undefined)
    } catch (error) {
      if (this.countFailure(update.update_id) < 3) throw error
      // The same update failed three times: skip it rather than stop the bridge.
      this.ctx.log.error(
        { error: scrub(error instanceof Error ? error.message : String(error)), updateId: update.update_id },
        'a Telegram update could not be applied; skipped',
      )
      this.failures.delete(update.update_id)
      await this.ctx.db
        .updateTable('telegram_bot')
        .set({ update_offset: update.update_id + 1 })
        .where('update_offset', '<=', update.update_id)
        .execute()
    }
  }

  private countFailure(updateId: number): number {
    const count = (this.failures.get(updateId) ?? 0) + 1
    this.failures.set(updateId, count)
    if (count >= 3) this.failures.delete(updateId)
    return count
  }

  /** A step that tells the sender what went wrong (too big, not allowed...), or nothing. */
  private planFailure(update: TgUpdate, error: AppError): Plan {
    const message = update.message
    if (!message) return this.nothing()
    const chatId = message.chat.id
    return {
      step: (w) =>
        this.service.outbound.queueReply(
          w,
          chatId,
          `${update.update_id}`,
          escapeHtml(error.message),
          message.chat.type !== 'private',
        ),
    }
  }

  private nothing(): Plan {
    return { step: async () => undefined }
  }

  private reply(
    update: TgUpdate,
    chat: TelegramBotType.Chat,
    html: string,
    keyboard: TelegramBotType.InlineKeyboardButton[][] | null = null,
  ): Step {
    return (w) =>
      this.service.outbound.queueReply(w, chat.id, `${update.update_id}`, html, chat.type !== 'private', keyboard)
  }

  private async plan(update: TgUpdate): Promise<Plan> {
    if (update.callback_query) return this.planCallback(update, update.callback_query)
    if (update.my_chat_member) return this.planMembership(update.my_chat_member)
    if (update.edited_message) return this.planEdit(update.edited_message)
    const message = update.message
    if (!message?.from || message.from.is_bot) return this.nothing()
    if (message.migrate_to_chat_id) {
      const to = message.migrate_to_chat_id
      return {
        step: async (w) => {
          await w.trx
            .updateTable('telegram_group')
            .set({ chat_id: to })
            .where('chat_id', '=', message.chat.id)
            .execute()
        },
      }
    }
    if (message.chat.type === 'private') return this.planPrivate(update, message, message.from)
    if (message.chat.type === 'group' || message.chat.type === 'supergroup')
      return this.planGroup(update, message, message.from)
    return this.nothing()
  }

  private command(message: TgMessage): Command | null {
    const match = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(message.text ?? '')
    if (!match) return null
    const [, name = '', bot, args = ''] = match
    // A command meant for another bot in a group.
    if (bot && bot.toLowerCase() !== this.service.bot?.username.toLowerCase()) return null
    return { name: name.toLowerCase(), args: args.trim() }
  }

  private async linkOf(telegramUserId: number) {
    return this.ctx.db
      .selectFrom('telegram_link as l')
      .innerJoin('member as m', 'm.id', 'l.member_id')
      .select(['l.member_id', 'l.last_conversation_id', 'm.display_name'])
      .where('l.telegram_user_id', '=', telegramUserId)
      .where('m.status', '=', 'active')
      .executeTakeFirst()
  }

  // Private chats.

  private async planPrivate(update: TgUpdate, message: TgMessage, from: TgUser): Promise<Plan> {
    const chat = message.chat
    const command = this.command(message)
    if (command?.name === 'start' && command.args) return this.planLinkMember(update, message, from, command.args)
    const link = await this.linkOf(from.id)
    const actor = link ? await actorFor(this.ctx.db, link.member_id) : null
    if (!link || !actor) return this.planStranger(update, chat)
    if (command) return this.planCommand(update, message, actor, command)
    // Where it goes: the conversation of the message it replies to, else the last one mirrored here.
    let conversationId = link.last_conversation_id
    let replyToId: number | undefined
    const isReply = message.reply_to_message !== undefined
    if (message.reply_to_message) {
      const sent = await this.ctx.db
        .selectFrom('telegram_sent')
        .select(['conversation_id', 'message_id'])
        .where('chat_id', '=', chat.id)
        .where('telegram_message_id', '=', message.reply_to_message.message_id)
        .executeTakeFirst()
      if (sent?.conversation_id) {
        conversationId = sent.conversation_id
        replyToId = sent.message_id ?? undefined
      }
    }
    const content = await this.content(message, actor.member.id)
    if ('refusal' in content) return { step: this.reply(update, chat, content.refusal) }
    const clientKey = `tg${chat.id}_${message.message_id}`.replace(/[^A-Za-z0-9_-]/g, '_')
    if (conversationId === null) return this.planAskWhere(update, chat, actor, content, clientKey)
    const target = conversationId
    return {
      step: async (w) => {
        const result = await this.post(w, actor, target, content, clientKey, chat.id, replyToId).catch(
          (error: unknown) => {
            if (error instanceof AppError) return error
            throw error
          },
        )
        if (result instanceof AppError) {
          await this.reply(update, chat, escapeHtml(result.message))(w)
          return
        }
        // Say where a message that was not a reply went, once per conversation and stretch of time.
        const said = this.confirmed.get(chat.id)
        if (!isReply && (said?.conversationId !== target || w.now - said.at > CONFIRM_AGAIN_AFTER_MS)) {
          this.confirmed.set(chat.id, { conversationId: target, at: w.now })
          const name = await this.conversationName(w, target, actor.member.id)
          await this.reply(update, chat, `Sent to ${escapeHtml(name)}.`)(w)
        }
      },
    }
  }

  private async conversationName(w: WriteContext, conversationId: number, memberId: number): Promise<string> {
    const conversation = await w.trx
      .selectFrom('conversation')
      .select(['kind', 'name'])
      .where('id', '=', conversationId)
      .executeTakeFirst()
    if (!conversation) return 'the conversation'
    if (conversation.kind === 'board') return 'the Board'
    if (conversation.kind === 'channel') return `#${conversation.name}`
    const other = await w.trx
      .selectFrom('conversation_member as cm')
      .innerJoin('member as m', 'm.id', 'cm.member_id')
      .select('m.display_name')
      .where('cm.conversation_id', '=', conversationId)
      .where('cm.member_id', '!=', memberId)
      .executeTakeFirst()
    return other ? other.display_name : 'your notes'
  }

  private async post(
    w: WriteContext,
    actor: Actor,
    conversationId: number,
    content: { body: string; attachments: AttachmentInput[] },
    clientKey: string,
    originChatId: number,
    replyToId?: number,
  ) {
    await requireReadable(w.trx, actor, conversationId)
    // Telegram allows 4,096 characters, the app 4,000: a longer text becomes two messages.
    const pieces =
      [...content.body].length > MAX_BODY_LENGTH
        ? splitText(content.body, MAX_BODY_LENGTH, MAX_BODY_LENGTH)
        : [content.body]
    for (const [i, body] of pieces.entries()) {
      await sendMessage(
        this.joined(w),
        actor,
        conversationId,
        {
          body,
          clientKey: i === 0 ? clientKey : `${clientKey}_${i}`,
          attachments: i === 0 ? content.attachments : [],
          ...(replyToId === undefined ? {} : { replyToId }),
        },
        originChatId,
      )
    }
  }

  private planStranger(update: TgUpdate, chat: TelegramBotType.Chat): Plan {
    const now = this.ctx.clock.now()
    const last = this.strangerRepliedAt.get(chat.id) ?? 0
    if (now - last < STRANGER_REPLY_EVERY_MS) return this.nothing()
    this.strangerRepliedAt.set(chat.id, now)
    if (this.strangerRepliedAt.size > 10_000) this.strangerRepliedAt.clear()
    return { step: this.reply(update, chat, escapeHtml(STRANGER_TEXT)) }
  }

  private async planLinkMember(update: TgUpdate, message: TgMessage, from: TgUser, code: string): Promise<Plan> {
    const chat = message.chat
    return {
      step: async (w) => {
        const row = await findCode(w, code, 'member')
        const member = row
          ? await w.trx
              .selectFrom('member')
              .select(['id', 'display_name', 'username', 'status', 'role'])
              .where('id', '=', row.member_id)
              .executeTakeFirst()
          : undefined
        if (!row || row.expires_at <= w.now || !member || member.status !== 'active' || member.role === 'display') {
          await this.reply(
            update,
            chat,
            'That link has expired or was already used. In the app, open Account → Telegram and tap “Link Telegram” again.',
          )(w)
          return
        }
        const other = await w.trx
          .selectFrom('telegram_link')
          .select('member_id')
          .where('telegram_user_id', '=', from.id)
          .executeTakeFirst()
        if (other && other.member_id !== member.id) await this.service.removeLink(w, other.member_id, 'telegram')
        await w.trx.deleteFrom('telegram_code').where('code_hash', '=', row.code_hash).execute()
        await w.trx.deleteFrom('telegram_link').where('member_id', '=', member.id).execute()
        await w.trx
          .insertInto('telegram_link')
          .values({
            member_id: member.id,
            telegram_user_id: from.id,
            telegram_name: fullName(from),
            telegram_username: from.username ?? null,
            linked_at: w.now,
            last_conversation_id: null,
          })
          .execute()
        await recordAudit(w.trx, w.now, {
          action: 'telegram.linked',
          actor: { id: member.id, name: `${member.display_name} (@${member.username})` },
          ip: 'telegram',
          detail: { telegram: from.username ? `@${from.username}` : fullName(from) },
        })
        w.emit('telegram.link_changed', { kind: 'member', id: member.id }, { memberId: member.id, isLinked: true })
        w.emit('directory.changed', { kind: 'shop' }, { memberId: member.id })
        await this.reply(
          update,
          chat,
          `✅ Linked to <b>${escapeHtml(member.display_name)}</b>. From now on what concerns you comes here when you are away.\n\n${HELP_TEXT}`,
        )(w)
      },
    }
  }

  private async planCommand(update: TgUpdate, message: TgMessage, actor: Actor, command: Command): Promise<Plan> {
    const chat = message.chat
    switch (command.name) {
      case 'start':
      case 'help':
        return { step: this.reply(update, chat, HELP_TEXT) }
      case 'board': {
        const { notices } = await listPinned(this.ctx, actor)
        if (notices.length === 0) return { step: this.reply(update, chat, 'No notices are pinned on the board.') }
        return {
          step: async (w) => {
            await this.reply(update, chat, `📌 <b>${notices.length} pinned on the board</b>`)(w)
            for (const notice of notices) {
              await this.service.outbound.queueSend(w, `board:${update.update_id}:${notice.id}`, {
                op: 'send',
                chatId: chat.id,
                isGroup: false,
                memberId: actor.member.id,
                messageId: notice.id,
                reason: 'board',
              })
            }
          },
        }
      }
      case 'here':
      case 'away': {
        const status = command.name === 'here' ? 'on_shift' : 'away'
        return {
          step: async (w) => {
            await this.ctx.presence.setShiftStatus(actor, status, null, this.ctx.write.within(w))
            await this.reply(
              update,
              chat,
              status === 'on_shift'
                ? 'You are <b>in the shop</b>. Messages stay in the app until you are away again (/away).'
                : 'You are <b>away</b>. What concerns you comes here (/here when you are back).',
            )(w)
          },
        }
      }
      case 'mute': {
        const link = await this.linkOf(message.from?.id ?? -1)
        const conversationId = link?.last_conversation_id ?? null
        if (conversationId === null) return { step: this.reply(update, chat, 'There is nothing to mute yet.') }
        const isOff = /^(off|un|no|0)/i.test(command.args)
        return {
          step: async (w) => {
            const now = w.now
            const until = isOff ? null : now + MUTE_HOURS * 3_600_000
            await w.trx
              .updateTable('conversation_member')
              .set({ muted_until: until })
              .where('conversation_id', '=', conversationId)
              .where('member_id', '=', actor.member.id)
              .execute()
            const name = escapeHtml(await this.conversationName(w, conversationId, actor.member.id))
            await this.reply(
              update,
              chat,
              isOff
                ? `${name} is no longer muted.`
                : `${name} is muted for ${MUTE_HOURS} hours (urgent notices still come). /mute off to undo.`,
            )(w)
          },
        }
      }
      case 'unlink':
        return {
          step: async (w) => {
            await this.service.removeLink(w, actor.member.id, 'telegram')
            await this.reply(update, chat, 'Unlinked. This Telegram account no longer gets anything from Backboard.')(w)
          },
        }
      default:
        return { step: this.reply(update, chat, `I do not know /${escapeHtml(command.name)}.\n\n${HELP_TEXT}`) }
    }
  }

  private async planAskWhere(
    update: TgUpdate,
    chat: TelegramBotType.Chat,
    actor: Actor,
    content: { body: string; attachments: AttachmentInput[] },
    clientKey: string,
  ): Promise<Plan> {
    const recent = await this.ctx.db
      .selectFrom('conversation as c')
      .innerJoin('conversation_member as cm', 'cm.conversation_id', 'c.id')
      .select(['c.id'])
      .where('cm.member_id', '=', actor.member.id)
      .where('c.archived_at', 'is', null)
      // The board takes notices only from those allowed to post them.
      .$if(!can(actor, 'board.post'), (q) => q.where('c.kind', '!=', 'board'))
      .orderBy('c.last_message_at', 'desc')
      .limit(6)
      .execute()
    if (recent.length === 0) {
      return {
        step: this.reply(
          update,
          chat,
          'Reply to one of my messages to answer it. To write to someone new, start the conversation in the app.',
        ),
      }
    }
    return {
      step: async (w) => {
        const keyboard: TelegramBotType.InlineKeyboardButton[][] = []
        for (const { id } of recent) {
          const token = randomBytes(16).toString('base64url')
          await w.trx
            .insertInto('telegram_action')
            .values({
              token,
              action: 'post',
              member_id: actor.member.id,
              conversation_id: id,
              data: JSON.stringify({ ...content, clientKey }),
              created_at: w.now,
            })
            .execute()
          keyboard.push([{ text: await this.conversationName(w, id, actor.member.id), callback_data: `p:${token}` }])
        }
        await this.reply(
          update,
          chat,
          'Where should this go? Choose a conversation, or reply to one of my messages.',
          keyboard,
        )(w)
      },
    }
  }

  /** The text and files of a message, downloaded and stored; or why it cannot be taken. */
  private async content(
    message: TgMessage,
    uploaderId: number | null,
  ): Promise<{ body: string; attachments: AttachmentInput[] } | { refusal: string }> {
    const body = message.text ?? message.caption ?? ''
    const attachments: AttachmentInput[] = []
    if (message.location) {
      attachments.push({ location: { latitude: message.location.latitude, longitude: message.location.longitude } })
    }
    const media = mediaOf(message)
    if (media) {
      if ((media.size ?? 0) > DOWNLOAD_LIMIT) {
        return {
          refusal: `That file is ${Math.round((media.size ?? 0) / 1024 / 1024)} MB; a bot can only take files up to 20 MB. Send it from the app instead.`,
        }
      }
      const stored = await this.download(media.fileId, media.name, uploaderId)
      attachments.push({ fileId: stored.fileId })
    }
    if (!body.trim() && attachments.length === 0) {
      return { refusal: 'I can pass on text, photos, videos, voice notes, round videos, audio, files and locations.' }
    }
    return { body, attachments }
  }

  private async download(telegramFileId: string, name: string, uploaderId: number | null): Promise<Downloaded> {
    const api = this.service.clients?.api
    if (!api) throw new Error('no Telegram bot is connected')
    let link: string
    try {
      const file = await api.getFile(telegramFileId)
      if ((file.file_size ?? 0) > DOWNLOAD_LIMIT)
        throw new AppError(413, 'file_too_large', 'That file is larger than 20 MB.')
      link = await api.getFileLink(telegramFileId)
    } catch (error) {
      if (error instanceof AppError) throw error
      const failure = classify(error)
      if (failure.kind === 'refused' && /too big/i.test(failure.message)) {
        throw new AppError(
          413,
          'file_too_large',
          'That file is larger than 20 MB, the most a bot can fetch. Send it from the app instead.',
        )
      }
      throw new Error(`getFile failed: ${failure.message}`)
    }
    const response = await fetch(link, { signal: AbortSignal.timeout(120_000) })
    if (!response.ok || !response.body) throw new Error(`the file download answered ${response.status}`)
    const length = Number(response.headers.get('content-length') ?? '') || undefined
    const stored = await storeFile(
      this.ctx,
      uploaderId,
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      {
        name,
        declaredLength: length,
      },
    )
    return { fileId: stored.id }
  }

  // Groups.

  private async planGroup(update: TgUpdate, message: TgMessage, from: TgUser): Promise<Plan> {
    const chat = message.chat
    const command = this.command(message)
    if ((command?.name === 'link' || command?.name === 'start') && command.args) {
      return this.planLinkGroup(update, chat, command.args)
    }
    const group = await this.ctx.db
      .selectFrom('telegram_group')
      .select(['conversation_id', 'linked_by'])
      .where('chat_id', '=', chat.id)
      .executeTakeFirst()
    // A group nobody linked: the bot says nothing there.
    if (!group || command) return this.nothing()
    const conversationId = group.conversation_id
    const link = await this.linkOf(from.id)
    const actor = link ? await actorFor(this.ctx.db, link.member_id) : null
    const isMember =
      actor !== null &&
      (await this.ctx.db
        .selectFrom('conversation_member')
        .select('member_id')
        .where('conversation_id', '=', conversationId)
        .where('member_id', '=', actor.member.id)
        .executeTakeFirst()) !== undefined
    let replyToId: number | undefined
    if (message.reply_to_message) {
      const sent = await this.ctx.db
        .selectFrom('telegram_sent')
        .select(['message_id', 'conversation_id'])
        .where('chat_id', '=', chat.id)
        .where('telegram_message_id', '=', message.reply_to_message.message_id)
        .executeTakeFirst()
      if (sent?.conversation_id === conversationId && sent.message_id) replyToId = sent.message_id
      else {
        const original = await this.ctx.db
          .selectFrom('message')
          .select('id')
          .where('conversation_id', '=', conversationId)
          .where(
            'client_key',
            '=',
            `tg${chat.id}_${message.reply_to_message.message_id}`.replace(/[^A-Za-z0-9_-]/g, '_'),
          )
          .executeTakeFirst()
        if (original) replyToId = original.id
      }
    }
    // Joins, pins, title changes, stickers: nothing to pass on, and nothing to say about it.
    if (!message.text && !message.caption && !message.location && !mediaOf(message)) return this.nothing()
    // A guest's files count against the storage of the manager who linked the group.
    const content = await this.content(message, isMember && actor ? actor.member.id : group.linked_by)
    if ('refusal' in content) return { step: this.reply(update, chat, content.refusal) }
    const clientKey = `tg${chat.id}_${message.message_id}`.replace(/[^A-Za-z0-9_-]/g, '_')
    if (isMember && actor) {
      return {
        step: async (w) => {
          await this.post(w, actor, conversationId, content, clientKey, chat.id, replyToId).catch(
            async (error: unknown) => {
              if (!(error instanceof AppError)) throw error
              await this.reply(update, chat, escapeHtml(error.message))(w)
            },
          )
        },
      }
    }
    const guestName = fullName(from)
    return {
      step: async (w) => {
        const conversation = await w.trx
          .selectFrom('conversation')
          .selectAll()
          .where('id', '=', conversationId)
          .executeTakeFirst()
        if (!conversation || conversation.archived_at !== null) return
        const existing = await w.trx
          .selectFrom('message')
          .select('id')
          .where('conversation_id', '=', conversationId)
          .where('client_key', '=', clientKey)
          .executeTakeFirst()
        if (existing) return
        const files = content.attachments.flatMap((a) => ('fileId' in a ? [a.fileId] : []))
        const fileRows = files.length
          ? await w.trx.selectFrom('file').select(['id', 'kind', 'name']).where('id', 'in', files).execute()
          : []
        const attachments = [
          ...fileRows.map((f) => ({
            kind: f.kind,
            file_id: f.id,
            name: f.name,
            latitude: null,
            longitude: null,
            accuracy_m: null,
          })),
          ...content.attachments.flatMap((a) =>
            'location' in a
              ? [
                  {
                    kind: 'location' as const,
                    file_id: null,
                    name: '',
                    latitude: a.location.latitude,
                    longitude: a.location.longitude,
                    accuracy_m: null,
                  },
                ]
              : [],
          ),
        ]
        const pieces =
          [...content.body].length > MAX_BODY_LENGTH
            ? splitText(content.body, MAX_BODY_LENGTH, MAX_BODY_LENGTH)
            : [content.body]
        for (const [i, piece] of pieces.entries()) {
          await insertMessage(this.ctx, w, {
            conversation,
            author: null,
            kind: 'text',
            body: assertBody(piece, i === 0 && attachments.length > 0),
            replyToId: replyToId ?? null,
            clientKey: i === 0 ? clientKey : `${clientKey}_${i}`,
            attachments: i === 0 ? attachments : [],
            originChatId: chat.id,
            guestName,
          })
        }
      },
    }
  }

  private planLinkGroup(update: TgUpdate, chat: TelegramBotType.Chat, code: string): Plan {
    return {
      step: async (w) => {
        const row = await findCode(w, code, 'group')
        const conversation =
          row && row.conversation_id !== null
            ? await w.trx
                .selectFrom('conversation')
                .select(['id', 'name', 'kind', 'archived_at'])
                .where('id', '=', row.conversation_id)
                .executeTakeFirst()
            : undefined
        const manager = row
          ? await w.trx.selectFrom('member').selectAll().where('id', '=', row.member_id).executeTakeFirst()
          : undefined
        // Whoever made the code must still manage members and still be in the channel.
        const managerActor = manager ? await actorFor(w.trx, manager.id) : null
        const canLink =
          managerActor !== null &&
          can(managerActor, 'members.manage') &&
          conversation !== undefined &&
          (await requireReadable(w.trx, managerActor, conversation.id).then(
            () => true,
            () => false,
          ))
        if (
          !row ||
          row.expires_at <= w.now ||
          !conversation ||
          conversation.archived_at !== null ||
          !manager ||
          !canLink
        ) {
          await this.reply(
            update,
            chat,
            'That code has expired or was already used. Make a new one in the app (Telegram page).',
          )(w)
          return
        }
        await w.trx.deleteFrom('telegram_code').where('code_hash', '=', row.code_hash).execute()
        await w.trx.deleteFrom('telegram_group').where('chat_id', '=', chat.id).execute()
        await w.trx.deleteFrom('telegram_group').where('conversation_id', '=', conversation.id).execute()
        const title = (chat.title ?? 'Telegram group').slice(0, 120)
        await w.trx
          .insertInto('telegram_group')
          .values({
            chat_id: chat.id,
            title,
            conversation_id: conversation.id,
            linked_by: manager.id,
            linked_at: w.now,
          })
          .execute()
        await recordAudit(w.trx, w.now, {
          action: 'telegram.group_linked',
          actor: { id: manager.id, name: `${manager.display_name} (@${manager.username})` },
          ip: 'telegram',
          detail: { group: title, conversation: conversation.name },
        })
        w.emit('telegram.group_changed', { kind: 'managers' }, { chatId: chat.id, conversationId: conversation.id })
        await this.reply(
          update,
          chat,
          `✅ This group is now linked to <b>#${escapeHtml(conversation.name)}</b>: messages here appear there and the other way round. People who are not linked staff appear as guests.`,
        )(w)
      },
    }
  }

  private planMembership(change: TelegramBotType.ChatMemberUpdated): Plan {
    const status = change.new_chat_member.status
    if (change.new_chat_member.user.id !== this.service.bot?.id) return this.nothing()
    if (status !== 'left' && status !== 'kicked') return this.nothing()
    const chatId = change.chat.id
    return {
      step: async (w) => {
        const group = await w.trx
          .selectFrom('telegram_group')
          .select('chat_id')
          .where('chat_id', '=', chatId)
          .executeTakeFirst()
        if (!group) return
        await w.trx.deleteFrom('telegram_group').where('chat_id', '=', chatId).execute()
        w.emit('telegram.group_changed', { kind: 'managers' }, { chatId, conversationId: null })
      },
    }
  }

  /** A Telegram edit of a message that came through the bridge edits it in the app. */
  private async planEdit(message: TgMessage): Promise<Plan> {
    if (!message.from || message.text === undefined) return this.nothing()
    const link = await this.linkOf(message.from.id)
    const actor = link ? await actorFor(this.ctx.db, link.member_id) : null
    if (!actor) return this.nothing()
    const clientKey = `tg${message.chat.id}_${message.message_id}`.replace(/[^A-Za-z0-9_-]/g, '_')
    const original = await this.ctx.db
      .selectFrom('message')
      .select('id')
      .where('author_id', '=', actor.member.id)
      .where('client_key', '=', clientKey)
      .executeTakeFirst()
    if (!original) return this.nothing()
    const text = message.text
    return {
      step: async (w) => {
        await editMessage(this.joined(w), actor, original.id, text).catch((error: unknown) => {
          if (!(error instanceof AppError)) throw error
        })
      },
    }
  }

  // Buttons.

  private async planCallback(update: TgUpdate, query: TelegramBotType.CallbackQuery): Promise<Plan> {
    const api = this.service.clients?.api
    const answer =
      (text: string, isAlert = false) =>
      async () => {
        await api?.answerCallbackQuery(query.id, { text, show_alert: isAlert })
      }
    const data = query.data ?? ''
    const match = /^([ap]):([A-Za-z0-9_-]{10,40})$/.exec(data)
    if (!match) return { step: async () => undefined, after: answer('') }
    const [, kind, token] = match
    const action = await this.ctx.db
      .selectFrom('telegram_action')
      .selectAll()
      .where('token', '=', token as string)
      .executeTakeFirst()
    const link = await this.linkOf(query.from.id)
    // Opaque data, checked against who pressed: nobody acts for someone else.
    if (!action || !link || link.member_id !== action.member_id || (kind === 'a') !== (action.action === 'ack')) {
      return { step: async () => undefined, after: answer('This button is not for you.', true) }
    }
    const actor = await actorFor(this.ctx.db, action.member_id)
    if (!actor) return { step: async () => undefined, after: answer('This button is not for you.', true) }
    if (action.action === 'ack' && action.message_id !== null) {
      const messageId = action.message_id
      let outcome = 'Acknowledged ✓'
      return {
        step: async (w) => {
          await acknowledge(this.joined(w), actor, messageId).catch((error: unknown) => {
            if (!(error instanceof AppError)) throw error
            outcome = error.message
          })
          // Turn the button into "Acknowledged ✓" even when it was acknowledged before.
          await w.enqueue({
            channel: TELEGRAM_CHANNEL,
            idempotencyKey: `tg:acked:${messageId}:${actor.member.id}`,
            payload: { op: 'acked', messageId, memberId: actor.member.id },
          })
        },
        after: async () => answer(outcome)(),
      }
    }
    const conversationId = action.conversation_id
    if (conversationId === null) return { step: async () => undefined, after: answer('') }
    const content = JSON.parse(action.data) as { body: string; attachments: AttachmentInput[]; clientKey: string }
    let outcome = ''
    return {
      step: async (w) => {
        await w.trx
          .deleteFrom('telegram_action')
          .where('action', '=', 'post')
          .where('member_id', '=', actor.member.id)
          .where('data', '=', action.data)
          .execute()
        try {
          await this.post(w, actor, conversationId, content, content.clientKey, query.message?.chat.id ?? query.from.id)
          outcome = `Sent to ${await this.conversationName(w, conversationId, actor.member.id)}.`
        } catch (error) {
          if (!(error instanceof AppError)) throw error
          outcome = error.message
        }
        await w.trx
          .updateTable('telegram_link')
          .set({ last_conversation_id: conversationId })
          .where('member_id', '=', actor.member.id)
          .execute()
        if (query.message) {
          await this.service.outbound.queueReply(w, query.message.chat.id, `${update.update_id}`, escapeHtml(outcome))
        }
      },
      after: async () => answer(outcome)(),
    }
  }
}

/** A one-time code as stored (by its hash), whether or not it has expired. */
function findCode(w: WriteContext, code: string, kind: 'member' | 'group') {
  return w.trx
    .selectFrom('telegram_code')
    .selectAll()
    .where('code_hash', '=', hashCode(code))
    .where('kind', '=', kind)
    .executeTakeFirst()
}

interface Media {
  fileId: string
  size: number | undefined
  name: string
}

/** The one file a message carries, with a name that says what it was. */
function mediaOf(message: TgMessage): Media | null {
  const photo = message.photo?.at(-1)
  if (photo) return { fileId: photo.file_id, size: photo.file_size, name: 'photo.jpg' }
  if (message.video_note)
    return { fileId: message.video_note.file_id, size: message.video_note.file_size, name: 'round-video.mp4' }
  if (message.voice) return { fileId: message.voice.file_id, size: message.voice.file_size, name: 'voice-note.ogg' }
  if (message.video)
    return {
      fileId: message.video.file_id,
      size: message.video.file_size,
      name: (message.video as { file_name?: string }).file_name ?? 'video.mp4',
    }
  if (message.audio)
    return {
      fileId: message.audio.file_id,
      size: message.audio.file_size,
      name: (message.audio as { file_name?: string }).file_name ?? `${message.audio.title ?? 'audio'}.mp3`,
    }
  if (message.document)
    return {
      fileId: message.document.file_id,
      size: message.document.file_size,
      name: message.document.file_name ?? 'file',
    }
  if (message.animation)
    return { fileId: message.animation.file_id, size: message.animation.file_size, name: 'animation.mp4' }
  return null
}
