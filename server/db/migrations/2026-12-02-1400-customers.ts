import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

/**
 * Rebuilds `conversation` with a new CHECK on its kind and the columns customer
 * conversations use (status, assignee). SQLite cannot change a CHECK in place, and the
 * database runs in defensive mode, so this is the documented table rebuild: foreign keys off
 * (dropping the old table with them on would cascade into every message), copy, swap, check
 * the references, foreign keys back on. Kysely runs SQLite migrations outside a transaction,
 * so the rebuild opens its own.
 */
export async function rebuildConversation(db: AnyDB, kinds: string[], withCustomerColumns: boolean): Promise<void> {
  await sql`pragma foreign_keys = off`.execute(db)
  try {
    await sql`begin immediate`.execute(db)
    try {
      const checked = sql.raw(kinds.map((kind) => `'${kind}'`).join(','))
      await sql`
        create table conversation_next (
          id integer primary key autoincrement,
          kind text not null check (kind in (${checked})),
          name text not null default '',
          topic text not null default '',
          is_private integer not null default 0,
          direct_key text unique,
          created_by integer references member(id) on delete set null,
          created_at integer not null,
          archived_at integer,
          last_message_id integer not null default 0,
          last_message_at integer,
          status text check (status in ('open','waiting','solved')),
          assignee_id integer references member(id) on delete set null
        )`.execute(db)
      const columns = sql.raw(
        'id, kind, name, topic, is_private, direct_key, created_by, created_at, archived_at, last_message_id, last_message_at' +
          (withCustomerColumns ? ', status, assignee_id' : ''),
      )
      await sql`insert into conversation_next (${columns}) select ${columns} from conversation`.execute(db)
      await sql`drop table conversation`.execute(db)
      // The member triggers name `conversation`: legacy renaming leaves them to find the new table.
      await sql`pragma legacy_alter_table = on`.execute(db)
      await sql`alter table conversation_next rename to conversation`.execute(db)
      await sql`pragma legacy_alter_table = off`.execute(db)
      await sql`create unique index conversation_one_board on conversation(kind) where kind = 'board'`.execute(db)
      await sql`create index conversation_kind_status on conversation(kind, status)`.execute(db)
      const broken = await sql<{ table: string }>`pragma foreign_key_check`.execute(db)
      if (broken.rows.length > 0) throw new Error(`conversation rebuild broke ${broken.rows.length} references`)
      await sql`commit`.execute(db)
    } catch (error) {
      await sql`rollback`.execute(db)
      throw error
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db)
  }
}

