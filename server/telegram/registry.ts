/**
 * What features add to the Telegram bridge: commands (`/board`), callback buttons
 * (Acknowledge, and buttons anyone in a linked group may press), how a message of their
 * kind reads in the mirror, and handlers that take some messages before the bridge posts
 * them. buildApp creates one registry, features register from their own folder, then the
 * bridge is created and adds its own commands; the bridge never names a feature.
 * Registering a name, a button prefix, a kind or a handler twice throws at start rather
 * than silently overriding.
 */
import type TelegramBotType from 'node-telegram-bot-api'
import type { Actor } from '../auth/actor'
import type { MessageKind, TelegramActionTable } from '../db/schema'
import type { AttachmentInput } from '../files/service'
import type { AppContext } from '../shared/context'
import type { AttachmentView, MessageView, StoredEvent } from '../shared/events'
import type { WriteContext } from '../shared/write'
import type { Selectable } from 'kysely'
import type { TgMessage, TgUser } from './client'

export type Keyboard = TelegramBotType.InlineKeyboardButton[][]

/** One change an update makes, inside the transaction that also moves the update offset. */
export type Step = (w: WriteContext) => Promise<void>

/**
 * What an update does: reads happen while planning (outside the transaction), the step
 * inside it; `after` runs after the commit (answering a button press must be quick).
 */
export interface Plan {
  step: Step
  after?: () => Promise<void>
}

/** Queues a message to a chat: what the bridge's mirror and a feature's command both use. */
export interface MirrorSend {
  chatId: number
  isGroup: boolean
  /** The member it is for (their buttons, their access); null in a linked group. */
  memberId: number | null
  messageId: number
  /** Why it goes (`direct`, `mention` and `group` are the bridge's own; features add theirs). */
  reason: string
}

/** One Telegram message of something sent: its text, one file, or a location. */
export interface Part {
  key: string
  kind: 'text' | 'photo' | 'video' | 'voice' | 'audio' | 'document' | 'location'
  html?: string
  fileId?: number
  location?: { latitude: number; longitude: number }
  keyboard?: Keyboard | null
}

/** A delivery a feature renders itself (a reply to a customer), queued with `MirrorQueue.sendOut`. */
export interface OutboundSend {
  /** The registered outbound's name. */
  name: string
  chatId: number
  /** What its renderer needs (JSON). */
  data: unknown
  /** The app message it carries (its Telegram copies are recorded against it), or null. */
  messageId: number | null
  conversationId: number | null
}

/** The mirror's queue, as features see it: all of it runs inside a write. */
export interface MirrorQueue {
  /** Queues a delivery rendered by a registered outbound, once per `key`. */
  sendOut(w: WriteContext, key: string, send: OutboundSend, ttlMs?: number): Promise<void>
  /** Queues one message for one chat under `key` (an idempotency key: once per key). */
  send(w: WriteContext, key: string, send: MirrorSend, ttlMs?: number): Promise<void>
  /** Queues a bot message (HTML) to a chat, once per `key`. */
  queueReply(
    w: WriteContext,
    chatId: number,
    key: string,
    html: string,
    isGroup?: boolean,
    keyboard?: Keyboard | null,
  ): Promise<void>
  /**
   * Queues one message for each linked member among `memberIds` in the conversation who
   * wants it now (their mirror setting, mutes unless urgent, the away rule).
   */
  sendToMembers(
    w: WriteContext,
    options: {
      key: string
      conversationId: number
      memberIds: readonly number[]
      messageId: number
      reason: string
      isUrgent: boolean
      ttlMs?: number
    },
  ): Promise<void>
  /** Whether a message went (or is about to go) to Telegram, to anyone or to one member. */
  wasMirrored(w: WriteContext, messageId: number, memberId?: number): Promise<boolean>
  /**
   * Replaces the member's buttons on the mirrored message with the kind's `settledButtons`
   * (a press was answered), and forgets the tokens issued to them for it.
   */
  settleButtons(w: WriteContext, messageId: number, memberId: number, ttlMs?: number): Promise<void>
  /**
   * The app's address for links (PUBLIC_URL, else where the owner connected from); null
   * when Telegram would refuse it. It reads outside any write: call it while planning.
   */
  appUrl(): Promise<string | null>
}

/** Where a message that answers one the bot sent came from: the app message that one mirrored. */
export interface RepliedTo {
  messageId: number
  conversationId: number
}

/** Who a button is issued to, and what it stands for. */
export interface ButtonGrant {
  memberId: number
  messageId?: number | null
  conversationId?: number | null
  /** What the button's handler needs besides (JSON). */
  data?: unknown
}

