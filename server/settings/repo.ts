import type { Kysely } from 'kysely'
import type { Updateable } from 'kysely'
import type { DB, ShopTable } from '../db/schema'

export function selectShop(db: Kysely<DB>) {
  return db.selectFrom('shop').selectAll().where('id', '=', 1).executeTakeFirst()
}

export async function updateShop(db: Kysely<DB>, patch: Updateable<ShopTable>): Promise<void> {
  await db.updateTable('shop').set(patch).where('id', '=', 1).execute()
}
