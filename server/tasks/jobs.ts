/**
 * The task timers, run every few seconds by buildApp. Each duty is one write that looks at
 * a bounded batch and changes only what is still due, so a run that overlaps another, or
 * runs again after a crash, changes nothing twice.
 */
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { recordChange, setState } from './service'
import { createDueOccurrences } from './schedules'

/** Tasks changed per duty and run; the rest wait for the next run. */
const BATCH = 50
const MINUTE_MS = 60_000

export interface TaskJobsResult {
  returnedUnstarted: number
  escalated: number
  returnedOffShift: number
  scheduled: number
}

export async function runTaskJobs(ctx: AppContext): Promise<TaskJobsResult> {
  return {
    returnedUnstarted: await duty(ctx, 'return unstarted', returnUnstarted),
    escalated: await duty(ctx, 'escalate', escalateWaiting),
    returnedOffShift: await duty(ctx, 'return off shift', returnOffShift),
    scheduled: await duty(ctx, 'schedules', createDueOccurrences),
  }
}

/** Runs one duty; a failing one is logged and the others still run. */
async function duty(ctx: AppContext, name: string, run: (ctx: AppContext) => Promise<number>): Promise<number> {
  try {
    return await run(ctx)
  } catch (error) {
    ctx.log.error({ err: error, duty: name }, 'task timer failed')
    return 0
  }
}

/** Puts a held task back in its queue on the shop's behalf; the change names who had it. */
async function returnToQueue(ctx: AppContext, w: WriteContext, taskId: number, takerId: number | null) {
  await setState(w, taskId, ['taken', 'started'], {
    state: 'open',
    taken_by: null,
    taken_at: null,
    started_at: null,
    opened_at: w.now,
    escalated_at: null,
  })
  await recordChange(ctx, w, taskId, 'returned', null, { memberId: takerId })
}

/** A task taken but not started within its queue's `start_within_minutes` goes back to the queue. */
export async function returnUnstarted(ctx: AppContext): Promise<number> {
  return ctx.write(async (w) => {
    const due = await w.trx
      .selectFrom('task')
      .innerJoin('task_queue', 'task_queue.id', 'task.queue_id')
      .innerJoin('message', 'message.id', 'task.message_id')
      .select(['task.message_id', 'task.taken_by'])
      .where('task.state', '=', 'taken')
      .where('task_queue.start_within_minutes', 'is not', null)
      .where('message.deleted_at', 'is', null)
      .where((eb) =>
        eb('task.taken_at', '<=', eb(eb.val(w.now), '-', eb('task_queue.start_within_minutes', '*', MINUTE_MS))),
      )
      .orderBy('task.taken_at')
      .limit(BATCH)
      .execute()
    for (const task of due) await returnToQueue(ctx, w, task.message_id, task.taken_by)
    return due.length
  })
}

/**
 * An open task nobody took within its queue's `escalate_after_minutes` (counted from when it
 * last became open) is escalated to the managers, once per opening.
 */
export async function escalateWaiting(ctx: AppContext): Promise<number> {
  return ctx.write(async (w) => {
    const due = await w.trx
      .selectFrom('task')
      .innerJoin('task_queue', 'task_queue.id', 'task.queue_id')
      .innerJoin('message', 'message.id', 'task.message_id')
      .select(['task.message_id', 'task.title', 'task.opened_at', 'message.conversation_id'])
      .where('task.state', '=', 'open')
      .where('task.escalated_at', 'is', null)
      .where('task_queue.escalate_after_minutes', 'is not', null)
      .where('message.deleted_at', 'is', null)
      .where((eb) =>
        eb('task.opened_at', '<=', eb(eb.val(w.now), '-', eb('task_queue.escalate_after_minutes', '*', MINUTE_MS))),
      )
      .orderBy('task.opened_at')
      .limit(BATCH)
      .execute()
    for (const task of due) {
      await setState(w, task.message_id, ['open'], { escalated_at: w.now })
      await recordChange(ctx, w, task.message_id, 'escalated', null)
      w.emit(
        'task.escalated',
        { kind: 'managers' },
        {
          taskId: task.message_id,
          conversationId: task.conversation_id,
          title: task.title,
          waitingMs: w.now - task.opened_at,
        },
      )
    }
    return due.length
  })
}

/**
 * In a queue that says so, the tasks of a member who went off shift or away go back to the
 * queue, whether or not they started them. A status whose time ran out counts as on shift.
 */
export async function returnOffShift(ctx: AppContext): Promise<number> {
  return ctx.write(async (w) => {
    const due = await w.trx
      .selectFrom('task')
      .innerJoin('task_queue', 'task_queue.id', 'task.queue_id')
      .innerJoin('message', 'message.id', 'task.message_id')
      .innerJoin('member', 'member.id', 'task.taken_by')
      .select(['task.message_id', 'task.taken_by'])
      .where('task.state', 'in', ['taken', 'started'])
      .where('task_queue.return_when_off_shift', '=', 1)
      .where('message.deleted_at', 'is', null)
      .where('member.shift_status', 'in', ['off_shift', 'away'])
      .where((eb) => eb.or([eb('member.shift_status_until', 'is', null), eb('member.shift_status_until', '>', w.now)]))
      .orderBy('task.taken_at')
      .limit(BATCH)
      .execute()
    for (const task of due) await returnToQueue(ctx, w, task.message_id, task.taken_by)
    return due.length
  })
}
