/**
 * A linked member writing to the bot: a reply goes to the conversation of the message it
 * answers, anything else to the conversation last mirrored to them, and with none yet the
 * bot asks where (one button per recent conversation). Telegram edits follow into the app.
 */
import { randomBytes } from 'node:crypto'
import { AppError } from '../shared/errors'
import type { WriteContext } from '../shared/write'
import { can, type Actor } from '../auth/actor'
import { MAX_BODY_LENGTH, editMessage, sendMessage } from '../conversations/messages-service'
import { requireReadable } from '../conversations/access'
import { clientKeyOf, nothing, servicesIn, type Bridge } from './bridge'
import type { TgMessage, TgUpdate } from './client'
import { actorFor, linkOf } from './linking'
import { contentOf, type Content } from './media-in'
import type { Mirror } from './mirror'
import type { InboundInput, Keyboard, Plan, RepliedTo, TelegramRegistry } from './registry'
import { escapeHtml, splitText } from './render'
import { awaitedBy, clearAwaited } from './tokens'

const CONFIRM_AGAIN_AFTER_MS = 10 * 60_000

/** How a conversation is named to a member: the Board, #channel, or the other person. */
export async function conversationName(w: WriteContext, conversationId: number, memberId: number): Promise<string> {
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

/** The mirrored message a message in this chat replies to, if it replies to one the bot sent. */
export async function repliedToOf(bridge: Bridge, message: TgMessage): Promise<RepliedTo | null> {
  if (!message.reply_to_message) return null
  const sent = await bridge.ctx.db
    .selectFrom('telegram_sent')
    .select(['conversation_id', 'message_id'])
    .where('chat_id', '=', message.chat.id)
    .where('telegram_message_id', '=', message.reply_to_message.message_id)
    .executeTakeFirst()
  return sent?.message_id && sent.conversation_id
    ? { messageId: sent.message_id, conversationId: sent.conversation_id }
    : null
}

/**
 * Offers a linked member's message to the features' inbound handlers: first to the one
 * waiting for it (`awaitNext`, private chats only), then to each in turn. The first plan
 * wins; null leaves the message to the bridge.
 */
export async function offerInbound(
  bridge: Bridge,
  mirror: Mirror,
  input: Pick<InboundInput, 'actor' | 'message' | 'isGroup' | 'repliedTo' | 'target' | 'updateId' | 'content'>,
): Promise<Plan | null> {
  const handlers = bridge.registry.allInbound()
  if (handlers.length === 0) return null
  const base = {
    ...input,
    services: (w: WriteContext) => servicesIn(bridge.ctx, w),
    reply: (html: string, keyboard?: Keyboard | null) =>
      mirror.replyStep(input.updateId, input.message.chat, html, keyboard ?? null),
    mirror,
  }
  const memberId = input.actor.member.id
  const awaited = input.isGroup ? null : await awaitedBy(bridge.ctx.db, memberId, bridge.ctx.clock.now())
  const waiting = awaited ? bridge.registry.inboundHandler(awaited.name) : undefined
  if (awaited && waiting) {
    const plan = await waiting.handle({ ...base, awaited: awaited.data })
    if (plan) {
      return {
        ...plan,
        step: async (w) => {
          await clearAwaited(w.trx, memberId)
          await plan.step(w)
        },
      }
    }
  }
  for (const handler of handlers) {
    const plan = await handler.handle({ ...base, awaited: undefined })
    if (plan) return plan
  }
  return null
}

/** Posts what came from Telegram as the member, in the update's transaction. */
export async function post(
  bridge: Bridge,
  w: WriteContext,
  actor: Actor,
  conversationId: number,
  content: Content,
  clientKey: string,
  originChatId: number,
  replyToId?: number,
): Promise<void> {
  await requireReadable(w.trx, actor, conversationId)
  // Telegram allows 4,096 characters, the app 4,000: a longer text becomes two messages.
  const pieces =
    [...content.body].length > MAX_BODY_LENGTH
      ? splitText(content.body, MAX_BODY_LENGTH, MAX_BODY_LENGTH)
      : [content.body]
  for (const [i, body] of pieces.entries()) {
    await sendMessage(
      servicesIn(bridge.ctx, w),
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

export class Replies {
  /** Per chat: where the last message that was not a reply went, and when we said so. */
  private readonly confirmed = new Map<number, { conversationId: number; at: number }>()

  constructor(
    private readonly bridge: Bridge,
    private readonly mirror: Mirror,
  ) {}

  /** The bridge's own button: "post what I sent into this conversation". */
  registerButtons(registry: TelegramRegistry): void {
    registry.registerButton({
      prefix: 'p',
      action: 'post',
      handle: async ({ action, actor, query, reply, answer }) => {
        const conversationId = action.conversation_id
        if (conversationId === null) return { step: async () => undefined, after: answer('') }
        const content = JSON.parse(action.data) as Content & { clientKey: string }
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
              await post(
                this.bridge,
                w,
                actor,
                conversationId,
                content,
                content.clientKey,
                query.message?.chat.id ?? query.from.id,
              )
              outcome = `Sent to ${await conversationName(w, conversationId, actor.member.id)}.`
            } catch (error) {
              if (!(error instanceof AppError)) throw error
              outcome = error.message
            }
            await w.trx
              .updateTable('telegram_link')
              .set({ last_conversation_id: conversationId })
              .where('member_id', '=', actor.member.id)
              .execute()
            if (query.message) await reply(w, query.message.chat.id, escapeHtml(outcome))
          },
          after: async () => answer(outcome)(),
        }
      },
    })
  }

  /** A message (not a command) from a linked member in their private chat. */
  async plan(update: TgUpdate, message: TgMessage, actor: Actor, lastConversationId: number | null): Promise<Plan> {
    const chat = message.chat
    // Where it goes: the conversation of the message it replies to, else the last one mirrored here.
    let conversationId = lastConversationId
    let replyToId: number | undefined
    const isReply = message.reply_to_message !== undefined
    if (message.reply_to_message) {
      const sent = await this.bridge.ctx.db
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
    let fetched: ReturnType<typeof contentOf> | undefined
    const contentOnce = () => (fetched ??= contentOf(this.bridge, message, actor.member.id))
    const taken = await offerInbound(this.bridge, this.mirror, {
      actor,
      message,
      isGroup: false,
      repliedTo: conversationId !== null && replyToId !== undefined ? { messageId: replyToId, conversationId } : null,
      target: conversationId,
      updateId: update.update_id,
      content: contentOnce,
    })
    if (taken) return taken
    const content = await contentOnce()
    const reply = (html: string, keyboard?: Keyboard) => this.mirror.replyStep(update.update_id, chat, html, keyboard)
    if ('refusal' in content) return { step: reply(content.refusal) }
    const clientKey = clientKeyOf(chat.id, message.message_id)
    if (conversationId === null) return this.planAskWhere(update, message, actor, content, clientKey)
    const target = conversationId
    return {
      step: async (w) => {
        const result = await post(this.bridge, w, actor, target, content, clientKey, chat.id, replyToId).catch(
          (error: unknown) => {
            if (error instanceof AppError) return error
            throw error
          },
        )
        if (result instanceof AppError) {
          await reply(escapeHtml(result.message))(w)
          return
        }
        // Say where a message that was not a reply went, once per conversation and stretch of time.
        const said = this.confirmed.get(chat.id)
        if (!isReply && (said?.conversationId !== target || w.now - said.at > CONFIRM_AGAIN_AFTER_MS)) {
          this.confirmed.set(chat.id, { conversationId: target, at: w.now })
          const name = await conversationName(w, target, actor.member.id)
          await reply(`Sent to ${escapeHtml(name)}.`)(w)
        }
      },
    }
  }

  private async planAskWhere(
    update: TgUpdate,
    message: TgMessage,
    actor: Actor,
    content: Content,
    clientKey: string,
  ): Promise<Plan> {
    const recent = await this.bridge.ctx.db
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
        step: this.mirror.replyStep(
          update.update_id,
          message.chat,
          'Reply to one of my messages to answer it. To write to someone new, start the conversation in the app.',
        ),
      }
    }
    return {
      step: async (w) => {
        const keyboard: Keyboard = []
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
          keyboard.push([{ text: await conversationName(w, id, actor.member.id), callback_data: `p:${token}` }])
        }
        await this.mirror.replyStep(
          update.update_id,
          message.chat,
          'Where should this go? Choose a conversation, or reply to one of my messages.',
          keyboard,
        )(w)
      },
    }
  }

  /** A Telegram edit of a message that came through the bridge edits it in the app. */
  async planEdit(message: TgMessage): Promise<Plan> {
    if (!message.from || message.text === undefined) return nothing()
    const link = await linkOf(this.bridge.ctx.db, message.from.id)
    const actor = link ? await actorFor(this.bridge.ctx.db, link.member_id) : null
    if (!actor) return nothing()
    const original = await this.bridge.ctx.db
      .selectFrom('message')
      .select('id')
      .where('author_id', '=', actor.member.id)
      .where('client_key', '=', clientKeyOf(message.chat.id, message.message_id))
      .executeTakeFirst()
    if (!original) return nothing()
    const text = message.text
    return {
      step: async (w) => {
        await editMessage(servicesIn(this.bridge.ctx, w), actor, original.id, text).catch((error: unknown) => {
          if (!(error instanceof AppError)) throw error
        })
      },
    }
  }
}
