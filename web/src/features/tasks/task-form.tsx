/**
 * /tasks/new (dispatchers): a task's title and details, private details (optionally shown
 * before taking), priority with presets, due time, checklist, photo needed to finish,
 * attachments, who may take it (skills, roles, value), and where it goes: a channel I am
 * in, or a queue. ?conversationId= or ?queueId= picks the place ahead.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { shopMidnight } from '../../lib/format'
import { t } from '../../lib/i18n'
import { navigate, searchParam } from '../../lib/router'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { CheckField, Field, FormError, RadioGroup, SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page } from '../../ui/page'
import { toast } from '../../ui/toast'
import { AttachMenu } from '../chat/attach-menu'
import { TrayView, useAttachmentTray } from '../chat/attachment-tray'
import { newClientKey } from '../chat/chat-api'
import { conversations } from '../chat/store'
import { bandLabel, PRIORITY_PRESETS, priorityBand, roleLabel } from './task-labels'
import { tasksApi, type TaskQueue, type TaskRole } from './tasks-api'
import '../chat/chat.css'
import './task-card.css'
import './tasks.css'

/** A datetime-local value read as shop time (the phone may be set to another zone). */
function shopLocalToMs(value: string): number | null {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(value)
  if (!match) return null
  const midnight = shopMidnight(match[1] as string)
  if (midnight === undefined) return null
  return midnight + (Number(match[2]) * 60 + Number(match[3])) * 60_000
}

type Place = 'conversation' | 'queue'

interface FormState {
  title: string
  details: string
  privateDetails: string
  detailsBeforeTaking: boolean
  priority: string
  value: string
  due: string
  skills: string
  roles: TaskRole[]
  checklist: string[]
  photoRequired: boolean
  place: Place
  conversationId: string
  queueId: string
}

type FieldName = keyof FormState

const FIELD_OF_CODE: Record<string, FieldName> = {
  invalid_title: 'title',
  title_too_long: 'title',
  message_too_long: 'details',
  private_details_too_long: 'privateDetails',
  invalid_priority: 'priority',
  invalid_value: 'value',
  invalid_due_time: 'due',
  place_required: 'conversationId',
  conversation_not_found: 'conversationId',
  conversation_archived: 'conversationId',
  queue_not_found: 'queueId',
}

const ROLES: TaskRole[] = ['staff', 'manager', 'owner']

