/**
 * Problem reports: any member files one (the app's Report button, Telegram's /report) in a
 * category; it becomes a task in the category's queue. The reporter and the category's
 * responsible members follow it, so the notifications about it (created, done with the
 * note and photos) know whom to tell.
 */
import type { Kysely, Selectable } from 'kysely'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { AppError, badRequest, conflict, forbidden, notFound } from '../shared/errors'
import type { DB, ReportCategoryTable } from '../db/schema'
import { auditParty, type Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { requireReadable } from '../conversations/access'
import type { AttachmentInput } from '../files/service'
import { createTask, MAX_TITLE, type TaskView } from './service'

const MAX_RESPONSIBLE = 20

export interface CategoryView {
  id: number
  name: string
  queue: { id: number; name: string }
  priority: number
  responsibleIds: number[]
  isArchived: boolean
  createdAt: number
}

export interface CategoryInput {
  name?: string | undefined
  queueId?: number | undefined
  priority?: number | undefined
  responsibleIds?: number[] | undefined
  isArchived?: boolean | undefined
}

export interface ReportInput {
  categoryId: number
  text?: string | undefined
  attachments?: AttachmentInput[] | undefined
  clientKey: string
}

const categoryNotFound = () => notFound('category_not_found', 'No such report category.')

function parseIds(json: string): number[] {
  try {
    const value = JSON.parse(json) as unknown
    return Array.isArray(value) ? value.filter((v): v is number => Number.isInteger(v)) : []
  } catch {
    return []
  }
}

function toView(row: Selectable<ReportCategoryTable> & { queue_name: string }): CategoryView {
  return {
    id: row.id,
    name: row.name,
    queue: { id: row.queue_id, name: row.queue_name },
    priority: row.priority,
    responsibleIds: parseIds(row.responsible_ids),
    isArchived: row.archived_at !== null,
    createdAt: row.created_at,
  }
}

function selectCategories(db: Kysely<DB>) {
  return db
    .selectFrom('report_category')
    .innerJoin('task_queue', 'task_queue.id', 'report_category.queue_id')
    .selectAll('report_category')
    .select('task_queue.name as queue_name')
}

async function categoryView(db: Kysely<DB>, id: number): Promise<CategoryView> {
  const row = await selectCategories(db).where('report_category.id', '=', id).executeTakeFirst()
  if (!row) throw categoryNotFound()
  return toView(row)
}

/** Categories for the Report button (archived ones too, marked, for the settings page). */
export async function listCategories(ctx: AppContext): Promise<CategoryView[]> {
  const rows = await selectCategories(ctx.db).orderBy('report_category.name').execute()
  return rows.map(toView)
}

async function cleanCategory(w: WriteContext, input: CategoryInput, id: number | null) {
  const columns: Record<string, unknown> = {}
  if (input.name !== undefined) {
    const name = input.name.replace(/\s+/g, ' ').trim()
    if (!name || [...name].length > 60)
      throw badRequest('invalid_name', 'A category needs a name of at most 60 characters.')
    let clash = w.trx.selectFrom('report_category').select('id').where('name', '=', name)
    if (id !== null) clash = clash.where('id', '!=', id)
    if (await clash.executeTakeFirst()) throw conflict('category_exists', 'A category with that name already exists.')
    columns.name = name
  }
  if (input.queueId !== undefined) {
    const queue = await w.trx
      .selectFrom('task_queue')
      .select(['id', 'archived_at'])
      .where('id', '=', input.queueId)
      .executeTakeFirst()
    if (!queue || queue.archived_at !== null) throw notFound('queue_not_found', 'No such queue.')
    columns.queue_id = queue.id
  }
  if (input.priority !== undefined) columns.priority = input.priority
  if (input.responsibleIds !== undefined) {
    const ids = [...new Set(input.responsibleIds)]
    if (ids.length > MAX_RESPONSIBLE)
      throw badRequest('invalid_member', `At most ${MAX_RESPONSIBLE} responsible members.`)
    const active = ids.length
      ? await w.trx
          .selectFrom('member')
          .select('id')
          .where('id', 'in', ids)
          .where('status', '=', 'active')
          .where('role', '!=', 'display')
          .execute()
      : []
    if (active.length !== ids.length)
      throw badRequest('invalid_member', 'Responsible members must be active members of the shop.')
    columns.responsible_ids = JSON.stringify(ids)
  }
  if (input.isArchived !== undefined) columns.archived_at = input.isArchived ? w.now : null
  return columns
}

/** Creates a report category (owners: settings.manage). */
export async function createCategory(
  ctx: AppContext,
  actor: Actor,
  input: CategoryInput & { name: string; queueId: number },
): Promise<CategoryView> {
  return ctx.write(async (w) => {
    const columns = await cleanCategory(w, input, null)
    const row = await w.trx
      .insertInto('report_category')
      .values({ ...(columns as { name: string; queue_id: number }), created_at: w.now })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.category_changed',
      target: { id: row.id, name: row.name },
      ip: actor.ip,
      detail: { change: 'created', ...input },
    })
    return categoryView(w.trx, row.id)
  })
}

