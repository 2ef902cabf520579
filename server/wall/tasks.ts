/**
 * The tasks panel of a wall display: the jobs still to do in queues and open channels,
 * waiting ones by priority and the ones someone is on. A wall hangs where anyone may read
 * it, so a task reaches it reduced to what the panel shows, from the view built for no one
 * (never the private details), and never from a private channel or a direct conversation.
 */
import type { AppContext } from '../shared/context'
import type { MessageView, TaskState } from '../shared/events'
import { hydrateMessages } from '../conversations/views'
import { compareQueued } from '../tasks/rules'

/** At most this many of each list: more would not fit on a wall anyway. */
const MAX_EACH = 40

export interface WallTask {
  id: number
  title: string
  state: Extract<TaskState, 'open' | 'taken' | 'started'>
  priority: number
  effectivePriority: number
  /** Since when it waits (open) or when it was taken. */
  openedAt: number
  takenAt: number | null
  dueAt: number | null
  isOverdue: boolean
  /** Who is on it: a display name only. */
  takenBy: string | null
  /** The queue it is in, if any. */
  queue: string | null
}

export interface WallTasks {
  /** Waiting to be taken, most important first. */
  open: WallTask[]
  /** Taken or started, longest held first. */
  active: WallTask[]
}

function wallTaskOf(view: MessageView): WallTask | null {
  const task = view.task
  if (!task || (task.state !== 'open' && task.state !== 'taken' && task.state !== 'started')) return null
  return {
    id: view.id,
    title: task.title,
    state: task.state,
    priority: task.priority,
    effectivePriority: task.effectivePriority,
    openedAt: task.openedAt,
    takenAt: task.takenAt,
    dueAt: task.dueAt,
    isOverdue: task.isOverdue,
    takenBy: task.takenBy?.displayName ?? null,
    queue: task.queue?.name ?? null,
  }
}

/** The unfinished tasks of the board and the open channels (queues post in their own channel). */
export async function wallTasks(ctx: AppContext): Promise<WallTasks> {
  const rows = await ctx.db
    .selectFrom('message as m')
    .innerJoin('task as t', 't.message_id', 'm.id')
    .innerJoin('conversation as c', 'c.id', 'm.conversation_id')
    .selectAll('m')
    .where('m.deleted_at', 'is', null)
    .where('t.state', 'in', ['open', 'taken', 'started'])
    .where('c.kind', 'in', ['board', 'channel'])
    .where('c.is_private', '=', 0)
    .orderBy('m.id', 'desc')
    .limit(500)
    .execute()
  // No viewer: every private part is left out, as for an event.
  const views = await hydrateMessages(ctx.kinds, ctx.db, rows, { viewer: null })
  const tasks = views.map(wallTaskOf).filter((task): task is WallTask => task !== null)
  const open = tasks.filter((task) => task.state === 'open').sort(compareQueued)
  const active = tasks
    .filter((task) => task.state !== 'open')
    .sort((a, b) => (a.takenAt ?? 0) - (b.takenAt ?? 0) || a.id - b.id)
  return { open: open.slice(0, MAX_EACH), active: active.slice(0, MAX_EACH) }
}
