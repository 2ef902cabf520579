/**
 * Tasks: jobs exactly one member takes. Every surface (the web app, a push notification's
 * Take action, a Telegram button in a group or a private chat) calls these functions; the
 * claim itself is one conditional write inside the transaction (repo.claim), so however
 * many press Take at once, one wins and everyone else learns who.
 */
import type { Kysely } from 'kysely'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { AppError, badRequest, conflict, forbidden, notFound } from '../shared/errors'
import type { AttachmentView, MessageView, PersonRef, TaskAction, TaskFields, TaskState } from '../shared/events'
import { auditParty, can, type Actor } from '../auth/actor'
import { effectivePermissions, type Permission } from '../auth/permissions'
import { selectPermissions } from '../auth/repo'
import { recordAudit } from '../audit/service'
import type { DB, Member, QueueMode, Role } from '../db/schema'
import { prepareAttachments, type AttachmentInput } from '../files/service'
import { assertCanPost, assertCanWrite, requireReadable } from '../conversations/access'
import { assertBody, CLIENT_KEY_PATTERN, insertMessage } from '../conversations/messages-service'
import { selectConversation, selectMessageByClientKey } from '../conversations/repo'
import { createChannel } from '../conversations/service'
import { hydrateMessages } from '../conversations/views'
import { canSeePrivateDetails, parseList } from './kind'
import { compareQueued, ineligibility, MAX_PRIORITY } from './rules'
import * as repo from './repo'

export const MAX_TITLE = 200
export const MAX_PRIVATE_DETAILS = 2_000
export const MAX_CHECKLIST = 30
export const MAX_SKILLS = 10
const NEXT_PAGE = 50

/** A task as the API answers it: the message's own fields and the task's. */
export interface TaskView extends TaskFields {
  id: number
  conversationId: number
  details: string
  attachments: AttachmentView[]
  createdAt: number
}

export interface TaskInput {
  title: string
  details?: string | undefined
  privateDetails?: string | undefined
  detailsBeforeTaking?: boolean | undefined
  priority?: number | undefined
  value?: number | null | undefined
  dueAt?: number | null | undefined
  skills?: string[] | undefined
  roles?: Role[] | undefined
  checklist?: string[] | undefined
  photoRequired?: boolean | undefined
  attachments?: AttachmentInput[] | undefined
  conversationId?: number | undefined
  queueId?: number | undefined
  clientKey: string
  /** Only members with this permission may take it (set by features, not by the API). */
  requiredPermission?: Permission | undefined
}

/** Who else a task concerns, for a change made on behalf of the system (a timer). */
export interface Origin {
  /** Set for tasks a schedule makes: one per occurrence. */
  scheduleId?: number
  occurrenceKey?: string
  reporterId?: number
  categoryId?: number
}

const taskNotFound = () => notFound('task_not_found', 'No such task, or you cannot see it.')

function cleanTitle(title: string): string {
  const trimmed = title.replace(/\s+/g, ' ').trim()
  if (!trimmed) throw badRequest('invalid_title', 'A task needs a title.')
  if ([...trimmed].length > MAX_TITLE)
    throw badRequest('title_too_long', `A title can be at most ${MAX_TITLE} characters.`)
  return trimmed
}

function cleanList(values: readonly string[] | undefined, max: number, code: string, what: string): string[] {
  const list = [...new Set((values ?? []).map((v) => v.replace(/\s+/g, ' ').trim()).filter(Boolean))]
  if (list.length > max) throw badRequest(code, `At most ${max} ${what}.`)
  for (const item of list)
    if ([...item].length > 200) throw badRequest(code, `Each of the ${what} can be at most 200 characters.`)
  return list
}

function assertPriority(priority: number): void {
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY)
    throw badRequest('invalid_priority', 'Priority is a whole number from 0 to 100.')
}

/** The conversation a new task goes to: the one named, or the queue's own channel. */
async function placeOf(w: WriteContext, actor: Actor | null, input: Pick<TaskInput, 'conversationId' | 'queueId'>) {
  let queue: Awaited<ReturnType<typeof repo.selectQueue>> = undefined
  if (input.queueId !== undefined) {
    queue = await repo.selectQueue(w.trx, input.queueId)
    if (!queue || queue.archived_at !== null) throw notFound('queue_not_found', 'No such queue.')
  }
  const conversationId = input.conversationId ?? queue?.conversation_id
  if (conversationId === undefined)
    throw badRequest('place_required', 'Say where the task goes: a conversationId or a queueId.')
  const conversation = actor
    ? await requireReadable(w.trx, actor, conversationId)
    : await selectConversation(w.trx, conversationId)
  if (!conversation) throw notFound('conversation_not_found', 'No such conversation.')
  return { conversation, queue }
}

/**
 * Posts a task (needs tasks.dispatch) in a conversation, a queue, or both; idempotent by
 * client key. `origin` is for tasks the shop makes itself (a schedule) or a problem report.
 */
