/**
 * /tasks/<id>: everything about one task, its private details in their own box for those
 * who may read them, the actions its state and the reader's role allow, its checklist, and
 * its thread (comments and the lines its changes left) with a reply box. Reloaded on every
 * change of the task, so the winner of a Take sees the private details at once.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { Markdown } from '../../lib/markdown'
import { me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { Button } from '../../ui/button'
import { Loading } from '../../ui/empty-state'
import { FormError } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { LoadError } from '../../ui/load-error'
import { Page } from '../../ui/page'
import { Attachments } from '../chat/attachments'
import { chatApi, newClientKey, type MessageView } from '../chat/chat-api'
import { authorNameOf } from '../chat/people'
import { formatWhen } from '../chat/time'
import { PriorityBadge, StateBadge, TaskLine } from './task-card'
import { Checklist, rolesOf, TaskActions, useTaskAction } from './task-actions'
import { placeOf, useNow } from './task-list'
import { dueText, formatWaiting, isTaskLine } from './task-labels'
import { tasksApi, type TaskDetail, type TaskView } from './tasks-api'
import '../chat/chat.css'
import './task-card.css'
import './tasks.css'

const RELOAD_DELAY_MS = 150

export function TaskPage({ id }: { id: number }) {
  const [task, setTask] = useState<TaskDetail | null>(null)
  const [error, setError] = useState<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const load = async () => {
    try {
      setTask(await tasksApi.get(id))
      setError(null)
    } catch (failure) {
      setError(errorMessage(failure))
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
    void load()
    return () => {
      if (timer.current) clearTimeout(timer.current)
    }
  }, [id])
  useLive(['task.', 'message.'], (event) => {
    if (event === null) return scheduleLoad()
    switch (event.type) {
      case 'task.changed':
        if (event.data.taskId === id) scheduleLoad()
        break
      case 'message.created':
      case 'message.updated':
        if (event.data.message.replyTo?.id === id) scheduleLoad()
        break
      case 'message.deleted':
        if (event.data.messageId === id || task?.thread.some((m) => m.id === event.data.messageId)) scheduleLoad()
        break
    }
  })
  /** An action's answer shows at once; the thread catches up with the reload. */
  const onChanged = (changed: TaskView) => {
    setTask((old) => (old ? { ...old, ...changed, thread: old.thread } : old))
    scheduleLoad()
  }

  const back = { href: '/tasks', label: t('tasks.title') }
  if (!task) {
    return (
      <Page title={t('tasks.taskTitle')} back={back}>
        {error ? <LoadError message={error} onRetry={() => void load()} /> : <Loading label={t('tasks.loading')} />}
      </Page>
    )
  }
  return (
    <Page title={task.title} back={back}>
      <TaskSummary task={task} onChanged={onChanged} />
      {task.checklist.length ? (
        <section class="card" aria-labelledby="task-checklist-title">
          <h2 class="card-title" id="task-checklist-title">
            {t('tasks.checklist')}
          </h2>
          <Checklist task={task} onChanged={onChanged} />
        </section>
      ) : null}
      <Thread task={task} onSent={scheduleLoad} />
    </Page>
  )
}

function TaskSummary({ task, onChanged }: { task: TaskDetail; onChanged: (task: TaskView) => void }) {
  const now = useNow()
  const due = dueText(task)
  const place = placeOf(task)
  const facts: { label: string; value: string }[] = []
  if (place) facts.push({ label: t('tasks.factWhere'), value: place })
  if (task.createdBy)
    facts.push({
      label: t('tasks.factPostedBy'),
      value: `${task.createdBy.displayName} · ${formatWhen(task.createdAt)}`,
    })
  if (task.reporter) facts.push({ label: t('tasks.factReporter'), value: task.reporter.displayName })
  if (task.state === 'open') facts.push({ label: t('tasks.factWaiting'), value: formatWaiting(now - task.openedAt) })
  if (task.takenBy && task.takenAt !== null)
    facts.push({ label: t('tasks.factTakenBy'), value: `${task.takenBy.displayName} · ${formatWhen(task.takenAt)}` })
  if (task.startedAt !== null) facts.push({ label: t('tasks.factStarted'), value: formatWhen(task.startedAt) })
  if (task.doneAt !== null) facts.push({ label: t('tasks.factDone'), value: formatWhen(task.doneAt) })
  if (task.cancelledAt !== null) facts.push({ label: t('tasks.factCancelled'), value: formatWhen(task.cancelledAt) })
  if (task.value !== null) facts.push({ label: t('tasks.factValue'), value: String(task.value) })
  if (task.skills.length) facts.push({ label: t('tasks.factSkills'), value: task.skills.join(', ') })
  if (task.roles.length) facts.push({ label: t('tasks.factRoles'), value: task.roles.join(', ') })
  return (
    <section class={`card task-summary task-card-${task.state}`} aria-label={t('tasks.summaryLabel')}>
      <div class="task-flags">
        <PriorityBadge priority={task.priority} />
        <StateBadge state={task.state} />
        {due ? <span class={task.isOverdue ? 'task-badge task-badge-overdue' : 'task-badge'}>{due}</span> : null}
        {task.photoRequired ? (
          <span class="task-badge">
            <Icon name="camera" size={14} /> {t('tasks.photoNeeded')}
          </span>
        ) : null}
      </div>
      {task.details ? (
        <div class="task-details">
          <Markdown text={task.details} surface="message" myUsername={me.value?.member.username} />
        </div>
      ) : null}
      <Attachments items={task.attachments} />
      <PrivateDetails task={task} onChanged={onChanged} />
      <dl class="task-factlist">
        {facts.map((fact) => (
          <div key={fact.label}>
            <dt>{fact.label}</dt>
            <dd>{fact.value}</dd>
          </div>
        ))}
      </dl>
      {task.state === 'done' && task.doneNote ? (
        <p class="task-note">
          <strong>{t('tasks.doneNote')}</strong> {task.doneNote}
        </p>
      ) : null}
      <TaskActions task={task} onChanged={onChanged} isFull />
    </section>
  )
}

