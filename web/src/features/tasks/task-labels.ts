/**
 * How a task's facts read, shared by the chat card, the lists and the task page: priority
 * bands, states, waiting times, due times and the lines its changes leave in the thread.
 */
import { t, type MessageKey } from '../../lib/i18n'
import { me } from '../../lib/session'
import { formatWhen } from '../chat/time'
import type { MessageView } from '../chat/chat-api'
import type { TaskFields, TaskState } from './tasks-api'

export type PriorityBand = 'low' | 'normal' | 'high' | 'urgent'

/** The preset each band sets in the form; bands are read back from any 0–100 value. */
export const PRIORITY_PRESETS: readonly { band: PriorityBand; value: number }[] = [
  { band: 'low', value: 20 },
  { band: 'normal', value: 50 },
  { band: 'high', value: 70 },
  { band: 'urgent', value: 90 },
]

/** Urgent from 80, like the push notification's "Urgent job". */
export function priorityBand(priority: number): PriorityBand {
  if (priority >= 80) return 'urgent'
  if (priority >= 60) return 'high'
  if (priority >= 30) return 'normal'
  return 'low'
}

const BAND_KEY: Record<PriorityBand, MessageKey> = {
  low: 'tasks.priorityLow',
  normal: 'tasks.priorityNormal',
  high: 'tasks.priorityHigh',
  urgent: 'tasks.priorityUrgent',
}

export function bandLabel(band: PriorityBand): string {
  return t(BAND_KEY[band])
}

const STATE_KEY: Record<TaskState, MessageKey> = {
  open: 'tasks.stateOpen',
  taken: 'tasks.stateTaken',
  started: 'tasks.stateStarted',
  done: 'tasks.stateDone',
  cancelled: 'tasks.stateCancelled',
}

export function stateLabel(state: TaskState): string {
  return t(STATE_KEY[state])
}

/** Who a task may be limited to, as the form and the card name them. */
export function roleLabel(role: string): string {
  return role === 'owner' ? t('tasks.roleOwners') : role === 'manager' ? t('tasks.roleManagers') : t('tasks.roleStaff')
}

/** "4 min", "2 h 5 min", "3 days": how long something has waited. */
export function formatWaiting(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000))
  if (minutes < 1) return t('tasks.justNow')
  if (minutes < 60) return t('tasks.minutes', { count: minutes })
  const hours = Math.floor(minutes / 60)
  if (hours < 24)
    return minutes % 60 ? t('tasks.hoursMinutes', { hours, minutes: minutes % 60 }) : t('tasks.hours', { count: hours })
  return t('tasks.days', { count: Math.floor(hours / 24) })
}

/** "Due 14:00" or "Overdue since 14:00"; null without a due time. */
export function dueText(task: Pick<TaskFields, 'dueAt' | 'isOverdue' | 'state'>): string | null {
  if (task.dueAt === null) return null
  const when = formatWhen(task.dueAt)
  return task.isOverdue ? t('tasks.overdueSince', { when }) : t('tasks.dueAt', { when })
}

/** Who holds it, as the card and rows say it: "Taken by Anna", "You have this". */
export function holderText(task: Pick<TaskFields, 'state' | 'takenBy'>): string | null {
  const taker = task.takenBy
  if (!taker || (task.state !== 'taken' && task.state !== 'started')) return null
  const isMe = taker.id === me.value?.member.id
  if (task.state === 'started') return isMe ? t('tasks.youStarted') : t('tasks.startedBy', { name: taker.displayName })
  return isMe ? t('tasks.youHaveIt') : t('tasks.takenBy', { name: taker.displayName })
}

/** Whether a system message is one of a task's change lines. */
export function isTaskLine(message: Pick<MessageView, 'kind' | 'system'>): boolean {
  return message.kind === 'system' && !!message.system?.action.startsWith('task.')
}

const LINE_KEY: Record<string, MessageKey> = {
  'task.created': 'tasks.lineCreated',
  'task.taken': 'tasks.lineTaken',
  'task.started': 'tasks.lineStarted',
  'task.released': 'tasks.lineReleased',
  'task.returned': 'tasks.lineReturned',
  'task.reassigned': 'tasks.lineReassigned',
  'task.done': 'tasks.lineDone',
  'task.cancelled': 'tasks.lineCancelled',
  'task.reopened': 'tasks.lineReopened',
  'task.escalated': 'tasks.lineEscalated',
  'task.revealed': 'tasks.lineRevealed',
  'task.updated': 'tasks.lineUpdated',
}

/**
 * "Anna took this", or "Anna took “Fix the till”" where the line stands away from its task
 * ("a task" when its title is not at hand: an empty `taskTitle`).
 * A dispatcher taking a task back names whom from; a timer's return names nobody as actor.
 */
export function taskLineText(message: MessageView, taskTitle: string | null): string {
  const action = message.system?.action ?? ''
  const detail = message.system?.detail ?? ''
  const isMine = !!message.author && message.author.id === me.value?.member.id
  const actor = isMine ? t('tasks.you') : message.system?.actorName || message.author?.displayName || t('chat.someone')
  const task = taskTitle === null ? t('tasks.this') : taskTitle ? `“${taskTitle}”` : t('tasks.aTask')
  let key = LINE_KEY[action] ?? 'tasks.lineUpdated'
  if (action === 'task.released' && detail) key = 'tasks.lineTakenBack'
  if (action === 'task.returned' && detail) key = 'tasks.lineReturnedFrom'
  const text = t(key, { actor, task, name: detail })
  return text.charAt(0).toUpperCase() + text.slice(1)
}
