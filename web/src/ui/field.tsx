/** Form fields: each control has a visible label, an optional hint and an error tied to it. */
import type { ComponentChildren, JSX } from 'preact'
import { useId, useState } from 'preact/hooks'
import { t } from '../lib/i18n'

interface FieldFrameProps {
  id: string
  label: string
  hint?: string | undefined
  error?: string | null | undefined
  children: ComponentChildren
  class?: string | undefined
}

function FieldFrame({ id, label, hint, error, children, class: className }: FieldFrameProps) {
  return (
    <div class={['field', error ? 'field-invalid' : '', className].filter(Boolean).join(' ')}>
      <label class="field-label" for={id}>
        {label}
      </label>
      {children}
      {hint ? (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  )
}

function describedBy(id: string, hint?: string, error?: string | null, invalidBy?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : '', invalidBy ?? ''].filter(Boolean)
  return ids.length ? ids.join(' ') : undefined
}

type InputProps = Omit<JSX.HTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'label'> & {
  label: string
  value: string
  onValue: (value: string) => void
  hint?: string | undefined
  error?: string | null | undefined
  /** The id of a form-level error that concerns this field too (a wrong password): marks it invalid. */
  invalidBy?: string | undefined
  type?: string
  name?: string
  autoComplete?: string
  required?: boolean
  minLength?: number
  maxLength?: number
  min?: number | string
  max?: number | string
  inputMode?: string
  pattern?: string
}

export function Field({
  label,
  value,
  onValue,
  hint,
  error,
  invalidBy,
  class: className,
  id: givenId,
  ...rest
}: InputProps) {
  const autoId = useId()
  const id = (givenId as string | undefined) ?? autoId
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error} class={className as string | undefined}>
      <input
        {...rest}
        id={id}
        class="input"
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error || invalidBy ? 'true' : undefined}
        aria-describedby={describedBy(id, hint, error, invalidBy)}
      />
    </FieldFrame>
  )
}

/** A password field with a show/hide toggle: typing on a phone keyboard is error-prone. */
export function PasswordField(props: InputProps) {
  const [isVisible, setVisible] = useState(false)
  const autoId = useId()
  const id = (props.id as string | undefined) ?? autoId
  const { label, value, onValue, hint, error, invalidBy, ...rest } = props
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <div class="input-with-button">
        <input
          {...rest}
          id={id}
          class="input"
          type={isVisible ? 'text' : 'password'}
          value={value}
          autocapitalize="off"
          spellcheck={false}
          onInput={(event) => onValue(event.currentTarget.value)}
          aria-invalid={error || invalidBy ? 'true' : undefined}
          aria-describedby={describedBy(id, hint, error, invalidBy)}
        />
        <button
          type="button"
          class="input-addon"
          aria-pressed={isVisible ? 'true' : 'false'}
          aria-controls={id}
          onClick={() => setVisible(!isVisible)}
        >
          {isVisible ? t('common.hide') : t('common.show')}
        </button>
      </div>
    </FieldFrame>
  )
}

interface SelectProps {
  label: string
  value: string
  onValue: (value: string) => void
  options: readonly { value: string; label: string }[]
  hint?: string | undefined
  error?: string | null | undefined
  disabled?: boolean
  name?: string
  class?: string
}

export function SelectField({
  label,
  value,
  onValue,
  options,
  hint,
  error,
  disabled,
  name,
  class: className,
}: SelectProps) {
  const id = useId()
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error} class={className}>
      <select
        id={id}
        name={name}
        class="input select"
        value={value}
        disabled={disabled}
        onChange={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, hint, error)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  )
}

interface CheckProps {
  label: string
  checked: boolean
  onChecked: (checked: boolean) => void
  hint?: string | undefined
  disabled?: boolean
  isSwitch?: boolean
  name?: string
}

/** A checkbox (or a switch) whose whole row is the touch target. */
export function CheckField({ label, checked, onChecked, hint, disabled, isSwitch, name }: CheckProps) {
  const id = useId()
  return (
    <div class={['check', isSwitch ? 'check-switch' : '', disabled ? 'check-disabled' : ''].filter(Boolean).join(' ')}>
      <input
        id={id}
        name={name}
        type="checkbox"
        role={isSwitch ? 'switch' : undefined}
        checked={checked}
        disabled={disabled}
        onChange={(event) => onChecked(event.currentTarget.checked)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      <label for={id}>
        <span class="check-label">{label}</span>
        {hint ? (
          <span class="check-hint" id={`${id}-hint`}>
            {hint}
          </span>
        ) : null}
      </label>
    </div>
  )
}

interface RadioGroupProps<T extends string> {
  legend: string
  value: T
  onValue: (value: T) => void
  options: readonly { value: T; label: string; hint?: string }[]
  disabled?: boolean
  name?: string
}

/** One choice out of a few, each with a line of explanation; every row is a touch target. */
export function RadioGroup<T extends string>({ legend, value, onValue, options, disabled, name }: RadioGroupProps<T>) {
  const id = useId()
  return (
    <fieldset class="checks radios" disabled={disabled}>
      <legend class="field-label">{legend}</legend>
      {options.map((option) => (
        <div key={option.value} class={['check', disabled ? 'check-disabled' : ''].filter(Boolean).join(' ')}>
          <input
            id={`${id}-${option.value}`}
            name={name ?? id}
            type="radio"
            value={option.value}
            checked={option.value === value}
            onChange={() => onValue(option.value)}
            aria-describedby={option.hint ? `${id}-${option.value}-hint` : undefined}
          />
          <label for={`${id}-${option.value}`}>
            <span class="check-label">{option.label}</span>
            {option.hint ? (
              <span class="check-hint" id={`${id}-${option.value}-hint`}>
                {option.hint}
              </span>
            ) : null}
          </label>
        </div>
      ))}
    </fieldset>
  )
}

/** A form-level error, e.g. "wrong password" or "network down". */
export function FormError({ message, id }: { message: string | null | undefined; id?: string }) {
  if (!message) return null
  return (
    <p class="form-error" id={id} role="alert">
      {message}
    </p>
  )
}
