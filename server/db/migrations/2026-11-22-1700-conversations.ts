import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  await db.schema
    .alterTable('member')
    .addColumn('shift_status', 'text', (c) => c.notNull().defaultTo('on_shift'))
    .execute()
  await db.schema.alterTable('member').addColumn('shift_status_until', 'integer').execute()
  await db.schema
    .alterTable('member')
    .addColumn('upload_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .alterTable('shop')
    .addColumn('max_file_mb', 'integer', (c) => c.notNull().defaultTo(25))
    .execute()
  await db.schema
    .alterTable('shop')
    .addColumn('member_quota_mb', 'integer', (c) => c.notNull().defaultTo(2048))
    .execute()
  await db.schema
    .alterTable('shop')
    .addColumn('reminder_interval_minutes', 'integer', (c) => c.notNull().defaultTo(240))
    .execute()

  await db.schema
    .createTable('conversation')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('board','channel','direct')`))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('topic', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('is_private', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('direct_key', 'text', (c) => c.unique())
    .addColumn('created_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('archived_at', 'integer')
    .addColumn('last_message_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_message_at', 'integer')
    .execute()
  // Exactly one board per shop.
  await sql`create unique index conversation_one_board on conversation(kind) where kind = 'board'`.execute(db)

  await db.schema
    .createTable('conversation_member')
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('conversation.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('joined_at', 'integer', (c) => c.notNull())
    .addColumn('last_read_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_read_at', 'integer')
    .addPrimaryKeyConstraint('conversation_member_pk', ['conversation_id', 'member_id'])
    .execute()
  await db.schema.createIndex('conversation_member_member').on('conversation_member').column('member_id').execute()

  await db.schema
    .createTable('message')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('conversation.id').onDelete('cascade'))
    .addColumn('author_id', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('text','notice','system','task','card')`))
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reply_to_id', 'integer', (c) => c.references('message.id').onDelete('set null'))
    .addColumn('client_key', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('edited_at', 'integer')
    .addColumn('deleted_at', 'integer')
    .addColumn('deleted_by', 'integer')
    .addColumn('has_attachment', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('system_data', 'text')
    .execute()
  await db.schema.createIndex('message_conversation').on('message').columns(['conversation_id', 'id']).execute()
  await db.schema.createIndex('message_author').on('message').columns(['author_id', 'id']).execute()
  // A retried send with the same key finds the first one instead of posting twice.
  await sql`create unique index message_client_key on message(author_id, client_key) where client_key is not null`.execute(
    db,
  )

  await db.schema
    .createTable('message_mention')
    .addColumn('message_id', 'integer', (c) => c.notNull().references('message.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('message_mention_pk', ['message_id', 'member_id'])
    .execute()
  await db.schema
    .createIndex('message_mention_member')
    .on('message_mention')
    .columns(['member_id', 'message_id'])
    .execute()

  await db.schema
    .createTable('notice')
    .addColumn('message_id', 'integer', (c) => c.primaryKey().references('message.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('is_urgent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('must_acknowledge', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('acknowledge_by', 'integer')
    .addColumn('expires_at', 'integer')
    .addColumn('is_pinned', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('pin_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_reminder_at', 'integer')
    .addColumn('expired_handled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  await db.schema
    .createTable('notice_ack')
    .addColumn('message_id', 'integer', (c) => c.notNull().references('notice.message_id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('notice_ack_pk', ['message_id', 'member_id'])
    .execute()

  await db.schema
    .createTable('reaction')
    .addColumn('message_id', 'integer', (c) => c.notNull().references('message.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('reaction_pk', ['message_id', 'member_id', 'emoji'])
    .execute()

  await db.schema
    .createTable('file')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('thumbnail_id', 'integer', (c) => c.references('file.id').onDelete('set null'))
    .addColumn('uploaded_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('file_sha').on('file').column('sha256').execute()

  await db.schema
    .createTable('attachment')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('message_id', 'integer', (c) => c.notNull().references('message.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('file_id', 'integer', (c) => c.references('file.id'))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('latitude', 'real')
    .addColumn('longitude', 'real')
    .addColumn('accuracy_m', 'real')
    .execute()
  await db.schema.createIndex('attachment_message').on('attachment').column('message_id').execute()
  await db.schema.createIndex('attachment_file').on('attachment').column('file_id').execute()

  // Full-text search over message bodies, notice titles and attachment names; rowid = message id.
  await sql`create virtual table message_fts using fts5(title, body, names, tokenize = 'unicode61 remove_diacritics 2')`.execute(
    db,
  )

  // The board, with every existing member in it.
  const now = Date.now()
  await sql`insert into conversation (kind, name, created_at) values ('board', 'Board', ${now})`.execute(db)
  await sql`insert into conversation_member (conversation_id, member_id, joined_at)
            select c.id, m.id, ${now} from conversation c, member m
            where c.kind = 'board' and m.status = 'active'`.execute(db)
  // Whoever becomes active is on the board, in the same transaction, whichever feature
  // activated them (setup, joining, approval, reactivation, wall pairing).
  await sql`create trigger member_joins_board_on_insert after insert on member when new.status = 'active'
            begin
              insert or ignore into conversation_member (conversation_id, member_id, joined_at)
              select id, new.id, new.created_at from conversation where kind = 'board';
            end`.execute(db)
  await sql`create trigger member_joins_board_on_activate after update of status on member
            when new.status = 'active' and old.status != 'active'
            begin
              insert or ignore into conversation_member (conversation_id, member_id, joined_at)
              select id, new.id, coalesce(new.approved_at, new.created_at) from conversation where kind = 'board';
            end`.execute(db)
}

export async function down(db: AnyDB): Promise<void> {
  await sql`drop trigger member_joins_board_on_activate`.execute(db)
  await sql`drop trigger member_joins_board_on_insert`.execute(db)
  await sql`drop table message_fts`.execute(db)
  for (const table of [
    'attachment',
    'file',
    'reaction',
    'notice_ack',
    'notice',
    'message_mention',
    'message',
    'conversation_member',
    'conversation',
  ]) {
    await db.schema.dropTable(table).execute()
  }
  for (const column of ['reminder_interval_minutes', 'member_quota_mb', 'max_file_mb']) {
    await db.schema.alterTable('shop').dropColumn(column).execute()
  }
  for (const column of ['upload_bytes', 'shift_status_until', 'shift_status']) {
    await db.schema.alterTable('member').dropColumn(column).execute()
  }
}
