/**
 * What can be done to a task, by its state and by who is looking: Take, Start, Done (with a
 * note and photos), Give back, Cancel, Reopen, Reassign; and its checklist. The server
 * decides; these only offer what it would allow and show its answer when it says no.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { can, me } from '../../lib/session'
import { Button } from '../../ui/button'
import { confirm, Dialog } from '../../ui/dialog'
import { Loading } from '../../ui/empty-state'
import { FormError } from '../../ui/field'
import { FileInputs } from '../chat/attach-menu'
import { TrayView, useAttachmentTray } from '../chat/attachment-tray'
import { chatApi, type PersonRef } from '../chat/chat-api'
import { holderText } from './task-labels'
import { tasksApi, type TaskView } from './tasks-api'

export interface TaskRoles {
  isTaker: boolean
  isDispatcher: boolean
  /** Dispatchers and whoever posted it may cancel and reopen. */
  canClose: boolean
}

export function rolesOf(task: TaskView): TaskRoles {
  const myId = me.value?.member.id
  const isDispatcher = can('tasks.dispatch')
  return {
    isTaker: !!myId && task.takenBy?.id === myId,
    isDispatcher,
    canClose: isDispatcher || (!!myId && task.createdBy?.id === myId),
  }
}

/** Runs one action at a time and keeps the server's answer when it refuses. */
export function useTaskAction(onChanged: (task: TaskView) => void) {
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const run = async (name: string, action: () => Promise<TaskView>): Promise<TaskView | null> => {
    setBusy(name)
    setError(null)
    try {
      const task = await action()
      onChanged(task)
      return task
    } catch (failure) {
      setError(errorMessage(failure))
      return null
    } finally {
      setBusy(null)
    }
  }
  return { busy, error, setError, run }
}

interface ActionsProps {
  task: TaskView
  onChanged: (task: TaskView) => void
  /** On the task page everything is offered; a list row offers only the worker's own steps. */
  isFull?: boolean
  /** After taking from a list, the winner is taken to the task page (the private details are there). */
  openAfterTake?: boolean
}

