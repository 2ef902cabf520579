import type { Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  // The text a message (or a notice's title and text) had before each edit, and who made
  // the edit: an edited message keeps its history, so no edit goes without a trace.
  await db.schema
    .createTable('message_revision')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('message_id', 'integer', (c) => c.notNull().references('message.id').onDelete('cascade'))
    .addColumn('body', 'text', (c) => c.notNull())
    // A notice's title before the edit; null for other messages.
    .addColumn('title', 'text')
    .addColumn('edited_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('edited_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('message_revision_message').on('message_revision').columns(['message_id', 'id']).execute()
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.dropTable('message_revision').execute()
}