export async function updateCategory(
  ctx: AppContext,
  actor: Actor,
  id: number,
  input: CategoryInput,
): Promise<CategoryView> {
  return ctx.write(async (w) => {
    const current = await w.trx.selectFrom('report_category').selectAll().where('id', '=', id).executeTakeFirst()
    if (!current) throw categoryNotFound()
    const columns = await cleanCategory(w, input, id)
    if (Object.keys(columns).length)
      await w.trx.updateTable('report_category').set(columns).where('id', '=', id).execute()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.category_changed',
      target: { id, name: (columns.name as string | undefined) ?? current.name },
      ip: actor.ip,
      detail: { change: 'updated', ...input },
    })
    return categoryView(w.trx, id)
  })
}

/** A report's title: its text's first line, or the category's name when it has no text. */
function titleOf(text: string, categoryName: string): string {
  const firstLine = text
    .split(/\r?\n/)
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .find(Boolean)
  if (!firstLine) return categoryName
  const characters = [...firstLine]
  return characters.length <= MAX_TITLE ? firstLine : `${characters.slice(0, MAX_TITLE - 1).join('')}…`
}

/**
 * Files a problem report (any active member; idempotent by client key): a task in the
 * category's queue at the category's priority, followed by the reporter and the category's
 * responsible members. The reporter must be in the queue's channel, where the task goes.
 */
export async function createReport(
  ctx: AppContext,
  actor: Actor,
  input: ReportInput,
): Promise<{ task: TaskView; isNew: boolean }> {
  if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display cannot report problems.')
  const text = input.text ?? ''
  const attachments = input.attachments ?? []
  if (text.trim() === '' && attachments.length === 0)
    throw badRequest('empty_report', 'Say what the problem is, or attach a photo, video or voice note.')
  return ctx.write(async (w) => {
    const category = await w.trx
      .selectFrom('report_category')
      .innerJoin('task_queue', 'task_queue.id', 'report_category.queue_id')
      .selectAll('report_category')
      .select(['task_queue.conversation_id', 'task_queue.name as queue_name'])
      .where('report_category.id', '=', input.categoryId)
      .executeTakeFirst()
    if (!category || category.archived_at !== null) throw categoryNotFound()
    await requireReadable(w.trx, actor, category.conversation_id).catch((error: unknown) => {
      if (error instanceof AppError && error.status === 404)
        throw forbidden(
          'not_in_queue_channel',
          `Reports of this kind go to the ${category.queue_name} channel, which you are not in. Ask a manager to add you.`,
        )
      throw error
    })
    const result = await createTask(
      { ...ctx, write: ctx.write.within(w) },
      actor,
      {
        title: titleOf(text, category.name),
        details: text,
        attachments,
        queueId: category.queue_id,
        priority: category.priority,
        clientKey: input.clientKey,
      },
      { origin: { reporterId: actor.member.id, categoryId: category.id }, skipPermission: true },
    )
    if (result.isNew)
      await addResponsibleFollowers(w, result.task.id, category.conversation_id, category.responsible_ids)
    return result
  })
}

/**
 * Responsible members follow the report, those who can read its channel only: a follower
 * is told about the task, which someone outside the channel may not see.
 */
async function addResponsibleFollowers(w: WriteContext, taskId: number, conversationId: number, idsJson: string) {
  const ids = parseIds(idsJson)
  if (ids.length === 0) return
  const readers = await w.trx
    .selectFrom('conversation_member')
    .innerJoin('member', 'member.id', 'conversation_member.member_id')
    .select('member.id')
    .where('conversation_member.conversation_id', '=', conversationId)
    .where('member.id', 'in', ids)
    .where('member.status', '=', 'active')
    .execute()
  if (readers.length === 0) return
  await w.trx
    .insertInto('task_follower')
    .values(readers.map((reader) => ({ task_id: taskId, member_id: reader.id })))
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** Who follows a task (its reporter and the category's responsible members), by member id. */
export async function followersOf(db: Kysely<DB>, taskId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('task_follower')
    .select('member_id')
    .where('task_id', '=', taskId)
    .orderBy('member_id')
    .execute()
  return rows.map((row) => row.member_id)
}