export async function createTask(
  ctx: AppContext,
  actor: Actor,
  input: TaskInput,
  options: { origin?: Origin; skipPermission?: boolean } = {},
): Promise<{ task: TaskView; isNew: boolean }> {
  if (!options.skipPermission && !can(actor, 'tasks.dispatch'))
    throw forbidden('dispatch_required', 'Only members who dispatch tasks can post them.')
  if (!CLIENT_KEY_PATTERN.test(input.clientKey))
    throw badRequest('invalid_client_key', 'clientKey must be 8 to 64 letters, digits, - or _.')
  return ctx.write(async (w) => {
    const existing = await selectMessageByClientKey(w.trx, actor.member.id, input.clientKey)
    if (existing) {
      if (existing.kind !== 'task') throw conflict('client_key_reused', 'That clientKey was used for another message.')
      await requireReadable(w.trx, actor, existing.conversation_id)
      return { task: await taskView(ctx, w.trx, actor, existing.id), isNew: false }
    }
    const created = await insertTask(ctx, w, actor.member, actor, input, options.origin ?? {})
    return { task: await taskView(ctx, w.trx, actor, created), isNew: true }
  })
}

/**
 * Stores a task in the caller's write: the message, its task row, its checklist and the
 * "created" change. `actor` is null for the shop's own tasks (a schedule's), whose author
 * is the schedule's creator.
 */
export async function insertTask(
  ctx: AppContext,
  w: WriteContext,
  author: Member | null,
  actor: Actor | null,
  input: Omit<TaskInput, 'clientKey'> & { clientKey?: string | null },
  origin: Origin,
): Promise<number> {
  const title = cleanTitle(input.title)
  const details = (input.details ?? '').trim() === '' ? '' : assertBody(input.details ?? '', true)
  const privateDetails = (input.privateDetails ?? '').trim()
  if ([...privateDetails].length > MAX_PRIVATE_DETAILS)
    throw badRequest('private_details_too_long', `Private details can be at most ${MAX_PRIVATE_DETAILS} characters.`)
  const priority = input.priority ?? 50
  assertPriority(priority)
  if (input.value !== undefined && input.value !== null && (!Number.isInteger(input.value) || input.value < 0))
    throw badRequest('invalid_value', 'Value is a whole number, 0 or more.')
  const skills = cleanList(input.skills, MAX_SKILLS, 'invalid_skills', 'skills')
  const checklist = cleanList(input.checklist, MAX_CHECKLIST, 'invalid_checklist', 'checklist items')
  const { conversation, queue } = await placeOf(w, actor, input)
  if (actor) assertCanPost(actor, conversation, false)
  else if (conversation.archived_at !== null) throw conflict('conversation_archived', 'This conversation is archived.')
  const attachments = actor ? await prepareAttachments(w, actor, input.attachments ?? []) : []
  const message = await insertMessage(ctx, w, {
    conversation,
    author,
    kind: 'task',
    body: details,
    clientKey: input.clientKey ?? null,
    attachments,
    beforeEmit: async (messageId) => {
      await w.trx
        .insertInto('task')
        .values({
          message_id: messageId,
          queue_id: queue?.id ?? null,
          title,
          private_details: privateDetails,
          details_before_taking: input.detailsBeforeTaking && privateDetails ? 1 : 0,
          priority,
          value: input.value ?? null,
          due_at: input.dueAt ?? null,
          skills: JSON.stringify(skills),
          roles: JSON.stringify(input.roles ?? []),
          photo_required: input.photoRequired ? 1 : 0,
          required_permission: input.requiredPermission ?? null,
          state: 'open',
          created_by: author?.id ?? null,
          created_at: w.now,
          opened_at: w.now,
          reporter_id: origin.reporterId ?? null,
          category_id: origin.categoryId ?? null,
          schedule_id: origin.scheduleId ?? null,
          occurrence_key: origin.occurrenceKey ?? null,
        })
        .execute()
      if (checklist.length) {
        await w.trx
          .insertInto('task_check')
          .values(checklist.map((text, position) => ({ task_id: messageId, position, text })))
          .execute()
      }
      if (origin.reporterId !== undefined) {
        await w.trx.insertInto('task_follower').values({ task_id: messageId, member_id: origin.reporterId }).execute()
      }
      await repo.insertChange(w.trx, {
        taskId: messageId,
        action: 'created',
        actorId: author?.id ?? null,
        memberId: null,
        at: w.now,
      })
    },
  })
  emitChanged(w, message, 'created', author, null)
  return message.id
}

/** The task as `viewer` may see it (private details only for those allowed). */
export async function taskView(ctx: AppContext, db: Kysely<DB>, viewer: Actor | null, id: number): Promise<TaskView> {
  const message = await db
    .selectFrom('message')
    .selectAll()
    .where('id', '=', id)
    .where('kind', '=', 'task')
    .executeTakeFirst()
  if (!message) throw taskNotFound()
  const [view] = (await hydrateMessages(ctx.kinds, db, [message], { viewer })) as [MessageView]
  return toTaskView(view)
}

export function toTaskView(view: MessageView): TaskView {
  const task = view.task as TaskFields
  return {
    ...task,
    id: view.id,
    conversationId: view.conversationId,
    details: view.body,
    attachments: view.attachments,
    createdAt: view.createdAt,
  }
}

function emitChanged(
  w: WriteContext,
  view: MessageView,
  action: TaskAction,
  by: Pick<Member, 'id' | 'username' | 'display_name'> | null,
  memberId: number | null,
): void {
  const task = view.task as TaskFields
  w.emit(
    'task.changed',
    { kind: 'conversation', id: view.conversationId },
    {
      taskId: view.id,
      conversationId: view.conversationId,
      action,
      state: task.state,
      takenBy: task.takenBy,
      by: by ? { id: by.id, username: by.username, displayName: by.display_name } : null,
      memberId,
      title: task.title,
      version: task.version,
    },
  )
}

