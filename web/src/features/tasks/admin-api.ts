/**
 * The API behind task setup (queues, the shop's limit, report categories, schedules), member
 * task profiles, problem reports and the owners' stats. The server's schemas for these are
 * not exported, so the shapes are written out here.
 */
import type { TaskStats } from '../../../../server/tasks/stats'
import type { RecurrenceRule, Repeat } from '../../../../server/tasks/recurrence'
import { query, request } from '../../lib/api'
import type { AttachmentInput } from '../chat/chat-api'

export type { RecurrenceRule, Repeat }
export type QueueMode = 'claim' | 'pull'
export type TaskRole = 'owner' | 'manager' | 'staff'

export interface QueueFields {
  name: string
  mode: QueueMode
  ageingPerHour: number
  startWithinMinutes: number | null
  escalateAfterMinutes: number | null
  requiresOnShift: boolean
  returnWhenOffShift: boolean
}

export interface TaskQueue extends QueueFields {
  id: number
  conversationId: number
  isArchived: boolean
  openCount: number
  oldestOpenAt: number | null
}

export interface CategoryFields {
  name: string
  queueId: number
  priority: number
  responsibleIds: number[]
}

export interface ReportCategory extends Omit<CategoryFields, 'queueId'> {
  id: number
  queue: { id: number; name: string }
  isArchived: boolean
}

/** A schedule posts in a channel or in a queue: exactly one of the two is set. */
export interface ScheduleFields {
  title: string
  details: string
  privateDetails: string
  priority: number
  value: number | null
  skills: string[]
  roles: TaskRole[]
  checklist: string[]
  photoRequired: boolean
  conversationId: number | null
  queueId: number | null
  rule: RecurrenceRule
  dueAfterMinutes: number
  isPaused: boolean
}

export interface TaskSchedule extends ScheduleFields {
  id: number
  /** When the next task appears; null once a one-off has happened or the rule has ended. */
  nextAt: number | null
}

export interface TaskProfile {
  memberId: number
  skills: string[]
  activeLimit: number | null
  scoreCap: number | null
  /** The limit that applies: the member's own, or the shop's. */
  effectiveLimit: number
}

export interface ReportInput {
  categoryId: number
  text: string
  attachments: AttachmentInput[]
  clientKey: string
}

/** What the app needs of the task a report became. */
export interface ReportedTask {
  id: number
  title: string
  state: string
}

/** The stats answer, as the server's stats module declares it. */
export type { MemberStats, QueueStats, TaskStats } from '../../../../server/tasks/stats'

export interface StatsPeriod {
  from: number
  to: number
}

/** Lists come either bare or wrapped in an object named after them. */
function listOf<T>(data: T[] | Record<string, T[]>, key: string): T[] {
  return Array.isArray(data) ? data : (data[key] ?? [])
}

export const tasksAdminApi = {
  queues: () =>
    request<{ queues: TaskQueue[] } | TaskQueue[]>('GET', '/api/task-queues').then((data) => listOf(data, 'queues')),
  createQueue: (input: QueueFields) => request<TaskQueue>('POST', '/api/task-queues', input),
  updateQueue: (id: number, patch: Partial<QueueFields> & { isArchived?: boolean }) =>
    request<TaskQueue>('PATCH', `/api/task-queues/${id}`, patch),

  settings: () => request<{ activeLimit: number }>('GET', '/api/task-settings'),
  updateSettings: (input: { activeLimit: number }) =>
    request<{ activeLimit: number }>('PUT', '/api/task-settings', input),

  profile: (memberId: number) => request<TaskProfile>('GET', `/api/task-profiles/${memberId}`),
  updateProfile: (memberId: number, input: Pick<TaskProfile, 'skills' | 'activeLimit' | 'scoreCap'>) =>
    request<TaskProfile>('PUT', `/api/task-profiles/${memberId}`, input),

  categories: () =>
    request<{ categories: ReportCategory[] } | ReportCategory[]>('GET', '/api/report-categories').then((data) =>
      listOf(data, 'categories'),
    ),
  createCategory: (input: CategoryFields) => request<ReportCategory>('POST', '/api/report-categories', input),
  updateCategory: (id: number, patch: Partial<CategoryFields> & { isArchived?: boolean }) =>
    request<ReportCategory>('PATCH', `/api/report-categories/${id}`, patch),

  schedules: () =>
    request<{ schedules: TaskSchedule[] } | TaskSchedule[]>('GET', '/api/task-schedules').then((data) =>
      listOf(data, 'schedules'),
    ),
  createSchedule: ({ conversationId, queueId, ...input }: ScheduleFields) =>
    request<TaskSchedule>('POST', '/api/task-schedules', {
      ...input,
      ...(queueId !== null ? { queueId } : { conversationId }),
    }),
  updateSchedule: (id: number, patch: Partial<ScheduleFields>) =>
    request<TaskSchedule>('PATCH', `/api/task-schedules/${id}`, patch),
  deleteSchedule: (id: number) => request<unknown>('DELETE', `/api/task-schedules/${id}`),

  report: (input: ReportInput) => request<ReportedTask>('POST', '/api/reports', input),

  stats: (period: StatsPeriod) => request<TaskStats>('GET', '/api/tasks/stats' + query({ ...period })),
  statsCsvUrl: (period: StatsPeriod) => '/api/tasks/stats.csv' + query({ ...period }),
}
