/**
 * The one write path (DESIGN.md, principle 4). A service changes state inside `write()`:
 * the change, its events and (later) its outbox rows commit together in one SQLite
 * transaction, and live fan-out happens only after the commit.
 */
import { sql, type Transaction } from 'kysely'
import type { DB } from '../db/schema'
import type { Database } from '../db/database'
import type { Clock } from './clock'
import { audienceColumns, type EventMap, type EventType, type NewEvent, type StoredEvent } from './events'

/** A delivery to queue in the caller's transaction (WriteContext.enqueue). */
export interface NewOutboxItem {
  channel: string
  idempotencyKey: string
  payload: unknown
  /** After this time the delivery is pointless (a push's TTL): dropped, not retried. */
  expiresAt?: number | null
  /** Not before this time (e.g. a per-chat rate limit). */
  notBefore?: number
}

/**
 * Stores a queued delivery in the write's transaction. The outbox feature owns that table
 * and hands its insert to the writer at buildApp, so this floor names no feature.
 */
export type StoreOutboxItem = (trx: Transaction<DB>, now: number, item: NewOutboxItem) => Promise<void>

export interface WriteContext {
  trx: Transaction<DB>
  /** The time of this write, the same for every row it touches. */
  now: number
  emit<T extends EventType>(type: T, audience: NewEvent<T>['audience'], data: EventMap[T]): void
  /** Queues a delivery to the outside world, committed with this change. */
  enqueue(item: NewOutboxItem): Promise<void>
  /** Runs after a successful commit (e.g. closing a deactivated member's sockets). */
  afterCommit(callback: () => void): void
}

export type CommitListener = (events: StoredEvent[]) => void
/** Runs inside the transaction once its events are stored (e.g. to queue pushes for them). */
export type StoredHook = (ctx: WriteContext, events: StoredEvent[]) => Promise<void>

export interface Writer {
  <T>(work: (ctx: WriteContext) => Promise<T>): Promise<T>
  onCommit(listener: CommitListener): void
  /** Called after a commit that queued outbox deliveries. */
  onEnqueued(listener: () => void): void
  onStored(hook: StoredHook): void
  /**
   * A writer whose writes join `outer` instead of opening a transaction of their own (each as
   * a savepoint): services called with it commit together with the caller's own change, e.g.
   * a Telegram update's effects and the saved update offset. Code inside must use the
   * transaction, never ctx.db (one connection: it would wait for ever).
   */
  within(outer: WriteContext): Writer
}

