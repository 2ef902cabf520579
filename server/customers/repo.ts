/** Queries of customer conversations. */
import { sql, type Kysely, type Selectable } from 'kysely'
import type { CustomerSettingsTable, CustomerTable, DB } from '../db/schema'

export type CustomerRow = Selectable<CustomerTable>
export type CustomerSettingsRow = Selectable<CustomerSettingsTable>

export function selectSettings(db: Kysely<DB>) {
  return db.selectFrom('customer_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow()
}

export async function isEnabled(db: Kysely<DB>): Promise<boolean> {
  const shop = await db.selectFrom('shop').select('customers_enabled').executeTakeFirst()
  return shop?.customers_enabled === 1
}

export function selectByTelegramUser(db: Kysely<DB>, telegramUserId: number) {
  return db.selectFrom('customer').selectAll().where('telegram_user_id', '=', telegramUserId).executeTakeFirst()
}

export function selectByConversation(db: Kysely<DB>, conversationId: number) {
  return db.selectFrom('customer').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst()
}

/** Active members who may answer customers: owners, and everyone granted customers.answer. */
export async function selectAnswererIds(db: Kysely<DB>): Promise<number[]> {
  const rows = await db
    .selectFrom('member as m')
    .select('m.id')
    .where('m.status', '=', 'active')
    .where('m.role', '!=', 'display')
    .where((eb) =>
      eb.or([
        eb('m.role', '=', 'owner'),
        eb.exists(
          eb
            .selectFrom('member_permission as p')
            .select('p.member_id')
            .whereRef('p.member_id', '=', 'm.id')
            .where('p.permission', '=', 'customers.answer'),
        ),
      ]),
    )
    .execute()
  return rows.map((row) => row.id)
}

/** Incoming messages from a customer since `since` (the rate limit). */
export async function countIncomingSince(db: Kysely<DB>, customerId: number, since: number): Promise<number> {
  const row = await db
    .selectFrom('customer_message')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('customer_id', '=', customerId)
    .where('direction', '=', 'in')
    .where('created_at', '>=', since)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

export async function bytesOn(db: Kysely<DB>, customerId: number, day: string): Promise<number> {
  const row = await db
    .selectFrom('customer_usage')
    .select('bytes')
    .where('customer_id', '=', customerId)
    .where('day', '=', day)
    .executeTakeFirst()
  return row?.bytes ?? 0
}

export async function addBytes(db: Kysely<DB>, customerId: number, day: string, bytes: number): Promise<void> {
  if (bytes <= 0) return
  await db
    .insertInto('customer_usage')
    .values({ customer_id: customerId, day, bytes })
    .onConflict((oc) => oc.columns(['customer_id', 'day']).doUpdateSet({ bytes: sql`bytes + ${bytes}` }))
    .execute()
}

export function selectParticipantIds(db: Kysely<DB>, customerId: number) {
  return db
    .selectFrom('customer_participant')
    .select('member_id')
    .where('customer_id', '=', customerId)
    .execute()
    .then((rows) => rows.map((row) => row.member_id))
}

export function parseTags(json: string): string[] {
  try {
    const value = JSON.parse(json) as unknown
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}