/** The task row for a change by `actor`, who must be able to read its conversation. */
async function requireTask(w: WriteContext, actor: Actor, id: number) {
  const task = await repo.selectTask(w.trx, id)
  if (!task || task.deleted_at !== null) throw taskNotFound()
  await requireReadable(w.trx, actor, task.conversation_id).catch((error: unknown) => {
    throw error instanceof AppError && error.status === 404 ? taskNotFound() : error
  })
  return task
}

/**
 * Records a change: the task's row was already updated by the caller; this adds the
 * change, a system line in the task's thread (who, when), and the events.
 */
export async function recordChange(
  ctx: AppContext,
  w: WriteContext,
  taskId: number,
  action: TaskAction,
  actor: Pick<Member, 'id' | 'username' | 'display_name'> | null,
  options: {
    memberId?: number | null
    note?: string
    attachments?: Awaited<ReturnType<typeof prepareAttachments>>
  } = {},
): Promise<MessageView> {
  await repo.insertChange(w.trx, {
    taskId,
    action,
    actorId: actor?.id ?? null,
    memberId: options.memberId ?? null,
    at: w.now,
  })
  const message = await w.trx.selectFrom('message').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow()
  const conversation = await selectConversation(w.trx, message.conversation_id)
  let detail = ''
  if (options.memberId) {
    const member = await w.trx
      .selectFrom('member')
      .select('display_name')
      .where('id', '=', options.memberId)
      .executeTakeFirst()
    detail = member?.display_name ?? ''
  }
  let lineId: number | null = null
  if (conversation) {
    const line = await insertMessage(ctx, w, {
      conversation,
      author: actor
        ? ((await w.trx.selectFrom('member').selectAll().where('id', '=', actor.id).executeTakeFirst()) ?? null)
        : null,
      kind: 'system',
      body: options.note ?? '',
      replyToId: taskId,
      attachments: options.attachments ?? [],
      systemData: { action: `task.${action}`, detail },
    })
    lineId = line.id
  }
  if (action === 'done' && lineId !== null) {
    await w.trx.updateTable('task').set({ done_message_id: lineId }).where('message_id', '=', taskId).execute()
  }
  const [view] = (await hydrateMessages(ctx.kinds, w.trx, [message])) as [MessageView]
  w.emit('message.updated', { kind: 'conversation', id: message.conversation_id }, { message: view })
  emitChanged(w, view, action, actor, options.memberId ?? null)
  return view
}

function personOf(row: { id: number; username: string; display_name: string }): PersonRef {
  return { id: row.id, username: row.username, displayName: row.display_name }
}

async function shopActiveLimit(db: Kysely<DB>): Promise<number> {
  const shop = await db.selectFrom('shop').select('task_active_limit').executeTakeFirst()
  return shop?.task_active_limit ?? 1
}

/** What a member may take: their skills, limit and cap, and their shift as it applies now. */
export async function candidateOf(db: Kysely<DB>, member: Member, now: number) {
  const profile = await repo.selectProfile(db, member.id)
  const skills = profile ? (JSON.parse(profile.skills) as string[]) : []
  const shiftExpired = member.shift_status_until !== null && member.shift_status_until <= now
  const grants = (await selectPermissions(db, [member.id])).get(member.id) ?? []
  return {
    permissions: effectivePermissions(member.role, grants),
    role: member.role,
    skills,
    scoreCap: profile?.score_cap ?? null,
    shift: shiftExpired ? ('on_shift' as const) : member.shift_status,
    activeLimit: profile?.active_limit ?? (await shopActiveLimit(db)),
  }
}

function requirementOf(task: repo.TaskRow) {
  return {
    skills: parseList(task.skills),
    roles: parseList(task.roles),
    value: task.value,
    requiresOnShift: task.queue_requires_on_shift === 1,
    requiredPermission: task.required_permission,
  }
}

function takenError(takenBy: { id: number; display_name: string } | undefined): AppError {
  const name = takenBy?.display_name ?? 'someone else'
  return new AppError(409, 'task_taken', `Already taken by ${name}.`, undefined, {
    takenBy: takenBy ? { id: takenBy.id, displayName: takenBy.display_name } : undefined,
  })
}

async function assertCanHoldMore(w: WriteContext, memberId: number, limit: number): Promise<void> {
  if ((await repo.countHeld(w.trx, memberId)) >= limit) {
    throw conflict(
      'active_limit',
      limit === 1 ? 'Finish or give back the job you have before taking another.' : `You already hold ${limit} jobs.`,
    )
  }
}

/**
 * Takes a task for the actor. Exactly one member wins however many press at once: the
 * winner gets the task with its private details, everyone else 409 `task_taken` with who
 * has it. Pressing again on a task one already holds changes nothing.
 */
export async function takeTask(ctx: AppContext, actor: Actor, id: number): Promise<TaskView> {
  if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display cannot take jobs.')
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    await claimFor(ctx, w, actor, task, { viaNext: false })
    return taskView(ctx, w.trx, actor, id)
  })
}