export interface CommandInput {
  actor: Actor
  /** What follows the command, trimmed. */
  args: string
  message: TgMessage
  updateId: number
  /** The app's services, writing inside this update's transaction. */
  services(w: WriteContext): AppContext
  /** A step that answers in this chat. */
  reply(html: string, keyboard?: Keyboard | null): Step
  /** Callback data for a registered button, for this member, to put on a reply. */
  button(w: WriteContext, prefix: string, grant?: Omit<ButtonGrant, 'memberId'>): Promise<string>
  /** The mirrored message the command answers (sent as a reply to it), or null. */
  repliedTo: RepliedTo | null
  /** The member's next message in this chat (not a command) goes to the inbound handler `name`, with `data`. */
  awaitNext(w: WriteContext, name: string, data: unknown): Promise<void>
  mirror: MirrorQueue
}

/** A command in a private chat with a linked member. */
export interface TelegramCommand {
  /** Lowercase, without the slash. */
  name: string
  /** Shown in Telegram's command menu; left out of the menu when absent. */
  description?: string
  /** Its line in /help (`/board – pinned notices`); left out of /help when absent. */
  help?: string
  handle(input: CommandInput): Promise<Plan>
}

export type TelegramAction = Selectable<TelegramActionTable>

export interface ButtonInput {
  actor: Actor
  /** The stored action the token stands for, already checked against who pressed. */
  action: TelegramAction
  query: TelegramBotType.CallbackQuery
  updateId: number
  services(w: WriteContext): AppContext
  /**
   * After the commit: the little note Telegram shows the presser. `url` may be a
   * `startLink`, which Telegram opens (the only links it allows there besides games).
   */
  answer(text: string, isAlert?: boolean, url?: string): () => Promise<void>
  /** Queues an answer in a chat. */
  reply(w: WriteContext, chatId: number, html: string): Promise<void>
  /** Callback data for a registered button, for the presser, to put on a reply. */
  button(w: WriteContext, prefix: string, grant?: Omit<ButtonGrant, 'memberId'>): Promise<string>
  /** The presser's next message in their private chat (not a command) goes to the inbound handler `name`. */
  awaitNext(w: WriteContext, name: string, data: unknown): Promise<void>
  mirror: MirrorQueue
}

/**
 * A press of a button on a message mirrored into a linked group: anyone in the group may
 * press it, so the bridge says who pressed (linked staff, or nobody it knows) and which
 * mirrored message it is on, and the handler decides.
 */
export interface GroupButtonInput {
  /** The presser as linked, active staff; null for a guest or anyone not linked. */
  actor: Actor | null
  /** The app message the pressed group message mirrors, and its conversation (the group's). */
  messageId: number
  conversationId: number
  query: TelegramBotType.CallbackQuery
  updateId: number
  services(w: WriteContext): AppContext
  answer(text: string, isAlert?: boolean, url?: string): () => Promise<void>
  /**
   * Whether the bot can write to the presser in private now (false when they blocked it);
   * asks Telegram, so call it after the commit.
   */
  canWritePrivately(): Promise<boolean>
  /** `https://t.me/<bot>?start=<payload>`, or null without a bot. */
  startLink(payload: string): string | null
  mirror: MirrorQueue
}

/**
 * A callback button. The bridge issues its data as `prefix:token`, the token standing for a
 * stored action of this button's `action` for one member; a press by anyone else, or of a
 * token of another action, is refused before `handle` is called.
 */
export interface TelegramButton {
  /** The callback data's prefix: letters and digits. */
  prefix: string
  /** The name stored with its tokens. */
  action: string
  handle(input: ButtonInput): Promise<Plan>
  /**
   * Presses of the button on a message mirrored into a linked group, where it is issued to
   * nobody in particular; without it the button is never put on a group's message.
   */
  handleInGroup?(input: GroupButtonInput): Promise<Plan>
}

/** What a linked member sent, offered to features before the bridge posts it in a conversation. */
export interface InboundInput {
  actor: Actor
  message: TgMessage
  /** Sent in a linked group (whose conversation `repliedTo` is in), not in the private chat. */
  isGroup: boolean
  /** The mirrored message it replies to, or null. */
  repliedTo: RepliedTo | null
  /** What `awaitNext` stored for this handler when this is the message it waited for; undefined otherwise. */
  awaited: unknown
  /** The conversation the message would be posted in (the replied-to one, else the last mirrored here), or null. */
  target: number | null
  updateId: number
  services(w: WriteContext): AppContext
  /** The message's text and files (fetched and stored now), or why they cannot be taken. */
  content(): Promise<{ body: string; attachments: AttachmentInput[] } | { refusal: string }>
  /** A step that answers in the chat it came from. */
  reply(html: string, keyboard?: Keyboard | null): Step
  mirror: MirrorQueue
}

