/**
 * Commands in a private chat: /start with a code links the account; a linked member's
 * commands are looked up in the registry, where features put theirs (/board) before the
 * bridge adds its own (/help, /here, /away, /mute, /unlink). The command menu and /help
 * list them in that order.
 */
import { escapeHtml } from './render'
import { servicesIn, type Bridge } from './bridge'
import type { TgChat, TgMessage, TgUpdate, TgUser } from './client'
import type { Actor } from '../auth/actor'
import { linkOf, type Linking } from './linking'
import type { Mirror } from './mirror'
import { conversationName, repliedToOf } from './replies'
import { awaitNext, issueCallbackData } from './tokens'
import type { CommandInput, Plan, TelegramRegistry } from './registry'

const MUTE_HOURS = 8
const STRANGER_REPLY_EVERY_MS = 10 * 60_000

const STRANGER_TEXT =
  'Hello! This bot carries messages for the staff of a shop, and it only talks to staff who linked their account in the app. ' +
  'If you work there: open the app, go to Account → Telegram and tap “Link Telegram”.'

export interface ParsedCommand {
  name: string
  args: string
}

/** What `/start` carries when it is a member's one-time code from the app. */
export function isLinkCode(args: string): boolean {
  return /^[A-Za-z0-9_-]{24}$/.test(args)
}

/**
 * `/start name_args` from a link `t.me/<bot>?start=name_args` runs the command `/name args`
 * (links in the bot's answers open the private chat on the right thing); anything else is /start.
 */
export function deepLinked(command: ParsedCommand, registry: TelegramRegistry): ParsedCommand {
  const match = /^([a-z0-9]+)(?:_([A-Za-z0-9_-]*))?$/.exec(command.args)
  const name = match?.[1]
  if (command.name !== 'start' || !name || name === 'start' || !registry.command(name))
    return { name: 'start', args: '' }
  return { name, args: (match[2] ?? '').replace(/_/g, ' ').trim() }
}

/** `/name args` or `/name@bot args`; null when it is not a command, or is meant for another bot. */
export function parseCommand(message: TgMessage, botUsername: string | undefined): ParsedCommand | null {
  const match = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(message.text ?? '')
  if (!match) return null
  const [, name = '', bot, args = ''] = match
  // A command meant for another bot in a group.
  if (bot && bot.toLowerCase() !== botUsername?.toLowerCase()) return null
  return { name: name.toLowerCase(), args: args.trim() }
}

export class Commands {
  private readonly strangerRepliedAt = new Map<number, number>()

  constructor(
    private readonly bridge: Bridge,
    private readonly mirror: Mirror,
    private readonly linking: Linking,
  ) {}

  private get ctx() {
    return this.bridge.ctx
  }

  /** What /help says: how the bot works, then each command that has a line for it. */
  helpText(): string {
    return [
      '<b>Backboard on Telegram</b>',
      'Board notices, direct messages, mentions and reminders come here (Account → Telegram in the app says when).',
      '',
      '• Reply to a message to answer in the same conversation; photos, videos, voice notes, files and locations work too.',
      '• A message that is not a reply goes to the conversation I sent you last.',
      '',
      ...this.bridge.registry.allCommands().flatMap((c) => (c.help ? [`/${c.name} – ${c.help}`] : [])),
    ].join('\n')
  }

  /** The menu Telegram shows (setMyCommands). */
  menu(): { command: string; description: string }[] {
    return this.bridge.registry
      .allCommands()
      .flatMap((c) => (c.description ? [{ command: c.name, description: c.description }] : []))
  }

  /** A linked member's command. */
  async plan(update: TgUpdate, message: TgMessage, actor: Actor, command: ParsedCommand): Promise<Plan> {
    const reply = (html: string) => this.mirror.replyStep(update.update_id, message.chat, html)
    const registered = this.bridge.registry.command(command.name)
    if (!registered) return { step: reply(`I do not know /${escapeHtml(command.name)}.\n\n${this.helpText()}`) }
    const input: CommandInput = {
      actor,
      args: command.args,
      message,
      updateId: update.update_id,
      services: (w) => servicesIn(this.ctx, w),
      reply: (html, keyboard) => this.mirror.replyStep(update.update_id, message.chat, html, keyboard ?? null),
      button: (w, prefix, grant = {}) =>
        issueCallbackData(w.trx, this.bridge.registry, prefix, { ...grant, memberId: actor.member.id }, w.now),
      repliedTo: await repliedToOf(this.bridge, message),
      awaitNext: (w, name, data) => awaitNext(w.trx, actor.member.id, name, data, w.now),
      mirror: this.mirror,
    }
    return registered.handle(input)
  }