async function claimFor(
  ctx: AppContext,
  w: WriteContext,
  actor: Actor,
  task: repo.TaskRow,
  options: { viaNext: boolean },
) {
  if (task.state === 'taken' || task.state === 'started') {
    if (task.taken_by === actor.member.id) return false
    const taker =
      task.taken_by === null
        ? undefined
        : await w.trx
            .selectFrom('member')
            .select(['id', 'display_name'])
            .where('id', '=', task.taken_by)
            .executeTakeFirst()
    throw takenError(taker)
  }
  if (task.state !== 'open')
    throw conflict('task_closed', task.state === 'done' ? 'This job is already done.' : 'This job was cancelled.')
  const conversation = await selectConversation(w.trx, task.conversation_id)
  if (conversation) assertCanWrite(actor, conversation)
  const candidate = await candidateOf(w.trx, actor.member, w.now)
  const reason = ineligibility(candidate, requirementOf(task))
  if (reason) throw new AppError(403, 'not_eligible', reason)
  if (!options.viaNext && task.queue_mode === 'pull' && !can(actor, 'tasks.dispatch')) {
    throw forbidden('pull_queue', `Jobs in ${task.queue_name ?? 'this queue'} are handed out in order: press Next.`)
  }
  await assertCanHoldMore(w, actor.member.id, candidate.activeLimit)
  if (!(await repo.claim(w.trx, task.message_id, actor.member.id, w.now))) throw takenError(undefined)
  await recordChange(ctx, w, task.message_id, 'taken', actor.member)
  return true
}

/**
 * Next: assigns the actor the most important open task they may take from the queues they
 * are in (or from one queue), atomically. Null when nothing is eligible.
 */
export async function nextTask(ctx: AppContext, actor: Actor, queueId: number | null): Promise<TaskView | null> {
  if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display cannot take jobs.')
  return ctx.write(async (w) => {
    if (queueId !== null) {
      const queue = await repo.selectQueue(w.trx, queueId)
      if (!queue || queue.archived_at !== null) throw notFound('queue_not_found', 'No such queue.')
    }
    const candidate = await candidateOf(w.trx, actor.member, w.now)
    await assertCanHoldMore(w, actor.member.id, candidate.activeLimit)
    // In the queue's order a page at a time: the first eligible one is usually near the top.
    let first: repo.TaskRow | undefined
    for (let offset = 0; !first; offset += NEXT_PAGE) {
      const page = await repo.selectOpenQueued(w.trx, actor.member.id, queueId, w.now, { limit: NEXT_PAGE, offset })
      first = page.find((task) => ineligibility(candidate, requirementOf(task)) === null)
      if (page.length < NEXT_PAGE) break
    }
    if (!first) return null
    await claimFor(ctx, w, actor, first, { viaNext: true })
    return taskView(ctx, w.trx, actor, first.message_id)
  })
}

function isDispatcher(actor: Actor): boolean {
  return can(actor, 'tasks.dispatch')
}

function assertTakerOrDispatcher(actor: Actor, task: repo.TaskRow, what: string): void {
  if (task.taken_by !== actor.member.id && !isDispatcher(actor))
    throw forbidden('not_taker', `Only whoever has the job, or a dispatcher, can ${what}.`)
}

export async function setState(
  w: WriteContext,
  id: number,
  from: readonly TaskState[],
  change: Record<string, unknown>,
): Promise<void> {
  const result = await w.trx
    .updateTable('task')
    .set((eb) => ({ ...change, version: eb('version', '+', 1) }))
    .where('message_id', '=', id)
    .where('state', 'in', [...from])
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw conflict('task_changed', 'The job changed meanwhile; look again.')
}

/** Gives a task back to the queue (its taker), or takes it back from its taker (a dispatcher). */
export async function releaseTask(ctx: AppContext, actor: Actor, id: number): Promise<TaskView> {
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    if (task.state !== 'taken' && task.state !== 'started') throw conflict('not_taken', 'Nobody has this job.')
    assertTakerOrDispatcher(actor, task, 'give it back')
    await setState(w, id, ['taken', 'started'], {
      state: 'open',
      taken_by: null,
      taken_at: null,
      started_at: null,
      opened_at: w.now,
      escalated_at: null,
    })
    await recordChange(ctx, w, id, 'released', actor.member, {
      memberId: task.taken_by === actor.member.id ? null : task.taken_by,
    })
    return taskView(ctx, w.trx, actor, id)
  })
}

/** Starts a taken task (its taker). */
export async function startTask(ctx: AppContext, actor: Actor, id: number): Promise<TaskView> {
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    if (task.taken_by !== actor.member.id) throw forbidden('not_taker', 'Only whoever has the job can start it.')
    if (task.state === 'started') return taskView(ctx, w.trx, actor, id)
    if (task.state !== 'taken') throw conflict('not_taken', 'Take the job first.')
    await setState(w, id, ['taken'], { state: 'started', started_at: w.now })
    await recordChange(ctx, w, id, 'started', actor.member)
    return taskView(ctx, w.trx, actor, id)
  })
}

