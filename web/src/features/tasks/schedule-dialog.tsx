/**
 * A job that appears by itself: once at a set time, or every day, on weekdays, on chosen days
 * of the week or on a day of the month, in shop time ("Opening checklist, every day at 07:00,
 * in Front Counter"). Times are wall-clock times in the shop: the server turns them into
 * instants, so a DST change never moves 07:00.
 */
import { useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { shopToday } from '../../lib/format'
import { locale, t, tn } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { confirm, Dialog } from '../../ui/dialog'
import { CheckField, Field, FormError, SelectField } from '../../ui/field'
import { conversations } from '../chat/store'
import { priorityOptions, TextAreaField, wholeNumber, wordList } from './admin-fields'
import {
  tasksAdminApi,
  type RecurrenceRule,
  type Repeat,
  type ScheduleFields,
  type TaskQueue,
  type TaskSchedule,
} from './admin-api'

/** 2026-11-29 was a Sunday: day n of that week names weekday n (0 = Sunday). */
const A_SUNDAY = Date.UTC(2026, 10, 29)
const weekdayShort = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' })
const weekdayLong = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' })
const clockTime = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: 'UTC' })
const calendarDate = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })
/** Monday first, as shop rotas are written. */
const WEEK = [1, 2, 3, 4, 5, 6, 0]

function weekdayName(day: number, style: 'short' | 'long' = 'short'): string {
  return (style === 'short' ? weekdayShort : weekdayLong).format(A_SUNDAY + day * 86_400_000)
}

function timeOfDay(minuteOfDay: number): string {
  return clockTime.format(Date.UTC(2000, 0, 1, 0, minuteOfDay))
}

function dateOf(day: string): string {
  const ms = Date.parse(day + 'T00:00:00Z')
  return Number.isFinite(ms) ? calendarDate.format(ms) : day
}

/** "Every day at 07:00", "Mon, Thu at 18:30", "Monthly on day 15 at 09:00", "Once on 3 Dec 2026 at 07:00". */
export function ruleSummary(rule: RecurrenceRule): string {
  const time = timeOfDay(rule.minuteOfDay)
  switch (rule.repeat) {
    case 'once':
      return t('tasksSetup.ruleOnce', { date: dateOf(rule.startDate), time })
    case 'daily':
      return t('tasksSetup.ruleDaily', { time })
    case 'weekdays':
      return t('tasksSetup.ruleWeekdays', { time })
    case 'weekly': {
      const days = WEEK.filter((day) => rule.weekdays?.includes(day)).map((day) => weekdayName(day))
      return t('tasksSetup.ruleWeekly', { days: days.join(', '), time })
    }
    case 'monthly':
      return t('tasksSetup.ruleMonthly', { day: rule.dayOfMonth ?? 1, time })
  }
}

function minuteOfDayOf(value: string): number | null {
  const match = /^(\d{2}):(\d{2})/.exec(value)
  return match ? Number(match[1]) * 60 + Number(match[2]) : null
}

