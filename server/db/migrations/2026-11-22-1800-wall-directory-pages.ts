import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  await db.schema.alterTable('member').addColumn('avatar_file_id', 'integer').execute()
  await db.schema.alterTable('member').addColumn('shift_status_at', 'integer').execute()
  await db.schema
    .alterTable('shop')
    .addColumn('wall_show_join_qr', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()

  await db.schema
    .createTable('display_pairing')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('poll_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.references('member.id').onDelete('cascade'))
    .addColumn('claimed_at', 'integer')
    .execute()

  await db.schema
    .createTable('page')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('section', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('show_on_wall', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('deleted_at', 'integer')
    .execute()

  await db.schema
    .createTable('page_revision')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('page_id', 'integer', (c) => c.notNull().references('page.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('section', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('author_id', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
  await db.schema.createIndex('page_revision_page').on('page_revision').columns(['page_id', 'id']).execute()

  await db.schema
    .createTable('page_file')
    .addColumn('page_id', 'integer', (c) => c.notNull().references('page.id').onDelete('cascade'))
    .addColumn('file_id', 'integer', (c) => c.notNull().references('file.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('page_file_pk', ['page_id', 'file_id'])
    .execute()

  await sql`create virtual table page_fts using fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')`.execute(
    db,
  )
}

export async function down(db: AnyDB): Promise<void> {
  await sql`drop table page_fts`.execute(db)
  for (const table of ['page_file', 'page_revision', 'page', 'display_pairing'])
    await db.schema.dropTable(table).execute()
  await db.schema.alterTable('shop').dropColumn('wall_show_join_qr').execute()
  await db.schema.alterTable('member').dropColumn('shift_status_at').execute()
  await db.schema.alterTable('member').dropColumn('avatar_file_id').execute()
}