/** Finishes a task (its taker, or a dispatcher) with a note and photos; a task that needs a photo needs one. */
export async function finishTask(
  ctx: AppContext,
  actor: Actor,
  id: number,
  input: { note?: string | undefined; attachments?: AttachmentInput[] | undefined },
): Promise<TaskView> {
  const note = (input.note ?? '').trim() === '' ? '' : assertBody(input.note ?? '', true)
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    if (task.state === 'done') {
      if (task.taken_by === actor.member.id) return taskView(ctx, w.trx, actor, id)
      throw conflict('task_closed', 'This job is already done.')
    }
    if (task.state !== 'taken' && task.state !== 'started') throw conflict('not_taken', 'Take the job first.')
    assertTakerOrDispatcher(actor, task, 'finish it')
    const attachments = await prepareAttachments(w, actor, input.attachments ?? [])
    if (task.photo_required === 1 && !attachments.some((a) => a.kind === 'image' || a.kind === 'video'))
      throw badRequest('photo_required', 'This job needs a photo to finish.')
    await setState(w, id, ['taken', 'started'], { state: 'done', done_at: w.now, done_note: note })
    await recordChange(ctx, w, id, 'done', actor.member, { note, attachments })
    return taskView(ctx, w.trx, actor, id)
  })
}

/** Cancels a task (a dispatcher, or whoever posted it). */
export async function cancelTask(ctx: AppContext, actor: Actor, id: number): Promise<TaskView> {
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    if (!isDispatcher(actor) && task.created_by !== actor.member.id)
      throw forbidden('dispatch_required', 'Only a dispatcher or whoever posted it can cancel a job.')
    if (task.state === 'cancelled') return taskView(ctx, w.trx, actor, id)
    if (task.state === 'done') throw conflict('task_closed', 'This job is already done.')
    await setState(w, id, ['open', 'taken', 'started'], { state: 'cancelled', cancelled_at: w.now })
    await recordChange(ctx, w, id, 'cancelled', actor.member)
    return taskView(ctx, w.trx, actor, id)
  })
}

/**
 * Closes a task on the shop's behalf, in the caller's write (the customer conversation a
 * task stood for was answered some other way): done when someone had it, cancelled when
 * nobody did. Nothing happens to a task already closed.
 */
export async function closeTask(
  ctx: AppContext,
  w: WriteContext,
  id: number,
  by: Pick<Member, 'id' | 'username' | 'display_name'> | null,
): Promise<void> {
  const task = await repo.selectTask(w.trx, id)
  if (!task || task.deleted_at !== null || task.state === 'done' || task.state === 'cancelled') return
  if (task.state === 'open') {
    await setState(w, id, ['open'], { state: 'cancelled', cancelled_at: w.now })
    await recordChange(ctx, w, id, 'cancelled', by)
  } else {
    await setState(w, id, ['taken', 'started'], { state: 'done', done_at: w.now, done_note: '' })
    await recordChange(ctx, w, id, 'done', by)
  }
}

/** Opens a finished or cancelled task again (a dispatcher, or whoever posted it). */
export async function reopenTask(ctx: AppContext, actor: Actor, id: number): Promise<TaskView> {
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    if (!isDispatcher(actor) && task.created_by !== actor.member.id)
      throw forbidden('dispatch_required', 'Only a dispatcher or whoever posted it can reopen a job.')
    if (task.state === 'open') return taskView(ctx, w.trx, actor, id)
    if (task.state !== 'done' && task.state !== 'cancelled')
      throw conflict('task_active', 'This job is still being done.')
    await setState(w, id, ['done', 'cancelled'], {
      state: 'open',
      taken_by: null,
      taken_at: null,
      started_at: null,
      done_at: null,
      cancelled_at: null,
      opened_at: w.now,
      escalated_at: null,
    })
    await recordChange(ctx, w, id, 'reopened', actor.member)
    return taskView(ctx, w.trx, actor, id)
  })
}

/** Gives a task to a member (a dispatcher): they must be able to read its conversation. */
export async function reassignTask(ctx: AppContext, actor: Actor, id: number, memberId: number): Promise<TaskView> {
  if (!isDispatcher(actor)) throw forbidden('dispatch_required', 'Only a dispatcher can reassign a job.')
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    if (task.state === 'done' || task.state === 'cancelled') throw conflict('task_closed', 'Reopen the job first.')
    const member = await w.trx.selectFrom('member').selectAll().where('id', '=', memberId).executeTakeFirst()
    const isIn = member
      ? await w.trx
          .selectFrom('conversation_member')
          .select('member_id')
          .where('conversation_id', '=', task.conversation_id)
          .where('member_id', '=', memberId)
          .executeTakeFirst()
      : undefined
    if (!member || member.status !== 'active' || member.role === 'display' || !isIn)
      throw badRequest('invalid_member', 'Choose an active member who is in the job’s conversation.')
    if (task.taken_by === memberId) return taskView(ctx, w.trx, actor, id)
    await setState(w, id, ['open', 'taken', 'started'], {
      state: 'taken',
      taken_by: memberId,
      taken_at: w.now,
      started_at: null,
      escalated_at: null,
    })
    await recordChange(ctx, w, id, 'reassigned', actor.member, { memberId })
    return taskView(ctx, w.trx, actor, id)
  })
}

/**
 * "Get details" before taking: an eligible member of a task that allows it sees its private
 * details; the reveal is stored (they keep seeing them) and audited.
 */
