/**
 * A task as it shows in a conversation: a card with its priority, state, due time and who
 * has it (kept live by the conversation's message.updated events), a Take button; and the
 * small lines its changes leave ("Anna took this · 10:02"), the last one with the note and
 * photos it was finished with.
 */
import { useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatTime, isoTime } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { Markdown } from '../../lib/markdown'
import { navigate } from '../../lib/router'
import { me } from '../../lib/session'
import { Button } from '../../ui/button'
import { Icon } from '../../ui/icons'
import { Attachments } from '../chat/attachments'
import type { MessageView } from '../chat/chat-api'
import { bandLabel, dueText, holderText, priorityBand, roleLabel, stateLabel, taskLineText } from './task-labels'
import { tasksApi, type TaskFields } from './tasks-api'
import './task-card.css'

export function PriorityBadge({ priority }: { priority: number }) {
  const band = priorityBand(priority)
  return (
    <span class={`task-badge task-priority-${band}`} title={t('tasks.priorityValue', { value: priority })}>
      {bandLabel(band)}
    </span>
  )
}

export function StateBadge({ state }: { state: TaskFields['state'] }) {
  return <span class={`task-badge task-state task-state-${state}`}>{stateLabel(state)}</span>
}

/** Take, for the card: the winner goes to the task page, where the private details are. */
function TakeButton({ id }: { id: number }) {
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const take = async () => {
    setBusy(true)
    setError(null)
    try {
      await tasksApi.take(id)
      navigate(`/tasks/${id}`)
    } catch (failure) {
      // "Already taken by Anna.": the card itself turns into "Taken by Anna" with the next event.
      setError(failure instanceof ApiError ? failure.message : errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <Button variant="primary" icon="check" isBusy={isBusy} onClick={() => void take()}>
        {t('tasks.take')}
      </Button>
      {error ? (
        <p class="task-error" role="alert">
          {error}
        </p>
      ) : null}
    </>
  )
}

export function TaskCard({ message, isHighlighted }: { message: MessageView; isHighlighted?: boolean }) {
  const task = message.task as TaskFields
  const holder = holderText(task)
  const due = dueText(task)
  const isPull = task.queue?.mode === 'pull'
  const href = `/tasks/${message.id}`
  return (
    <article
      class={['task-card', `task-card-${task.state}`, isHighlighted ? 'is-highlighted' : ''].filter(Boolean).join(' ')}
      aria-labelledby={`task-title-${message.id}`}
      data-task-id={message.id}
    >
      <div class="task-flags">
        <span class="task-kind">
          <Icon name="check" size={14} /> {t('tasks.kindLabel')}
        </span>
        <PriorityBadge priority={task.priority} />
        {task.state === 'open' ? null : <StateBadge state={task.state} />}
      </div>
      <h3 class="task-card-title" id={`task-title-${message.id}`}>
        <a href={href}>{task.title}</a>
      </h3>
      {message.body ? <Markdown text={message.body} surface="message" myUsername={me.value?.member.username} /> : null}
      <Attachments items={message.attachments} />
      <p class="task-facts">
        {message.author ? <span>{t('tasks.postedBy', { name: message.author.displayName })}</span> : null}
        {due ? <span class={task.isOverdue ? 'task-overdue' : undefined}>{due}</span> : null}
        {task.hasPrivateDetails ? (
          <span>
            <Icon name="lock" size={14} /> {t('tasks.privateForTaker')}
          </span>
        ) : null}
        {task.photoRequired ? <span>{t('tasks.photoNeeded')}</span> : null}
        {task.roles.length ? (
          <span>
            {t('tasks.onlyFor', { roles: task.roles.map((role) => roleLabel(role).toLowerCase()).join(', ') })}
          </span>
        ) : null}
        {task.skills.length ? <span>{t('tasks.needsSkills', { skills: task.skills.join(', ') })}</span> : null}
      </p>
      <div class="task-card-foot">
        {task.state === 'open' ? (
          isPull ? (
            <a class="task-hint" href="/tasks/next">
              {t('tasks.inOrder')}
            </a>
          ) : (
            <TakeButton id={message.id} />
          )
        ) : (
          <p class="task-holder" data-testid="task-holder">
            {holder ?? stateLabel(task.state)}
          </p>
        )}
        <a class="task-open" href={href}>
          {task.threadCount ? tn('tasks.replies', task.threadCount) : t('tasks.open')}
          <Icon name="chevronRight" size={16} />
        </a>
      </div>
    </article>
  )
}

/**
 * One change of a task as a small line. Right under its task (and on the task's own page)
 * it says "this"; elsewhere it names the task, or "a task" when its title is not loaded,
 * and links to it.
 */
export function TaskLine({
  message,
  taskTitle,
  isAttached = false,
}: {
  message: MessageView
  /** null on the task's own page. */
  taskTitle: string | null
  isAttached?: boolean
}) {
  const taskId = message.replyTo?.id
  const title = isAttached ? null : taskTitle
  const text = taskLineText(message, title)
  const isDone = message.system?.action === 'task.done'
  return (
    <div
      class={isAttached ? 'task-line task-line-attached' : 'task-line'}
      id={`m-${message.id}`}
      data-message-id={message.id}
    >
      <p class="task-line-text">
        {title !== null && taskId ? <a href={`/tasks/${taskId}`}>{text}</a> : <span>{text}</span>}
        <span aria-hidden="true"> · </span>
        <time dateTime={isoTime(message.createdAt)}>{formatTime(message.createdAt)}</time>
      </p>
      {isDone && (message.body || message.attachments.length) ? (
        <div class="task-line-done">
          {message.body ? <p class="task-note">{message.body}</p> : null}
          <Attachments items={message.attachments} />
        </div>
      ) : null}
    </div>
  )
}