export async function up(db: AnyDB): Promise<void> {
  await rebuildConversation(db, ['board', 'channel', 'direct', 'customer'], false)

  // A job only members with this permission may take (answering a customer: customers.answer).
  await db.schema.alterTable('task').addColumn('required_permission', 'text').execute()

  // Off by default: strangers get one polite refusal until the owner turns customers on.
  await db.schema
    .alterTable('shop')
    .addColumn('customers_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  await db.schema
    .createTable('customer_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('welcome_text', 'text', (c) => c.notNull())
    .addColumn('away_text', 'text', (c) => c.notNull())
    /** JSON: { days: { [weekday 0-6]: [{ from: "09:00", to: "17:30" }] }, holidays: ["2026-12-25"] }; null: always open. */
    .addColumn('hours', 'text')
    .addColumn('sign_replies', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('episode_after_days', 'integer')
    .addColumn('rate_per_minute', 'integer', (c) => c.notNull().defaultTo(20))
    .addColumn('daily_mb', 'integer', (c) => c.notNull().defaultTo(50))
    .addColumn('ask_satisfaction', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retention_days', 'integer')
    .addColumn('task_taken_text', 'text', (c) => c.notNull())
    .addColumn('task_done_text', 'text', (c) => c.notNull())
    // The task queue a new or reopened unassigned customer conversation goes to (Take/Next assigns it).
    .addColumn('queue_id', 'integer', (c) => c.references('task_queue.id').onDelete('set null'))
    .execute()
  await db
    .insertInto('customer_settings')
    .values({
      id: 1,
      welcome_text: 'Hello! Thanks for writing to us. Someone from the shop will answer you here soon.',
      away_text: 'Thanks for your message. We are closed right now; we will answer when we are back.',
      task_taken_text: 'Good news: {name} is on it.',
      task_done_text: 'Done: {title}. Thank you for waiting!',
    })
    .execute()

  await db.schema
    .createTable('customer')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('conversation_id', 'integer', (c) =>
      c.notNull().unique().references('conversation.id').onDelete('cascade'),
    )
    .addColumn('telegram_user_id', 'integer', (c) => c.notNull().unique())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('username', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('phone', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('first_contact_at', 'integer', (c) => c.notNull())
    .addColumn('last_contact_at', 'integer', (c) => c.notNull())
    .addColumn('episode', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('episode_started_at', 'integer', (c) => c.notNull())
    .addColumn('welcomed_episode', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('away_replied_episode', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('satisfaction_episode', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('satisfaction', 'text')
    .addColumn('solved_at', 'integer')
    .addColumn('throttled_at', 'integer')
    .addColumn('blocked_at', 'integer')
    .addColumn('blocked_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('unreachable_at', 'integer')
    .addColumn('erased_at', 'integer')
    .execute()

  // Every message in a customer conversation: which way it went, whether it is an internal
  // note, and (for a staff reply) how far its delivery got.
  await db.schema
    .createTable('customer_message')
    .addColumn('message_id', 'integer', (c) => c.primaryKey().references('message.id').onDelete('cascade'))
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('customer.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('in','out')`))
    .addColumn('is_internal', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivery', 'text', (c) => c.check(sql`delivery in ('queued','sent','failed')`))
    .addColumn('delivery_error', 'text')
    .addColumn('telegram_message_id', 'integer')
    .addColumn('media_group_id', 'text')
    .addColumn('episode', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_throttled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_received', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('customer_message_customer')
    .on('customer_message')
    .columns(['customer_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('customer_message_group')
    .on('customer_message')
    .columns(['customer_id', 'media_group_id'])
    .where(sql.ref('media_group_id'), 'is not', null)
    .execute()
  await db.schema
    .createIndex('customer_message_telegram')
    .on('customer_message')
    .columns(['customer_id', 'telegram_message_id'])
    .execute()

  // Colleagues added to one customer conversation: told of its new messages like its assignee.
  await db.schema
    .createTable('customer_participant')
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('customer.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('added_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_participant_pk', ['customer_id', 'member_id'])
    .execute()

  // Bytes each customer sent per local day (the storage limit).
  await db.schema
    .createTable('customer_usage')
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('customer.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('customer_usage_pk', ['customer_id', 'day'])
    .execute()

  // A task made from a customer message that keeps the customer informed.
  await db.schema
    .createTable('customer_task')
    .addColumn('task_message_id', 'integer', (c) => c.primaryKey().references('message.id').onDelete('cascade'))
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('customer.id').onDelete('cascade'))
    .addColumn('source_message_id', 'integer', (c) => c.references('message.id').onDelete('set null'))
    // `work`: made from a message by staff; `answer`: the queue's job of answering the conversation.
    .addColumn('purpose', 'text', (c) =>
      c
        .notNull()
        .defaultTo('work')
        .check(sql`purpose in ('work','answer')`),
    )
    .addColumn('notify_customer', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('taken_text', 'text')
    .addColumn('done_text', 'text')
    .addColumn('told_taken_at', 'integer')
    .addColumn('told_done_at', 'integer')
    .execute()
}

export async function down(db: AnyDB): Promise<void> {
  for (const table of ['customer_task', 'customer_usage', 'customer_participant', 'customer_message', 'customer']) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.dropTable('customer_settings').execute()
  await db.schema.alterTable('task').dropColumn('required_permission').execute()
  await db.schema.alterTable('shop').dropColumn('customers_enabled').execute()
  await sql`delete from conversation where kind = 'customer'`.execute(db)
  await rebuildConversation(db, ['board', 'channel', 'direct'], false)
}
