/**
 * /settings — the shop's name and timezone, how newcomers join, uploads and storage, notice
 * reminders, the wall's join QR code and how long messages are kept.
 */
import '../customers/messages'
import { useEffect, useId, useMemo, useState } from 'preact/hooks'
import { systemApi, type ShopSettingsFull } from '../../lib/api-system'
import { errorMessage, formErrors, noErrors, type FormErrors } from '../../lib/errors'
import { formatTime } from '../../lib/format'
import { locale, t } from '../../lib/i18n'
import { refreshMe } from '../../lib/session'
import { timezoneOptions } from '../../lib/timezones'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { Loading } from '../../ui/empty-state'
import { CheckField, Field, FormError, SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import '../system/system.css'

export function SettingsPage() {
  const [saved, setSaved] = useState<ShopSettingsFull | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  useEffect(() => {
    systemApi
      .settings()
      .then(setSaved)
      .catch((error: unknown) => setLoadError(errorMessage(error)))
  }, [])
  return (
    <Page title={t('settings.title')} subtitle={t('settings.subtitle')}>
      {loadError ? (
        <p class="notice notice-error" role="alert">
          {loadError}
        </p>
      ) : null}
      {!saved && !loadError ? <Loading label={t('common.loading')} /> : null}
      {saved ? <SettingsForm saved={saved} onSaved={setSaved} /> : null}
      <nav class="card" aria-label={t('customers.settingsTitle')}>
        <a class="row row-link" href="/settings/customers">
          <span class="row-icon">
            <Icon name="inbox" size={20} />
          </span>
          <span class="row-main">
            <span class="row-title">{t('customers.settingsTitle')}</span>
            <span class="row-sub">{t('customers.settingsHint')}</span>
          </span>
          <Icon name="chevronRight" size={20} class="row-chevron" />
        </a>
      </nav>
    </Page>
  )
}

type Unit = 'minutes' | 'hours'

const RETENTION_PRESETS = ['90', '180', '365', '730'] as const

/** A whole number within [min, max], or null. */
function wholeNumber(text: string, min: number, max: number): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null
  const value = Number(text)
  return value >= min && value <= max ? value : null
}

function reminderParts(minutes: number): { amount: string; unit: Unit } {
  return minutes % 60 === 0
    ? { amount: String(minutes / 60), unit: 'hours' }
    : { amount: String(minutes), unit: 'minutes' }
}

function retentionChoice(days: number | null): string {
  if (days === null) return 'off'
  return (RETENTION_PRESETS as readonly string[]).includes(String(days)) ? String(days) : 'custom'
}

function retentionLabel(value: string): string {
  if (value === '365') return t('settings.retentionYear')
  if (value === '730') return t('settings.retentionTwoYears')
  return t('settings.retentionDays', { count: value })
}

