import type { Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  // Whether a wall display shows the open tasks, per display: off until a manager turns it
  // on for a screen the staff (not the customers) look at.
  await db.schema
    .alterTable('member')
    .addColumn('wall_show_tasks', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.alterTable('member').dropColumn('wall_show_tasks').execute()
}
