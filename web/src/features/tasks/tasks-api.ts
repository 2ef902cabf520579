/** The tasks API, typed from the shared event contract (a task is its message's task fields plus a few of the message's own). */
import type { TaskFields, TaskState } from '../../../../server/shared/events'
import { query, request } from '../../lib/api'
import type { AttachmentInput, AttachmentView, MessageView } from '../chat/chat-api'

export type { TaskFields, TaskState }

export interface TaskView extends TaskFields {
  id: number
  conversationId: number
  details: string
  attachments: AttachmentView[]
  createdAt: number
}

export interface TaskDetail extends TaskView {
  /** The replies to the task: comments and the system lines of its changes, oldest first. */
  thread: MessageView[]
}

export type QueueMode = 'claim' | 'pull'

/** Mirrors the queue route's response. */
export interface TaskQueue {
  id: number
  name: string
  mode: QueueMode
  conversationId: number
  isArchived: boolean
  openCount: number
  oldestOpenAt: number | null
}

export type TaskListView = 'open' | 'mine' | 'done' | 'all'

export interface TaskListQuery {
  view: TaskListView
  state?: TaskState | undefined
  queueId?: number | undefined
  takenBy?: number | undefined
  isOverdue?: boolean | undefined
  limit?: number | undefined
}

export type TaskRole = 'owner' | 'manager' | 'staff'

export interface NewTaskInput {
  title: string
  details: string
  privateDetails: string
  detailsBeforeTaking: boolean
  priority: number
  value: number | null
  dueAt: number | null
  skills: string[]
  roles: TaskRole[]
  checklist: string[]
  photoRequired: boolean
  attachments: AttachmentInput[]
  conversationId?: number
  queueId?: number
  clientKey: string
}

const post = (id: number, action: string) => request<TaskView>('POST', `/api/tasks/${id}/${action}`)

export const tasksApi = {
  list: (q: TaskListQuery) =>
    request<{ tasks: TaskView[] }>(
      'GET',
      '/api/tasks' +
        query({
          view: q.view,
          state: q.state,
          queueId: q.queueId,
          takenBy: q.takenBy,
          overdue: q.isOverdue ? 'true' : undefined,
          limit: q.limit,
        }),
    ),
  get: (id: number) => request<TaskDetail>('GET', `/api/tasks/${id}`),
  create: (input: NewTaskInput) => request<TaskView>('POST', '/api/tasks', input),
  /** The most important task I may take, now mine; null when there is none (204). */
  next: (queueId: number | null) =>
    request<TaskView | null>('POST', '/api/tasks/next', queueId === null ? {} : { queueId }),
  take: (id: number) => post(id, 'take'),
  release: (id: number) => post(id, 'release'),
  start: (id: number) => post(id, 'start'),
  cancel: (id: number) => post(id, 'cancel'),
  reopen: (id: number) => post(id, 'reopen'),
  revealDetails: (id: number) => post(id, 'details'),
  finish: (id: number, input: { note: string; attachments: AttachmentInput[] }) =>
    request<TaskView>('POST', `/api/tasks/${id}/done`, input),
  reassign: (id: number, memberId: number) => request<TaskView>('POST', `/api/tasks/${id}/reassign`, { memberId }),
  check: (id: number, itemId: number, isDone: boolean) =>
    request<TaskView>('PUT', `/api/tasks/${id}/checklist/${itemId}`, { isDone }),
  queues: () => request<{ queues: TaskQueue[] }>('GET', '/api/task-queues'),
}
