/**
 * /tasks/setup — for whoever manages the shop's settings: the queues jobs wait in, how many
 * jobs a person may hold at once, the kinds of problem staff can report (each goes to a
 * queue and tells the people responsible), and the jobs that appear by themselves on a
 * schedule.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatDateTime, formatRelative } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { can } from '../../lib/session'
import { Button } from '../../ui/button'
import { confirm, Dialog } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { CheckField, Field, FormError, RadioGroup, SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { LoadError } from '../../ui/load-error'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { activeMembers, ensureMembers, listNames, memberName } from '../chat/people'
import { conversations } from '../chat/store'
import { priorityLabel, priorityOptions, wholeNumber } from './admin-fields'
import {
  tasksAdminApi,
  type QueueFields,
  type QueueMode,
  type ReportCategory,
  type TaskQueue,
  type TaskSchedule,
} from './admin-api'
import { ScheduleDialog, ruleSummary } from './schedule-dialog'
import './tasks-admin.css'

type Editing =
  | { kind: 'queue'; queue: TaskQueue | null }
  | { kind: 'category'; category: ReportCategory | null }
  | { kind: 'schedule'; schedule: TaskSchedule | null }

interface Setup {
  queues: TaskQueue[]
  categories: ReportCategory[]
  schedules: TaskSchedule[]
  activeLimit: number
}

export function TasksAdminPage() {
  const [setup, setSetup] = useState<Setup | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [editing, setEditing] = useState<Editing | null>(null)
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const load = () =>
    Promise.all([
      tasksAdminApi.queues(),
      tasksAdminApi.categories(),
      // Schedules post tasks, so they are for dispatchers.
      can('tasks.dispatch') ? tasksAdminApi.schedules() : Promise.resolve([]),
      tasksAdminApi.settings(),
    ])
      .then(([queues, categories, schedules, settings]) => {
        setSetup({ queues, categories, schedules, activeLimit: settings.activeLimit })
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))

  useEffect(() => {
    ensureMembers()
    void load()
    return () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current)
    }
  }, [])
  // Waiting counts move with every task change; a burst of changes is one reload.
  useLive(['task.'], () => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current)
    reloadTimer.current = setTimeout(() => void load(), 500)
  })

  const saved = (message: string) => {
    toast(message)
    setEditing(null)
    void load()
  }

  return (
    <Page title={t('tasksSetup.title')} subtitle={t('tasksSetup.subtitle')}>
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!setup && !loadError ? <Loading label={t('common.loading')} /> : null}
      {setup ? (
        <div class="tasks-setup">
          <QueuesSection queues={setup.queues} onEdit={(queue) => setEditing({ kind: 'queue', queue })} />
          <CategoriesSection
            categories={setup.categories}
            queues={setup.queues}
            onEdit={(category) => setEditing({ kind: 'category', category })}
          />
          {can('tasks.dispatch') ? (
            <SchedulesSection
              schedules={setup.schedules}
              queues={setup.queues}
              onEdit={(schedule) => setEditing({ kind: 'schedule', schedule })}
            />
          ) : null}
          <LimitSection activeLimit={setup.activeLimit} onSaved={() => void load()} />
        </div>
      ) : null}
      {setup && editing?.kind === 'queue' ? (
        <QueueDialog queue={editing.queue} onClose={() => setEditing(null)} onSaved={saved} />
      ) : null}
      {setup && editing?.kind === 'category' ? (
        <CategoryDialog
          category={editing.category}
          queues={setup.queues}
          onClose={() => setEditing(null)}
          onSaved={saved}
        />
      ) : null}
      {setup && editing?.kind === 'schedule' ? (
        <ScheduleDialog
          schedule={editing.schedule}
          queues={setup.queues}
          onClose={() => setEditing(null)}
          onSaved={saved}
        />
      ) : null}
    </Page>
  )
}

function NewButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Button isSmall icon="plus" onClick={onClick}>
      {label}
    </Button>
  )
}

function QueuesSection({ queues, onEdit }: { queues: TaskQueue[]; onEdit: (queue: TaskQueue | null) => void }) {
  return (
    <Section
      title={t('tasksSetup.queuesTitle')}
      id="queues"
      actions={<NewButton label={t('tasksSetup.newQueue')} onClick={() => onEdit(null)} />}
    >
      <p class="card-text">{t('tasksSetup.queuesIntro')}</p>
      {queues.length === 0 ? (
        <EmptyState icon="inbox">{t('tasksSetup.noQueues')}</EmptyState>
      ) : (
        <ul class="rows">
          {sortArchivedLast(queues).map((queue) => (
            <li key={queue.id} class="row-item">
              <button
                type="button"
                class="row row-link row-button"
                aria-label={t('tasksSetup.editNamed', { name: queue.name })}
                onClick={() => onEdit(queue)}
              >
                <span class="row-icon">
                  <Icon name="inbox" size={20} />
                </span>
                <span class="row-main">
                  <span class="row-title">
                    {queue.name} {queue.isArchived ? <span class="badge">{t('tasksSetup.archived')}</span> : null}
                  </span>
                  <span class="row-sub">
                    {[
                      queue.mode === 'pull' ? t('tasksSetup.modePull') : t('tasksSetup.modeClaim'),
                      tn('tasksSetup.waiting', queue.openCount),
                      queue.oldestOpenAt !== null
                        ? t('tasksSetup.oldestSince', { when: formatRelative(queue.oldestOpenAt) })
                        : null,
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                </span>
                <Icon name="chevronRight" size={20} class="row-chevron" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </Section>
  )
}

function CategoriesSection({
  categories,
  queues,
  onEdit,
}: {
  categories: ReportCategory[]
  queues: TaskQueue[]
  onEdit: (category: ReportCategory | null) => void
}) {
  const hasQueues = queues.some((queue) => !queue.isArchived)
  return (
    <Section
      title={t('tasksSetup.categoriesTitle')}
      id="categories"
      actions={hasQueues ? <NewButton label={t('tasksSetup.newCategory')} onClick={() => onEdit(null)} /> : null}
    >
      <p class="card-text">{t('tasksSetup.categoriesIntro')}</p>
      {categories.length === 0 ? (
        <EmptyState icon="alert">{hasQueues ? t('tasksSetup.noCategories') : t('tasksSetup.queueFirst')}</EmptyState>
      ) : (
        <ul class="rows">
          {sortArchivedLast(categories).map((category) => {
            const names = category.responsibleIds.map((id) => memberName(id)).filter((name) => name !== null)
            return (
              <li key={category.id} class="row-item">
                <button
                  type="button"
                  class="row row-link row-button"
                  aria-label={t('tasksSetup.editNamed', { name: category.name })}
                  onClick={() => onEdit(category)}
                >
                  <span class="row-icon">
                    <Icon name="alert" size={20} />
                  </span>
                  <span class="row-main">
                    <span class="row-title">
                      {category.name}{' '}
                      {category.isArchived ? <span class="badge">{t('tasksSetup.archived')}</span> : null}
                    </span>
                    <span class="row-sub tasks-wrap">
                      {[
                        t('tasksSetup.toQueue', { queue: category.queue.name }),
                        priorityLabel(category.priority),
                        names.length ? t('tasksSetup.tells', { names: listNames(names) }) : null,
                      ]
                        .filter(Boolean)
                        .join(' · ')}
                    </span>
                  </span>
                  <Icon name="chevronRight" size={20} class="row-chevron" />
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </Section>
  )
}

function SchedulesSection({
  schedules,
  queues,
  onEdit,
}: {
  schedules: TaskSchedule[]
  queues: TaskQueue[]
  onEdit: (schedule: TaskSchedule | null) => void
}) {
  const placeOf = (schedule: TaskSchedule): string => {
    if (schedule.queueId !== null) return queues.find((queue) => queue.id === schedule.queueId)?.name ?? '—'
    const conversation = conversations.value?.find((candidate) => candidate.id === schedule.conversationId)
    if (!conversation) return '—'
    return conversation.kind === 'board' ? t('chat.boardName') : `#${conversation.name}`
  }
  return (
    <Section
      title={t('tasksSetup.schedulesTitle')}
      id="schedules"
      actions={<NewButton label={t('tasksSetup.newSchedule')} onClick={() => onEdit(null)} />}
    >
      <p class="card-text">{t('tasksSetup.schedulesIntro')}</p>
      {schedules.length === 0 ? (
        <EmptyState icon="clock">{t('tasksSetup.noSchedules')}</EmptyState>
      ) : (
        <ul class="rows">
          {schedules.map((schedule) => (
            <li key={schedule.id} class="row-item">
              <button
                type="button"
                class="row row-link row-button"
                aria-label={t('tasksSetup.editNamed', { name: schedule.title })}
                onClick={() => onEdit(schedule)}
              >
                <span class="row-icon">
                  <Icon name="clock" size={20} />
                </span>
                <span class="row-main">
                  <span class="row-title">
                    {schedule.title} {schedule.isPaused ? <span class="badge">{t('tasksSetup.paused')}</span> : null}
                  </span>
                  <span class="row-sub tasks-wrap">
                    {ruleSummary(schedule.rule)} · {placeOf(schedule)}
                  </span>
                  {!schedule.isPaused ? (
                    <span class="row-sub">
                      {schedule.nextAt !== null
                        ? t('tasksSetup.nextAt', { when: formatDateTime(schedule.nextAt) })
                        : t('tasksSetup.noNext')}
                    </span>
                  ) : null}
                </span>
                <Icon name="chevronRight" size={20} class="row-chevron" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </Section>
  )
}

function LimitSection({ activeLimit, onSaved }: { activeLimit: number; onSaved: () => void }) {
  const [value, setValue] = useState(String(activeLimit))
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  useEffect(() => setValue(String(activeLimit)), [activeLimit])

  const save = async (event: Event) => {
    event.preventDefault()
    const limit = wholeNumber(value)
    if (limit === null || limit === undefined || limit < 1 || limit > 20) {
      setError(t('tasksSetup.limitRange'))
      return
    }
    setBusy(true)
    setError(null)
    try {
      await tasksAdminApi.updateSettings({ activeLimit: limit })
      toast(t('tasksSetup.limitSaved'))
      onSaved()
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title={t('tasksSetup.limitTitle')} id="limit">
      <form class="form" onSubmit={save} noValidate>
        <Field
          label={t('tasksSetup.limitLabel')}
          hint={t('tasksSetup.limitHint')}
          type="number"
          inputMode="numeric"
          min={1}
          max={20}
          value={value}
          onValue={setValue}
          error={error}
          class="tasks-number"
        />
        <div class="form-actions">
          <Button type="submit" variant="primary" isBusy={isBusy} disabled={value === String(activeLimit)}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </Section>
  )
}

function sortArchivedLast<T extends { isArchived: boolean; name: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) =>
    a.isArchived === b.isArchived ? a.name.localeCompare(b.name) : a.isArchived ? 1 : -1,
  )
}

/** Server answers that are about the name field. */
const NAME_CODES = new Set(['invalid_name', 'queue_exists', 'category_exists'])

