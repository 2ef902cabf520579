/**
 * The rules of handing out work, as pure functions so they read (and test) as a table:
 * how waiting raises a task's priority, who is eligible, and the queue's order.
 */
import type { Role, ShiftStatus } from '../db/schema'

export const MAX_PRIORITY = 100

/** The priority plus the queue's ageing for the time it has waited open, at most 100. */
export function effectivePriority(priority: number, ageingPerHour: number, waitingMs: number): number {
  if (ageingPerHour <= 0 || waitingMs <= 0) return priority
  return Math.min(MAX_PRIORITY, priority + Math.floor((ageingPerHour * waitingMs) / 3_600_000))
}

export interface Candidate {
  role: Role
  skills: readonly string[]
  scoreCap: number | null
  /** Shift status as it applies now (an expired "off shift until" counts as on shift). */
  shift: ShiftStatus
  permissions: readonly string[]
}

export interface Requirement {
  skills: readonly string[]
  roles: readonly string[]
  value: number | null
  requiresOnShift: boolean
  /** A permission the job needs (answering customers); null or absent for none. */
  requiredPermission?: string | null
}

/** Why a member may not take a task, in words for them; null when they may. */
export function ineligibility(member: Candidate, task: Requirement): string | null {
  if (member.role === 'display') return 'A wall display cannot take jobs.'
  if (task.requiredPermission && !member.permissions.includes(task.requiredPermission)) {
    return 'Only members allowed to do this kind of job can take it.'
  }
  if (task.roles.length > 0 && !task.roles.includes(member.role)) {
    return `Only ${task.roles.join(' or ')} members can take this job.`
  }
  const have = new Set(member.skills.map((s) => s.toLowerCase()))
  const missing = task.skills.filter((s) => !have.has(s.toLowerCase()))
  if (missing.length) return `This job needs ${missing.join(', ')}.`
  if (member.scoreCap !== null && task.value !== null && task.value > member.scoreCap) {
    return 'This job is above what you can take for now; ask a manager.'
  }
  if (task.requiresOnShift && member.shift !== 'on_shift') return 'This queue hands out jobs only to members on shift.'
  return null
}

export interface Queued {
  id: number
  effectivePriority: number
  dueAt: number | null
  openedAt: number
}

/** The queue's order: effective priority, then the earliest due time, then the longest wait. */
export function compareQueued(a: Queued, b: Queued): number {
  if (a.effectivePriority !== b.effectivePriority) return b.effectivePriority - a.effectivePriority
  const aDue = a.dueAt ?? Number.POSITIVE_INFINITY
  const bDue = b.dueAt ?? Number.POSITIVE_INFINITY
  if (aDue !== bDue) return aDue - bDue
  if (a.openedAt !== b.openedAt) return a.openedAt - b.openedAt
  return a.id - b.id
}
