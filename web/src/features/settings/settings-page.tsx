/** /settings — the shop's name, timezone and whether newcomers need approval. */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, type ShopSettings } from '../../lib/api'
import { errorMessage, formErrors, noErrors, type FormErrors } from '../../lib/errors'
import { formatTime } from '../../lib/format'
import { locale, t } from '../../lib/i18n'
import { refreshMe } from '../../lib/session'
import { timezoneOptions } from '../../lib/timezones'
import { Button } from '../../ui/button'
import { Loading } from '../../ui/empty-state'
import { CheckField, Field, FormError, SelectField } from '../../ui/field'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'

export function SettingsPage() {
  const [saved, setSaved] = useState<ShopSettings | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  useEffect(() => {
    api
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
    </Page>
  )
}

function SettingsForm({ saved, onSaved }: { saved: ShopSettings; onSaved: (settings: ShopSettings) => void }) {
  const [name, setName] = useState(saved.name)
  const [timezone, setTimezone] = useState(saved.timezone)
  const [autoApprove, setAutoApprove] = useState(saved.autoApprove)
  const [errors, setErrors] = useState<FormErrors>(noErrors)
  const [isBusy, setBusy] = useState(false)
  const zones = useMemo(() => timezoneOptions(saved.timezone), [saved.timezone])
  const isDirty = name !== saved.name || timezone !== saved.timezone || autoApprove !== saved.autoApprove
  const localTime = useMemo(() => {
    try {
      return new Intl.DateTimeFormat(locale, { timeZone: timezone, timeStyle: 'short' }).format(Date.now())
    } catch {
      return formatTime(Date.now())
    }
  }, [timezone])

  const save = async (event: Event) => {
    event.preventDefault()
    if (!name.trim()) {
      setErrors({ form: null, fields: { name: t('setup.shopNameRequired') } })
      return
    }
    setBusy(true)
    setErrors(noErrors)
    try {
      const next = await api.updateSettings({ name: name.trim(), timezone, autoApprove })
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
      <FormError message={errors.form} />
      <div class="form-actions form-actions-page">
        <Button type="submit" variant="primary" isBusy={isBusy} disabled={!isDirty}>
          {t('common.saveChanges')}
        </Button>
      </div>
    </form>
  )
}
