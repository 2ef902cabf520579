/**
 * The Tasks part of the route table (see app.tsx): the segments, the new task form, a
 * task, and the owners' setup and stats pages (their own chunk: workers never fetch them).
 */
import type { VNode } from 'preact'
import { matchPath } from '../../lib/router'
import { can, isOwner } from '../../lib/session'
import { lazyPage } from '../../ui/lazy-page'
import { NewTaskPage } from './task-form'
import { TaskPage } from './task-page'
import { TasksPage, type Segment } from './tasks-page'

const TasksAdminPage = lazyPage(() => import('./tasks-admin-page').then((m) => m.TasksAdminPage))
const StatsPage = lazyPage(() => import('./stats-page').then((m) => m.StatsPage))

const SEGMENTS: Record<string, Segment> = {
  '/tasks': 'open',
  '/tasks/mine': 'mine',
  '/tasks/next': 'next',
  '/tasks/done': 'done',
  '/tasks/all': 'all',
}

/** The page for `path` under /tasks, 'not-allowed' or 'not-found'; null when not under /tasks. */
export function tasksRoute(path: string): VNode | 'not-allowed' | 'not-found' | null {
  if (path !== '/tasks' && !path.startsWith('/tasks/')) return null
  const segment = SEGMENTS[path]
  if (segment === 'all') return can('tasks.dispatch') ? <TasksPage segment="all" /> : 'not-allowed'
  if (segment) return <TasksPage segment={segment} />
  if (path === '/tasks/new') return can('tasks.dispatch') ? <NewTaskPage /> : 'not-allowed'
  if (path === '/tasks/setup') return can('settings.manage') ? <TasksAdminPage /> : 'not-allowed'
  if (path === '/tasks/stats') return isOwner.value ? <StatsPage /> : 'not-allowed'
  const id = Number(matchPath('/tasks/:id', path)?.id)
  return Number.isInteger(id) && id > 0 ? <TaskPage key={id} id={id} /> : 'not-found'
}