export async function revealDetails(ctx: AppContext, actor: Actor, id: number): Promise<TaskView> {
  if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display cannot take jobs.')
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    const current = await taskView(ctx, w.trx, actor, id)
    if (canSeePrivateDetails(actor, current)) return current
    if (task.details_before_taking !== 1)
      throw forbidden('details_after_taking', 'The details of this job go to whoever takes it.')
    if (task.state !== 'open') {
      const taker =
        task.taken_by === null
          ? undefined
          : await w.trx
              .selectFrom('member')
              .select(['id', 'display_name'])
              .where('id', '=', task.taken_by)
              .executeTakeFirst()
      if (task.state === 'taken' || task.state === 'started') throw takenError(taker)
      throw conflict('task_closed', 'This job is closed.')
    }
    const reason = ineligibility(await candidateOf(w.trx, actor.member, w.now), requirementOf(task))
    if (reason) throw new AppError(403, 'not_eligible', reason)
    await w.trx
      .insertInto('task_reveal')
      .values({ task_id: id, member_id: actor.member.id, at: w.now })
      .onConflict((oc) => oc.doNothing())
      .execute()
    await repo.insertChange(w.trx, {
      taskId: id,
      action: 'revealed',
      actorId: actor.member.id,
      memberId: null,
      at: w.now,
    })
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.details_revealed',
      target: { id, name: task.title },
      ip: actor.ip,
    })
    return taskView(ctx, w.trx, actor, id)
  })
}

/** Ticks or unticks a checklist item (the taker, or a dispatcher). */
export async function checkItem(
  ctx: AppContext,
  actor: Actor,
  id: number,
  itemId: number,
  isDone: boolean,
): Promise<TaskView> {
  return ctx.write(async (w) => {
    const task = await requireTask(w, actor, id)
    if (task.state !== 'taken' && task.state !== 'started') throw conflict('not_taken', 'Take the job first.')
    assertTakerOrDispatcher(actor, task, 'tick its checklist')
    const item = await w.trx
      .selectFrom('task_check')
      .selectAll()
      .where('id', '=', itemId)
      .where('task_id', '=', id)
      .executeTakeFirst()
    if (!item) throw notFound('item_not_found', 'No such checklist item.')
    if ((item.done_at !== null) === isDone) return taskView(ctx, w.trx, actor, id)
    await w.trx
      .updateTable('task_check')
      .set(isDone ? { done_at: w.now, done_by: actor.member.id } : { done_at: null, done_by: null })
      .where('id', '=', itemId)
      .execute()
    await w.trx
      .updateTable('task')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('message_id', '=', id)
      .execute()
    const message = await w.trx.selectFrom('message').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const [view] = (await hydrateMessages(ctx.kinds, w.trx, [message])) as [MessageView]
    w.emit('message.updated', { kind: 'conversation', id: message.conversation_id }, { message: view })
    emitChanged(w, view, 'checked', actor.member, null)
    return taskView(ctx, w.trx, actor, id)
  })
}

export type TaskListView = 'open' | 'mine' | 'done' | 'all'

export interface TaskListQuery {
  view?: TaskListView | undefined
  state?: TaskState | undefined
  queueId?: number | undefined
  takenBy?: number | undefined
  isOverdue?: boolean | undefined
  limit?: number | undefined
}

/**
 * Tasks the actor may see, for the Tasks tab: open to them (eligible, in order), theirs,
 * done by them, or (dispatchers) all, filtered by state, queue, person and overdue.
 */
export async function listTasks(ctx: AppContext, actor: Actor, query: TaskListQuery): Promise<TaskView[]> {
  const view = query.view ?? 'open'
  if (view === 'all' && !isDispatcher(actor)) throw forbidden('dispatch_required', 'Only dispatchers see every task.')
  const now = ctx.clock.now()
  let q = ctx.db
    .selectFrom('task')
    .innerJoin('message', 'message.id', 'task.message_id')
    .innerJoin('conversation_member as cm', (join) =>
      join.onRef('cm.conversation_id', '=', 'message.conversation_id').on('cm.member_id', '=', actor.member.id),
    )
    .select('task.message_id')
    .where('message.deleted_at', 'is', null)
  if (view === 'open') q = q.where('task.state', '=', 'open')
  else if (view === 'mine')
    q = q.where('task.taken_by', '=', actor.member.id).where('task.state', 'in', ['taken', 'started'])
  else if (view === 'done') q = q.where('task.state', '=', 'done').where('task.taken_by', '=', actor.member.id)
  if (query.state) q = q.where('task.state', '=', query.state)
  if (query.queueId !== undefined) q = q.where('task.queue_id', '=', query.queueId)
  if (query.takenBy !== undefined) q = q.where('task.taken_by', '=', query.takenBy)
  if (query.isOverdue) q = q.where('task.due_at', '<', now).where('task.state', 'in', ['open', 'taken', 'started'])
  const limit = query.limit ?? 200
  const rows = await q
    .orderBy('task.message_id', 'desc')
    .limit(view === 'open' ? 1000 : limit)
    .execute()
  const messages = rows.length
    ? await ctx.db
        .selectFrom('message')
        .selectAll()
        .where(
          'id',
          'in',
          rows.map((r) => r.message_id),
        )
        .execute()
    : []
  let tasks = (await hydrateMessages(ctx.kinds, ctx.db, messages, { viewer: actor })).map(toTaskView)
  if (view === 'open') {
    const candidate = await candidateOf(ctx.db, actor.member, now)
    const queues = new Map((await repo.selectQueues(ctx.db)).map((queue) => [queue.id, queue]))
    tasks = tasks.filter((task) => {
      const requiresOnShift = task.queue ? queues.get(task.queue.id)?.requires_on_shift === 1 : false
      return ineligibility(candidate, { ...task, requiresOnShift }) === null
    })
    tasks.sort(compareQueued).splice(limit)
  } else if (view === 'mine') {
    tasks.sort(compareQueued)
  } else {
    tasks.sort((a, b) => b.id - a.id)
  }
  return tasks
}

