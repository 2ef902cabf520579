import { sql, type Kysely } from 'kysely'
import type { DB, OutboxState } from '../db/schema'
import type { NewOutboxItem } from '../shared/write'

/** Adds a delivery in the caller's transaction; a repeated idempotency key is ignored. */
export async function insertOutboxItem(db: Kysely<DB>, now: number, item: NewOutboxItem): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      channel: item.channel,
      idempotency_key: item.idempotencyKey,
      payload: JSON.stringify(item.payload),
      next_attempt_at: item.notBefore ?? now,
      expires_at: item.expiresAt ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute()
}

export function selectDue(db: Kysely<DB>, channel: string, now: number, limit: number) {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('state', '=', 'pending')
    .where('channel', '=', channel)
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
    .execute()
}

/** When the next pending delivery of these channels is due, or null. */
export async function nextAttemptAt(db: Kysely<DB>, channels: string[]): Promise<number | null> {
  if (channels.length === 0) return null
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where('state', '=', 'pending')
    .where('channel', 'in', channels)
    .executeTakeFirst()
  return row?.next === null || row?.next === undefined ? null : Number(row.next)
}

/** Moves an item from one state to another only if it is still in the first; returns whether it did. */
export async function transition(
  db: Kysely<DB>,
  id: number,
  from: OutboxState,
  to: OutboxState,
  now: number,
  extra: { attempts?: number; next_attempt_at?: number; last_error?: string } = {},
): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ state: to, updated_at: now, ...extra })
    .where('id', '=', id)
    .where('state', '=', from)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function resetInFlight(db: Kysely<DB>, now: number): Promise<number> {
  const result = await db
    .updateTable('outbox')
    .set({ state: 'pending', updated_at: now })
    .where('state', '=', 'sending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export function countByState(db: Kysely<DB>) {
  return db
    .selectFrom('outbox')
    .select([
      'channel',
      'state',
      (eb) => eb.fn.countAll<number>().as('n'),
      sql<number>`sum(max(attempts - 1, 0))`.as('retries'),
    ])
    .groupBy(['channel', 'state'])
    .execute()
}

export function selectDead(db: Kysely<DB>, limit: number) {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('state', '=', 'dead')
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute()
}

export async function deleteDoneBefore(db: Kysely<DB>, before: number): Promise<void> {
  await db.deleteFrom('outbox').where('state', 'in', ['done', 'dropped']).where('updated_at', '<', before).execute()
}
