/** Form pieces the task setup dialogs share: a labelled text area, priority levels, whole numbers. */
import { useId } from 'preact/hooks'
import { locale, t } from '../../lib/i18n'

export function TextAreaField({
  label,
  value,
  onValue,
  hint,
  rows = 3,
  maxLength,
}: {
  label: string
  value: string
  onValue: (value: string) => void
  hint?: string
  rows?: number
  maxLength?: number
}) {
  const id = useId()
  return (
    <div class="field">
      <label class="field-label" for={id}>
        {label}
      </label>
      <textarea
        id={id}
        class="input tasks-textarea"
        rows={rows}
        value={value}
        maxLength={maxLength}
        onInput={(event) => onValue(event.currentTarget.value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      {hint ? (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  )
}

const PRIORITY_LEVELS = [
  { value: 20, key: 'tasksSetup.priorityLow' },
  { value: 50, key: 'tasksSetup.priorityNormal' },
  { value: 80, key: 'tasksSetup.priorityHigh' },
  { value: 100, key: 'tasksSetup.priorityUrgent' },
] as const

/** Named priority levels for a select, keeping a number set elsewhere (the API takes 0–100). */
export function priorityOptions(current: number): { value: string; label: string }[] {
  const options = PRIORITY_LEVELS.map((level) => ({ value: String(level.value), label: t(level.key) }))
  if (!PRIORITY_LEVELS.some((level) => level.value === current)) {
    options.push({ value: String(current), label: t('tasksSetup.priorityNumber', { priority: current }) })
    options.sort((a, b) => Number(a.value) - Number(b.value))
  }
  return options
}

export function priorityLabel(priority: number): string {
  const level = PRIORITY_LEVELS.find((candidate) => candidate.value === priority)
  return level ? t(level.key) : t('tasksSetup.priorityNumber', { priority })
}

/** A whole number typed in a field, or null for an empty field; undefined when it is not one. */
export function wholeNumber(text: string): number | null | undefined {
  const trimmed = text.trim()
  if (!trimmed) return null
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined
}

/** Comma- or line-separated words as a clean list. */
export function wordList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((word) => word.replace(/\s+/g, ' ').trim())
        .filter(Boolean),
    ),
  ]
}

const minuteFormat = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'short' })
const hourFormat = new Intl.NumberFormat(locale, {
  style: 'unit',
  unit: 'hour',
  unitDisplay: 'short',
  maximumFractionDigits: 1,
})
const dayFormat = new Intl.NumberFormat(locale, {
  style: 'unit',
  unit: 'day',
  unitDisplay: 'short',
  maximumFractionDigits: 1,
})

/** A length of time as a person says it: "12 min", "3.5 hr", "2 days". */
export function formatSpan(ms: number): string {
  const minutes = Math.max(0, ms) / 60_000
  if (minutes < 1) return t('tasksSetup.underAMinute')
  if (minutes < 60) return minuteFormat.format(Math.round(minutes))
  const hours = minutes / 60
  if (hours < 24) return hourFormat.format(hours < 10 ? Math.round(hours * 10) / 10 : Math.round(hours))
  const days = hours / 24
  return dayFormat.format(days < 10 ? Math.round(days * 10) / 10 : Math.round(days))
}
