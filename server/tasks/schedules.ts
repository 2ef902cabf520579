/**
 * Scheduled and recurring tasks: a schedule is a task template and a rule (recurrence.ts)
 * in the shop's timezone. The timer turns each occurrence into one task. `created_through`
 * only moves forward and every occurrence has a key unique per schedule (the task_occurrence
 * index), so neither a restart, an outage nor a clock set back makes a task twice; an
 * occurrence missed while the server was down is still made, already overdue.
 */
import type { Kysely, Selectable, Updateable } from 'kysely'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { AppError, badRequest, notFound } from '../shared/errors'
import type { PersonRef } from '../shared/events'
import type { DB, Role, TaskScheduleTable } from '../db/schema'
import { auditParty, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { assertCanPost, requireReadable } from '../conversations/access'
import { assertBody } from '../conversations/messages-service'
import { getShop } from '../settings/service'
import { nextOccurrence, occurrencesBetween, ruleProblem, type RecurrenceRule } from './recurrence'
import { insertTask, MAX_CHECKLIST, MAX_PRIVATE_DETAILS, MAX_SKILLS, MAX_TITLE } from './service'

type ScheduleRow = Selectable<TaskScheduleTable>
type ScheduleColumns = Updateable<TaskScheduleTable>
/** Roles a task may be limited to (a wall display never takes one). */
type TakerRole = Exclude<Role, 'display'>

/** Schedules looked at per run: the ones furthest behind first, so none starves. */
const SCHEDULES_PER_RUN = 100
/**
 * Tasks made per run, give or take one schedule's worth: after a long outage the rest wait
 * for the next runs rather than holding the database in one long write.
 */
const OCCURRENCES_PER_RUN = 200

export interface ScheduleView {
  id: number
  title: string
  details: string
  privateDetails: string
  priority: number
  value: number | null
  skills: string[]
  roles: TakerRole[]
  checklist: string[]
  photoRequired: boolean
  conversationId: number | null
  queueId: number | null
  rule: RecurrenceRule
  dueAfterMinutes: number
  isPaused: boolean
  /** The next occurrence still to be made; null when paused or the rule has ended. */
  nextAt: number | null
  createdBy: PersonRef | null
  createdAt: number
}

export interface ScheduleInput {
  title?: string | undefined
  details?: string | undefined
  privateDetails?: string | undefined
  priority?: number | undefined
  value?: number | null | undefined
  skills?: string[] | undefined
  roles?: TakerRole[] | undefined
  checklist?: string[] | undefined
  photoRequired?: boolean | undefined
  conversationId?: number | null | undefined
  queueId?: number | null | undefined
  rule?: RecurrenceRule | undefined
  dueAfterMinutes?: number | undefined
  isPaused?: boolean | undefined
}

const scheduleNotFound = () => notFound('schedule_not_found', 'No such schedule.')

/** The shop's timezone; schedules wait until the shop is set up. */
async function shopTimezone(ctx: AppContext, db: Kysely<DB>): Promise<string | null> {
  return (await getShop(ctx, db))?.timezone ?? null
}

function parseJson<T>(json: string, fallback: T): T {
  try {
    return JSON.parse(json) as T
  } catch {
    return fallback
  }
}

function cleanText(value: string, max: number, code: string, what: string): string {
  const text = value.replace(/\s+/g, ' ').trim()
  if ([...text].length > max) throw badRequest(code, `${what} can be at most ${max} characters.`)
  return text
}

function cleanList(values: readonly string[], max: number, code: string, what: string): string[] {
  const list = [...new Set(values.map((v) => v.replace(/\s+/g, ' ').trim()).filter(Boolean))]
  if (list.length > max) throw badRequest(code, `At most ${max} ${what}.`)
  for (const item of list)
    if ([...item].length > 200) throw badRequest(code, `Each of the ${what} can be at most 200 characters.`)
  return list
}

/** Keeps only the fields the rule's kind of repeat uses, after checking it. */
function cleanRule(rule: RecurrenceRule): RecurrenceRule {
  const problem = ruleProblem(rule)
  if (problem !== null) throw badRequest('invalid_rule', `The repeat rule is not valid: ${problem}.`)
  return {
    repeat: rule.repeat,
    minuteOfDay: rule.minuteOfDay,
    startDate: rule.startDate,
    ...(rule.repeat === 'weekly' ? { weekdays: [...new Set(rule.weekdays)].sort((a, b) => a - b) } : {}),
    ...(rule.repeat === 'monthly' ? { dayOfMonth: rule.dayOfMonth as number } : {}),
    ...(rule.repeat !== 'once' && rule.endDate ? { endDate: rule.endDate } : {}),
  }
}

/** The actor must be able to post where the occurrences will go, as if posting them now. */
async function assertPlace(
  w: WriteContext,
  actor: Actor,
  conversationId: number | null,
  queueId: number | null,
): Promise<void> {
  let queueConversation: number | null = null
  if (queueId !== null) {
    const queue = await w.trx.selectFrom('task_queue').selectAll().where('id', '=', queueId).executeTakeFirst()
    if (!queue || queue.archived_at !== null) throw notFound('queue_not_found', 'No such queue.')
    queueConversation = queue.conversation_id
  }
  const target = conversationId ?? queueConversation
  if (target === null) throw badRequest('place_required', 'Say where the tasks go: a conversationId or a queueId.')
  assertCanPost(actor, await requireReadable(w.trx, actor, target), false)
}

function columnsOf(input: ScheduleInput): ScheduleColumns {
  const columns: ScheduleColumns = {}
  if (input.title !== undefined) {
    const title = cleanText(input.title, MAX_TITLE, 'title_too_long', 'A title')
    if (!title) throw badRequest('invalid_title', 'A schedule needs a title.')
    columns.title = title
  }
  if (input.details !== undefined) columns.details = input.details.trim() === '' ? '' : assertBody(input.details, true)
  if (input.privateDetails !== undefined) {
    const privateDetails = input.privateDetails.trim()
    if ([...privateDetails].length > MAX_PRIVATE_DETAILS)
      throw badRequest('private_details_too_long', `Private details can be at most ${MAX_PRIVATE_DETAILS} characters.`)
    columns.private_details = privateDetails
  }
  if (input.priority !== undefined) columns.priority = input.priority
  if (input.value !== undefined) columns.value = input.value
  if (input.skills !== undefined)
    columns.skills = JSON.stringify(cleanList(input.skills, MAX_SKILLS, 'invalid_skills', 'skills'))
  if (input.roles !== undefined) columns.roles = JSON.stringify([...new Set(input.roles)])
  if (input.checklist !== undefined)
    columns.checklist = JSON.stringify(
      cleanList(input.checklist, MAX_CHECKLIST, 'invalid_checklist', 'checklist items'),
    )
  if (input.photoRequired !== undefined) columns.photo_required = input.photoRequired ? 1 : 0
  if (input.conversationId !== undefined) columns.conversation_id = input.conversationId
  if (input.queueId !== undefined) columns.queue_id = input.queueId
  if (input.rule !== undefined) columns.rule = JSON.stringify(cleanRule(input.rule))
  if (input.dueAfterMinutes !== undefined) columns.due_after_minutes = input.dueAfterMinutes
  return columns
}

function viewOf(row: ScheduleRow, timezone: string | null, people: Map<number, PersonRef>, now: number): ScheduleView {
  const rule = parseJson<RecurrenceRule>(row.rule, { repeat: 'once', minuteOfDay: 0, startDate: '2000-01-01' })
  const isPaused = row.paused_at !== null
  const next =
    isPaused || timezone === null || ruleProblem(rule) !== null
      ? null
      : nextOccurrence(rule, timezone, Math.max(row.created_through, now))
  return {
    id: row.id,
    title: row.title,
    details: row.details,
    privateDetails: row.private_details,
    priority: row.priority,
    value: row.value,
    skills: parseJson<string[]>(row.skills, []),
    roles: parseJson<TakerRole[]>(row.roles, []),
    checklist: parseJson<string[]>(row.checklist, []),
    photoRequired: row.photo_required === 1,
    conversationId: row.conversation_id,
    queueId: row.queue_id,
    rule,
    dueAfterMinutes: row.due_after_minutes,
    isPaused,
    nextAt: next?.at ?? null,
    createdBy: row.created_by === null ? null : (people.get(row.created_by) ?? null),
    createdAt: row.created_at,
  }
}

async function viewsOf(ctx: AppContext, db: Kysely<DB>, rows: ScheduleRow[]): Promise<ScheduleView[]> {
  const ids = [...new Set(rows.flatMap((row) => (row.created_by === null ? [] : [row.created_by])))]
  const people = new Map(
    (ids.length
      ? await db.selectFrom('member').select(['id', 'username', 'display_name']).where('id', 'in', ids).execute()
      : []
    ).map((m) => [m.id, { id: m.id, username: m.username, displayName: m.display_name }]),
  )
  const timezone = await shopTimezone(ctx, db)
  const now = ctx.clock.now()
  return rows.map((row) => viewOf(row, timezone, people, now))
}

async function scheduleView(ctx: AppContext, db: Kysely<DB>, id: number): Promise<ScheduleView> {
  const row = await db.selectFrom('task_schedule').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw scheduleNotFound()
  return (await viewsOf(ctx, db, [row]))[0] as ScheduleView
}

export async function listSchedules(ctx: AppContext): Promise<ScheduleView[]> {
  const rows = await ctx.db.selectFrom('task_schedule').selectAll().orderBy('id').execute()
  return viewsOf(ctx, ctx.db, rows)
}

/**
 * Creates a schedule (a dispatcher). Occurrences from its creation on are made: one whose
 * time passed earlier today is not made after the fact.
 */
export async function createSchedule(
  ctx: AppContext,
  actor: Actor,
  input: ScheduleInput & { title: string; rule: RecurrenceRule },
): Promise<ScheduleView> {
  const columns = columnsOf(input)
  return ctx.write(async (w) => {
    await assertPlace(w, actor, input.conversationId ?? null, input.queueId ?? null)
    const row = await w.trx
      .insertInto('task_schedule')
      .values({
        ...(columns as { title: string; rule: string }),
        created_through: w.now,
        created_by: actor.member.id,
        created_at: w.now,
        paused_at: input.isPaused ? w.now : null,
      })
      .returning(['id', 'title'])
      .executeTakeFirstOrThrow()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.schedule_changed',
      target: { id: row.id, name: row.title },
      ip: actor.ip,
      detail: { change: 'created', rule: JSON.parse(columns.rule as string) as unknown },
    })
    return scheduleView(ctx, w.trx, row.id)
  })
}

