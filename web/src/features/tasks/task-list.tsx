/**
 * A list of tasks kept live: every task.changed patches the row at once (so a Take button
 * turns into "Taken by Anna" the moment someone wins) and then reloads the list. In "Open
 * to me" a row someone else just took stays, saying who, until the list is opened again:
 * a task vanishing under a thumb reads as a glitch.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { formatWhen } from '../chat/time'
import { conversations } from '../chat/store'
import { conversationTitle } from '../chat/people'
import { PriorityBadge, StateBadge } from './task-card'
import { Checklist, TaskActions } from './task-actions'
import { dueText, formatWaiting, holderText } from './task-labels'
import { tasksApi, type TaskListQuery, type TaskView } from './tasks-api'

const RELOAD_DELAY_MS = 200

/** Re-renders every `everyMs` so that waiting times move. */
export function useNow(everyMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

/** Keeps rows that left the answer but are shown as taken, where they were. */
function mergeKept(previous: readonly TaskView[], fresh: TaskView[]): TaskView[] {
  const merged = [...fresh]
  const freshIds = new Set(fresh.map((task) => task.id))
  previous.forEach((task, index) => {
    if (task.state !== 'open' && !freshIds.has(task.id)) merged.splice(Math.min(index, merged.length), 0, task)
  })
  return merged
}

export function useTaskList(query: TaskListQuery | null, keepsTaken = false) {
  const [tasks, setTasks] = useState<TaskView[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const key = JSON.stringify(query)
  const latestKey = useRef(key)
  latestKey.current = key
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const load = async () => {
    if (!query) return
    const asked = key
    try {
      const { tasks: fresh } = await tasksApi.list(query)
      if (latestKey.current !== asked) return
      setTasks((old) => (keepsTaken && old ? mergeKept(old, fresh) : fresh))
      setError(null)
    } catch (failure) {
      if (latestKey.current === asked) setError(errorMessage(failure))
    }
  }
  const scheduleLoad = () => {
    if (timer.current) clearTimeout(timer.current)
    timer.current = setTimeout(() => {
      timer.current = null
      void load()
    }, RELOAD_DELAY_MS)
  }
  useEffect(() => {
    setTasks(null)
    setError(null)
    void load()
    return () => {
      if (timer.current) clearTimeout(timer.current)
    }
  }, [key])

  useLive(['task.'], (event) => {
    if (event?.type === 'task.changed') {
      const { taskId, state, takenBy, version } = event.data
      setTasks(
        (old) =>
          old?.map((task) =>
            task.id === taskId && version >= task.version ? { ...task, state, takenBy, version } : task,
          ) ?? null,
      )
    }
    if (event === null || event.type === 'task.changed') scheduleLoad()
  })

  /** An action's answer replaces its row at once; the list reloads behind it. */
  const replace = (changed: TaskView) => {
    setTasks((old) => old?.map((task) => (task.id === changed.id ? changed : task)) ?? null)
    scheduleLoad()
  }
  return { tasks, error, reload: load, replace }
}

/** Where a task lives: its queue, or its conversation's name. */
export function placeOf(task: TaskView): string {
  if (task.queue) return task.queue.name
  const conversation = conversations.value?.find((item) => item.id === task.conversationId)
  if (!conversation) return ''
  return conversation.kind === 'channel' ? `#${conversationTitle(conversation)}` : conversationTitle(conversation)
}

export type RowKind = 'open' | 'mine' | 'done' | 'all'

export function TaskRow({
  task,
  kind,
  now,
  onChanged,
}: {
  task: TaskView
  kind: RowKind
  now: number
  onChanged: (task: TaskView) => void
}) {
  const due = dueText(task)
  const place = placeOf(task)
  const holder = holderText(task)
  const when =
    task.state === 'open'
      ? t('tasks.waiting', { time: formatWaiting(now - task.openedAt) })
      : task.state === 'done' && task.doneAt !== null
        ? t('tasks.doneAtTime', { time: formatWhen(task.doneAt) })
        : task.state === 'started' && task.startedAt !== null
          ? t('tasks.startedAtTime', { time: formatWhen(task.startedAt) })
          : task.state === 'taken' && task.takenAt !== null
            ? t('tasks.takenAtTime', { time: formatWhen(task.takenAt) })
            : null
  return (
    <li
      class={['task-row', task.isOverdue ? 'task-row-overdue' : '', `task-row-${task.state}`].filter(Boolean).join(' ')}
      data-task-id={task.id}
    >
      <a class="task-row-link" href={`/tasks/${task.id}`}>
        <span class="task-row-title">{task.title}</span>
        <span class="task-row-meta">
          <PriorityBadge priority={task.priority} />
          {kind === 'all' || (kind === 'open' && task.state !== 'open') ? <StateBadge state={task.state} /> : null}
          {place ? <span class="task-row-place">{place}</span> : null}
          {when ? <span>{when}</span> : null}
          {due ? <span class={task.isOverdue ? 'task-overdue' : undefined}>{due}</span> : null}
          {kind === 'all' && holder ? <span>{holder}</span> : null}
        </span>
      </a>
      {task.state === 'done' && task.doneNote ? <p class="task-row-note">{task.doneNote}</p> : null}
      {kind === 'open' || kind === 'mine' ? (
        <TaskActions task={task} onChanged={onChanged} openAfterTake={kind === 'open'} />
      ) : null}
      {kind === 'mine' ? <Checklist task={task} onChanged={onChanged} /> : null}
    </li>
  )
}
