/**
 * The task kind on the message registry: a task message carries its state, taker, priority,
 * checklist and private details in `MessageView.task`. The private details reach only its
 * taker, dispatchers and whoever asked for them before taking; every event, push and
 * Telegram message is built from the stripped view. buildApp registers it.
 */
import type { Kysely, Selectable } from 'kysely'
import { Type } from 'typebox'
import { Nullable } from '../shared/schemas'
import type { DB, MessageTable } from '../db/schema'
import type { PersonRef, TaskFields } from '../shared/events'
import type { Clock } from '../shared/clock'
import { can, type Actor } from '../auth/actor'
import type { MessageKinds } from '../conversations/kinds'
import { PersonRefSchema } from '../conversations/schemas'
import { effectivePriority } from './rules'
import * as repo from './repo'
import { taskPushHooks } from './push'

type MessageRow = Selectable<MessageTable>

/** A JSON list of strings as stored in a task's skills and roles ([] when it is not one). */
export function parseList(json: string): string[] {
  try {
    const value = JSON.parse(json) as unknown
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

/** Task fields for task messages, in a few queries for the whole batch. */
export async function taskFields(
  db: Kysely<DB>,
  messageIds: readonly number[],
  now: number,
): Promise<Map<number, TaskFields>> {
  const map = new Map<number, TaskFields>()
  if (messageIds.length === 0) return map
  const [tasks, checks, reveals, threads] = await Promise.all([
    repo.selectTasks(db, messageIds),
    repo.selectChecks(db, messageIds),
    repo.selectReveals(db, messageIds),
    repo.countThreads(db, messageIds),
  ])
  const peopleIds = new Set<number>()
  for (const task of tasks) {
    for (const id of [task.taken_by, task.created_by, task.reporter_id]) if (id !== null) peopleIds.add(id)
  }
  for (const check of checks) if (check.done_by !== null) peopleIds.add(check.done_by)
  const people = new Map((await repo.selectPeople(db, [...peopleIds])).map((p) => [p.id, p]))
  const person = (id: number | null): PersonRef | null => {
    const row = id === null ? undefined : people.get(id)
    return row ? { id: row.id, username: row.username, displayName: row.display_name } : null
  }
  const threadCount = new Map(threads.map((t) => [t.reply_to_id, Number(t.n)]))
  for (const task of tasks) {
    const isActive = task.state === 'open' || task.state === 'taken' || task.state === 'started'
    map.set(task.message_id, {
      title: task.title,
      state: task.state,
      priority: task.priority,
      effectivePriority:
        task.state === 'open'
          ? effectivePriority(task.priority, task.queue_ageing_per_hour ?? 0, now - task.opened_at)
          : task.priority,
      value: task.value,
      dueAt: task.due_at,
      isOverdue: isActive && task.due_at !== null && task.due_at < now,
      skills: parseList(task.skills),
      roles: parseList(task.roles),
      photoRequired: task.photo_required === 1,
      requiredPermission: task.required_permission,
      detailsBeforeTaking: task.details_before_taking === 1,
      hasPrivateDetails: task.private_details !== '',
      privateDetails: task.private_details === '' ? null : task.private_details,
      revealedTo: reveals.filter((r) => r.task_id === task.message_id).map((r) => r.member_id),
      queue:
        task.queue_id === null || task.queue_name === null || task.queue_mode === null
          ? null
          : { id: task.queue_id, name: task.queue_name, mode: task.queue_mode },
      takenBy: person(task.taken_by),
      takenAt: task.taken_at,
      startedAt: task.started_at,
      doneAt: task.done_at,
      doneNote: task.done_note,
      doneMessageId: task.done_message_id,
      cancelledAt: task.cancelled_at,
      openedAt: task.opened_at,
      checklist: checks
        .filter((c) => c.task_id === task.message_id)
        .map((c) => ({ id: c.id, text: c.text, doneAt: c.done_at, doneBy: person(c.done_by) })),
      createdBy: person(task.created_by),
      reporter: person(task.reporter_id),
      category:
        task.category_id === null || task.category_name === null
          ? null
          : { id: task.category_id, name: task.category_name },
      scheduleId: task.schedule_id,
      threadCount: threadCount.get(task.message_id) ?? 0,
      version: task.version,
    })
  }
  return map
}

/** Who may read a task's private details: its taker, dispatchers, and whoever asked for them before taking. */
export function canSeePrivateDetails(viewer: Actor, task: Pick<TaskFields, 'takenBy' | 'revealedTo'>): boolean {
  if (viewer.member.role === 'display') return false
  return (
    can(viewer, 'tasks.dispatch') || task.takenBy?.id === viewer.member.id || task.revealedTo.includes(viewer.member.id)
  )
}

/** The task as everyone else sees it: no private details, and not who saw them. */
export function stripTask(task: TaskFields): TaskFields {
  return { ...task, privateDetails: null, revealedTo: [] }
}

/** A task's fields on the wire (`MessageView.task`). */
export const TaskFieldsSchema = Type.Object({
  title: Type.String(),
  state: Type.Union([
    Type.Literal('open'),
    Type.Literal('taken'),
    Type.Literal('started'),
    Type.Literal('done'),
    Type.Literal('cancelled'),
  ]),
  priority: Type.Integer(),
  effectivePriority: Type.Integer(),
  value: Nullable(Type.Integer()),
  dueAt: Nullable(Type.Number()),
  isOverdue: Type.Boolean(),
  skills: Type.Array(Type.String()),
  roles: Type.Array(Type.String()),
  photoRequired: Type.Boolean(),
  requiredPermission: Nullable(Type.String()),
  detailsBeforeTaking: Type.Boolean(),
  hasPrivateDetails: Type.Boolean(),
  privateDetails: Nullable(Type.String()),
  revealedTo: Type.Array(Type.Integer()),
  queue: Nullable(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      mode: Type.Union([Type.Literal('claim'), Type.Literal('pull')]),
    }),
  ),
  takenBy: Nullable(PersonRefSchema),
  takenAt: Nullable(Type.Number()),
  startedAt: Nullable(Type.Number()),
  doneAt: Nullable(Type.Number()),
  doneNote: Type.String(),
  doneMessageId: Nullable(Type.Integer()),
  cancelledAt: Nullable(Type.Number()),
  openedAt: Type.Number(),
  checklist: Type.Array(
    Type.Object({
      id: Type.Integer(),
      text: Type.String(),
      doneAt: Nullable(Type.Number()),
      doneBy: Nullable(PersonRefSchema),
    }),
  ),
  createdBy: Nullable(PersonRefSchema),
  reporter: Nullable(PersonRefSchema),
  category: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
  scheduleId: Nullable(Type.Integer()),
  threadCount: Type.Integer(),
  version: Type.Integer(),
})

