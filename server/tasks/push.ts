/**
 * Tasks on phones that are not looking: a new job's notification carries a Take button, and
 * the people a change concerns are told of it (the dispatcher when someone takes the job or
 * it goes back to the queue, the dispatcher and followers when it is done, the new assignee,
 * the managers when a job waits too long). push/ applies each member's away state, level,
 * quiet hours and mutes. Everything here is built from events and stored rows, never from a
 * viewer's view, and never reads the private details.
 */
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import type { MessageView, StoredEvent, TaskFields } from '../shared/events'
import type { WriteContext } from '../shared/write'
import { notificationExcerpt } from '../shared/text'
import { ROLE_PERMISSIONS } from '../auth/permissions'
import type { KindEventPush, KindNotification, MessageKindSpec } from '../conversations/kinds'

/** At this priority a new job is announced as urgent. */
const URGENT_PRIORITY = 80

const tagOf = (taskId: number) => `task-${taskId}`
const urlOf = (taskId: number) => `/tasks/${taskId}`

/**
 * How a push about a new job reads. An open job that may be taken by pressing Take (not one
 * a pull queue hands out in order) carries the Take button, and comes through to those who
 * want only messages for them: it asks them to act.
 */
export function taskNotification(view: MessageView): KindNotification {
  const task = view.task as TaskFields
  const author = view.author?.displayName ?? ''
  const details = notificationExcerpt(view.body)
  const isTakeable = task.state === 'open' && task.queue?.mode !== 'pull'
  return {
    title: `${task.priority >= URGENT_PRIORITY ? 'Urgent job' : 'New job'}: ${task.title}`,
    body: details ? `${author}: ${details}` : `${author} posted a job`,
    tag: tagOf(view.id),
    url: urlOf(view.id),
    isUrgent: false,
    ...(isTakeable ? { actions: [{ action: 'take', title: 'Take' }], reason: 'addressed' as const } : {}),
    data: { taskId: view.id, taskTitle: task.title },
  }
}

async function displayNameOf(db: Kysely<DB>, memberId: number | null): Promise<string> {
  if (memberId === null) return ''
  const row = await db.selectFrom('member').select('display_name').where('id', '=', memberId).executeTakeFirst()
  return row?.display_name ?? ''
}

/** Active members who manage the shop: the audience of an escalation. */
/** Active members who manage members: who hears about jobs waiting too long. */
export async function managerIds(db: Kysely<DB>): Promise<number[]> {
  const roles = (Object.keys(ROLE_PERMISSIONS) as (keyof typeof ROLE_PERMISSIONS)[]).filter((role) =>
    ROLE_PERMISSIONS[role].includes('members.manage'),
  )
  const rows = await db
    .selectFrom('member as m')
    .select('m.id')
    .where('m.status', '=', 'active')
    .where('m.role', '!=', 'display')
    .where((eb) =>
      eb.or([
        eb('m.role', 'in', roles),
        eb.exists(
          eb
            .selectFrom('member_permission as p')
            .select('p.member_id')
            .whereRef('p.member_id', '=', 'm.id')
            .where('p.permission', '=', 'members.manage'),
        ),
      ]),
    )
    .execute()
  return rows.map((row) => row.id)
}

function addressed(
  memberIds: number[],
  taskId: number,
  conversationId: number,
  words: { title: string; body: string },
): KindEventPush[] {
  if (memberIds.length === 0) return []
  return [
    {
      memberIds,
      conversationId,
      reason: 'addressed',
      notification: { ...words, tag: tagOf(taskId), url: urlOf(taskId), isUrgent: false },
    },
  ]
}

async function changePushes(w: WriteContext, event: StoredEvent<'task.changed'>): Promise<KindEventPush[]> {
  const { taskId, conversationId, action, title, by, memberId } = event.data
  const task = await w.trx
    .selectFrom('task')
    .select(['created_by', 'done_note'])
    .where('message_id', '=', taskId)
    .executeTakeFirst()
  if (!task) return []
  // Nobody is told about what they did themselves.
  const others = (ids: readonly (number | null)[]) =>
    [...new Set(ids)].filter((id): id is number => id !== null && id !== by?.id)
  const dispatcher = others([task.created_by])
  switch (action) {
    case 'taken':
      return addressed(dispatcher, taskId, conversationId, {
        title: `${by?.displayName ?? 'Someone'} took ${title}`,
        body: 'Open the job to follow it.',
      })
    case 'returned': {
      const name = await displayNameOf(w.trx, memberId)
      return addressed(dispatcher, taskId, conversationId, {
        title: `${title} went back to the queue`,
        body: name ? `${name} did not start it.` : 'Nobody started it in time.',
      })
    }
    case 'done': {
      const followers = await w.trx
        .selectFrom('task_follower')
        .select('member_id')
        .where('task_id', '=', taskId)
        .execute()
      const note = notificationExcerpt(task.done_note)
      return addressed(others([task.created_by, ...followers.map((f) => f.member_id)]), taskId, conversationId, {
        title: `Done: ${title}`,
        body: note || `${by?.displayName ?? 'Someone'} finished it.`,
      })
    }
    case 'reassigned':
      return addressed(others([memberId]), taskId, conversationId, {
        title: `You have a job: ${title}`,
        body: by ? `${by.displayName} gave it to you.` : 'It was given to you.',
      })
    default:
      return []
  }
}

async function escalationPushes(w: WriteContext, event: StoredEvent<'task.escalated'>): Promise<KindEventPush[]> {
  const { taskId, conversationId, title, waitingMs } = event.data
  const minutes = Math.max(1, Math.round(waitingMs / 60_000))
  return addressed(await managerIds(w.trx), taskId, conversationId, {
    title: `Waiting too long: ${title}`,
    body: `Nobody has taken it for ${minutes} min.`,
  })
}

/** Pushes about a task's changes, for the task kind's `eventPushes` hook. */
export async function taskEventPushes(w: WriteContext, event: StoredEvent): Promise<KindEventPush[]> {
  if (event.type === 'task.changed') return changePushes(w, event as StoredEvent<'task.changed'>)
  if (event.type === 'task.escalated') return escalationPushes(w, event as StoredEvent<'task.escalated'>)
  return []
}

/** The task kind's push hooks, spread into its registration (kind.ts). */
export const taskPushHooks = {
  notification: taskNotification,
  eventPushes: taskEventPushes,
} satisfies Pick<MessageKindSpec<'task'>, 'notification' | 'eventPushes'>