function SettingsForm({ saved, onSaved }: { saved: ShopSettingsFull; onSaved: (settings: ShopSettingsFull) => void }) {
  const [name, setName] = useState(saved.name)
  const [timezone, setTimezone] = useState(saved.timezone)
  const [autoApprove, setAutoApprove] = useState(saved.autoApprove)
  const [maxFileMb, setMaxFileMb] = useState(String(saved.maxFileMb))
  const [memberQuotaMb, setMemberQuotaMb] = useState(String(saved.memberQuotaMb))
  const [reminderAmount, setReminderAmount] = useState(() => reminderParts(saved.reminderIntervalMinutes).amount)
  const [reminderUnit, setReminderUnit] = useState<Unit>(() => reminderParts(saved.reminderIntervalMinutes).unit)
  const [wallShowJoinQr, setWallShowJoinQr] = useState(saved.wallShowJoinQr)
  const [pushContact, setPushContact] = useState(saved.pushContact)
  const [retention, setRetention] = useState(retentionChoice(saved.retentionDays))
  const [customDays, setCustomDays] = useState(
    retentionChoice(saved.retentionDays) === 'custom' ? String(saved.retentionDays) : '',
  )
  const [errors, setErrors] = useState<FormErrors>(noErrors)
  const [isBusy, setBusy] = useState(false)
  const zones = useMemo(() => timezoneOptions(saved.timezone), [saved.timezone])
  const localTime = useMemo(() => {
    try {
      return new Intl.DateTimeFormat(locale, { timeZone: timezone, timeStyle: 'short' }).format(Date.now())
    } catch {
      return formatTime(Date.now())
    }
  }, [timezone])

  const reminderMinutes = (() => {
    const amount = wholeNumber(reminderAmount, 1, 10_080)
    if (amount === null) return null
    const minutes = reminderUnit === 'hours' ? amount * 60 : amount
    return minutes >= 15 && minutes <= 10_080 ? minutes : null
  })()
  const retentionDays =
    retention === 'off' ? null : retention === 'custom' ? wholeNumber(customDays, 30, 36_500) : Number(retention)
  const isRetentionValid = retention !== 'custom' || retentionDays !== null
  const maxFile = wholeNumber(maxFileMb, 1, 2048)
  const quota = wholeNumber(memberQuotaMb, 10, 1_000_000)

  const isDirty =
    name !== saved.name ||
    timezone !== saved.timezone ||
    autoApprove !== saved.autoApprove ||
    maxFile !== saved.maxFileMb ||
    quota !== saved.memberQuotaMb ||
    reminderMinutes !== saved.reminderIntervalMinutes ||
    wallShowJoinQr !== saved.wallShowJoinQr ||
    pushContact.trim() !== saved.pushContact ||
    !isRetentionValid ||
    retentionDays !== saved.retentionDays

  const validate = (): Record<string, string> => {
    const fields: Record<string, string> = {}
    if (!name.trim()) fields.name = t('setup.shopNameRequired')
    if (maxFile === null) fields.maxFileMb = t('settings.maxFileMbRange')
    if (quota === null) fields.memberQuotaMb = t('settings.memberQuotaMbRange')
    if (reminderMinutes === null) fields.reminder = t('settings.reminderRange')
    if (!isRetentionValid) fields.retentionDays = t('settings.retentionRange')
    return fields
  }

  const save = async (event: Event) => {
    event.preventDefault()
    const fields = validate()
    if (Object.keys(fields).length > 0) {
      setErrors({ form: null, fields })
      return
    }
    // Turning deletion on, or making it reach further back, deletes for good: ask first.
    const isDeletingMore =
      retentionDays !== null && (saved.retentionDays === null || retentionDays < saved.retentionDays)
    if (isDeletingMore) {
      const ok = await confirm({
        title: t('settings.retentionConfirmTitle'),
        body: t('settings.retentionConfirmBody', { days: retentionDays }),
        confirmLabel: t('settings.retentionConfirm'),
        isDanger: true,
      })
      if (!ok) return
    }
    setBusy(true)
    setErrors(noErrors)
    try {
      const next = await systemApi.updateSettings({
        name: name.trim(),
        timezone,
        autoApprove,
        maxFileMb: maxFile as number,
        memberQuotaMb: quota as number,
        reminderIntervalMinutes: reminderMinutes as number,
        wallShowJoinQr,
        retentionDays,
        pushContact: pushContact.trim(),
      })
      onSaved(next)
      setName(next.name)
      await refreshMe()
      toast(t('settings.saved'))
    } catch (error) {
      setErrors(formErrors(error, ['name', 'timezone']))
    } finally {
      setBusy(false)
    }
  }

  const retentionOptions = [
    { value: 'off', label: t('settings.retentionOff') },
    ...RETENTION_PRESETS.map((value) => ({ value, label: retentionLabel(value) })),
    { value: 'custom', label: t('settings.retentionCustom') },
  ]

  return (
    <form onSubmit={save} noValidate>
      <Section title={t('settings.shopSection')} id="shop">
        <div class="form">
          <Field
            label={t('setup.shopName')}
            value={name}
            onValue={setName}
            error={errors.fields.name}
            maxLength={80}
            required
          />
          <SelectField
            label={t('setup.timezone')}
            value={timezone}
            onValue={setTimezone}
            options={zones}
            error={errors.fields.timezone}
            hint={t('settings.timezoneHint', { time: localTime })}
          />
        </div>
      </Section>
      <Section title={t('settings.joiningSection')} id="joining">
        <CheckField
          isSwitch
          label={t('settings.autoApprove')}
          hint={autoApprove ? t('settings.autoApproveOn') : t('settings.autoApproveOff')}
          checked={autoApprove}
          onChecked={setAutoApprove}
        />
      </Section>
      <Section title={t('settings.filesSection')} id="files">
        <div class="form">
          <Field
            label={t('settings.maxFileMb')}
            value={maxFileMb}
            onValue={setMaxFileMb}
            type="number"
            inputMode="numeric"
            min={1}
            max={2048}
            hint={t('settings.maxFileMbHint')}
            error={errors.fields.maxFileMb}
          />
          <Field
            label={t('settings.memberQuotaMb')}
            value={memberQuotaMb}
            onValue={setMemberQuotaMb}
            type="number"
            inputMode="numeric"
            min={10}
            max={1_000_000}
            hint={t('settings.memberQuotaMbHint')}
            error={errors.fields.memberQuotaMb}
          />
        </div>
      </Section>
      <Section title={t('settings.noticesSection')} id="notices">
        <ReminderField
          amount={reminderAmount}
          unit={reminderUnit}
          onAmount={setReminderAmount}
          onUnit={setReminderUnit}
          error={errors.fields.reminder}
        />
        <Field
          label={t('push.contactLabel')}
          value={pushContact}
          onValue={setPushContact}
          type="email"
          autoComplete="email"
          hint={t('push.contactHint')}
          error={errors.fields.pushContact}
        />
      </Section>
      <Section title={t('settings.wallSection')} id="wall">
        <CheckField
          isSwitch
          label={t('settings.wallShowJoinQr')}
          hint={wallShowJoinQr ? t('settings.wallShowJoinQrOn') : t('settings.wallShowJoinQrOff')}
          checked={wallShowJoinQr}
          onChecked={setWallShowJoinQr}
        />
      </Section>
      <Section
        title={t('settings.historySection')}
        id="history"
        class={retention === 'off' ? undefined : 'card-danger'}
      >
        <div class="form">
          <SelectField
            label={t('settings.retention')}
            value={retention}
            onValue={setRetention}
            options={retentionOptions}
          />
          {retention === 'custom' ? (
            <Field
              label={t('settings.retentionCustomDays')}
              value={customDays}
              onValue={setCustomDays}
              type="number"
              inputMode="numeric"
              min={30}
              max={36_500}
              hint={t('settings.retentionCustomHint')}
              error={errors.fields.retentionDays}
            />
          ) : null}
          {retention === 'off' ? (
            <p class="field-hint">{t('settings.retentionKeepAll')}</p>
          ) : (
            <p class="settings-warning">
              <Icon name="alert" size={20} />
              <span>
                <strong>
                  {t('settings.retentionWarningTitle', { days: retentionDays ?? (customDays.trim() || '…') })}
                </strong>{' '}
                {t('settings.retentionWarningText')}
              </span>
            </p>
          )}
        </div>
      </Section>
      <FormError message={errors.form} />
      <div class="form-actions form-actions-page">
        <Button type="submit" variant="primary" isBusy={isBusy} disabled={!isDirty}>
          {t('common.saveChanges')}
        </Button>
      </div>
    </form>
  )
}

interface ReminderFieldProps {
  amount: string
  unit: Unit
  onAmount: (value: string) => void
  onUnit: (unit: Unit) => void
  error: string | undefined
}

/** A number and its unit on one line, with one label, hint and error for both. */
function ReminderField({ amount, unit, onAmount, onUnit, error }: ReminderFieldProps) {
  const id = useId()
  const describedBy = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ')
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label class="field-label" for={id}>
        {t('settings.reminderInterval')}
      </label>
      <div class="settings-pair">
        <input
          id={id}
          class="input"
          type="number"
          inputMode="numeric"
          min={1}
          value={amount}
          onInput={(event) => onAmount(event.currentTarget.value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={describedBy}
        />
        <select
          class="input select"
          value={unit}
          aria-label={t('settings.reminderUnit')}
          aria-describedby={`${id}-hint`}
          onChange={(event) => onUnit(event.currentTarget.value as Unit)}
        >
          <option value="minutes">{t('settings.unitMinutes')}</option>
          <option value="hours">{t('settings.unitHours')}</option>
        </select>
      </div>
      <p class="field-hint" id={`${id}-hint`}>
        {t('settings.reminderIntervalHint')}
      </p>
      {error ? (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  )
}
