/**
 * The Tasks tab: "Open to me" (in queue order), "Mine", "Next", "Done", and for
 * dispatchers "All" with filters and the New task button. Each segment is its own path
 * (/tasks, /tasks/mine …) so that Back and links work.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { can } from '../../lib/session'
import { Button, LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { CheckField, SelectField } from '../../ui/field'
import { LoadError } from '../../ui/load-error'
import { Page } from '../../ui/page'
import { toast } from '../../ui/toast'
import { activeMembers, ensureMembers } from '../chat/people'
import { ReportButton } from './report-button'
import { TaskRow, useNow, useTaskList, type RowKind } from './task-list'
import { stateLabel } from './task-labels'
import { tasksApi, type TaskListQuery, type TaskQueue, type TaskState } from './tasks-api'
import '../chat/chat.css'
import './task-card.css'
import './tasks.css'

export type Segment = 'open' | 'mine' | 'next' | 'done' | 'all'

const SEGMENT_PATH: Record<Segment, string> = {
  open: '/tasks',
  mine: '/tasks/mine',
  next: '/tasks/next',
  done: '/tasks/done',
  all: '/tasks/all',
}

function segmentLabel(segment: Segment): string {
  switch (segment) {
    case 'open':
      return t('tasks.segmentOpen')
    case 'mine':
      return t('tasks.segmentMine')
    case 'next':
      return t('tasks.segmentNext')
    case 'done':
      return t('tasks.segmentDone')
    case 'all':
      return t('tasks.segmentAll')
  }
}

export function TasksPage({ segment }: { segment: Segment }) {
  const isDispatcher = can('tasks.dispatch')
  const segmentsRef = useRef<HTMLElement>(null)
  // On a narrow phone the last segments sit off to the right: keep the current one in view.
  useEffect(() => {
    segmentsRef.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' })
  }, [segment])
  const segments: Segment[] = isDispatcher ? ['open', 'mine', 'next', 'done', 'all'] : ['open', 'mine', 'next', 'done']
  return (
    <Page
      title={t('tasks.title')}
      actions={<ReportButton />}
      primary={
        isDispatcher ? (
          <LinkButton href="/tasks/new" variant="primary" icon="plus">
            {t('tasks.newTask')}
          </LinkButton>
        ) : null
      }
    >
      <nav class="chips task-segments" ref={segmentsRef} aria-label={t('tasks.segmentsLabel')}>
        {segments.map((each) => (
          <a
            key={each}
            href={SEGMENT_PATH[each]}
            class={each === segment ? 'chip chip-on' : 'chip'}
            aria-current={each === segment ? 'page' : undefined}
          >
            {segmentLabel(each)}
          </a>
        ))}
      </nav>
      {segment === 'next' ? <NextPanel /> : segment === 'all' ? <AllTasks /> : <TaskListView segment={segment} />}
    </Page>
  )
}

function emptyText(kind: RowKind): { title: string; text: string } {
  switch (kind) {
    case 'open':
      return { title: t('tasks.emptyOpenTitle'), text: t('tasks.emptyOpenText') }
    case 'mine':
      return { title: t('tasks.emptyMineTitle'), text: t('tasks.emptyMineText') }
    case 'done':
      return { title: t('tasks.emptyDoneTitle'), text: t('tasks.emptyDoneText') }
    case 'all':
      return { title: t('tasks.emptyAllTitle'), text: t('tasks.emptyAllText') }
  }
}

function TaskListView({ segment }: { segment: 'open' | 'mine' | 'done' }) {
  const { tasks, error, reload, replace } = useTaskList({ view: segment }, segment === 'open')
  return <TaskRows kind={segment} tasks={tasks} error={error} reload={reload} replace={replace} />
}

function TaskRows({ kind, tasks, error, reload, replace }: ReturnType<typeof useTaskList> & { kind: RowKind }) {
  const now = useNow()
  if (error && !tasks) return <LoadError message={error} onRetry={() => void reload()} />
  if (!tasks) return <Loading label={t('tasks.loading')} />
  if (tasks.length === 0) {
    const empty = emptyText(kind)
    return (
      <div class="card">
        <EmptyState icon="inbox" title={empty.title}>
          {empty.text}
        </EmptyState>
      </div>
    )
  }
  return (
    <ul class="task-rows" aria-label={t('tasks.listLabel')}>
      {tasks.map((task) => (
        <TaskRow key={task.id} task={task} kind={kind} now={now} onChanged={replace} />
      ))}
    </ul>
  )
}

function useQueues(): TaskQueue[] | null {
  const [queues, setQueues] = useState<TaskQueue[] | null>(null)
  useEffect(() => {
    tasksApi.queues().then(
      ({ queues: list }) => setQueues(list.filter((queue) => !queue.isArchived)),
      () => setQueues([]),
    )
  }, [])
  return queues
}

/** Next: the most important task I may take, from any queue or one. */
function NextPanel() {
  const queues = useQueues()
  const [queueId, setQueueId] = useState('')
  const [isBusy, setBusy] = useState(false)
  const [answer, setAnswer] = useState<{ text: string; isError: boolean } | null>(null)
  const mine = useTaskList({ view: 'mine' })
  const now = useNow()
  const next = async () => {
    setBusy(true)
    setAnswer(null)
    try {
      const task = await tasksApi.next(queueId ? Number(queueId) : null)
      if (!task) {
        setAnswer({ text: t('tasks.nothingNext'), isError: false })
        return
      }
      toast(t('tasks.nowYours', { title: task.title }))
      navigate(`/tasks/${task.id}`)
    } catch (failure) {
      setAnswer({ text: failure instanceof ApiError ? failure.message : errorMessage(failure), isError: true })
    } finally {
      setBusy(false)
    }
  }
  const waiting = (queues ?? []).reduce((sum, queue) => sum + queue.openCount, 0)
  return (
    <>
      <section class="card task-next" aria-labelledby="task-next-title">
        <h2 class="card-title" id="task-next-title">
          {t('tasks.nextTitle')}
        </h2>
        <p class="muted">{t('tasks.nextExplain')}</p>
        {queues && queues.length > 1 ? (
          <SelectField
            label={t('tasks.nextFrom')}
            value={queueId}
            onValue={setQueueId}
            options={[
              { value: '', label: t('tasks.anyQueue') },
              ...queues.map((queue) => ({
                value: String(queue.id),
                label: t('tasks.queueWaiting', { name: queue.name, count: queue.openCount }),
              })),
            ]}
          />
        ) : null}
        <Button
          variant="primary"
          icon="play"
          isBlock
          isBusy={isBusy}
          class="task-next-button"
          onClick={() => void next()}
        >
          {t('tasks.nextButton')}
        </Button>
        {answer ? (
          <p
            class={answer.isError ? 'task-error task-next-answer' : 'task-next-answer'}
            role={answer.isError ? 'alert' : 'status'}
          >
            {answer.text}
          </p>
        ) : null}
        {queues ? <p class="muted task-next-waiting">{t('tasks.waitingInQueues', { count: waiting })}</p> : null}
      </section>
      {mine.tasks?.length ? (
        <section aria-labelledby="task-next-mine">
          <h2 class="task-section-title" id="task-next-mine">
            {t('tasks.youHave')}
          </h2>
          <ul class="task-rows">
            {mine.tasks.map((task) => (
              <TaskRow key={task.id} task={task} kind="mine" now={now} onChanged={mine.replace} />
            ))}
          </ul>
        </section>
      ) : null}
    </>
  )
}

