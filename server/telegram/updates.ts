/**
 * In from Telegram. Each update is applied in one transaction together with the offset
 * after it, so an update's effects and "this update is done" commit together: a crash
 * before the commit re-reads it, a crash after never applies it twice. Files are fetched
 * while planning, before that transaction.
 *
 * Only linked, active staff reach shop data. Anyone else gets a polite answer and nothing
 * more; in a linked group they appear as guests of that one conversation.
 */
import type TelegramBotType from 'node-telegram-bot-api'
import { AppError } from '../shared/errors'
import { nothing, servicesIn, type Bridge } from './bridge'
import { classify, scrub, type TgMessage, type TgUpdate, type TgUser } from './client'
import { deepLinked, isLinkCode, parseCommand, type Commands } from './commands'
import type { Groups } from './groups'
import { actorFor, linkOf } from './linking'
import type { Mirror } from './mirror'
import { download } from './media-in'
import type { GroupButtonInput, Plan, TelegramButton } from './registry'
import { repliedToOf, type Replies } from './replies'
import { escapeHtml, excerpt } from './render'
import { awaitNext, GROUP_BUTTON, issueCallbackData } from './tokens'

const NOT_FOR_YOU = 'This button is not for you.'
const ANSWER_LIMIT = 200

export interface UpdateParts {
  mirror: Mirror
  commands: Commands
  replies: Replies
  groups: Groups
}

export class Updates {
  private readonly failures = new Map<number, number>()

  constructor(
    private readonly bridge: Bridge,
    private readonly parts: UpdateParts,
  ) {}

  private get ctx() {
    return this.bridge.ctx
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
    if (!message) return nothing()
    return { step: this.parts.mirror.replyStep(update.update_id, message.chat, escapeHtml(error.message)) }
  }

  private async plan(update: TgUpdate): Promise<Plan> {
    if (update.callback_query) return this.planButton(update, update.callback_query)
    if (update.my_chat_member) return this.parts.groups.planRemoved(update.my_chat_member)
    if (update.edited_message) {
      const edited = update.edited_message
      const isStranger = edited.chat.type === 'private' && edited.from && !(await linkOf(this.ctx.db, edited.from.id))
      if (isStranger && edited.from) return (await this.planStranger(update, edited, edited.from, true)) ?? nothing()
      return this.parts.replies.planEdit(edited)
    }
    const message = update.message
    if (!message?.from || message.from.is_bot) return nothing()
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
      return this.parts.groups.plan(update, message, message.from)
    return nothing()
  }

  private async planPrivate(update: TgUpdate, message: TgMessage, from: TgUser): Promise<Plan> {
    const { commands, replies } = this.parts
    const command = parseCommand(message, this.bridge.bot?.username)
    if (command?.name === 'start' && isLinkCode(command.args))
      return commands.planLinkMember(update, message, from, command.args)
    const link = await linkOf(this.ctx.db, from.id)
    const actor = link ? await actorFor(this.ctx.db, link.member_id) : null
    if (!link || !actor) {
      // Linked but deactivated staff get the refusal; anyone else may be a feature's (customers).
      const taken = link ? null : await this.planStranger(update, message, from, false)
      return taken ?? commands.planStranger(update, message.chat)
    }
    if (command?.name === 'start' && command.args)
      return commands.plan(update, message, actor, deepLinked(command, this.bridge.registry))
    if (command) return commands.plan(update, message, actor, command)
    return replies.plan(update, message, actor, link.last_conversation_id)
  }

  /** A private message (or edit) from someone who is not linked staff, offered to the feature that takes them. */
  private async planStranger(
    update: TgUpdate,
    message: TgMessage,
    from: TgUser,
    isEdit: boolean,
  ): Promise<Plan | null> {
    const handler = this.bridge.registry.strangerHandler()
    if (!handler) return null
    const command = isEdit ? null : parseCommand(message, this.bridge.bot?.username)
    return handler.handle({
      message,
      from,
      isEdit,
      startPayload: command?.name === 'start' ? command.args : null,
      updateId: update.update_id,
      services: (w) => servicesIn(this.ctx, w),
      reply: (html, keyboard) => this.parts.mirror.replyStep(update.update_id, message.chat, html, keyboard ?? null),
      download: (fileId, name) => download(this.bridge, fileId, name, null),
      repliedTo: await repliedToOf(this.bridge, message),
      mirror: this.parts.mirror,
    })
  }

