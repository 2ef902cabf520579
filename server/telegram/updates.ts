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
import { scrub, type TgMessage, type TgUpdate, type TgUser } from './client'
import { parseCommand, type Commands } from './commands'
import type { Groups } from './groups'
import { actorFor, linkOf } from './linking'
import type { Mirror } from './mirror'
import type { Plan } from './registry'
import type { Replies } from './replies'
import { escapeHtml } from './render'

const NOT_FOR_YOU = 'This button is not for you.'

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
    if (update.edited_message) return this.parts.replies.planEdit(update.edited_message)
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
    if (command?.name === 'start' && command.args) return commands.planLinkMember(update, message, from, command.args)
    const link = await linkOf(this.ctx.db, from.id)
    const actor = link ? await actorFor(this.ctx.db, link.member_id) : null
    if (!link || !actor) return commands.planStranger(update, message.chat)
    if (command) return commands.plan(update, message, actor, command)
    return replies.plan(update, message, actor, link.last_conversation_id)
  }

  /** A button press: its opaque token is checked against who pressed before anything happens. */
  private async planButton(update: TgUpdate, query: TelegramBotType.CallbackQuery): Promise<Plan> {
    const api = this.bridge.clients?.api
    const answer =
      (text: string, isAlert = false) =>
      async () => {
        await api?.answerCallbackQuery(query.id, { text, show_alert: isAlert })
      }
    const match = /^([A-Za-z0-9]{1,8}):([A-Za-z0-9_-]{10,40})$/.exec(query.data ?? '')
    const button = match ? this.bridge.registry.button(match[1] as string) : undefined
    if (!match || !button) return { step: async () => undefined, after: answer('') }
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
      mirror,
    })
  }
}