/** Registers the task kind on the message registry (buildApp calls it once). */
export function registerTaskKind(kinds: MessageKinds, clock: Clock): void {
  kinds.register({
    kind: 'task',
    field: 'task',
    schema: TaskFieldsSchema,
    hydrate: (db, rows: readonly MessageRow[]) =>
      taskFields(
        db,
        rows.map((row) => row.id),
        clock.now(),
      ),
    searchText: (view) => view.task?.title ?? '',
    private: { canSee: (viewer, _row, value) => canSeePrivateDetails(viewer, value), strip: stripTask },
    ...taskPushHooks,
    // The title says it: the details may be empty.
    allowsEmptyBody: true,
    onDeleted: async (w, row) => {
      // A deleted task leaves every queue and list: it is cancelled with it.
      await w.trx
        .updateTable('task')
        .set({ state: 'cancelled', cancelled_at: w.now })
        .where('message_id', '=', row.id)
        .where('state', 'in', ['open', 'taken', 'started'])
        .execute()
    },
    retainedIds: async (db) => {
      // Work not finished is kept whatever the retention setting says.
      const rows = await db
        .selectFrom('task')
        .select('message_id')
        .where('state', 'in', ['open', 'taken', 'started'])
        .execute()
      return rows.map((row) => row.message_id)
    },
  })
}