/**
 * Takes some messages from linked staff before the bridge posts them (a keyword in a reply
 * to a mirrored message, the photo a command asked for). Handlers are asked in the order
 * they were registered.
 */
export interface InboundHandler {
  name: string
  /** A plan for the message, or null to leave it to the next handler and then the bridge. */
  handle(input: InboundInput): Promise<Plan | null>
}

/** What the bridge passes a kind's renderer for one message to one chat. */
export interface MirrorInput {
  view: MessageView
  conversation: { id: number; kind: string; name: string }
  send: MirrorSend
  /** The author as the header names them. */
  who: string
  timezone: string
  /** Callback data for one of the registered buttons, for this member and this message. */
  callbackData(prefix: string): Promise<string>
}

/**
 * How a kind's message reads; the bridge adds the quoted reply, attachments and "Open in
 * app", and says who and where itself when the kind leaves `header` out.
 */
export interface MirrorRendering {
  header?: string
  /** Plain text; the message's own body when left out. */
  body?: string
  /** The files and locations sent after the text; the message's own when left out. */
  attachments?: readonly AttachmentView[]
  /** Rows above "Open in app". */
  keyboard?: Keyboard
  /** The page "Open in app" opens, when not the message in its conversation. */
  appPath?: string
}

/** How messages of one kind are mirrored. */
export interface MirrorRenderer {
  kind: MessageKind
  /**
   * The reason a new message of the kind goes to every linked member of its conversation
   * (a notice on the board), or null for the usual rule (direct messages and mentions).
   */
  audience?(view: MessageView, conversation: { kind: string }): string | null
  /** Urgent messages reach members who muted the conversation. */
  isUrgent?(view: MessageView): boolean
  /** Null: this message should no longer go to this chat. */
  render(input: MirrorInput): Promise<MirrorRendering | null>
  /** The buttons once the member's press was answered ("Acknowledged ✓"). */
  settledButtons?(appUrl: string | null): Keyboard
  /** The kind's own events (a reminder, an acknowledgement), in the transaction that stored them. */
  onEvent?(w: WriteContext, event: StoredEvent, mirror: MirrorQueue): Promise<void>
}

/** What the bridge passes the handler of someone who is not linked staff, writing to the bot in private. */
export interface StrangerInput {
  message: TgMessage
  from: TgUser
  /** An edit of a message they sent earlier. */
  isEdit: boolean
  /** `/start <payload>`: the payload ('' for a bare /start); null for any other message. */
  startPayload: string | null
  updateId: number
  services(w: WriteContext): AppContext
  /** A step that answers in their chat. */
  reply(html: string, keyboard?: Keyboard | null): Step
  /**
   * Fetches one file the message carries (through getFile) and stores it with no uploader;
   * throws AppError 413 `file_too_large` over the 20 MB a bot may fetch.
   */
  download(telegramFileId: string, name: string): Promise<number>
  /** The app message the one they reply to carried (a reply the bot sent them), or null. */
  repliedTo: RepliedTo | null
  mirror: MirrorQueue
}

/** A button press by someone who is not linked staff, on a button a stranger handler put on its own message. */
export interface StrangerButtonInput {
  query: TelegramBotType.CallbackQuery
  /** The callback data after the handler's prefix and the colon. */
  payload: string
  updateId: number
  services(w: WriteContext): AppContext
  answer(text: string, isAlert?: boolean): () => Promise<void>
  mirror: MirrorQueue
}

/**
 * Takes private messages from people who are not linked staff (customers writing to the
 * shop's bot). Null leaves the message to the bridge's polite refusal.
 */
export interface StrangerHandler {
  name: string
  handle(input: StrangerInput): Promise<Plan | null>
  /** Presses of callback data `<buttonPrefix>:<payload>` by anyone. */
  buttonPrefix?: string
  handleButton?(input: StrangerButtonInput): Promise<Plan>
}

/** How a registered outbound delivery is rendered and what happens once it is sent or refused. */
export interface Outbound {
  name: string
  /**
   * The parts to send now, or null when it should no longer go. `partsOf` lays out text and
   * files the way the mirror does (the text as a caption when it fits, then each file).
   */
  render(
    send: OutboundSend,
    partsOf: (headerHtml: string, body: string, attachments: readonly AttachmentView[]) => Part[],
  ): Promise<Part[] | null>
  /** Every part went: the Telegram message ids, in order. */
  delivered(send: OutboundSend, telegramMessageIds: number[]): Promise<void>
  /** Telegram refused it for good: `blocked` when the chat blocked the bot (403). */
  failed(send: OutboundSend, reason: 'blocked' | 'refused', error: string): Promise<void>
}