/** One task with its thread (the replies to it: comments and the system lines of its changes). */
export async function getTask(
  ctx: AppContext,
  actor: Actor,
  id: number,
): Promise<TaskView & { thread: MessageView[] }> {
  const task = await repo.selectTask(ctx.db, id)
  if (!task || task.deleted_at !== null) throw taskNotFound()
  await requireReadable(ctx.db, actor, task.conversation_id).catch((error: unknown) => {
    throw error instanceof AppError && error.status === 404 ? taskNotFound() : error
  })
  const view = await taskView(ctx, ctx.db, actor, id)
  const replies = await ctx.db
    .selectFrom('message')
    .selectAll()
    .where('reply_to_id', '=', id)
    .orderBy('id')
    .limit(500)
    .execute()
  return { ...view, thread: await hydrateMessages(ctx.kinds, ctx.db, replies, { viewer: actor }) }
}

export interface QueueView {
  id: number
  name: string
  mode: QueueMode
  conversationId: number
  ageingPerHour: number
  startWithinMinutes: number | null
  escalateAfterMinutes: number | null
  requiresOnShift: boolean
  returnWhenOffShift: boolean
  isArchived: boolean
  openCount: number
  oldestOpenAt: number | null
}

export interface QueueInput {
  name?: string | undefined
  mode?: QueueMode | undefined
  conversationId?: number | undefined
  ageingPerHour?: number | undefined
  startWithinMinutes?: number | null | undefined
  escalateAfterMinutes?: number | null | undefined
  requiresOnShift?: boolean | undefined
  returnWhenOffShift?: boolean | undefined
  isArchived?: boolean | undefined
}

export async function listQueues(ctx: AppContext): Promise<QueueView[]> {
  const [queues, counts] = await Promise.all([
    repo.selectQueues(ctx.db),
    ctx.db
      .selectFrom('task')
      .innerJoin('message', 'message.id', 'task.message_id')
      .select([
        'task.queue_id',
        (eb) => eb.fn.countAll<number>().as('n'),
        (eb) => eb.fn.min('task.opened_at').as('oldest'),
      ])
      .where('task.state', '=', 'open')
      .where('message.deleted_at', 'is', null)
      .groupBy('task.queue_id')
      .execute(),
  ])
  const countOf = new Map(counts.map((c) => [c.queue_id, c]))
  return queues.map((q) => ({
    id: q.id,
    name: q.name,
    mode: q.mode,
    conversationId: q.conversation_id,
    ageingPerHour: q.ageing_per_hour,
    startWithinMinutes: q.start_within_minutes,
    escalateAfterMinutes: q.escalate_after_minutes,
    requiresOnShift: q.requires_on_shift === 1,
    returnWhenOffShift: q.return_when_off_shift === 1,
    isArchived: q.archived_at !== null,
    openCount: Number(countOf.get(q.id)?.n ?? 0),
    oldestOpenAt: (countOf.get(q.id)?.oldest as number | null | undefined) ?? null,
  }))
}

function queueColumns(input: QueueInput, now: number) {
  const columns: Record<string, unknown> = {}
  if (input.mode !== undefined) columns.mode = input.mode
  if (input.ageingPerHour !== undefined) columns.ageing_per_hour = input.ageingPerHour
  if (input.startWithinMinutes !== undefined) columns.start_within_minutes = input.startWithinMinutes
  if (input.escalateAfterMinutes !== undefined) columns.escalate_after_minutes = input.escalateAfterMinutes
  if (input.requiresOnShift !== undefined) columns.requires_on_shift = input.requiresOnShift ? 1 : 0
  if (input.returnWhenOffShift !== undefined) columns.return_when_off_shift = input.returnWhenOffShift ? 1 : 0
  if (input.isArchived !== undefined) columns.archived_at = input.isArchived ? now : null
  return columns
}

/**
 * Creates a queue (owners: settings.manage). Its tasks are posted in its own channel: the
 * one named, or a new open channel of the same name with every active member in it.
 */
