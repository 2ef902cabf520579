/**
 * Task stats for owners, over a period, from the change log (task_change): per member how
 * much they took, finished and gave back and how fast; per queue what waits now and what
 * came in and went out.
 */
import { csvCell } from '../shared/csv'
import type { AppContext } from '../shared/context'
import { badRequest } from '../shared/errors'
import type { PersonRef } from '../shared/events'

const DAY_MS = 86_400_000
export const DEFAULT_PERIOD_MS = 30 * DAY_MS
export const MAX_PERIOD_MS = 366 * DAY_MS

export interface MemberStats {
  member: PersonRef
  /** Takes: tasks they took, and tasks a dispatcher gave them. */
  taken: number
  done: number
  /** Tasks they gave back, or a dispatcher took back from them. */
  released: number
  /** Tasks the timers put back in the queue (not started in time, or they went off shift). */
  returned: number
  /** From the moment a task became open to their taking it (their own takes only). */
  medianTakeMs: number | null
  /** From their taking a task (or being given it) to finishing it. */
  medianFinishMs: number | null
}

export interface QueueStats {
  queue: { id: number; name: string }
  /** Open now. */
  backlog: number
  /** How long the oldest open task has waited, now. */
  oldestWaitingMs: number | null
  created: number
  done: number
}

export interface TaskStats {
  from: number
  to: number
  members: MemberStats[]
  queues: QueueStats[]
}

