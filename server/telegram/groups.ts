/**
 * Telegram groups linked to channels. A manager makes a code in the app and sends it in the
 * group; from then on the group and the channel mirror each other. Linked staff who are in
 * the channel post as themselves; anyone else appears as a guest of that one conversation.
 */
import type TelegramBotType from 'node-telegram-bot-api'
import { AppError, badRequest, notFound } from '../shared/errors'
import { auditParty, can, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { assertBody, insertMessage, MAX_BODY_LENGTH } from '../conversations/messages-service'
import { requireReadable } from '../conversations/access'
import { clientKeyOf, nothing, type Bridge } from './bridge'
import type { TgChat, TgMessage, TgUpdate, TgUser } from './client'
import { parseCommand } from './commands'
import { actorFor, findCode, fullName, linkOf, type Linking } from './linking'
import { contentOf, mediaOf, type Content } from './media-in'
import type { Mirror } from './mirror'
import type { Plan } from './registry'
import { offerInbound, post } from './replies'
import { escapeHtml, splitText } from './render'

export class Groups {
  constructor(
    private readonly bridge: Bridge,
    private readonly mirror: Mirror,
    private readonly linking: Linking,
  ) {}

  private get ctx() {
    return this.bridge.ctx
  }

  // The manager's side, in the app.

  async list() {
    const rows = await this.ctx.db
      .selectFrom('telegram_group as g')
      .innerJoin('conversation as c', 'c.id', 'g.conversation_id')
      .leftJoin('member as m', 'm.id', 'g.linked_by')
      .select(['g.chat_id', 'g.title', 'g.linked_at', 'c.id as conversation_id', 'c.name', 'm.display_name'])
      .orderBy('g.linked_at', 'desc')
      .execute()
    return {
      groups: rows.map((row) => ({
        chatId: row.chat_id,
        title: row.title,
        conversation: { id: row.conversation_id, name: row.name },
        linkedAt: row.linked_at,
        linkedBy: row.display_name ?? '',
      })),
    }
  }

  async code(actor: Actor, conversationId: number, botUsername: string) {
    const conversation = await this.ctx.db
      .selectFrom('conversation')
      .select(['id', 'kind', 'archived_at'])
      .where('id', '=', conversationId)
      .executeTakeFirst()
    if (!conversation) throw notFound('conversation_not_found', 'No such conversation.')
    // Only a channel the manager can read: linking shares everything in it with the group.
    await requireReadable(this.ctx.db, actor, conversationId)
    if (conversation.kind !== 'channel' || conversation.archived_at !== null) {
      throw badRequest(
        'telegram_group_conversation',
        'Only an open or private channel can be linked to a Telegram group (not the board or direct chats).',
      )
    }
    const { code, expiresAt } = await this.linking.newCode('group', actor.member.id, conversationId)
    return { code, command: `/link ${code}`, url: `https://t.me/${botUsername}?startgroup=${code}`, expiresAt }
  }

  async unlink(actor: Actor, chatId: number): Promise<void> {
    await this.ctx.write(async (w) => {
      const group = await w.trx
        .selectFrom('telegram_group')
        .selectAll()
        .where('chat_id', '=', chatId)
        .executeTakeFirst()
      if (!group) throw notFound('telegram_group_not_found', 'No such linked group.')
      await w.trx.deleteFrom('telegram_group').where('chat_id', '=', chatId).execute()
      await recordAudit(w.trx, w.now, {
        action: 'telegram.group_unlinked',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { group: group.title },
      })
      w.emit('telegram.group_changed', { kind: 'managers' }, { chatId, conversationId: null })
      if (this.bridge.bot) {
        await this.mirror.queueReply(
          w,
          chatId,
          `group-unlink:${chatId}:${w.now}`,
          'This group is no longer linked to Backboard.',
          true,
        )
      }
    })
  }

  // In the group, from Telegram.

  async plan(update: TgUpdate, message: TgMessage, from: TgUser): Promise<Plan> {
    const chat = message.chat
    const reply = (html: string) => this.mirror.replyStep(update.update_id, chat, html)
    const command = parseCommand(message, this.bridge.bot?.username)
    if ((command?.name === 'link' || command?.name === 'start') && command.args) {
      return this.planLink(update, chat, command.args)
    }
    const group = await this.ctx.db
      .selectFrom('telegram_group')
      .select(['conversation_id', 'linked_by'])
      .where('chat_id', '=', chat.id)
      .executeTakeFirst()
    // A group nobody linked: the bot says nothing there.
    if (!group) return nothing()
    const conversationId = group.conversation_id
    const link = await linkOf(this.ctx.db, from.id)
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
    let isReplyToMirrored = false
    if (message.reply_to_message) {
      const sent = await this.ctx.db
        .selectFrom('telegram_sent')
        .select(['message_id', 'conversation_id'])
        .where('chat_id', '=', chat.id)
        .where('telegram_message_id', '=', message.reply_to_message.message_id)
        .executeTakeFirst()
      if (sent?.conversation_id === conversationId && sent.message_id) {
        replyToId = sent.message_id
        isReplyToMirrored = true
      } else {
        const original = await this.ctx.db
          .selectFrom('message')
          .select('id')
          .where('conversation_id', '=', conversationId)
          .where('client_key', '=', clientKeyOf(chat.id, message.reply_to_message.message_id))
          .executeTakeFirst()
        if (original) replyToId = original.id
      }
    }
    // Joins, pins, title changes, stickers: nothing to pass on, and nothing to say about it.
    if (!message.text && !message.caption && !message.location && !mediaOf(message)) return nothing()
    // A guest's files count against the storage of the manager who linked the group.
    let fetched: ReturnType<typeof contentOf> | undefined
    const contentOnce = () =>
      (fetched ??= contentOf(this.bridge, message, isMember && actor ? actor.member.id : group.linked_by))
    if (isMember && actor) {
      const taken = await offerInbound(this.bridge, this.mirror, {
        actor,
        message,
        isGroup: true,
        repliedTo: isReplyToMirrored && replyToId !== undefined ? { messageId: replyToId, conversationId } : null,
        target: conversationId,
        updateId: update.update_id,
        content: contentOnce,
      })
      if (taken) return taken
    }
    // Other commands in the group are for other bots, or not for the group.
    if (command) return nothing()
    const content = await contentOnce()
    if ('refusal' in content) return { step: reply(content.refusal) }
    const clientKey = clientKeyOf(chat.id, message.message_id)
    if (isMember && actor) {
      return {
        step: async (w) => {
          await post(this.bridge, w, actor, conversationId, content, clientKey, chat.id, replyToId).catch(
            async (error: unknown) => {
              if (!(error instanceof AppError)) throw error
              await reply(escapeHtml(error.message))(w)
            },
          )
        },
      }
    }
    return { step: (w) => this.postAsGuest(w, fullName(from), conversationId, content, clientKey, chat.id, replyToId) }
  }

  private async postAsGuest(
    w: Parameters<Plan['step']>[0],
    guestName: string,
    conversationId: number,
    content: Content,
    clientKey: string,
    chatId: number,
    replyToId: number | undefined,
  ): Promise<void> {
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
        originChatId: chatId,
        guestName,
      })
    }
  }

  private planLink(update: TgUpdate, chat: TgChat, code: string): Plan {
    const reply = (html: string) => this.mirror.replyStep(update.update_id, chat, html)
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
          await reply('That code has expired or was already used. Make a new one in the app (Telegram page).')(w)
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
        await reply(
          `✅ This group is now linked to <b>#${escapeHtml(conversation.name)}</b>: messages here appear there and the other way round. People who are not linked staff appear as guests.`,
        )(w)
      },
    }
  }

  /** The bot was removed from a group: the link goes. */
  planRemoved(change: TelegramBotType.ChatMemberUpdated): Plan {
    const status = change.new_chat_member.status
    if (change.new_chat_member.user.id !== this.bridge.bot?.id) return nothing()
    if (status !== 'left' && status !== 'kicked') return nothing()
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
}