export async function createQueue(
  ctx: AppContext,
  actor: Actor,
  input: QueueInput & { name: string; mode: QueueMode },
): Promise<QueueView> {
  const name = input.name.replace(/\s+/g, ' ').trim()
  if (!name || [...name].length > 60) throw badRequest('invalid_name', 'A queue needs a name of at most 60 characters.')
  const id = await ctx.write(async (w) => {
    const clash = await w.trx.selectFrom('task_queue').select('id').where('name', '=', name).executeTakeFirst()
    if (clash) throw conflict('queue_exists', 'A queue with that name already exists.')
    let conversationId: number
    if (input.conversationId === undefined) {
      // Everything inside joins this write: the queue and its channel exist together or not at all.
      const everyone = await w.trx
        .selectFrom('member')
        .select('id')
        .where('status', '=', 'active')
        .where('role', '!=', 'display')
        .execute()
      const channel = await createChannel({ ...ctx, write: ctx.write.within(w) }, actor, {
        name,
        topic: 'Jobs of this queue',
        isPrivate: false,
        memberIds: everyone.map((m) => m.id),
      })
      conversationId = channel.id
    } else {
      conversationId = (await requireReadable(w.trx, actor, input.conversationId)).id
    }
    const row = await w.trx
      .insertInto('task_queue')
      .values({
        name,
        mode: input.mode,
        conversation_id: conversationId,
        created_by: actor.member.id,
        created_at: w.now,
        ...queueColumns(input, w.now),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.queue_created',
      target: { id: row.id, name },
      ip: actor.ip,
    })
    return row.id
  })
  return (await listQueues(ctx)).find((q) => q.id === id) as QueueView
}

export async function updateQueue(ctx: AppContext, actor: Actor, id: number, input: QueueInput): Promise<QueueView> {
  await ctx.write(async (w) => {
    const queue = await repo.selectQueue(w.trx, id)
    if (!queue) throw notFound('queue_not_found', 'No such queue.')
    const columns = queueColumns(input, w.now)
    if (input.name !== undefined) {
      const name = input.name.replace(/\s+/g, ' ').trim()
      if (!name || [...name].length > 60)
        throw badRequest('invalid_name', 'A queue needs a name of at most 60 characters.')
      const clash = await w.trx
        .selectFrom('task_queue')
        .select('id')
        .where('name', '=', name)
        .where('id', '!=', id)
        .executeTakeFirst()
      if (clash) throw conflict('queue_exists', 'A queue with that name already exists.')
      columns.name = name
    }
    if (Object.keys(columns).length) await w.trx.updateTable('task_queue').set(columns).where('id', '=', id).execute()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.queue_updated',
      target: { id, name: queue.name },
      ip: actor.ip,
      detail: input as Record<string, unknown>,
    })
  })
  return (await listQueues(ctx)).find((q) => q.id === id) as QueueView
}

export interface ProfileView {
  memberId: number
  skills: string[]
  activeLimit: number | null
  scoreCap: number | null
  /** The limit that applies: their own, or the shop's. */
  effectiveLimit: number
}

export async function getProfile(ctx: AppContext, memberId: number): Promise<ProfileView> {
  const member = await ctx.db.selectFrom('member').select('id').where('id', '=', memberId).executeTakeFirst()
  if (!member) throw notFound('member_not_found', 'No such member.')
  const profile = await repo.selectProfile(ctx.db, memberId)
  const shopLimit = await shopActiveLimit(ctx.db)
  return {
    memberId,
    skills: profile ? parseList(profile.skills) : [],
    activeLimit: profile?.active_limit ?? null,
    scoreCap: profile?.score_cap ?? null,
    effectiveLimit: profile?.active_limit ?? shopLimit,
  }
}

/** Sets what a member may take (a dispatcher or manager): skills, their own limit, the value cap. */
export async function setProfile(
  ctx: AppContext,
  actor: Actor,
  memberId: number,
  input: {
    skills?: string[] | undefined
    activeLimit?: number | null | undefined
    scoreCap?: number | null | undefined
  },
): Promise<ProfileView> {
  const skills = input.skills === undefined ? undefined : cleanList(input.skills, 30, 'invalid_skills', 'skills')
  await ctx.write(async (w) => {
    const member = await w.trx
      .selectFrom('member')
      .select(['id', 'display_name', 'username'])
      .where('id', '=', memberId)
      .executeTakeFirst()
    if (!member) throw notFound('member_not_found', 'No such member.')
    const current = await repo.selectProfile(w.trx, memberId)
    const row = {
      member_id: memberId,
      skills: JSON.stringify(skills ?? (current ? parseList(current.skills) : [])),
      active_limit: input.activeLimit === undefined ? (current?.active_limit ?? null) : input.activeLimit,
      score_cap: input.scoreCap === undefined ? (current?.score_cap ?? null) : input.scoreCap,
      updated_by: actor.member.id,
      updated_at: w.now,
    }
    await w.trx
      .insertInto('task_profile')
      .values(row)
      .onConflict((oc) => oc.column('member_id').doUpdateSet(row))
      .execute()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.profile_changed',
      target: { id: memberId, name: `${member.display_name} (@${member.username})` },
      ip: actor.ip,
      detail: { skills: JSON.parse(row.skills) as unknown, activeLimit: row.active_limit, scoreCap: row.score_cap },
    })
  })
  return getProfile(ctx, memberId)
}

export async function getTaskSettings(ctx: AppContext): Promise<{ activeLimit: number }> {
  return { activeLimit: await shopActiveLimit(ctx.db) }
}

export async function setTaskSettings(
  ctx: AppContext,
  actor: Actor,
  input: { activeLimit: number },
): Promise<{ activeLimit: number }> {
  await ctx.write(async (w) => {
    await w.trx.updateTable('shop').set({ task_active_limit: input.activeLimit }).execute()
    await recordAudit(w.trx, w.now, {
      actor: auditParty(actor),
      action: 'task.settings_changed',
      ip: actor.ip,
      detail: input,
    })
  })
  return getTaskSettings(ctx)
}

export { personOf }
