import { sql, type Kysely } from 'kysely'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = Kysely<any>

export async function up(db: AnyDB): Promise<void> {
  // How many tasks a member may hold at once, unless their own profile says otherwise.
  await db.schema
    .alterTable('shop')
    .addColumn('task_active_limit', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()

  // A queue is a channel's worth of work: its tasks are posted in its own channel, and it
  // says how they are handed out and how long they may wait.
  await db.schema
    .createTable('task_queue')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('claim','pull')`))
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('conversation.id'))
    // Effective priority points added per hour a task waits open.
    .addColumn('ageing_per_hour', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('start_within_minutes', 'integer')
    .addColumn('escalate_after_minutes', 'integer')
    .addColumn('requires_on_shift', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('return_when_off_shift', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('archived_at', 'integer')
    .execute()
  await db.schema.createIndex('task_queue_name').on('task_queue').column('name').unique().execute()

  // A recurring (or one-off scheduled) task: the template each occurrence copies.
  await db.schema
    .createTable('task_schedule')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('private_details', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(50))
    .addColumn('value', 'integer')
    .addColumn('skills', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('checklist', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('photo_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('conversation_id', 'integer', (c) => c.references('conversation.id').onDelete('cascade'))
    .addColumn('queue_id', 'integer', (c) => c.references('task_queue.id').onDelete('cascade'))
    // The rule (recurrence.ts) as JSON: repeat, minute of day, start date, weekdays, day of month.
    .addColumn('rule', 'text', (c) => c.notNull())
    // Minutes after each occurrence that it is due (then overdue).
    .addColumn('due_after_minutes', 'integer', (c) => c.notNull().defaultTo(60))
    // Occurrences up to this instant have been created (never again).
    .addColumn('created_through', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('paused_at', 'integer')
    .execute()

  await db.schema
    .createTable('report_category')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'integer', (c) => c.notNull().references('task_queue.id'))
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(50))
    // Members told about every report in the category (JSON array of ids).
    .addColumn('responsible_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('archived_at', 'integer')
    .execute()

  await db.schema
    .createTable('task')
    .addColumn('message_id', 'integer', (c) => c.primaryKey().references('message.id').onDelete('cascade'))
    .addColumn('queue_id', 'integer', (c) => c.references('task_queue.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('private_details', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('details_before_taking', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('value', 'integer')
    .addColumn('due_at', 'integer')
    .addColumn('skills', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('photo_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open','taken','started','done','cancelled')`))
    .addColumn('taken_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('taken_at', 'integer')
    .addColumn('started_at', 'integer')
    .addColumn('done_at', 'integer')
    .addColumn('done_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('done_message_id', 'integer')
    .addColumn('cancelled_at', 'integer')
    .addColumn('created_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    // When it last became open: waiting time, ageing and escalation count from here.
    .addColumn('opened_at', 'integer', (c) => c.notNull())
    .addColumn('escalated_at', 'integer')
    .addColumn('reporter_id', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('category_id', 'integer', (c) => c.references('report_category.id').onDelete('set null'))
    .addColumn('schedule_id', 'integer', (c) => c.references('task_schedule.id').onDelete('set null'))
    .addColumn('occurrence_key', 'text')
    // Bumped by every change: a Telegram button issued for an older version answers with the state now.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  await db.schema.createIndex('task_state').on('task').columns(['state', 'queue_id']).execute()
  await db.schema.createIndex('task_taker').on('task').columns(['taken_by', 'state']).execute()
  // One task per occurrence of a schedule, whatever the clock or a restart does.
  await db.schema
    .createIndex('task_occurrence')
    .on('task')
    .columns(['schedule_id', 'occurrence_key'])
    .unique()
    .where(sql.ref('schedule_id'), 'is not', null)
    .execute()

  await db.schema
    .createTable('task_check')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('task_id', 'integer', (c) => c.notNull().references('task.message_id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('done_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('done_at', 'integer')
    .execute()
  await db.schema.createIndex('task_check_task').on('task_check').columns(['task_id', 'position']).execute()

  // Everything that happened to a task, for its thread, the stats and the audit of reveals.
  await db.schema
    .createTable('task_change')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('task_id', 'integer', (c) => c.notNull().references('task.message_id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer', (c) => c.references('member.id').onDelete('set null'))
    // The member the change is about (the taker, the new assignee), when not the actor.
    .addColumn('member_id', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('task_change_task').on('task_change').columns(['task_id', 'id']).execute()
  await db.schema.createIndex('task_change_at').on('task_change').columns(['at']).execute()

  await db.schema
    .createTable('task_follower')
    .addColumn('task_id', 'integer', (c) => c.notNull().references('task.message_id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('task_follower_pk', ['task_id', 'member_id'])
    .execute()

  // Who saw the private details before taking ("details before taking"), for the taker's rule and the audit.
  await db.schema
    .createTable('task_reveal')
    .addColumn('task_id', 'integer', (c) => c.notNull().references('task.message_id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_reveal_pk', ['task_id', 'member_id'])
    .execute()

  // What a member may take: skills, how many at once, and the value cap for newcomers.
  await db.schema
    .createTable('task_profile')
    .addColumn('member_id', 'integer', (c) => c.primaryKey().references('member.id').onDelete('cascade'))
    .addColumn('skills', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('active_limit', 'integer')
    .addColumn('score_cap', 'integer')
    .addColumn('updated_by', 'integer', (c) => c.references('member.id').onDelete('set null'))
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute()
}

export async function down(db: AnyDB): Promise<void> {
  for (const table of [
    'task_profile',
    'task_reveal',
    'task_follower',
    'task_change',
    'task_check',
    'task',
    'report_category',
    'task_schedule',
    'task_queue',
  ]) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.alterTable('shop').dropColumn('task_active_limit').execute()
}
