/**
 * The small interfaces through which services reach the app's running parts (live
 * connections, presence, the outbox, integration reports). They are declared here so that
 * the ground floor names no feature; realtime/ and outbox/ implement them and buildApp
 * plugs the implementations into the context.
 */
import type { Presence, ShiftStatus } from './events'
import type { Writer } from './write'

/** One integration's state for the System page (Web Push, Telegram, later Xero). */
export interface IntegrationStatus {
  name: string
  state: 'ok' | 'failing' | 'not_set_up'
  detail: string
}

/** The open /ws connections, as services see them (the hub itself stays in realtime/). */
export interface LiveConnections {
  /** How many sockets are open (System page, metrics). */
  readonly size: number
  /** The member's open sockets. */
  connectionsOf(memberId: number): readonly unknown[]
  /** Whether any of the member's open pages is visible right now. */
  hasVisibleConnection(memberId: number): boolean
  /** Signs the member out of every open socket (deactivated, sessions revoked). */
  closeMember(memberId: number, reason: 'deactivated' | 'session-revoked'): void
}

export interface PresenceView {
  memberId: number
  presence: Presence
  shiftStatus: ShiftStatus
  shiftStatusUntil: number | null
}

/** Presence and the one away rule (DESIGN.md); realtime/presence.ts implements it. */
export interface PresencePort {
  presenceOf(memberId: number): Presence
  /** Whether pushes and the Telegram mirror should reach the member now. */
  isAway(member: { id: number; shift_status: ShiftStatus; shift_status_until: number | null }): boolean
  list(): Promise<PresenceView[]>
  setShiftStatus(
    actor: { member: { id: number } },
    shiftStatus: ShiftStatus,
    untilMinutes: number | null,
    /** To commit with a caller's change (ctx.write.within). */
    write?: Writer,
  ): Promise<PresenceView>
  expireShiftStatuses(): Promise<number>
  stop(): void
}

export type DeliveryResult =
  | { kind: 'done' }
  | { kind: 'retry'; error: string; afterMs?: number }
  | { kind: 'dead'; error: string }
  /** Not now, and not a failure (a rate limit's next free slot): back in the queue, attempt not counted. */
  | { kind: 'defer'; untilMs: number }

export interface OutboxItem {
  id: number
  channel: string
  idempotencyKey: string
  payload: unknown
  attempts: number
  createdAt: number
}

export type DeliveryHandler = (item: OutboxItem) => Promise<DeliveryResult>

export interface ChannelOptions {
  /** Deliveries of this channel in flight at once. */
  concurrency?: number
  /** Attempts before an item is dead. */
  maxAttempts?: number
  /** First retry delay; doubles each attempt up to maxBackoffMs. */
  baseBackoffMs?: number
  maxBackoffMs?: number
}

export interface OutboxCounts {
  channel: string
  pending: number
  sending: number
  done: number
  dead: number
  dropped: number
  retries: number
}

export interface DeadLetter {
  id: number
  channel: string
  attempts: number
  lastError: string
  createdAt: number
  failedAt: number
}

/** The durable delivery queue (outbox/service.ts): channels register a handler for their items. */
export interface OutboxPort {
  register(channel: string, handler: DeliveryHandler, options?: ChannelOptions): void
  /** Looks for due deliveries now (after a commit that queued some). */
  wake(): void
  start(): Promise<void>
  stop(): Promise<void>
  counts(): Promise<OutboxCounts[]>
  deadLetters(limit?: number): Promise<DeadLetter[]>
  /** Gives a dead delivery another go. */
  retry(id: number): Promise<void>
  /** Forgets deliveries done long ago. */
  prune(): Promise<void>
}
