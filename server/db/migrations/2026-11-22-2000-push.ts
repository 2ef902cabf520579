import type { Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  await db.schema
    .createTable('secret')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('push_subscription')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    // Signing out on that device (or being deactivated) ends its notifications too.
    .addColumn('session_id', 'integer', (c) => c.notNull().references('session.id').onDelete('cascade'))
    .addColumn('endpoint', 'text', (c) => c.notNull().unique())
    .addColumn('p256dh', 'text', (c) => c.notNull())
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('device_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_used_at', 'integer')
    .execute()
  await db.schema.createIndex('push_subscription_member').on('push_subscription').column('member_id').execute()
  await db.schema
    .alterTable('member')
    .addColumn('push_level', 'text', (c) => c.notNull().defaultTo('mentions'))
    .execute()
  await db.schema.alterTable('member').addColumn('quiet_start_minute', 'integer').execute()
  await db.schema.alterTable('member').addColumn('quiet_end_minute', 'integer').execute()
  await db.schema.alterTable('conversation_member').addColumn('muted_until', 'integer').execute()
  await db.schema
    .alterTable('shop')
    .addColumn('push_contact', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.alterTable('shop').dropColumn('push_contact').execute()
  await db.schema.alterTable('conversation_member').dropColumn('muted_until').execute()
  for (const column of ['quiet_end_minute', 'quiet_start_minute', 'push_level'])
    await db.schema.alterTable('member').dropColumn(column).execute()
  await db.schema.dropTable('push_subscription').execute()
  await db.schema.dropTable('secret').execute()
}
