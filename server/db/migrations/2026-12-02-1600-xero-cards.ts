import { sql, type Kysely } from 'kysely'
import { rebuildConversation } from './2026-12-02-1400-customers'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

/**
 * Xero answers as cards: each member's private conversation with Xero (conversation kind
 * `xero`), the answers, their shared snapshots, the questions waiting for an answer, drafts
 * with their idempotency keys, alerts already told, and the link from a customer to a Xero
 * contact.
 */
export async function up(db: AnyDB): Promise<void> {
  await rebuildConversation(db, ['board', 'channel', 'direct', 'customer', 'xero'], true)

  await db.schema
    .createTable('xero_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('alerts_conversation_id', 'integer', (c) => c.references('conversation.id').onDelete('set null'))
    // Hour of the shop's day for the digest; null: no digest.
    .addColumn('digest_hour', 'integer', (c) => c.check(sql`digest_hour between 0 and 23`))
    .addColumn('customer_balance', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('writes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_poll_at', 'integer')
    // The shop-day ('2026-12-02') the last digest went out for.
    .addColumn('last_digest_day', 'text')
    .execute()
  await db.insertInto('xero_settings').values({ id: 1 }).execute()

  // One answer from Xero: what was asked, by whom, and the card as of its time.
  await db.schema
    .createTable('xero_card')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('member_id', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('organisation', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tenant_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('as_of', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    // A draft to create in Xero: 'invoice' | 'bill'; null for answers.
    .addColumn('draft_kind', 'text')
    .addColumn('draft_state', 'text', (c) => c.check(sql`draft_state in ('preview','created','failed')`))
    // JSON of what Xero is sent on Confirm.
    .addColumn('draft_payload', 'text')
    .addColumn('draft_file_id', 'integer', (c) => c.references('file.id').onDelete('set null'))
    // Sent as Xero's Idempotency-Key: a retried or doubled Confirm never makes two.
    .addColumn('draft_key', 'text')
    .addColumn('draft_xero_id', 'text')
    .addColumn('draft_xero_url', 'text')
    .addColumn('draft_error', 'text')
    .execute()

  // A card as a message (kind 'card'): the snapshot the conversation sees.
  await db.schema
    .createTable('card_message')
    .addColumn('message_id', 'integer', (c) => c.primaryKey().references('message.id').onDelete('cascade'))
    .addColumn('card_id', 'integer', (c) => c.notNull().references('xero_card.id').onDelete('cascade'))
    // Null: the private answer in the asker's own Xero conversation.
    .addColumn('shared_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('shared_at', 'integer')
    .addColumn('include_personal', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('as_of', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('card_message_card').on('card_message').column('card_id').execute()

  // A question asked in a conversation, answered after the commit that stored it; one left
  // pending by a restart is answered at the next start.
  await db.schema
    .createTable('xero_question')
    .addColumn('message_id', 'integer', (c) => c.primaryKey().references('message.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('answered_at', 'integer')
    .execute()
  await db.schema
    .createIndex('xero_question_pending')
    .on('xero_question')
    .column('created_at')
    .where(sql.ref('answered_at'), 'is', null)
    .execute()

  // Invoices already announced as paid or overdue.
  await db.schema
    .createTable('xero_alert_seen')
    .addColumn('invoice_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('paid','overdue')`))
    .addColumn('at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('xero_alert_seen_pk', ['invoice_id', 'kind'])
    .execute()

  await db.schema.alterTable('customer').addColumn('xero_contact_id', 'text').execute()
  await db.schema.alterTable('customer').addColumn('xero_contact_name', 'text').execute()
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.alterTable('customer').dropColumn('xero_contact_name').execute()
  await db.schema.alterTable('customer').dropColumn('xero_contact_id').execute()
  for (const table of ['xero_alert_seen', 'xero_question', 'card_message', 'xero_card', 'xero_settings']) {
    await db.schema.dropTable(table).execute()
  }
  await sql`delete from conversation where kind = 'xero'`.execute(db)
  await rebuildConversation(db, ['board', 'channel', 'direct', 'customer'], true)
}