export function NewTaskPage() {
  const [queues, setQueues] = useState<TaskQueue[]>([])
  const channels = (conversations.value ?? []).filter((item) => item.kind === 'channel' && !item.isArchived)
  const wantedQueue = searchParam('queueId') ?? ''
  const [form, setForm] = useState<FormState>(() => ({
    title: '',
    details: '',
    privateDetails: '',
    detailsBeforeTaking: false,
    priority: '50',
    value: '',
    due: '',
    skills: '',
    roles: [],
    checklist: [],
    photoRequired: false,
    place: wantedQueue ? 'queue' : 'conversation',
    conversationId: searchParam('conversationId') ?? '',
    queueId: wantedQueue,
  }))
  const [errors, setErrors] = useState<{ form: string | null; fields: Partial<Record<FieldName, string>> }>({
    form: null,
    fields: {},
  })
  const [isBusy, setBusy] = useState(false)
  const clientKey = useRef(newClientKey())
  const tray = useAttachmentTray()
  const formRef = useRef<HTMLFormElement>(null)
  const shouldFocusInvalid = useRef(false)
  const detailsId = useId()
  const privateId = useId()
  const set = <K extends FieldName>(key: K, value: FormState[K]) => setForm((old) => ({ ...old, [key]: value }))

  useEffect(() => {
    tasksApi.queues().then(
      ({ queues: list }) => setQueues(list.filter((queue) => !queue.isArchived)),
      () => setQueues([]),
    )
  }, [])
  // The first channel is the place until the dispatcher picks one.
  useEffect(() => {
    if (!form.conversationId && channels[0]) set('conversationId', String(channels[0].id))
  }, [channels.length])
  useEffect(() => {
    if (!form.queueId && queues[0]) set('queueId', String(queues[0].id))
  }, [queues.length])
  useEffect(() => {
    if (!shouldFocusInvalid.current) return
    shouldFocusInvalid.current = false
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [errors])

  const fail = (fields: Partial<Record<FieldName, string>>, message: string | null = null) => {
    shouldFocusInvalid.current = true
    setErrors({ form: message, fields })
  }

  const submit = async (event: Event) => {
    event.preventDefault()
    const priority = Number(form.priority)
    const value = form.value.trim() === '' ? null : Number(form.value)
    const dueAt = form.due ? shopLocalToMs(form.due) : null
    if (!form.title.trim()) return fail({ title: t('tasks.titleRequired') })
    if (!Number.isInteger(priority) || priority < 0 || priority > 100)
      return fail({ priority: t('tasks.priorityInvalid') })
    if (value !== null && (!Number.isInteger(value) || value < 0)) return fail({ value: t('tasks.valueInvalid') })
    if (form.due && dueAt === null) return fail({ due: t('tasks.dueInvalid') })
    const placeField = form.place === 'queue' ? 'queueId' : 'conversationId'
    if (!form[placeField]) return fail({ [placeField]: t('tasks.placeRequired') })
    setBusy(true)
    setErrors({ form: null, fields: {} })
    try {
      const task = await tasksApi.create({
        title: form.title.trim(),
        details: form.details,
        privateDetails: form.privateDetails.trim(),
        detailsBeforeTaking: form.privateDetails.trim() !== '' && form.detailsBeforeTaking,
        priority,
        value,
        dueAt,
        skills: form.skills
          .split(',')
          .map((skill) => skill.trim())
          .filter(Boolean),
        roles: form.roles,
        checklist: form.checklist.map((item) => item.trim()).filter(Boolean),
        photoRequired: form.photoRequired,
        attachments: tray.inputs,
        ...(form.place === 'queue'
          ? { queueId: Number(form.queueId) }
          : { conversationId: Number(form.conversationId) }),
        clientKey: clientKey.current,
      })
      toast(t('tasks.posted'))
      navigate(`/tasks/${task.id}`)
    } catch (failure) {
      const field = failure instanceof ApiError ? FIELD_OF_CODE[failure.code] : undefined
      const placed = field === 'conversationId' && form.place === 'queue' ? 'queueId' : field
      if (placed) fail({ [placed]: errorMessage(failure) })
      else fail({}, errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  const cancel = async () => {
    const hasWork = form.title.trim() || form.details.trim() || form.privateDetails.trim() || tray.items.length
    if (hasWork) {
      const isSure = await confirm({
        title: t('tasks.discardTitle'),
        body: t('tasks.discardBody'),
        confirmLabel: t('chat.discard'),
        isDanger: true,
      })
      if (!isSure) return
    }
    navigate('/tasks/all')
  }

  const band = priorityBand(Number(form.priority) || 0)
  return (
    <Page title={t('tasks.newTask')} back={{ href: '/tasks', label: t('tasks.title') }}>
      <form class="card form task-form" onSubmit={submit} noValidate ref={formRef}>
        <Field
          label={t('tasks.titleLabel')}
          value={form.title}
          onValue={(value) => set('title', value)}
          error={errors.fields.title}
          hint={t('tasks.titleHint')}
          maxLength={800}
          required
        />
        <TextArea
          id={detailsId}
          label={t('tasks.detailsLabel')}
          hint={t('tasks.detailsHint')}
          value={form.details}
          onValue={(value) => set('details', value)}
          error={errors.fields.details}
          rows={4}
        />
        <div class="field task-attach">
          <span class="field-label">{t('chat.attachments')}</span>
          <TrayView tray={tray} />
          <div class="task-attach-row">
            <AttachMenu tray={tray} />
            <span class="muted">{t('tasks.attachHint')}</span>
          </div>
        </div>

        <RadioGroup<Place>
          legend={t('tasks.placeLegend')}
          value={form.place}
          onValue={(value) => set('place', value)}
          options={[
            { value: 'conversation', label: t('tasks.placeConversation'), hint: t('tasks.placeConversationHint') },
            { value: 'queue', label: t('tasks.placeQueue'), hint: t('tasks.placeQueueHint') },
          ]}
        />
        {form.place === 'conversation' ? (
          <SelectField
            label={t('tasks.channelLabel')}
            value={form.conversationId}
            onValue={(value) => set('conversationId', value)}
            error={errors.fields.conversationId}
            options={
              channels.length
                ? channels.map((channel) => ({ value: String(channel.id), label: `#${channel.name}` }))
                : [{ value: '', label: t('tasks.noChannels') }]
            }
          />
        ) : (
          <SelectField
            label={t('tasks.queueLabel')}
            value={form.queueId}
            onValue={(value) => set('queueId', value)}
            error={errors.fields.queueId}
            options={
              queues.length
                ? queues.map((queue) => ({
                    value: String(queue.id),
                    label: `${queue.name} · ${queue.mode === 'pull' ? t('tasks.modePull') : t('tasks.modeClaim')}`,
                  }))
                : [{ value: '', label: t('tasks.noQueues') }]
            }
          />
        )}

        <fieldset class="task-priority">
          <legend class="field-label">{t('tasks.priorityLabel')}</legend>
          <div class="task-presets" role="group" aria-label={t('tasks.priorityPresets')}>
            {PRIORITY_PRESETS.map((preset) => (
              <button
                key={preset.band}
                type="button"
                class={band === preset.band ? `chip chip-on task-preset-${preset.band}` : 'chip'}
                aria-pressed={band === preset.band ? 'true' : 'false'}
                onClick={() => set('priority', String(preset.value))}
              >
                {bandLabel(preset.band)}
              </button>
            ))}
          </div>
          <Field
            label={t('tasks.priorityNumber')}
            type="number"
            inputMode="numeric"
            min={0}
            max={100}
            value={form.priority}
            onValue={(value) => set('priority', value)}
            error={errors.fields.priority}
            hint={t('tasks.priorityHint')}
          />
        </fieldset>
        <Field
          label={t('tasks.dueLabel')}
          type="datetime-local"
          value={form.due}
          onValue={(value) => set('due', value)}
          error={errors.fields.due}
          hint={t('tasks.dueHint')}
        />

        <TextArea
          id={privateId}
          label={t('tasks.privateLabel')}
          hint={t('tasks.privateFieldHint')}
          value={form.privateDetails}
          onValue={(value) => set('privateDetails', value)}
          error={errors.fields.privateDetails}
          rows={2}
        />
        {form.privateDetails.trim() ? (
          <CheckField
            label={t('tasks.beforeTakingLabel')}
            hint={t('tasks.beforeTakingHint')}
            checked={form.detailsBeforeTaking}
            onChecked={(value) => set('detailsBeforeTaking', value)}
            isSwitch
          />
        ) : null}

        <ChecklistEditor items={form.checklist} onItems={(items) => set('checklist', items)} />
        <CheckField
          label={t('tasks.photoRequiredSwitch')}
          hint={t('tasks.photoRequiredHint')}
          checked={form.photoRequired}
          onChecked={(value) => set('photoRequired', value)}
          isSwitch
        />

        <details class="task-more" open={!!(form.skills || form.roles.length || form.value)}>
          <summary>
            <Icon name="chevronRight" size={20} class="task-more-chevron" />
            {t('tasks.whoMayTake')}
          </summary>
          <Field
            label={t('tasks.skillsLabel')}
            value={form.skills}
            onValue={(value) => set('skills', value)}
            hint={t('tasks.skillsHint')}
          />
          <fieldset class="checks">
            <legend class="field-label">{t('tasks.rolesLabel')}</legend>
            {ROLES.map((role) => (
              <CheckField
                key={role}
                label={roleLabel(role)}
                checked={form.roles.includes(role)}
                onChecked={(isOn) =>
                  set('roles', isOn ? [...form.roles, role] : form.roles.filter((each) => each !== role))
                }
              />
            ))}
            <p class="field-hint">{t('tasks.rolesHint')}</p>
          </fieldset>
          <Field
            label={t('tasks.valueLabel')}
            type="number"
            inputMode="numeric"
            min={0}
            value={form.value}
            onValue={(value) => set('value', value)}
            error={errors.fields.value}
            hint={t('tasks.valueHint')}
          />
        </details>

        <FormError message={errors.form} />
        <div class="form-actions">
          <Button onClick={() => void cancel()}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" icon="send" isBusy={isBusy} disabled={tray.isBusy}>
            {t('tasks.post')}
          </Button>
        </div>
      </form>
    </Page>
  )
}

function TextArea({
  id,
  label,
  hint,
  value,
  onValue,
  error,
  rows,
}: {
  id: string
  label: string
  hint: string
  value: string
  onValue: (value: string) => void
  error: string | undefined
  rows: number
}) {
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label class="field-label" for={id}>
        {label}
      </label>
      <textarea
        id={id}
        class="input textarea"
        rows={rows}
        value={value}
        maxLength={8000}
        onInput={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
      />
      <p class="field-hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error ? (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  )
}

/** The checklist's items: one field each, added and removed one at a time. */
function ChecklistEditor({ items, onItems }: { items: string[]; onItems: (items: string[]) => void }) {
  const listRef = useRef<HTMLOListElement>(null)
  const added = useRef(false)
  useEffect(() => {
    if (!added.current) return
    added.current = false
    const inputs = listRef.current?.querySelectorAll('input')
    inputs?.[inputs.length - 1]?.focus()
  }, [items.length])
  return (
    <fieldset class="task-checklist-editor">
      <legend class="field-label">{t('tasks.checklistLabel')}</legend>
      <ol class="task-checklist-items" ref={listRef}>
        {items.map((item, index) => (
          <li key={index}>
            <Field
              label={t('tasks.checklistItem', { number: index + 1 })}
              value={item}
              maxLength={200}
              onValue={(value) => onItems(items.map((each, at) => (at === index ? value : each)))}
            />
            <button
              type="button"
              class="icon-button"
              aria-label={t('tasks.removeItem', { number: index + 1 })}
              onClick={() => onItems(items.filter((_, at) => at !== index))}
            >
              <Icon name="x" size={20} />
            </button>
          </li>
        ))}
      </ol>
      {items.length < 30 ? (
        <Button
          isSmall
          variant="ghost"
          icon="plus"
          onClick={() => {
            added.current = true
            onItems([...items, ''])
          }}
        >
          {t('tasks.addItem')}
        </Button>
      ) : null}
    </fieldset>
  )
}