/** The private box for those who may read it; "Get details" where the task allows asking first. */
function PrivateDetails({ task, onChanged }: { task: TaskView; onChanged: (task: TaskView) => void }) {
  const { busy, error, run } = useTaskAction(onChanged)
  if (!task.hasPrivateDetails) return null
  if (task.privateDetails !== null) {
    return (
      <div class="task-private" role="region" aria-label={t('tasks.privateDetails')}>
        <p class="task-private-title">
          <Icon name="lock" size={16} /> {t('tasks.privateDetails')}
        </p>
        <p class="task-private-text">{task.privateDetails}</p>
        <p class="task-private-hint">{rolesOf(task).isTaker ? t('tasks.privateHintTaker') : t('tasks.privateHint')}</p>
      </div>
    )
  }
  const canAsk = task.detailsBeforeTaking && task.state === 'open'
  return (
    <div class="task-private task-private-closed">
      <p class="task-private-title">
        <Icon name="lock" size={16} /> {canAsk ? t('tasks.privateAsk') : t('tasks.privateForTaker')}
      </p>
      {canAsk ? (
        <Button
          icon="eye"
          isSmall
          isBusy={busy === 'details'}
          onClick={() => void run('details', () => tasksApi.revealDetails(task.id))}
        >
          {t('tasks.getDetails')}
        </Button>
      ) : null}
      {error ? (
        <p class="task-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  )
}

function Thread({ task, onSent }: { task: TaskDetail; onSent: () => void }) {
  return (
    <section class="card task-thread" aria-labelledby="task-thread-title">
      <h2 class="card-title" id="task-thread-title">
        {t('tasks.thread')}
      </h2>
      {task.thread.length === 0 ? <p class="muted">{t('tasks.threadEmpty')}</p> : null}
      <ol class="task-thread-list">
        {task.thread.map((message) => (
          <li key={message.id}>
            {isTaskLine(message) ? <TaskLine message={message} taskTitle={null} /> : <Comment message={message} />}
          </li>
        ))}
      </ol>
      <ReplyBox task={task} onSent={onSent} />
    </section>
  )
}

function Comment({ message }: { message: MessageView }) {
  const name = authorNameOf(message)
  return (
    <article class="task-comment" id={`m-${message.id}`}>
      <Avatar name={name} size="small" />
      <div class="task-comment-main">
        <p class="task-comment-head">
          <strong>{name}</strong>{' '}
          <time dateTime={new Date(message.createdAt).toISOString()}>{formatWhen(message.createdAt)}</time>
        </p>
        {message.deletedAt !== null ? (
          <p class="muted">{t('chat.messageDeleted')}</p>
        ) : (
          <>
            {message.body ? (
              <Markdown text={message.body} surface="message" myUsername={me.value?.member.username} />
            ) : null}
            <Attachments items={message.attachments} />
          </>
        )}
      </div>
    </article>
  )
}

/** A reply in the task's thread: a message in its conversation that replies to the task. */
function ReplyBox({ task, onSent }: { task: TaskView; onSent: () => void }) {
  const [body, setBody] = useState('')
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const clientKey = useRef(newClientKey())
  const send = async (event: Event) => {
    event.preventDefault()
    if (!body.trim()) return
    setBusy(true)
    setError(null)
    try {
      await chatApi.send(task.conversationId, { body, clientKey: clientKey.current, replyToId: task.id })
      clientKey.current = newClientKey()
      setBody('')
      onSent()
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="task-reply" onSubmit={send} noValidate>
      <label class="field-label" for="task-reply">
        {t('tasks.replyLabel')}
      </label>
      <div class="task-reply-row">
        <textarea
          id="task-reply"
          class="input textarea"
          rows={2}
          value={body}
          maxLength={4000}
          onInput={(event) => setBody(event.currentTarget.value)}
        />
        <Button type="submit" variant="primary" icon="send" isBusy={isBusy} disabled={!body.trim()}>
          {t('tasks.send')}
        </Button>
      </div>
      <FormError message={error} />
    </form>
  )
}