  /** Someone who is not linked staff: a polite answer, now and then, and nothing more. */
  planStranger(update: TgUpdate, chat: TgChat): Plan {
    const now = this.ctx.clock.now()
    const last = this.strangerRepliedAt.get(chat.id) ?? 0
    if (now - last < STRANGER_REPLY_EVERY_MS) return { step: async () => undefined }
    this.strangerRepliedAt.set(chat.id, now)
    if (this.strangerRepliedAt.size > 10_000) this.strangerRepliedAt.clear()
    return { step: this.mirror.replyStep(update.update_id, chat, escapeHtml(STRANGER_TEXT)) }
  }

  /** `/start <code>`: the member's code from the app links this Telegram account. */
  planLinkMember(update: TgUpdate, message: TgMessage, from: TgUser, code: string): Plan {
    const reply = (html: string) => this.mirror.replyStep(update.update_id, message.chat, html)
    return {
      step: async (w) => {
        const linked = await this.linking.linkMember(w, code, from)
        if (!linked) {
          await reply(
            'That link has expired or was already used. In the app, open Account → Telegram and tap “Link Telegram” again.',
          )(w)
          return
        }
        await reply(
          `✅ Linked to <b>${escapeHtml(linked.displayName)}</b>. From now on what concerns you comes here when you are away.\n\n${this.helpText()}`,
        )(w)
      },
    }
  }

  /** The bridge's own commands, after the features': the menu and /help keep this order. */
  registerOwn(registry: TelegramRegistry): void {
    for (const status of ['on_shift', 'away'] as const) {
      const isHere = status === 'on_shift'
      registry.registerCommand({
        name: isHere ? 'here' : 'away',
        description: isHere ? 'I am in the shop (on shift)' : 'I am away: mirror things here',
        help: isHere ? 'you are in the shop: messages stay in the app' : 'you are away: messages come here',
        handle: async ({ actor, reply }) => ({
          step: async (w) => {
            await this.ctx.presence.setShiftStatus(actor, status, null, this.ctx.write.within(w))
            await reply(
              isHere
                ? 'You are <b>in the shop</b>. Messages stay in the app until you are away again (/away).'
                : 'You are <b>away</b>. What concerns you comes here (/here when you are back).',
            )(w)
          },
        }),
      })
    }
    registry.registerCommand({
      name: 'mute',
      description: 'Mute the last conversation for 8 hours (/mute off)',
      help: 'mute the last conversation for 8 hours (/mute off to undo)',
      handle: async ({ actor, args, message, reply }) => {
        const link = await linkOf(this.ctx.db, message.from?.id ?? -1)
        const conversationId = link?.last_conversation_id ?? null
        if (conversationId === null) return { step: reply('There is nothing to mute yet.') }
        const isOff = /^(off|un|no|0)/i.test(args)
        return {
          step: async (w) => {
            const until = isOff ? null : w.now + MUTE_HOURS * 3_600_000
            await w.trx
              .updateTable('conversation_member')
              .set({ muted_until: until })
              .where('conversation_id', '=', conversationId)
              .where('member_id', '=', actor.member.id)
              .execute()
            const name = escapeHtml(await conversationName(w, conversationId, actor.member.id))
            await reply(
              isOff
                ? `${name} is no longer muted.`
                : `${name} is muted for ${MUTE_HOURS} hours (urgent notices still come). /mute off to undo.`,
            )(w)
          },
        }
      },
    })
    const help = async ({ reply }: CommandInput): Promise<Plan> => ({ step: reply(this.helpText()) })
    registry.registerCommand({ name: 'help', description: 'What this bot does', handle: help })
    registry.registerCommand({
      name: 'unlink',
      help: 'stop using this Telegram account with Backboard',
      handle: async ({ actor, reply }) => ({
        step: async (w) => {
          await this.linking.removeLink(w, actor.member.id, 'telegram')
          await reply('Unlinked. This Telegram account no longer gets anything from Backboard.')(w)
        },
      }),
    })
    registry.registerCommand({ name: 'start', handle: help })
  }
}