export function TaskActions({ task, onChanged, isFull = false, openAfterTake = false }: ActionsProps) {
  const { busy, error, run } = useTaskAction(onChanged)
  const [isFinishing, setFinishing] = useState(false)
  const [isReassigning, setReassigning] = useState(false)
  const roles = rolesOf(task)
  const isHeld = task.state === 'taken' || task.state === 'started'
  const isPull = task.queue?.mode === 'pull'
  const holder = holderText(task)

  const take = async () => {
    const taken = await run('take', () => tasksApi.take(task.id))
    if (taken && openAfterTake) navigate(`/tasks/${task.id}`)
    // Someone else won: show who has it now, beside the server's "Already taken by Anna."
    if (!taken) void tasksApi.get(task.id).then(onChanged, () => undefined)
  }
  const release = async () => {
    if (!roles.isTaker) {
      const isSure = await confirm({
        title: t('tasks.takeBackTitle'),
        body: t('tasks.takeBackBody', { name: task.takenBy?.displayName ?? '' }),
        confirmLabel: t('tasks.takeBack'),
      })
      if (!isSure) return
    }
    await run('release', () => tasksApi.release(task.id))
  }
  const cancel = async () => {
    const isSure = await confirm({
      title: t('tasks.cancelTitle'),
      body: t('tasks.cancelBody', { title: task.title }),
      confirmLabel: t('tasks.cancelTask'),
      isDanger: true,
    })
    if (isSure) await run('cancel', () => tasksApi.cancel(task.id))
  }

  const buttons = []
  if (task.state === 'open') {
    if (isPull && !roles.isDispatcher) {
      buttons.push(
        <a key="next" class="task-hint" href="/tasks/next">
          {t('tasks.inOrder')}
        </a>,
      )
    } else {
      buttons.push(
        <Button key="take" variant="primary" icon="check" isBusy={busy === 'take'} onClick={() => void take()}>
          {t('tasks.take')}
        </Button>,
      )
    }
  } else if (isHeld && roles.isTaker) {
    if (task.state === 'taken') {
      buttons.push(
        <Button
          key="start"
          variant="primary"
          icon="play"
          isBusy={busy === 'start'}
          onClick={() => void run('start', () => tasksApi.start(task.id))}
        >
          {t('tasks.start')}
        </Button>,
      )
    }
    buttons.push(
      <Button
        key="done"
        variant={task.state === 'started' ? 'primary' : 'secondary'}
        icon="check"
        onClick={() => setFinishing(true)}
      >
        {task.photoRequired ? t('tasks.doneWithPhoto') : t('tasks.done')}
      </Button>,
      <Button key="release" variant="ghost" isBusy={busy === 'release'} onClick={() => void release()}>
        {t('tasks.giveBack')}
      </Button>,
    )
  } else if (holder) {
    buttons.push(
      <p key="holder" class="task-holder" data-testid="task-holder">
        {holder}
      </p>,
    )
  }
  if (isFull && roles.isDispatcher && isHeld && !roles.isTaker) {
    buttons.push(
      <Button key="takeback" variant="ghost" isBusy={busy === 'release'} onClick={() => void release()}>
        {t('tasks.takeBack')}
      </Button>,
    )
  }
  if (isFull && roles.isDispatcher && (task.state === 'open' || isHeld)) {
    buttons.push(
      <Button key="reassign" variant="ghost" icon="userPlus" onClick={() => setReassigning(true)}>
        {t('tasks.reassign')}
      </Button>,
    )
  }
  if (isFull && roles.canClose && (task.state === 'open' || isHeld)) {
    buttons.push(
      <Button key="cancel" variant="ghost" isBusy={busy === 'cancel'} onClick={() => void cancel()}>
        {t('tasks.cancelTask')}
      </Button>,
    )
  }
  if (isFull && roles.canClose && (task.state === 'done' || task.state === 'cancelled')) {
    buttons.push(
      <Button
        key="reopen"
        icon="refresh"
        isBusy={busy === 'reopen'}
        onClick={() => void run('reopen', () => tasksApi.reopen(task.id))}
      >
        {t('tasks.reopen')}
      </Button>,
    )
  }
  if (buttons.length === 0 && !error) return null
  return (
    <div class="task-actions-wrap">
      {buttons.length ? <div class="task-actions">{buttons}</div> : null}
      {error ? (
        <p class="task-error" role="alert">
          {error}
        </p>
      ) : null}
      {isFinishing ? (
        <FinishDialog
          task={task}
          onClose={() => setFinishing(false)}
          onDone={(done) => {
            setFinishing(false)
            onChanged(done)
          }}
        />
      ) : null}
      {isReassigning ? (
        <ReassignDialog
          task={task}
          onClose={() => setReassigning(false)}
          onDone={(moved) => {
            setReassigning(false)
            onChanged(moved)
          }}
        />
      ) : null}
    </div>
  )
}