const STATES: TaskState[] = ['open', 'taken', 'started', 'done', 'cancelled']

/** Dispatchers: every task, by state, queue, person and overdue. */
function AllTasks() {
  const queues = useQueues()
  const [state, setState] = useState('')
  const [queueId, setQueueId] = useState('')
  const [takenBy, setTakenBy] = useState('')
  const [isOverdue, setOverdue] = useState(false)
  useEffect(() => ensureMembers(), [])
  const query: TaskListQuery = {
    view: 'all',
    state: (state || undefined) as TaskState | undefined,
    queueId: queueId ? Number(queueId) : undefined,
    takenBy: takenBy ? Number(takenBy) : undefined,
    isOverdue: isOverdue || undefined,
  }
  const list = useTaskList(query)
  const isFiltered = state || queueId || takenBy || isOverdue
  return (
    <>
      <section class="card task-filters" aria-label={t('tasks.filtersLabel')}>
        <div class="filters">
          <SelectField
            label={t('tasks.filterState')}
            value={state}
            onValue={setState}
            options={[
              { value: '', label: t('tasks.anyState') },
              ...STATES.map((each) => ({ value: each, label: stateLabel(each) })),
            ]}
          />
          <SelectField
            label={t('tasks.filterQueue')}
            value={queueId}
            onValue={setQueueId}
            options={[
              { value: '', label: t('tasks.anyQueue') },
              ...(queues ?? []).map((queue) => ({ value: String(queue.id), label: queue.name })),
            ]}
          />
          <SelectField
            label={t('tasks.filterPerson')}
            value={takenBy}
            onValue={setTakenBy}
            options={[
              { value: '', label: t('tasks.anyone') },
              ...(activeMembers.value ?? []).map((member) => ({ value: String(member.id), label: member.displayName })),
            ]}
          />
        </div>
        <CheckField label={t('tasks.filterOverdue')} checked={isOverdue} onChecked={setOverdue} isSwitch />
        {isFiltered ? (
          <Button
            isSmall
            variant="ghost"
            icon="x"
            onClick={() => {
              setState('')
              setQueueId('')
              setTakenBy('')
              setOverdue(false)
            }}
          >
            {t('tasks.clearFilters')}
          </Button>
        ) : null}
      </section>
      <TaskRows kind="all" {...list} />
    </>
  )
}
