/**
 * The message kind registry. `conversations/` owns messages; a kind that extends them (a
 * notice today, a task, a customer message and a card next) registers here from its own
 * folder during buildApp, and conversations calls what was registered without naming any
 * kind. Registering the same kind twice throws at start rather than silently overriding.
 */
import type { Kysely, Selectable } from 'kysely'
import { Type, type TSchema } from 'typebox'
import type { Actor } from '../auth/actor'
import type { ConversationKind, ConversationTable, DB, Member, MessageKind, MessageTable } from '../db/schema'
import type { MessageView, StoredEvent } from '../shared/events'
import type { WriteContext } from '../shared/write'

type MessageRow = Selectable<MessageTable>

/** A MessageView field a kind may own: one that is null on every other message (`notice`). */
export type KindField = { [K in keyof MessageView]: null extends MessageView[K] ? K : never }[keyof MessageView]

/** What a push notification about a new message of the kind says, and where it leads. */
export interface KindNotification {
  title: string
  body: string
  /** Notifications with the same tag replace each other on the device. */
  tag: string
  url: string
  isUrgent: boolean
  /**
   * Buttons on the notification (a task's Take). The service worker acts on them without
   * opening the app, with what `data` carries.
   */
  actions?: { action: string; title: string }[]
  /** What the service worker needs to act on a button (a task's id); never anything private. */
  data?: Record<string, unknown>
  /**
   * How the push counts against each member's notification level: `addressed` when the
   * message asks something of them (a job they may take); like any message otherwise.
   */
  reason?: KindPushReason
}

/**
 * Why a member is pushed about a kind's event, which their notification level weighs:
 * `addressed` is about something of their own (the job they dispatched, follow or were
 * given) and comes through like a mention; `general` only for those who want everything.
 */
export type KindPushReason = 'addressed' | 'general'

/** A push a kind asks for about one of its events; push/ still applies away, level, quiet hours and mutes. */
export interface KindEventPush {
  memberIds: number[]
  /** The conversation the event is about, whose mute each member may have set; null for none. */
  conversationId: number | null
  notification: KindNotification
  reason: KindPushReason
}

/** How one kind of message plugs into conversations; every hook but `hydrate` is optional. */
export interface MessageKindSpec<F extends KindField = KindField> {
  kind: MessageKind
  /** The view field the kind fills in for its messages; null on messages of other kinds. */
  field: F
  /**
   * The field's shape on the wire (not null): the API's message schema is the core fields plus
   * each registered kind's, so a new kind adds its field without touching conversations/.
   */
  schema: TSchema
  /**
   * Loads the kind's field for a batch of its own messages (never others'), in a few queries
   * for the whole batch. `db` is the caller's connection or transaction. The result may
   * include the kind's private part: `private` decides who gets it.
   */
  hydrate(db: Kysely<DB>, rows: readonly MessageRow[]): Promise<Map<number, NonNullable<MessageView[F]>>>
  /** Text search indexes as the message's title (it ranks above the body); '' for none. */
  searchText?(view: MessageView): string
  /**
   * The kind's private part (a task's details for its taker and dispatchers). A view read
   * by a viewer `canSee` refuses, and every view built for no one in particular (events,
   * pushes, the Telegram mirror), carries `strip(value)` instead of the full field.
   */
  private?: {
    canSee(viewer: Actor, row: MessageRow, value: NonNullable<MessageView[F]>): boolean
    strip(value: NonNullable<MessageView[F]>): NonNullable<MessageView[F]>
  }
  /** What a push about a new message of the kind says; the conversation's wording otherwise. */
  notification?(view: MessageView): KindNotification
  /**
   * Pushes a stored event of the kind calls for besides the new message itself (a task
   * taken: its dispatcher is told), decided inside the transaction that stored it. Built
   * from the event and stored rows, never from a viewer's view: nothing private.
   */
  eventPushes?(w: WriteContext, event: StoredEvent): Promise<KindEventPush[]>
  /** The message may have an empty body (a notice's title says it). */
  allowsEmptyBody?: boolean
  /** Runs in the transaction that deletes one of its messages (a notice leaves the board). */
  onDeleted?(w: WriteContext, row: MessageRow): Promise<void>
  /** Ids of its messages the retention setting must keep for now (pinned, unexpired notices). */
  retainedIds?(db: Kysely<DB>, now: number): Promise<number[]>
  /** The reader's own acknowledgements among these messages, for the history page. */
  acknowledgements?(
    db: Kysely<DB>,
    memberId: number,
    messageIds: readonly number[],
  ): Promise<{ messageId: number; at: number }[]>
}

/**
 * What a feature adds to every message in conversations of its own kind, whatever the
 * message's kind (a customer conversation: which way each message went, internal notes,
 * delivery to the customer). Registered like a message kind, from the feature's folder.
 */
export interface ConversationKindSpec<F extends KindField = KindField> {
  conversationKind: ConversationKind
  /** The view field it fills in; null on messages of other conversations. */
  field: F
  schema: TSchema
  /**
   * Loads the field for the rows that are in its conversations (it is handed rows from
   * anywhere and leaves the others out), in a few queries for the whole batch.
   */
  hydrate(db: Kysely<DB>, rows: readonly MessageRow[]): Promise<Map<number, NonNullable<MessageView[F]>>>
  /**
   * Runs in the transaction that inserts a message into one of its conversations, before
   * the message's event is built: `extra` is what the poster passed (`{ isInternal }` from
   * the app). Throwing refuses the message.
   */
  onInserted?(
    w: WriteContext,
    row: MessageRow,
    conversation: Selectable<ConversationTable>,
    author: Member | null,
    extra: Readonly<Record<string, unknown>>,
  ): Promise<void>
  /** The extra fields a post from the app may carry here (`isInternal`); others are refused. */
  postFields?: readonly string[]
  /** Pushes a stored event calls for (a customer's new message: to its assignee), like a message kind's. */
  eventPushes?(w: WriteContext, event: StoredEvent): Promise<KindEventPush[]>
}