/**
 * Changes a schedule (a dispatcher). A paused schedule makes nothing, and resuming it does
 * not make what would have happened while it was paused.
 */
export async function updateSchedule(
  ctx: AppContext,
  actor: Actor,
  id: number,
  input: ScheduleInput,
): Promise<ScheduleView> {
  const columns = columnsOf(input)
  return ctx.write(async (w) => {
    const current = await w.trx.selectFrom('task_schedule').selectAll().where('id', '=', id).executeTakeFirst()
    if (!current) throw scheduleNotFound()
    if (input.conversationId !== undefined || input.queueId !== undefined) {
      await assertPlace(
        w,
        actor,
        input.conversationId === undefined ? current.conversation_id : input.conversationId,
        input.queueId === undefined ? current.queue_id : input.queueId,
      )
    }
    if (input.isPaused === true && current.paused_at === null) columns.paused_at = w.now
    if (input.isPaused === false && current.paused_at !== null) {
      columns.paused_at = null
      columns.created_through = Math.max(current.created_through, w.now)
    }
    if (Object.keys(columns).length)
      await w.trx.updateTable('task_schedule').set(columns).where('id', '=', id).execute()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.schedule_changed',
      target: { id, name: (columns.title as string | undefined) ?? current.title },
      ip: actor.ip,
      detail: { change: 'updated', fields: Object.keys(input) },
    })
    return scheduleView(ctx, w.trx, id)
  })
}