function clockValue(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`
}

const DUE_CHOICES = [15, 30, 60, 120, 240, 480, 1440]

function dueLabel(minutes: number): string {
  if (minutes < 60) return tn('tasksSetup.dueMinutes', minutes)
  if (minutes % 1440 === 0) return tn('tasksSetup.dueDays', minutes / 1440)
  return tn('tasksSetup.dueHours', Math.round((minutes / 60) * 10) / 10)
}

interface FormState {
  title: string
  details: string
  checklist: string
  place: string
  repeat: Repeat
  time: string
  startDate: string
  endDate: string
  weekdays: number[]
  dayOfMonth: string
  dueAfterMinutes: number
  priority: string
  photoRequired: boolean
  privateDetails: string
  value: string
  skills: string
  isPaused: boolean
}

function initialState(schedule: TaskSchedule | null, queues: TaskQueue[]): FormState {
  const firstQueue = queues.find((queue) => !queue.isArchived)
  const place = schedule
    ? schedule.queueId !== null
      ? `q${schedule.queueId}`
      : `c${schedule.conversationId}`
    : firstQueue
      ? `q${firstQueue.id}`
      : ''
  const rule = schedule?.rule
  return {
    title: schedule?.title ?? '',
    details: schedule?.details ?? '',
    checklist: schedule?.checklist.join('\n') ?? '',
    place,
    repeat: rule?.repeat ?? 'daily',
    time: clockValue(rule?.minuteOfDay ?? 7 * 60),
    startDate: rule?.startDate ?? shopToday(),
    endDate: rule?.endDate ?? '',
    weekdays: rule?.weekdays ?? [1],
    dayOfMonth: String(rule?.dayOfMonth ?? 1),
    dueAfterMinutes: schedule?.dueAfterMinutes ?? 60,
    priority: String(schedule?.priority ?? 50),
    photoRequired: schedule?.photoRequired ?? false,
    privateDetails: schedule?.privateDetails ?? '',
    value: schedule?.value?.toString() ?? '',
    skills: schedule?.skills.join(', ') ?? '',
    isPaused: schedule?.isPaused ?? false,
  }
}

type Errors = Partial<Record<keyof FormState | 'form', string>>

/** The form as the API's fields, or what is wrong with it. */
function toFields(form: FormState): { fields: Omit<ScheduleFields, 'roles'> } | { errors: Errors } {
  const errors: Errors = {}
  const minuteOfDay = minuteOfDayOf(form.time)
  const dayOfMonth = wholeNumber(form.dayOfMonth)
  const value = wholeNumber(form.value)
  if (!form.title.trim()) errors.title = t('tasksSetup.titleRequired')
  if (!form.place) errors.place = t('tasksSetup.placeRequired')
  if (minuteOfDay === null) errors.time = t('tasksSetup.timeRequired')
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.startDate)) errors.startDate = t('tasksSetup.dateRequired')
  if (form.repeat !== 'once' && form.endDate && form.endDate < form.startDate)
    errors.endDate = t('tasksSetup.endBeforeStart')
  if (form.repeat === 'weekly' && form.weekdays.length === 0) errors.weekdays = t('tasksSetup.weekdaysRequired')
  if (form.repeat === 'monthly' && (!dayOfMonth || dayOfMonth > 31)) errors.dayOfMonth = t('tasksSetup.dayOfMonthRange')
  if (value === undefined) errors.value = t('tasksSetup.wholeNumber')
  if (Object.keys(errors).length || minuteOfDay === null || value === undefined) return { errors }
  const rule: RecurrenceRule = { repeat: form.repeat, minuteOfDay, startDate: form.startDate }
  if (form.repeat === 'weekly') rule.weekdays = WEEK.filter((day) => form.weekdays.includes(day))
  if (form.repeat === 'monthly') rule.dayOfMonth = dayOfMonth ?? 1
  if (form.repeat !== 'once') rule.endDate = form.endDate || null
  const id = Number(form.place.slice(1))
  return {
    fields: {
      title: form.title.trim(),
      details: form.details.trim(),
      privateDetails: form.privateDetails.trim(),
      priority: Number(form.priority),
      value,
      skills: wordList(form.skills),
      checklist: form.checklist
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
      photoRequired: form.photoRequired,
      conversationId: form.place.startsWith('c') ? id : null,
      queueId: form.place.startsWith('q') ? id : null,
      rule,
      dueAfterMinutes: form.dueAfterMinutes,
      isPaused: form.isPaused,
    },
  }
}

export function ScheduleDialog({
  schedule,
  queues,
  onClose,
  onSaved,
}: {
  schedule: TaskSchedule | null
  queues: TaskQueue[]
  onClose: () => void
  onSaved: (message: string) => void
}) {
  const [form, setForm] = useState<FormState>(() => initialState(schedule, queues))
  const [errors, setErrors] = useState<Errors>({})
  const [isBusy, setBusy] = useState(false)
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }))

  const places = [
    ...queues
      .filter((queue) => !queue.isArchived || form.place === `q${queue.id}`)
      .map((queue) => ({ value: `q${queue.id}`, label: t('tasksSetup.placeQueue', { name: queue.name }) })),
    ...(conversations.value ?? [])
      .filter((c) => (c.kind === 'channel' || c.kind === 'board') && (!c.isArchived || form.place === `c${c.id}`))
      .map((c) => ({ value: `c${c.id}`, label: c.kind === 'board' ? t('chat.boardName') : `#${c.name}` })),
  ]
  const dueChoices = DUE_CHOICES.includes(form.dueAfterMinutes)
    ? DUE_CHOICES
    : [...DUE_CHOICES, form.dueAfterMinutes].sort((a, b) => a - b)

  const submit = async (event: Event) => {
    event.preventDefault()
    const result = toFields(form)
    if ('errors' in result) {
      setErrors(result.errors)
      return
    }
    setErrors({})
    setBusy(true)
    try {
      if (schedule) {
        // The place is sent only when it changed: a schedule can be edited after its queue is archived.
        const { conversationId, queueId, ...rest } = result.fields
        const isMoved = conversationId !== schedule.conversationId || queueId !== schedule.queueId
        await tasksAdminApi.updateSchedule(schedule.id, isMoved ? result.fields : rest)
      } else await tasksAdminApi.createSchedule({ ...result.fields, roles: [] })
      onSaved(
        schedule ? t('tasksSetup.scheduleSaved') : t('tasksSetup.scheduleCreated', { title: result.fields.title }),
      )
    } catch (error) {
      const isRule = error instanceof ApiError && /rule/.test(error.code)
      setErrors(isRule ? { time: errorMessage(error) } : { form: errorMessage(error) })
    } finally {
      setBusy(false)
    }
  }

  const remove = async () => {
    if (!schedule) return
    const isSure = await confirm({
      title: t('tasksSetup.deleteScheduleTitle', { title: schedule.title }),
      body: t('tasksSetup.deleteScheduleBody'),
      confirmLabel: t('tasksSetup.deleteSchedule'),
      isDanger: true,
    })
    if (!isSure) return
    try {
      await tasksAdminApi.deleteSchedule(schedule.id)
      onSaved(t('tasksSetup.scheduleDeleted'))
    } catch (error) {
      setErrors({ form: errorMessage(error) })
    }
  }

  const isOnce = form.repeat === 'once'
  return (
    <Dialog title={schedule ? t('tasksSetup.editSchedule') : t('tasksSetup.newSchedule')} onClose={onClose}>
      <form class="form" onSubmit={submit} noValidate>
        <Field
          label={t('tasksSetup.scheduleTitle')}
          hint={t('tasksSetup.scheduleTitleHint')}
          value={form.title}
          onValue={(value) => set('title', value)}
          maxLength={200}
          error={errors.title}
          required
        />
        <SelectField
          label={t('tasksSetup.place')}
          hint={t('tasksSetup.placeHint')}
          value={form.place}
          onValue={(value) => set('place', value)}
          options={places}
          error={errors.place}
        />
        <SelectField
          label={t('tasksSetup.repeat')}
          value={form.repeat}
          onValue={(value) => set('repeat', value as Repeat)}
          options={[
            { value: 'once', label: t('tasksSetup.repeatOnce') },
            { value: 'daily', label: t('tasksSetup.repeatDaily') },
            { value: 'weekdays', label: t('tasksSetup.repeatWeekdays') },
            { value: 'weekly', label: t('tasksSetup.repeatWeekly') },
            { value: 'monthly', label: t('tasksSetup.repeatMonthly') },
          ]}
        />
        {form.repeat === 'weekly' ? (
          <fieldset class={errors.weekdays ? 'tasks-weekdays field field-invalid' : 'tasks-weekdays field'}>
            <legend class="field-label">{t('tasksSetup.weekdaysLegend')}</legend>
            <div class="tasks-weekday-list">
              {WEEK.map((day) => {
                const isOn = form.weekdays.includes(day)
                return (
                  <label key={day} class={isOn ? 'chip chip-on tasks-weekday' : 'chip tasks-weekday'}>
                    <input
                      type="checkbox"
                      class="visually-hidden"
                      checked={isOn}
                      aria-label={weekdayName(day, 'long')}
                      onChange={(event) =>
                        set(
                          'weekdays',
                          event.currentTarget.checked
                            ? [...form.weekdays, day]
                            : form.weekdays.filter((other) => other !== day),
                        )
                      }
                    />
                    <span aria-hidden="true">{weekdayName(day)}</span>
                  </label>
                )
              })}
            </div>
            {errors.weekdays ? (
              <p class="field-error" role="alert">
                {errors.weekdays}
              </p>
            ) : null}
          </fieldset>
        ) : null}
        {form.repeat === 'monthly' ? (
          <Field
            label={t('tasksSetup.dayOfMonth')}
            hint={t('tasksSetup.dayOfMonthHint')}
            type="number"
            inputMode="numeric"
            min={1}
            max={31}
            value={form.dayOfMonth}
            onValue={(value) => set('dayOfMonth', value)}
            error={errors.dayOfMonth}
            class="tasks-number"
          />
        ) : null}
        <div class="tasks-field-pair">
          <Field
            label={t('tasksSetup.time')}
            type="time"
            value={form.time}
            onValue={(value) => set('time', value)}
            error={errors.time}
            required
          />
          <Field
            label={isOnce ? t('tasksSetup.onDate') : t('tasksSetup.startDate')}
            type="date"
            value={form.startDate}
            onValue={(value) => set('startDate', value)}
            error={errors.startDate}
            required
          />
        </div>
        {!isOnce ? (
          <Field
            label={t('tasksSetup.endDate')}
            hint={t('tasksSetup.endDateHint')}
            type="date"
            value={form.endDate}
            onValue={(value) => set('endDate', value)}
            error={errors.endDate}
          />
        ) : null}
        <SelectField
          label={t('tasksSetup.dueAfter')}
          hint={t('tasksSetup.dueAfterHint')}
          value={String(form.dueAfterMinutes)}
          onValue={(value) => set('dueAfterMinutes', Number(value))}
          options={dueChoices.map((minutes) => ({ value: String(minutes), label: dueLabel(minutes) }))}
        />
        <TextAreaField
          label={t('tasksSetup.details')}
          value={form.details}
          onValue={(value) => set('details', value)}
          maxLength={4000}
        />
        <TextAreaField
          label={t('tasksSetup.checklist')}
          hint={t('tasksSetup.checklistHint')}
          value={form.checklist}
          onValue={(value) => set('checklist', value)}
          rows={4}
        />
        <SelectField
          label={t('tasksSetup.priority')}
          value={form.priority}
          onValue={(value) => set('priority', value)}
          options={priorityOptions(Number(form.priority))}
        />
        <CheckField
          label={t('tasksSetup.photoRequired')}
          hint={t('tasksSetup.photoRequiredHint')}
          checked={form.photoRequired}
          onChecked={(value) => set('photoRequired', value)}
          isSwitch
        />
        <details class="tasks-more">
          <summary>{t('tasksSetup.moreOptions')}</summary>
          <TextAreaField
            label={t('tasksSetup.privateDetails')}
            hint={t('tasksSetup.privateDetailsHint')}
            value={form.privateDetails}
            onValue={(value) => set('privateDetails', value)}
            maxLength={2000}
          />
          <Field
            label={t('tasksSetup.value')}
            hint={t('tasksSetup.valueHint')}
            type="number"
            inputMode="numeric"
            min={0}
            value={form.value}
            onValue={(value) => set('value', value)}
            error={errors.value}
            class="tasks-number"
          />
          <Field
            label={t('tasksSetup.skills')}
            hint={t('tasksSetup.skillsHint')}
            value={form.skills}
            onValue={(value) => set('skills', value)}
          />
        </details>
        {schedule ? (
          <CheckField
            label={t('tasksSetup.pausedLabel')}
            hint={t('tasksSetup.pausedHint')}
            checked={form.isPaused}
            onChecked={(value) => set('isPaused', value)}
            isSwitch
          />
        ) : null}
        <FormError message={errors.form} />
        <div class="form-actions">
          {schedule ? (
            <Button variant="danger" icon="trash" onClick={() => void remove()}>
              {t('tasksSetup.deleteSchedule')}
            </Button>
          ) : null}
          <Button type="submit" variant="primary" isBusy={isBusy}>
            {schedule ? t('common.saveChanges') : t('tasksSetup.createSchedule')}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