/** A write waiting for its turn on the connection (see createWriter's group commit). */
interface QueuedWrite {
  work: (ctx: WriteContext) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/** What a write did, announced after its transaction commits. */
interface Done {
  result: unknown
  stored: StoredEvent[]
  callbacks: (() => void)[]
  hasEnqueued: boolean
}

/** The most writes one transaction takes: reads wait for the connection at most this many writes long. */
export const MAX_GROUP = 16

export function createWriter(db: Database, clock: Clock, storeOutboxItem: StoreOutboxItem): Writer {
  const listeners: CommitListener[] = []
  const enqueueListeners: (() => void)[] = []
  const storedHooks: StoredHook[] = []
  const pendingOf = new WeakMap<WriteContext, NewEvent[]>()
  let savepoints = 0
  /** A joined write is a savepoint: if it fails, its rows and events go, the outer write goes on. */
  const joined = async <T>(outer: WriteContext, work: (ctx: WriteContext) => Promise<T>): Promise<T> => {
    const name = sql.raw(`bb_nested_${++savepoints}`)
    const pending = pendingOf.get(outer) ?? []
    const eventCount = pending.length
    await sql`savepoint ${name}`.execute(outer.trx)
    try {
      const result = await work(outer)
      await sql`release ${name}`.execute(outer.trx)
      return result
    } catch (error) {
      await sql`rollback to ${name}`.execute(outer.trx)
      await sql`release ${name}`.execute(outer.trx)
      pending.length = eventCount
      throw error
    }
  }
  /** One write's work run in `trx`, its events stored; announced only once `trx` commits. */
  const run = async (trx: Transaction<DB>, work: (ctx: WriteContext) => Promise<unknown>): Promise<Done> => {
    const now = clock.now()
    const pending: NewEvent[] = []
    const done: Done = { result: undefined, stored: [], callbacks: [], hasEnqueued: false }
    const context: WriteContext = {
      trx,
      now,
      emit: (type, audience, data) => pending.push({ type, audience, data } as NewEvent),
      afterCommit: (callback) => done.callbacks.push(callback),
      enqueue: async (item) => {
        done.hasEnqueued = true
        await storeOutboxItem(trx, now, item)
      },
    }
    pendingOf.set(context, pending)
    done.result = await work(context)
    const stored = done.stored
    // Hooks may emit events of their own (unlinking a deactivated member's Telegram):
    // those are stored and hooked too, a few rounds at most.
    for (let round = 0; stored.length < pending.length && round < 4; round++) {
      const batch: StoredEvent[] = []
      for (const event of pending.slice(stored.length)) {
        const row = await trx
          .insertInto('event')
          .values({
            type: event.type,
            ...audienceColumns(event.audience),
            payload: JSON.stringify(event.data),
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        batch.push({ ...event, id: row.id, at: now })
      }
      stored.push(...batch)
      for (const hook of storedHooks) await hook(context, batch)
    }
    return done
  }
  const announce = (done: Done): void => {
    if (done.stored.length > 0) for (const listener of listeners) listener(done.stored)
    if (done.hasEnqueued) for (const listener of enqueueListeners) listener()
    for (const callback of done.callbacks) callback()
  }

  /**
   * Group commit. Writes run one after another on the one connection; the writes that came
   * while one ran join the next transaction, each in a savepoint of its own, and commit
   * together: a commit writes every changed page to the WAL, and at a few hundred messages
   * a second most pages (the message table's last leaf, its indexes, the event log, the
   * search index's new segment) are the same for the writes of one group. Alone, a write
   * is its own transaction as before. A write that fails rolls back its savepoint and
   * nothing else; each caller hears of its own write after the commit.
   */
  const queue: QueuedWrite[] = []
  let isDraining = false
  const drain = async (): Promise<void> => {
    isDraining = true
    while (queue.length > 0) {
      const first = queue.shift() as QueuedWrite
      const joined: { write: QueuedWrite; done: Done }[] = []
      try {
        await db.transaction().execute(async (trx) => {
          joined.push({ write: first, done: await run(trx, first.work) })
          for (let taken = 1; queue.length > 0 && taken < MAX_GROUP; taken++) {
            const next = queue.shift() as QueuedWrite
            const name = sql.raw(`bb_group_${++savepoints}`)
            let done: Done
            try {
              await sql`savepoint ${name}`.execute(trx)
              done = await run(trx, next.work)
              await sql`release ${name}`.execute(trx)
            } catch (error) {
              // Its caller hears at once; if even the rollback fails (the write broke the
              // transaction), the whole group fails below and those in it hear that.
              next.reject(error)
              await sql`rollback to ${name}`.execute(trx)
              await sql`release ${name}`.execute(trx)
              continue
            }
            joined.push({ write: next, done })
          }
        })
      } catch (error) {
        // The first write failed before any other joined, or the commit itself did.
        if (joined.length === 0) first.reject(error)
        for (const { write } of joined) write.reject(error)
        continue
      }
      for (const { write, done } of joined) {
        try {
          announce(done)
          write.resolve(done.result)
        } catch (error) {
          write.reject(error)
        }
      }
    }
    isDraining = false
  }
  const write = <T>(work: (ctx: WriteContext) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject })
      if (!isDraining) void drain()
    })
  const registration = {
    onCommit: (listener: CommitListener) => void listeners.push(listener),
    onEnqueued: (listener: () => void) => void enqueueListeners.push(listener),
    onStored: (hook: StoredHook) => void storedHooks.push(hook),
  }
  const within = (outer: WriteContext): Writer =>
    Object.assign(<T>(work: (ctx: WriteContext) => Promise<T>) => joined(outer, work), registration, { within })
  return Object.assign(write, registration, { within })
}