/** Deletes a schedule; the tasks it made stay, no longer linked to it. */
export async function deleteSchedule(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  await ctx.write(async (w) => {
    const current = await w.trx.selectFrom('task_schedule').selectAll().where('id', '=', id).executeTakeFirst()
    if (!current) throw scheduleNotFound()
    await w.trx.deleteFrom('task_schedule').where('id', '=', id).execute()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.schedule_changed',
      target: { id, name: current.title },
      ip: actor.ip,
      detail: { change: 'deleted' },
    })
  })
}

/** Makes the tasks of one schedule's occurrences in (created_through, now]; returns how many. */
async function createOccurrences(ctx: AppContext, w: WriteContext, schedule: ScheduleRow, timezone: string) {
  const rule = JSON.parse(schedule.rule) as RecurrenceRule
  const due = occurrencesBetween(rule, timezone, schedule.created_through, w.now)
  if (due.length === 0) return 0
  const author =
    schedule.created_by === null
      ? null
      : ((await w.trx.selectFrom('member').selectAll().where('id', '=', schedule.created_by).executeTakeFirst()) ??
        null)
  let created = 0
  for (const occurrence of due) {
    const existing = await w.trx
      .selectFrom('task')
      .select('message_id')
      .where('schedule_id', '=', schedule.id)
      .where('occurrence_key', '=', occurrence.key)
      .executeTakeFirst()
    if (existing) continue
    await insertTask(
      ctx,
      w,
      author,
      null,
      {
        title: schedule.title,
        details: schedule.details,
        privateDetails: schedule.private_details,
        priority: schedule.priority,
        value: schedule.value,
        skills: parseJson<string[]>(schedule.skills, []),
        roles: parseJson<Role[]>(schedule.roles, []),
        checklist: parseJson<string[]>(schedule.checklist, []),
        photoRequired: schedule.photo_required === 1,
        dueAt: occurrence.at + schedule.due_after_minutes * 60_000,
        ...(schedule.conversation_id === null ? {} : { conversationId: schedule.conversation_id }),
        ...(schedule.queue_id === null ? {} : { queueId: schedule.queue_id }),
      },
      { scheduleId: schedule.id, occurrenceKey: occurrence.key },
    )
    created++
  }
  return created
}