/**
 * How new messages in conversations of one kind reach linked staff in Telegram (a customer
 * conversation: its assignee, or those on duty), instead of the usual direct-and-mentions rule.
 */
export interface ConversationMirror {
  conversationKind: string
  /** Who gets a new message now (the bridge still applies their mirror setting, mutes and the away rule). */
  recipients(w: WriteContext, view: MessageView): Promise<number[]>
  /** The header over a mirrored message (HTML). */
  header(view: MessageView, conversation: { id: number; name: string }): string
  /** Every stored event, in the transaction that stored it (a new reply to queue for the customer). */
  onEvent?(w: WriteContext, event: StoredEvent, mirror: MirrorQueue): Promise<void>
}

export class TelegramRegistry {
  private readonly commands = new Map<string, TelegramCommand>()
  private readonly buttons = new Map<string, TelegramButton>()
  private readonly mirrors = new Map<string, MirrorRenderer>()
  private readonly inbound = new Map<string, InboundHandler>()
  private readonly outbounds = new Map<string, Outbound>()
  private readonly conversationMirrors = new Map<string, ConversationMirror>()
  private strangers: StrangerHandler | null = null

  /** Adds a command; the menu and /help list commands in the order they were registered. */
  registerCommand(command: TelegramCommand): void {
    if (!/^[a-z0-9_]{1,32}$/.test(command.name)) throw new Error(`Telegram command "/${command.name}" is not valid`)
    if (this.commands.has(command.name)) throw new Error(`Telegram command "/${command.name}" is registered twice`)
    this.commands.set(command.name, command)
  }

  registerButton(button: TelegramButton): void {
    if (!/^[A-Za-z0-9]{1,8}$/.test(button.prefix)) throw new Error(`Telegram button "${button.prefix}" is not valid`)
    if (this.buttons.has(button.prefix) || this.strangers?.buttonPrefix === button.prefix)
      throw new Error(`Telegram button "${button.prefix}" is registered twice`)
    for (const other of this.buttons.values()) {
      if (other.action === button.action)
        throw new Error(`Telegram button action "${button.action}" is registered twice`)
    }
    this.buttons.set(button.prefix, button)
  }

  registerMirror(renderer: MirrorRenderer): void {
    if (this.mirrors.has(renderer.kind)) throw new Error(`Telegram mirror of "${renderer.kind}" is registered twice`)
    this.mirrors.set(renderer.kind, renderer)
  }

  registerInbound(handler: InboundHandler): void {
    if (this.inbound.has(handler.name))
      throw new Error(`Telegram inbound handler "${handler.name}" is registered twice`)
    this.inbound.set(handler.name, handler)
  }

  /** The one handler of strangers' private messages. */
  registerStrangers(handler: StrangerHandler): void {
    if (this.strangers) throw new Error(`Telegram strangers are handled twice ("${handler.name}")`)
    if (handler.buttonPrefix !== undefined) {
      if (!/^[A-Za-z0-9]{1,8}$/.test(handler.buttonPrefix) || this.buttons.has(handler.buttonPrefix))
        throw new Error(`Telegram button "${handler.buttonPrefix}" is not valid or registered twice`)
    }
    this.strangers = handler
  }

  registerOutbound(outbound: Outbound): void {
    if (this.outbounds.has(outbound.name)) throw new Error(`Telegram outbound "${outbound.name}" is registered twice`)
    this.outbounds.set(outbound.name, outbound)
  }

  registerConversationMirror(mirror: ConversationMirror): void {
    if (this.conversationMirrors.has(mirror.conversationKind))
      throw new Error(`Telegram mirror of "${mirror.conversationKind}" conversations is registered twice`)
    this.conversationMirrors.set(mirror.conversationKind, mirror)
  }

  strangerHandler(): StrangerHandler | null {
    return this.strangers
  }

  outbound(name: string): Outbound | undefined {
    return this.outbounds.get(name)
  }

  conversationMirror(kind: string): ConversationMirror | undefined {
    return this.conversationMirrors.get(kind)
  }

  allConversationMirrors(): ConversationMirror[] {
    return [...this.conversationMirrors.values()]
  }

  command(name: string): TelegramCommand | undefined {
    return this.commands.get(name)
  }

  allCommands(): TelegramCommand[] {
    return [...this.commands.values()]
  }

  button(prefix: string): TelegramButton | undefined {
    return this.buttons.get(prefix)
  }

  mirror(kind: string): MirrorRenderer | undefined {
    return this.mirrors.get(kind)
  }

  allMirrors(): MirrorRenderer[] {
    return [...this.mirrors.values()]
  }

  inboundHandler(name: string): InboundHandler | undefined {
    return this.inbound.get(name)
  }

  allInbound(): InboundHandler[] {
    return [...this.inbound.values()]
  }
}