/**
 * The registry a buildApp creates and hands down as `ctx.kinds`. Kinds register before the
 * app serves anything; the other methods are what conversations (and push, and the Telegram
 * mirror) call.
 */
export class MessageKinds {
  private readonly specs = new Map<MessageKind, MessageKindSpec>()
  private readonly conversationKinds = new Map<ConversationKind, ConversationKindSpec>()

  /** Adds a kind; the same kind or the same view field twice is a startup error. */
  register<F extends KindField>(spec: MessageKindSpec<F>): void {
    if (this.specs.has(spec.kind)) throw new Error(`message kind "${spec.kind}" is registered twice`)
    for (const other of this.specs.values()) {
      if (other.field === spec.field) throw new Error(`view field "${spec.field}" is owned by kind "${other.kind}"`)
    }
    this.specs.set(spec.kind, spec as unknown as MessageKindSpec)
  }

  /** Adds what a conversation kind adds to its messages; the same kind or field twice is a startup error. */
  registerConversationKind<F extends KindField>(spec: ConversationKindSpec<F>): void {
    if (this.conversationKinds.has(spec.conversationKind))
      throw new Error(`conversation kind "${spec.conversationKind}" is registered twice`)
    const owners = [...this.specs.values(), ...this.conversationKinds.values()]
    if (owners.some((other) => other.field === spec.field)) throw new Error(`view field "${spec.field}" is owned twice`)
    this.conversationKinds.set(spec.conversationKind, spec as unknown as ConversationKindSpec)
  }

  conversationKind(kind: ConversationKind): ConversationKindSpec | undefined {
    return this.conversationKinds.get(kind)
  }

  get(kind: MessageKind): MessageKindSpec | undefined {
    return this.specs.get(kind)
  }

  all(): MessageKindSpec[] {
    return [...this.specs.values()]
  }

  /** Every registered field as null: the view of a message of no (or another) kind. */
  emptyFields(): Partial<MessageView> {
    return Object.fromEntries([...this.all(), ...this.conversationKinds.values()].map((spec) => [spec.field, null]))
  }

  /**
   * Each message's kind fields, by message id, as `viewer` may see them (no one's when null).
   */
  async hydrate(
    db: Kysely<DB>,
    rows: readonly MessageRow[],
    viewer: Actor | null,
    /** When every row is in a conversation of this kind (a message just posted). */
    conversationKind?: ConversationKind,
  ): Promise<Map<number, Partial<MessageView>>> {
    const fields = new Map<number, Partial<MessageView>>()
    await Promise.all(
      this.all().map(async (spec) => {
        const own = rows.filter((row) => row.kind === spec.kind)
        if (own.length === 0) return
        const values = await spec.hydrate(db, own)
        for (const row of own) {
          const value = values.get(row.id)
          if (value === undefined) continue
          const isHidden = spec.private && (viewer === null || !spec.private.canSee(viewer, row, value))
          fields.set(row.id, { [spec.field]: isHidden ? spec.private?.strip(value) : value })
        }
      }),
    )
    for (const spec of this.conversationKinds.values()) {
      if (conversationKind !== undefined && conversationKind !== spec.conversationKind) continue
      const values = await spec.hydrate(db, rows)
      for (const [id, value] of values) fields.set(id, { ...fields.get(id), [spec.field]: value })
    }
    return fields
  }

  searchText(view: MessageView): string {
    return this.specs.get(view.kind)?.searchText?.(view) ?? ''
  }

  /** Each registered kind's view field as it appears on the wire: its schema, or null. */
  viewFieldSchemas(): Record<string, TSchema> {
    const fields: Record<string, TSchema> = {}
    for (const spec of [...this.specs.values(), ...this.conversationKinds.values()])
      fields[spec.field] = Type.Union([spec.schema, Type.Null()])
    return fields
  }

  notification(view: MessageView): KindNotification | null {
    return this.specs.get(view.kind)?.notification?.(view) ?? null
  }

  /** Every kind's pushes for one stored event (none for most events). */
  async eventPushes(w: WriteContext, event: StoredEvent): Promise<KindEventPush[]> {
    const pushes: KindEventPush[] = []
    for (const spec of [...this.specs.values(), ...this.conversationKinds.values()])
      if (spec.eventPushes) pushes.push(...(await spec.eventPushes(w, event)))
    return pushes
  }

  allowsEmptyBody(kind: MessageKind): boolean {
    return this.specs.get(kind)?.allowsEmptyBody === true
  }

  async onDeleted(w: WriteContext, row: MessageRow): Promise<void> {
    await this.specs.get(row.kind)?.onDeleted?.(w, row)
  }

  async retainedIds(db: Kysely<DB>, now: number): Promise<number[]> {
    const lists = await Promise.all(this.all().map((spec) => spec.retainedIds?.(db, now) ?? []))
    return lists.flat()
  }

  async acknowledgements(
    db: Kysely<DB>,
    memberId: number,
    views: readonly MessageView[],
  ): Promise<{ messageId: number; at: number }[]> {
    const lists = await Promise.all(
      this.all().map((spec) => {
        const ids = views.filter((view) => view.kind === spec.kind).map((view) => view.id)
        return spec.acknowledgements ? spec.acknowledgements(db, memberId, ids) : []
      }),
    )
    return lists.flat()
  }
}

declare module '../shared/context' {
  interface AppContext {
    /** Message kinds, registered at buildApp (conversations/kinds.ts). */
    kinds: MessageKinds
  }
}
