import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'

export function selectEventsAfter(db: Kysely<DB>, afterId: number, limit: number) {
  return db.selectFrom('event').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute()
}

export async function selectEventBounds(db: Kysely<DB>): Promise<{ minId: number; maxId: number }> {
  const row = await db
    .selectFrom('event')
    .select((eb) => [eb.fn.min<number>('id').as('minId'), eb.fn.max<number>('id').as('maxId')])
    .executeTakeFirst()
  return { minId: Number(row?.minId ?? 0), maxId: Number(row?.maxId ?? 0) }
}