/** Changes that make a task open: waiting time counts from the latest of them. */
const OPENING = new Set(['created', 'reopened', 'released', 'returned'])

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : Math.round(((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2)
}

/** The period asked for, with defaults (the last 30 days up to now) and bounds. */
export function periodOf(now: number, from?: number, to?: number): { from: number; to: number } {
  const end = to ?? now
  const start = from ?? end - DEFAULT_PERIOD_MS
  if (start >= end) throw badRequest('invalid_period', '`from` must be before `to`.')
  if (end - start > MAX_PERIOD_MS) throw badRequest('period_too_long', 'Choose a period of at most 366 days.')
  return { from: start, to: end }
}

/** Stats for changes with from <= at < to; backlog and oldest waiting are as of now. */
export async function taskStats(ctx: AppContext, period: { from?: number; to?: number }): Promise<TaskStats> {
  const now = ctx.clock.now()
  const { from, to } = periodOf(now, period.from, period.to)
  const db = ctx.db

  // Each counted change needs the change before it (when the task opened, who held it), so
  // every change up to `to` of the tasks that changed in the period is replayed in order.
  const changes = await db
    .selectFrom('task_change')
    .select(['task_id', 'action', 'actor_id', 'member_id', 'at'])
    .where('task_id', 'in', (eb) =>
      eb
        .selectFrom('task_change')
        .select('task_id')
        .where('at', '>=', from)
        .where('at', '<', to)
        .where('action', 'in', ['created', 'taken', 'reassigned', 'done', 'released', 'returned']),
    )
    .where('at', '<', to)
    .orderBy('task_id')
    .orderBy('id')
    .execute()

  const perMember = new Map<
    number,
    { taken: number; done: number; released: number; returned: number; takeMs: number[]; finishMs: number[] }
  >()
  const statsOf = (id: number) => {
    let stats = perMember.get(id)
    if (!stats) {
      stats = { taken: 0, done: 0, released: 0, returned: 0, takeMs: [], finishMs: [] }
      perMember.set(id, stats)
    }
    return stats
  }
  const createdIn = new Map<number, number>()
  const doneIn = new Map<number, number>()
  const taskIds = [...new Set(changes.map((c) => c.task_id))]
  const queueOf = new Map(
    (taskIds.length
      ? await db.selectFrom('task').select(['message_id', 'queue_id']).where('message_id', 'in', taskIds).execute()
      : []
    ).map((t) => [t.message_id, t.queue_id]),
  )
  const bump = (map: Map<number, number>, key: number | null | undefined) => {
    if (key !== null && key !== undefined) map.set(key, (map.get(key) ?? 0) + 1)
  }

  let taskId = -1
  let openedAt: number | null = null
  let holder: number | null = null
  let heldSince: number | null = null
  for (const change of changes) {
    if (change.task_id !== taskId) {
      taskId = change.task_id
      openedAt = null
      holder = null
      heldSince = null
    }
    const isInPeriod = change.at >= from
    if (change.action === 'taken' || change.action === 'reassigned') {
      const taker = change.action === 'taken' ? change.actor_id : change.member_id
      if (isInPeriod && taker !== null) {
        const stats = statsOf(taker)
        stats.taken++
        if (change.action === 'taken' && openedAt !== null) stats.takeMs.push(change.at - openedAt)
      }
      holder = taker
      heldSince = change.at
      openedAt = null
    } else if (change.action === 'done') {
      const finisher = holder ?? change.actor_id
      if (isInPeriod) {
        if (finisher !== null) {
          const stats = statsOf(finisher)
          stats.done++
          if (heldSince !== null) stats.finishMs.push(change.at - heldSince)
        }
        bump(doneIn, queueOf.get(change.task_id))
      }
      holder = null
      heldSince = null
    } else if (OPENING.has(change.action)) {
      if (isInPeriod) {
        // A release names the member it was taken from when a dispatcher did it; a taker
        // giving it back is the actor.
        const heldBy = change.member_id ?? (change.action === 'released' ? change.actor_id : null)
        if (change.action === 'released' && heldBy !== null) statsOf(heldBy).released++
        if (change.action === 'returned' && heldBy !== null) statsOf(heldBy).returned++
        if (change.action === 'created') bump(createdIn, queueOf.get(change.task_id))
      }
      openedAt = change.at
      holder = null
      heldSince = null
    } else if (change.action === 'cancelled') {
      openedAt = null
      holder = null
      heldSince = null
    }
  }

  const members = await db
    .selectFrom('member')
    .select(['id', 'username', 'display_name'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'active'), eb('role', '!=', 'display')]),
        eb('id', 'in', perMember.size ? [...perMember.keys()] : [-1]),
      ]),
    )
    .orderBy('display_name')
    .orderBy('id')
    .execute()

  const queues = await db.selectFrom('task_queue').select(['id', 'name', 'archived_at']).orderBy('name').execute()
  const waiting = await db
    .selectFrom('task')
    .innerJoin('message', 'message.id', 'task.message_id')
    .select([
      'task.queue_id',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.min('task.opened_at').as('oldest'),
    ])
    .where('task.state', '=', 'open')
    .where('task.queue_id', 'is not', null)
    .where('message.deleted_at', 'is', null)
    .groupBy('task.queue_id')
    .execute()
  const waitingOf = new Map(waiting.map((row) => [row.queue_id, row]))

  return {
    from,
    to,
    members: members.map((member) => {
      const stats = perMember.get(member.id)
      return {
        member: { id: member.id, username: member.username, displayName: member.display_name },
        taken: stats?.taken ?? 0,
        done: stats?.done ?? 0,
        released: stats?.released ?? 0,
        returned: stats?.returned ?? 0,
        medianTakeMs: median(stats?.takeMs ?? []),
        medianFinishMs: median(stats?.finishMs ?? []),
      }
    }),
    queues: queues
      .filter(
        (queue) =>
          queue.archived_at === null || waitingOf.has(queue.id) || createdIn.has(queue.id) || doneIn.has(queue.id),
      )
      .map((queue) => {
        const open = waitingOf.get(queue.id)
        const oldest = open?.oldest as number | null | undefined
        return {
          queue: { id: queue.id, name: queue.name },
          backlog: Number(open?.n ?? 0),
          oldestWaitingMs: oldest === null || oldest === undefined ? null : Math.max(0, now - oldest),
          created: createdIn.get(queue.id) ?? 0,
          done: doneIn.get(queue.id) ?? 0,
        }
      }),
  }
}

/** A spreadsheet cell: quoted when needed, and never read as a formula. */
const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 6_000) / 10)

/** One row per member, then one per queue, under one header; durations in minutes. */
export function statsToCsv(stats: TaskStats): string {
  const header = [
    'kind',
    'id',
    'name',
    'taken',
    'done',
    'released',
    'returned',
    'median_take_minutes',
    'median_finish_minutes',
    'backlog',
    'oldest_waiting_minutes',
    'created',
  ]
  const rows: (string | number | null)[][] = [
    ...stats.members.map((m) => [
      'member',
      m.member.id,
      m.member.displayName,
      m.taken,
      m.done,
      m.released,
      m.returned,
      minutes(m.medianTakeMs),
      minutes(m.medianFinishMs),
      null,
      null,
      null,
    ]),
    ...stats.queues.map((q) => [
      'queue',
      q.queue.id,
      q.queue.name,
      null,
      q.done,
      null,
      null,
      null,
      null,
      q.backlog,
      minutes(q.oldestWaitingMs),
      q.created,
    ]),
  ]
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
