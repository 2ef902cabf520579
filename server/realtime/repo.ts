import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'

/** Events after `afterId` in order; only those of `types` when given. */
export function selectEventsAfter(db: Kysely<DB>, afterId: number, limit: number, types: string[] | null = null) {
  let query = db.selectFrom('event').selectAll().where('id', '>', afterId)
  if (types) query = query.where('type', 'in', types)
  return query.orderBy('id').limit(limit).execute()
}

export async function selectEventBounds(db: Kysely<DB>): Promise<{ minId: number; maxId: number }> {
  const row = await db
    .selectFrom('event')
    .select((eb) => [eb.fn.min<number>('id').as('minId'), eb.fn.max<number>('id').as('maxId')])
    .executeTakeFirst()
  return { minId: Number(row?.minId ?? 0), maxId: Number(row?.maxId ?? 0) }
}

/** Deletes events created before `before` and those with an id up to `upToId`. */
export async function deleteEvents(db: Kysely<DB>, before: number, upToId: number): Promise<number> {
  const result = await db
    .deleteFrom('event')
    .where((eb) => eb.or([eb('created_at', '<', before), eb('id', '<=', upToId)]))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