/** Done: a note and photos; a task that needs a photo cannot be finished without one. */
export function FinishDialog({
  task,
  onClose,
  onDone,
}: {
  task: TaskView
  onClose: () => void
  onDone: (task: TaskView) => void
}) {
  const [note, setNote] = useState('')
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const tray = useAttachmentTray()
  const photo = useRef<HTMLInputElement>(null)
  const video = useRef<HTMLInputElement>(null)
  const file = useRef<HTMLInputElement>(null)
  const hasPhoto = tray.items.some(
    (item) => item.status === 'ready' && (item.kind === 'image' || item.kind === 'video'),
  )
  const isBlocked = tray.isBusy || (task.photoRequired && !hasPhoto)
  const submit = async (event: Event) => {
    event.preventDefault()
    if (isBlocked) return
    setBusy(true)
    setError(null)
    try {
      onDone(await tasksApi.finish(task.id, { note, attachments: tray.inputs }))
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Dialog title={t('tasks.finishTitle', { title: task.title })} label={t('tasks.finishLabel')} onClose={onClose}>
      <form class="form" onSubmit={submit} noValidate>
        <div class="field">
          <label class="field-label" for="task-done-note">
            {t('tasks.noteLabel')}
          </label>
          <textarea
            id="task-done-note"
            class="input textarea"
            rows={3}
            value={note}
            maxLength={4000}
            onInput={(event) => setNote(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <span class="field-label">{task.photoRequired ? t('tasks.photoRequiredLabel') : t('tasks.photosLabel')}</span>
          <TrayView tray={tray} />
          <div class="task-photo-buttons">
            <Button icon="camera" onClick={() => photo.current?.click()}>
              {t('tasks.addPhoto')}
            </Button>
            <Button icon="paperclip" variant="ghost" onClick={() => file.current?.click()}>
              {t('tasks.addFile')}
            </Button>
          </div>
          <FileInputs tray={tray} inputs={{ photo, video, file }} />
        </div>
        <FormError message={error} />
        <div class="form-actions">
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" icon="check" isBusy={isBusy} disabled={isBlocked}>
            {task.photoRequired && !hasPhoto ? t('tasks.donePhotoFirst') : t('tasks.markDone')}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}

/** Gives the task to someone in its conversation (dispatchers). */
function ReassignDialog({
  task,
  onClose,
  onDone,
}: {
  task: TaskView
  onClose: () => void
  onDone: (task: TaskView) => void
}) {
  const [people, setPeople] = useState<readonly PersonRef[] | null>(null)
  const [chosen, setChosen] = useState<number | null>(null)
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    chatApi.conversation(task.conversationId).then(
      (detail) =>
        setPeople(
          detail.people
            .filter((person) => person.id !== task.takenBy?.id)
            .sort((a, b) => a.displayName.localeCompare(b.displayName)),
        ),
      (failure: unknown) => setError(errorMessage(failure)),
    )
  }, [task.conversationId])
  const submit = async () => {
    if (chosen === null) return
    setBusy(true)
    setError(null)
    try {
      onDone(await tasksApi.reassign(task.id, chosen))
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Dialog
      title={t('tasks.reassignTitle')}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" isBusy={isBusy} disabled={chosen === null} onClick={() => void submit()}>
            {t('tasks.reassignConfirm')}
          </Button>
        </>
      }
    >
      {people === null && !error ? <Loading label={t('common.loading')} /> : null}
      {people ? (
        <fieldset class="checks radios task-people">
          <legend class="field-label">{t('tasks.reassignLegend', { title: task.title })}</legend>
          {people.map((person) => (
            <div key={person.id} class="check">
              <input
                id={`reassign-${person.id}`}
                type="radio"
                name="reassign"
                checked={chosen === person.id}
                onChange={() => setChosen(person.id)}
              />
              <label for={`reassign-${person.id}`}>
                <span class="check-label">{person.displayName}</span>
              </label>
            </div>
          ))}
        </fieldset>
      ) : null}
      <FormError message={error} />
    </Dialog>
  )
}

/** The checklist; the taker (or a dispatcher) ticks while the task is held. */
export function Checklist({ task, onChanged }: { task: TaskView; onChanged: (task: TaskView) => void }) {
  const { busy, error, run } = useTaskAction(onChanged)
  // A tick shows at once, while the server records it (and goes back if it refuses).
  const [ticking, setTicking] = useState<{ id: number; isDone: boolean } | null>(null)
  const roles = rolesOf(task)
  const isHeld = task.state === 'taken' || task.state === 'started'
  const canTick = isHeld && (roles.isTaker || roles.isDispatcher)
  if (task.checklist.length === 0) return null
  const doneCount = task.checklist.filter((item) => item.doneAt !== null).length
  return (
    <div class="task-checklist">
      <p class="task-checklist-count">{t('tasks.checklistCount', { done: doneCount, total: task.checklist.length })}</p>
      <ul class="task-checks">
        {task.checklist.map((item) => (
          <li key={item.id} class={item.doneAt !== null ? 'task-check task-check-done' : 'task-check'}>
            <input
              id={`check-${task.id}-${item.id}`}
              type="checkbox"
              checked={ticking?.id === item.id ? ticking.isDone : item.doneAt !== null}
              disabled={!canTick || busy !== null}
              onChange={(event) => {
                const isDone = event.currentTarget.checked
                setTicking({ id: item.id, isDone })
                void run(`check-${item.id}`, () => tasksApi.check(task.id, item.id, isDone)).finally(() =>
                  setTicking(null),
                )
              }}
            />
            <label for={`check-${task.id}-${item.id}`}>
              <span>{item.text}</span>
              {item.doneBy ? <span class="task-check-by">{item.doneBy.displayName}</span> : null}
            </label>
          </li>
        ))}
      </ul>
      {task.state === 'open' ? <p class="muted task-check-hint">{t('tasks.checklistAfterTaking')}</p> : null}
      {error ? (
        <p class="task-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  )
}
