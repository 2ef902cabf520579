/**
 * The wall's tasks panel, on a display set to show it: the jobs waiting, most important
 * first, with how long each has waited, and who is on what. Overdue jobs are red. The
 * feed carries no details of any job, only what is shown here.
 */
import type { VNode } from 'preact'
import { useMemo } from 'preact/hooks'
import type { WallTask, WallTasks } from '../../lib/api-wall'
import { t, tn } from '../../lib/i18n'
import { shopTimeOf, useMinute } from './wall-clock'
import { PageDots, Pager, Region, useRotation, type Rotation } from './wall-pager'

/** From this effective priority a job is marked urgent, as its notification says. */
const URGENT_PRIORITY = 80
const MINUTE_MS = 60_000

/** "12 min", "2 h 5 min", "3 days": how long, for "waiting …" and "on it for …". */
export function durationText(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE_MS)
  if (minutes < 1) return t('wall.durationUnderMinute')
  if (minutes < 60) return t('wall.durationMinutes', { minutes })
  const hours = Math.floor(minutes / 60)
  if (hours < 24) {
    const rest = minutes % 60
    return rest ? t('wall.durationHoursMinutes', { hours, minutes: rest }) : t('wall.durationHours', { hours })
  }
  return tn('wall.durationDays', Math.floor(hours / 24))
}

function isOverdue(task: WallTask, now: number): boolean {
  return task.isOverdue || (task.dueAt !== null && task.dueAt < now)
}

function Flags({ task, now, timeZone }: { task: WallTask; now: number; timeZone: string }) {
  if (isOverdue(task, now)) return <span class="wall-task-flag wall-task-flag-overdue">{t('wall.taskOverdue')}</span>
  if (task.dueAt !== null)
    return <span class="wall-task-due">{t('wall.taskDue', { time: shopTimeOf(task.dueAt, timeZone) })}</span>
  return null
}

function taskClass(task: WallTask, now: number): string {
  const classes = ['wall-task']
  if (isOverdue(task, now)) classes.push('wall-task-overdue')
  else if (task.effectivePriority >= URGENT_PRIORITY) classes.push('wall-task-urgent')
  return classes.join(' ')
}

function WaitingTask({ task, now, timeZone }: { task: WallTask; now: number; timeZone: string }) {
  return (
    <article
      class={taskClass(task, now)}
      data-testid="wall-task"
      data-overdue={isOverdue(task, now) ? 'true' : undefined}
    >
      <p class="wall-task-title">
        {task.effectivePriority >= URGENT_PRIORITY ? <span class="wall-task-tag">{t('wall.taskUrgent')}</span> : null}
        {task.title}
      </p>
      <p class="wall-task-meta">
        <span class="wall-task-wait">{t('wall.taskWaiting', { duration: durationText(now - task.openedAt) })}</span>
        {task.queue ? <span>{task.queue}</span> : null}
        <Flags task={task} now={now} timeZone={timeZone} />
      </p>
    </article>
  )
}

function ActiveTask({ task, now, timeZone }: { task: WallTask; now: number; timeZone: string }) {
  const held = durationText(now - (task.takenAt ?? task.openedAt))
  return (
    <article
      class={`${taskClass(task, now)} wall-task-active`}
      data-testid="wall-task-active"
      data-overdue={isOverdue(task, now) ? 'true' : undefined}
    >
      <p class="wall-task-title">
        <strong class="wall-task-who">{task.takenBy ?? t('wall.someone')}</strong>
        <span class="wall-task-sep" aria-hidden="true">
          {' · '}
        </span>
        {task.title}
      </p>
      <p class="wall-task-meta">
        <span>
          {task.state === 'started'
            ? t('wall.taskStartedFor', { duration: held })
            : t('wall.taskTakenAgo', { duration: held })}
        </span>
        {task.queue ? <span>{task.queue}</span> : null}
        <Flags task={task} now={now} timeZone={timeZone} />
      </p>
    </article>
  )
}

function TaskList({
  title,
  class: className,
  empty,
  items,
  rotation,
}: {
  title: string
  class: string
  empty: string
  items: VNode[]
  rotation: Rotation
}) {
  return (
    <Region title={title} class={className} dots={<PageDots page={rotation.page} count={rotation.pageCount} />}>
      {items.length ? (
        <Pager items={items} page={rotation.page} onCount={rotation.onCount} />
      ) : (
        <p class="wall-empty">{empty}</p>
      )}
    </Region>
  )
}

/**
 * Both lists, paging with the rest of the wall. `generatedAt` is the server's time when the
 * feed was made: waiting times count from the server's clock, not the screen's.
 */
export function WallTasksPanel({
  tasks,
  generatedAt,
  timeZone,
  tick,
}: {
  tasks: WallTasks
  generatedAt: number
  timeZone: string
  tick: number
}) {
  const minute = useMinute()
  // The screen's clock may be wrong; only how far it moved since the feed arrived counts.
  const skew = useMemo(() => generatedAt - Date.now(), [generatedAt])
  const now = Math.max(generatedAt, minute + skew)
  const waiting = tasks.open.map((task) => <WaitingTask key={task.id} task={task} now={now} timeZone={timeZone} />)
  const active = tasks.active.map((task) => <ActiveTask key={task.id} task={task} now={now} timeZone={timeZone} />)
  const waitingRotation = useRotation(tick, 1, tasks.open.map((task) => task.id).join(','))
  const activeRotation = useRotation(tick, 1, tasks.active.map((task) => task.id).join(','))
  return (
    <div class="wall-tasks" data-testid="wall-tasks">
      <TaskList
        title={t('wall.tasksWaitingTitle', { count: tasks.open.length })}
        class="wall-tasks-waiting"
        empty={t('wall.noTasksWaiting')}
        items={waiting}
        rotation={waitingRotation}
      />
      <TaskList
        title={t('wall.tasksActiveTitle', { count: tasks.active.length })}
        class="wall-tasks-active"
        empty={t('wall.noTasksActive')}
        items={active}
        rotation={activeRotation}
      />
    </div>
  )
}