/** Minutes typed in an optional field: null when empty, undefined when not a number in range. */
function optionalMinutes(text: string): number | null | undefined {
  const minutes = wholeNumber(text)
  if (minutes === null || minutes === undefined) return minutes
  return minutes >= 1 && minutes <= 10_080 ? minutes : undefined
}

function QueueDialog({
  queue,
  onClose,
  onSaved,
}: {
  queue: TaskQueue | null
  onClose: () => void
  onSaved: (message: string) => void
}) {
  const [name, setName] = useState(queue?.name ?? '')
  const [mode, setMode] = useState<QueueMode>(queue?.mode ?? 'claim')
  const [ageing, setAgeing] = useState(String(queue?.ageingPerHour ?? 0))
  const [startWithin, setStartWithin] = useState(queue?.startWithinMinutes?.toString() ?? '')
  const [escalateAfter, setEscalateAfter] = useState(queue?.escalateAfterMinutes?.toString() ?? '')
  const [requiresOnShift, setRequiresOnShift] = useState(queue?.requiresOnShift ?? false)
  const [returnWhenOffShift, setReturnWhenOffShift] = useState(queue?.returnWhenOffShift ?? false)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [formError, setFormError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const found: Record<string, string> = {}
    const ageingPerHour = wholeNumber(ageing) ?? undefined
    const startWithinMinutes = optionalMinutes(startWithin)
    const escalateAfterMinutes = optionalMinutes(escalateAfter)
    if (!name.trim()) found.name = t('tasksSetup.nameRequired')
    if (ageingPerHour === undefined || ageingPerHour > 100) found.ageing = t('tasksSetup.ageingRange')
    if (startWithinMinutes === undefined) found.startWithin = t('tasksSetup.minutesRange')
    if (escalateAfterMinutes === undefined) found.escalateAfter = t('tasksSetup.minutesRange')
    setErrors(found)
    if (
      Object.keys(found).length ||
      ageingPerHour === undefined ||
      startWithinMinutes === undefined ||
      escalateAfterMinutes === undefined
    )
      return
    const fields: QueueFields = {
      name: name.trim(),
      mode,
      ageingPerHour,
      startWithinMinutes,
      escalateAfterMinutes,
      requiresOnShift,
      returnWhenOffShift,
    }
    setBusy(true)
    setFormError(null)
    try {
      if (queue) await tasksAdminApi.updateQueue(queue.id, fields)
      else await tasksAdminApi.createQueue(fields)
      onSaved(queue ? t('tasksSetup.queueSaved') : t('tasksSetup.queueCreated', { name: fields.name }))
    } catch (error) {
      if (error instanceof ApiError && NAME_CODES.has(error.code)) setErrors({ name: error.message })
      else setFormError(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }

  const toggleArchive = async () => {
    if (!queue) return
    if (!queue.isArchived) {
      const isSure = await confirm({
        title: t('tasksSetup.archiveQueueTitle', { name: queue.name }),
        body: t('tasksSetup.archiveQueueBody'),
        confirmLabel: t('tasksSetup.archive'),
      })
      if (!isSure) return
    }
    try {
      await tasksAdminApi.updateQueue(queue.id, { isArchived: !queue.isArchived })
      onSaved(queue.isArchived ? t('tasksSetup.restored') : t('tasksSetup.archivedToast'))
    } catch (error) {
      setFormError(errorMessage(error))
    }
  }

  return (
    <Dialog title={queue ? t('tasksSetup.editQueue') : t('tasksSetup.newQueue')} onClose={onClose}>
      <form class="form" onSubmit={submit} noValidate>
        <Field
          label={t('tasksSetup.queueName')}
          hint={queue ? undefined : t('tasksSetup.queueNameHint')}
          value={name}
          onValue={setName}
          maxLength={60}
          error={errors.name}
          required
        />
        <RadioGroup<QueueMode>
          legend={t('tasksSetup.modeLegend')}
          value={mode}
          onValue={setMode}
          options={[
            { value: 'claim', label: t('tasksSetup.modeClaim'), hint: t('tasksSetup.modeClaimHint') },
            { value: 'pull', label: t('tasksSetup.modePull'), hint: t('tasksSetup.modePullHint') },
          ]}
        />
        <Field
          label={t('tasksSetup.ageingLabel')}
          hint={t('tasksSetup.ageingHint')}
          type="number"
          inputMode="numeric"
          min={0}
          max={100}
          value={ageing}
          onValue={setAgeing}
          error={errors.ageing}
          class="tasks-number"
        />
        <Field
          label={t('tasksSetup.startWithinLabel')}
          hint={t('tasksSetup.startWithinHint')}
          type="number"
          inputMode="numeric"
          min={1}
          value={startWithin}
          onValue={setStartWithin}
          error={errors.startWithin}
          class="tasks-number"
        />
        <Field
          label={t('tasksSetup.escalateLabel')}
          hint={t('tasksSetup.escalateHint')}
          type="number"
          inputMode="numeric"
          min={1}
          value={escalateAfter}
          onValue={setEscalateAfter}
          error={errors.escalateAfter}
          class="tasks-number"
        />
        <CheckField
          label={t('tasksSetup.onShiftLabel')}
          hint={t('tasksSetup.onShiftHint')}
          checked={requiresOnShift}
          onChecked={setRequiresOnShift}
          isSwitch
        />
        <CheckField
          label={t('tasksSetup.returnLabel')}
          hint={t('tasksSetup.returnHint')}
          checked={returnWhenOffShift}
          onChecked={setReturnWhenOffShift}
          isSwitch
        />
        <FormError message={formError} />
        <div class="form-actions">
          {queue ? (
            <Button icon="archive" onClick={() => void toggleArchive()}>
              {queue.isArchived ? t('tasksSetup.restore') : t('tasksSetup.archive')}
            </Button>
          ) : null}
          <Button type="submit" variant="primary" isBusy={isBusy}>
            {queue ? t('common.saveChanges') : t('tasksSetup.createQueue')}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}

function CategoryDialog({
  category,
  queues,
  onClose,
  onSaved,
}: {
  category: ReportCategory | null
  queues: TaskQueue[]
  onClose: () => void
  onSaved: (message: string) => void
}) {
  const usable = queues.filter((queue) => !queue.isArchived || queue.id === category?.queue.id)
  const [name, setName] = useState(category?.name ?? '')
  const [queueId, setQueueId] = useState(String(category?.queue.id ?? usable[0]?.id ?? ''))
  const [priority, setPriority] = useState(String(category?.priority ?? 50))
  const [responsible, setResponsible] = useState<ReadonlySet<number>>(() => new Set(category?.responsibleIds ?? []))
  const [nameError, setNameError] = useState<string | null>(null)
  const [formError, setFormError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const people = activeMembers.value

  const submit = async (event: Event) => {
    event.preventDefault()
    if (!name.trim()) {
      setNameError(t('tasksSetup.nameRequired'))
      return
    }
    setNameError(null)
    setFormError(null)
    setBusy(true)
    const fields = {
      name: name.trim(),
      queueId: Number(queueId),
      priority: Number(priority),
      responsibleIds: [...responsible],
    }
    try {
      if (category) await tasksAdminApi.updateCategory(category.id, fields)
      else await tasksAdminApi.createCategory(fields)
      onSaved(category ? t('tasksSetup.categorySaved') : t('tasksSetup.categoryCreated', { name: fields.name }))
    } catch (error) {
      if (error instanceof ApiError && NAME_CODES.has(error.code)) setNameError(error.message)
      else setFormError(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }

  const toggleArchive = async () => {
    if (!category) return
    try {
      await tasksAdminApi.updateCategory(category.id, { isArchived: !category.isArchived })
      onSaved(category.isArchived ? t('tasksSetup.restored') : t('tasksSetup.archivedToast'))
    } catch (error) {
      setFormError(errorMessage(error))
    }
  }

  return (
    <Dialog title={category ? t('tasksSetup.editCategory') : t('tasksSetup.newCategory')} onClose={onClose}>
      <form class="form" onSubmit={submit} noValidate>
        <Field
          label={t('tasksSetup.categoryName')}
          hint={t('tasksSetup.categoryNameHint')}
          value={name}
          onValue={setName}
          maxLength={60}
          error={nameError}
          required
        />
        <SelectField
          label={t('tasksSetup.categoryQueue')}
          hint={t('tasksSetup.categoryQueueHint')}
          value={queueId}
          onValue={setQueueId}
          options={usable.map((queue) => ({ value: String(queue.id), label: queue.name }))}
        />
        <SelectField
          label={t('tasksSetup.priority')}
          value={priority}
          onValue={setPriority}
          options={priorityOptions(Number(priority))}
        />
        <fieldset class="checks tasks-people">
          <legend class="field-label">{t('tasksSetup.responsibleLegend')}</legend>
          <p class="field-hint">{t('tasksSetup.responsibleHint')}</p>
          {!people ? <Loading label={t('common.loading')} /> : null}
          {people?.map((person) => (
            <CheckField
              key={person.id}
              label={person.displayName}
              checked={responsible.has(person.id)}
              onChecked={(isOn) => {
                const next = new Set(responsible)
                if (isOn) next.add(person.id)
                else next.delete(person.id)
                setResponsible(next)
              }}
            />
          ))}
        </fieldset>
        <FormError message={formError} />
        <div class="form-actions">
          {category ? (
            <Button icon="archive" onClick={() => void toggleArchive()}>
              {category.isArchived ? t('tasksSetup.restore') : t('tasksSetup.archive')}
            </Button>
          ) : null}
          <Button type="submit" variant="primary" isBusy={isBusy} disabled={!queueId}>
            {category ? t('common.saveChanges') : t('tasksSetup.createCategory')}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