/**
 * The timer's duty: makes every due occurrence of every running schedule, in one write.
 * Each schedule runs in its own savepoint: one whose place no longer takes tasks (its
 * channel archived) skips its occurrences and is logged, and the others go on.
 */
export async function createDueOccurrences(ctx: AppContext): Promise<number> {
  const timezone = await shopTimezone(ctx, ctx.db)
  if (timezone === null) return 0
  return ctx.write(async (w) => {
    const schedules = await w.trx
      .selectFrom('task_schedule')
      .selectAll()
      .where('paused_at', 'is', null)
      .where('created_through', '<', w.now)
      .orderBy('created_through')
      .orderBy('id')
      .limit(SCHEDULES_PER_RUN)
      .execute()
    const inner = ctx.write.within(w)
    let created = 0
    for (const schedule of schedules) {
      if (created >= OCCURRENCES_PER_RUN) break
      try {
        created += await inner((savepoint) => createOccurrences(ctx, savepoint, schedule, timezone))
      } catch (error) {
        if (!(error instanceof AppError)) {
          // Unexpected: keep the occurrences to try again on the next run.
          ctx.log.error({ err: error, scheduleId: schedule.id }, 'scheduled task could not be made')
          continue
        }
        ctx.log.warn({ code: error.code, scheduleId: schedule.id }, 'scheduled task skipped: its place refuses it')
      }
      await w.trx
        .updateTable('task_schedule')
        .set({ created_through: w.now })
        .where('id', '=', schedule.id)
        .where('created_through', '<', w.now)
        .execute()
    }
    return created
  })
}