  /** A button press: its opaque token is checked against who pressed before anything happens. */
  private async planButton(update: TgUpdate, query: TelegramBotType.CallbackQuery): Promise<Plan> {
    const api = this.bridge.clients?.api
    const answer =
      (text: string, isAlert = false, url?: string) =>
      async () => {
        // Telegram refuses answers over 200 characters, and the presser would see nothing.
        const short = text.length > ANSWER_LIMIT ? excerpt(text, ANSWER_LIMIT - 10) : text
        await api?.answerCallbackQuery(query.id, { text: short, show_alert: isAlert, ...(url ? { url } : {}) })
      }
    const strangers = this.bridge.registry.strangerHandler()
    if (strangers?.buttonPrefix && strangers.handleButton && query.data?.startsWith(`${strangers.buttonPrefix}:`)) {
      return strangers.handleButton({
        query,
        payload: query.data.slice(strangers.buttonPrefix.length + 1),
        updateId: update.update_id,
        services: (w) => servicesIn(this.ctx, w),
        answer: (text, isAlert) => answer(text, isAlert),
        mirror: this.parts.mirror,
      })
    }
    const match = new RegExp(`^([A-Za-z0-9]{1,8}):(${GROUP_BUTTON}|[A-Za-z0-9_-]{10,40})$`).exec(query.data ?? '')
    const button = match ? this.bridge.registry.button(match[1] as string) : undefined
    if (!match || !button) return { step: async () => undefined, after: answer('') }
    if (match[2] === GROUP_BUTTON) return this.planGroupButton(update, query, button, answer)
    const action = await this.ctx.db
      .selectFrom('telegram_action')
      .selectAll()
      .where('token', '=', match[2] as string)
      .executeTakeFirst()
    const link = await linkOf(this.ctx.db, query.from.id)
    // Opaque data, checked against who pressed: nobody acts for someone else.
    if (!action || !link || link.member_id !== action.member_id || action.action !== button.action) {
      return { step: async () => undefined, after: answer(NOT_FOR_YOU, true) }
    }
    const actor = await actorFor(this.ctx.db, action.member_id)
    if (!actor) return { step: async () => undefined, after: answer(NOT_FOR_YOU, true) }
    const { mirror } = this.parts
    return button.handle({
      actor,
      action,
      query,
      updateId: update.update_id,
      services: (w) => servicesIn(this.ctx, w),
      answer,
      reply: (w, chatId, html) => mirror.queueReply(w, chatId, `${update.update_id}`, html),
      button: (w, prefix, grant = {}) =>
        issueCallbackData(w.trx, this.bridge.registry, prefix, { ...grant, memberId: actor.member.id }, w.now),
      awaitNext: (w, name, data) => awaitNext(w.trx, actor.member.id, name, data, w.now),
      mirror,
    })
  }

  /**
   * A press on a linked group's message: the button is nobody's in particular, so what
   * counts is that the message is one the bot mirrored into this linked group.
   */
  private async planGroupButton(
    update: TgUpdate,
    query: TelegramBotType.CallbackQuery,
    button: TelegramButton,
    answer: GroupButtonInput['answer'],
  ): Promise<Plan> {
    const chat = query.message?.chat
    const group =
      chat && chat.type !== 'private'
        ? await this.ctx.db
            .selectFrom('telegram_group')
            .select('conversation_id')
            .where('chat_id', '=', chat.id)
            .executeTakeFirst()
        : undefined
    const sent =
      group && chat && query.message
        ? await this.ctx.db
            .selectFrom('telegram_sent')
            .select(['message_id', 'conversation_id'])
            .where('chat_id', '=', chat.id)
            .where('telegram_message_id', '=', query.message.message_id)
            .executeTakeFirst()
        : undefined
    if (!button.handleInGroup || !group || !sent?.message_id || sent.conversation_id !== group.conversation_id) {
      return { step: async () => undefined, after: answer(NOT_FOR_YOU, true) }
    }
    const link = await linkOf(this.ctx.db, query.from.id)
    const actor = link ? await actorFor(this.ctx.db, link.member_id) : null
    const api = this.bridge.clients?.api
    const bot = this.bridge.bot
    return button.handleInGroup({
      actor,
      messageId: sent.message_id,
      conversationId: group.conversation_id,
      query,
      updateId: update.update_id,
      services: (w) => servicesIn(this.ctx, w),
      answer,
      canWritePrivately: async () => {
        if (!api) return false
        try {
          await api.sendChatAction(query.from.id, 'typing')
          return true
        } catch (error) {
          // Only a refusal says no; anything else (Telegram slow, a 429) leaves it to the outbox.
          return classify(error).kind !== 'forbidden'
        }
      },
      startLink: (payload) => (bot ? `https://t.me/${bot.username}?start=${payload}` : null),
      mirror: this.parts.mirror,
    })
  }
}
