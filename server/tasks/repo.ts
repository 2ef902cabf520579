/** Task queries only: the service holds the rules. */
import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema'

/** Task rows with their queue's name, mode and ageing, and their category's name. */
export function selectTaskRows(db: Kysely<DB>) {
  return db
    .selectFrom('task')
    .innerJoin('message', 'message.id', 'task.message_id')
    .leftJoin('task_queue', 'task_queue.id', 'task.queue_id')
    .leftJoin('report_category', 'report_category.id', 'task.category_id')
    .selectAll('task')
    .select([
      'message.conversation_id',
      'message.deleted_at',
      'task_queue.name as queue_name',
      'task_queue.mode as queue_mode',
      'task_queue.ageing_per_hour as queue_ageing_per_hour',
      'task_queue.requires_on_shift as queue_requires_on_shift',
      'report_category.name as category_name',
    ])
}

export type TaskRow = Awaited<ReturnType<ReturnType<typeof selectTaskRows>['executeTakeFirstOrThrow']>>

export function selectTasks(db: Kysely<DB>, ids: readonly number[]) {
  return selectTaskRows(db)
    .where('task.message_id', 'in', ids.length ? ids : [-1])
    .execute()
}

export function selectTask(db: Kysely<DB>, id: number) {
  return selectTaskRows(db).where('task.message_id', '=', id).executeTakeFirst()
}

export function selectChecks(db: Kysely<DB>, taskIds: readonly number[]) {
  return db
    .selectFrom('task_check')
    .selectAll()
    .where('task_id', 'in', taskIds.length ? taskIds : [-1])
    .orderBy('task_id')
    .orderBy('position')
    .execute()
}

export function selectReveals(db: Kysely<DB>, taskIds: readonly number[]) {
  return db
    .selectFrom('task_reveal')
    .selectAll()
    .where('task_id', 'in', taskIds.length ? taskIds : [-1])
    .execute()
}

export function countThreads(db: Kysely<DB>, taskIds: readonly number[]) {
  return db
    .selectFrom('message')
    .select(['reply_to_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('reply_to_id', 'in', taskIds.length ? taskIds : [-1])
    .where('deleted_at', 'is', null)
    .groupBy('reply_to_id')
    .execute() as Promise<{ reply_to_id: number; n: number }[]>
}

export function selectPeople(db: Kysely<DB>, ids: readonly number[]) {
  return db
    .selectFrom('member')
    .select(['id', 'username', 'display_name'])
    .where('id', 'in', ids.length ? ids : [-1])
    .execute()
}

/** How many tasks the member holds now (taken or started). */
export async function countHeld(db: Kysely<DB>, memberId: number): Promise<number> {
  const row = await db
    .selectFrom('task')
    .innerJoin('message', 'message.id', 'task.message_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('task.taken_by', '=', memberId)
    .where('task.state', 'in', ['taken', 'started'])
    .where('message.deleted_at', 'is', null)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

export function selectProfile(db: Kysely<DB>, memberId: number) {
  return db.selectFrom('task_profile').selectAll().where('member_id', '=', memberId).executeTakeFirst()
}

export function selectQueue(db: Kysely<DB>, id: number) {
  return db.selectFrom('task_queue').selectAll().where('id', '=', id).executeTakeFirst()
}

export function selectQueues(db: Kysely<DB>) {
  return db.selectFrom('task_queue').selectAll().orderBy('name').execute()
}

/**
 * Open queued tasks in conversations the member is in, for Next, a page at a time in the
 * queue's order (rules.ts compareQueued): effective priority — the priority plus the queue's
 * ageing for the time waited, at most 100 — then the earliest due time, then the longest wait.
 */
export function selectOpenQueued(
  db: Kysely<DB>,
  memberId: number,
  queueId: number | null,
  now: number,
  page: { limit: number; offset: number },
) {
  const effective = sql<number>`min(100, task.priority + (task_queue.ageing_per_hour * max(0, ${now} - task.opened_at)) / 3600000)`
  let query = selectTaskRows(db)
    .innerJoin('conversation_member as cm', (join) =>
      join.onRef('cm.conversation_id', '=', 'message.conversation_id').on('cm.member_id', '=', memberId),
    )
    .where('task.state', '=', 'open')
    .where('task.queue_id', 'is not', null)
    .where('task_queue.archived_at', 'is', null)
    .where('message.deleted_at', 'is', null)
  if (queueId !== null) query = query.where('task.queue_id', '=', queueId)
  return query
    .orderBy(effective, 'desc')
    .orderBy(sql`task.due_at is null`)
    .orderBy('task.due_at')
    .orderBy('task.opened_at')
    .orderBy('task.message_id')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
}

/**
 * A conditional claim — the row changes only while the task is still open, so of
 * any number of presses exactly one changes it.
 */
export async function claim(db: Kysely<DB>, taskId: number, memberId: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('task')
    .set({
      state: 'taken',
      taken_by: memberId,
      taken_at: now,
      started_at: null,
      escalated_at: null,
      version: sql`version + 1`,
    })
    .where('message_id', '=', taskId)
    .where('state', '=', 'open')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function insertChange(
  db: Kysely<DB>,
  change: { taskId: number; action: string; actorId: number | null; memberId: number | null; at: number },
): Promise<void> {
  await db
    .insertInto('task_change')
    .values({
      task_id: change.taskId,
      action: change.action,
      actor_id: change.actorId,
      member_id: change.memberId,
      at: change.at,
    })
    .execute()
}
