import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  // One row: the connected bot (its token is sealed in `secret`) and the poller's state.
  await db.schema
    .createTable('telegram_bot')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('bot_id', 'integer', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('connected_at', 'integer', (c) => c.notNull())
    // The app's address for "Open in app" buttons: PUBLIC_URL, else where the owner connected from.
    .addColumn('app_url', 'text', (c) => c.notNull().defaultTo(''))
    // The next update to ask for: saved in the transaction that applied the one before it.
    .addColumn('update_offset', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_ok_at', 'integer')
    .addColumn('failing_since', 'integer')
    .addColumn('last_error', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
  // A member's Telegram account; the private chat with the bot has the user's id.
  await db.schema
    .createTable('telegram_link')
    .addColumn('member_id', 'integer', (c) => c.primaryKey().references('member.id').onDelete('cascade'))
    .addColumn('telegram_user_id', 'integer', (c) => c.notNull().unique())
    .addColumn('telegram_name', 'text', (c) => c.notNull())
    .addColumn('telegram_username', 'text')
    .addColumn('linked_at', 'integer', (c) => c.notNull())
    // Where a plain message to the bot goes: the conversation mirrored last.
    .addColumn('last_conversation_id', 'integer', (c) => c.references('conversation.id').onDelete('set null'))
    .execute()
  await db.schema
    .alterTable('member')
    .addColumn('telegram_mirror', 'text', (c) => c.notNull().defaultTo('away'))
    .execute()
  // One-time codes: a member linking their account, or a manager linking a group.
  await db.schema
    .createTable('telegram_code')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('conversation_id', 'integer', (c) => c.references('conversation.id').onDelete('cascade'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('telegram_group')
    .addColumn('chat_id', 'integer', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'integer', (c) =>
      c.notNull().unique().references('conversation.id').onDelete('cascade'),
    )
    .addColumn('linked_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('linked_at', 'integer', (c) => c.notNull())
    .execute()
  // Every message the bot sent, so replies, edits, deletions and buttons find their way back.
  await db.schema
    .createTable('telegram_sent')
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('telegram_message_id', 'integer', (c) => c.notNull())
    .addColumn('message_id', 'integer', (c) => c.references('message.id').onDelete('cascade'))
    .addColumn('conversation_id', 'integer', (c) => c.references('conversation.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.references('member.id').onDelete('cascade'))
    .addColumn('part', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('telegram_sent_pk', ['chat_id', 'telegram_message_id'])
    .execute()
  await db.schema.createIndex('telegram_sent_message').on('telegram_sent').column('message_id').execute()
  // Opaque button data: a random token standing for "this member acknowledges this notice" or
  // "post what this member sent into that conversation"; only that member may press it.
  await db.schema
    .createTable('telegram_action')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('message_id', 'integer', (c) => c.references('message.id').onDelete('cascade'))
    .addColumn('conversation_id', 'integer', (c) => c.references('conversation.id').onDelete('cascade'))
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()
  // Messages that came in through Telegram: from whom (a guest has no member) and from which chat.
  await db.schema.alterTable('message').addColumn('guest_name', 'text').execute()
  await db.schema.alterTable('message').addColumn('origin_chat_id', 'integer').execute()
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.alterTable('message').dropColumn('origin_chat_id').execute()
  await db.schema.alterTable('message').dropColumn('guest_name').execute()
  for (const table of ['telegram_action', 'telegram_sent', 'telegram_group', 'telegram_code', 'telegram_link'])
    await db.schema.dropTable(table).execute()
  await db.schema.alterTable('member').dropColumn('telegram_mirror').execute()
  await db.schema.dropTable('telegram_bot').execute()
}
