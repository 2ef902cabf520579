/** First run: name the shop, pick its timezone and create the owner's account. */
import { useMemo, useState } from 'preact/hooks'
import { api } from '../../lib/api'
import { formErrors, noErrors, type FormErrors } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { applyMe } from '../../lib/session'
import { browserTimezone, timezoneOptions } from '../../lib/timezones'
import { Button } from '../../ui/button'
import { Field, FormError, SelectField } from '../../ui/field'
import { Page } from '../../ui/page'
import { NewAccountFields, useNewAccount } from '../auth/new-account'
import { BrandMark } from '../../ui/brand'

export function SetupPage() {
  const [shopName, setShopName] = useState('')
  const [timezone, setTimezone] = useState(browserTimezone)
  const account = useNewAccount()
  const [errors, setErrors] = useState<FormErrors>(noErrors)
  const [isBusy, setBusy] = useState(false)
  const zones = useMemo(() => timezoneOptions(timezone), [])

  const submit = async (event: Event) => {
    event.preventDefault()
    const fields: Record<string, string> = {}
    if (!shopName.trim()) fields.name = t('setup.shopNameRequired')
    Object.assign(fields, account.problems())
    if (Object.keys(fields).length) {
      setErrors({ form: null, fields })
      return
    }
    setBusy(true)
    setErrors(noErrors)
    try {
      const me = await api.setup({
        shopName: shopName.trim(),
        timezone,
        ...account.values(),
      })
      navigate('/', { replace: true })
      applyMe(me)
    } catch (error) {
      setErrors(formErrors(error, ['name', 'timezone', 'displayName', 'username', 'password']))
      setBusy(false)
    }
  }

  return (
    <main class="standalone">
      <BrandMark />
      <Page title={t('setup.title')} subtitle={t('setup.intro')} isNarrow>
        <form class="form card" onSubmit={submit} noValidate>
          <h2 class="form-section-title">{t('setup.shopSection')}</h2>
          <Field
            label={t('setup.shopName')}
            value={shopName}
            onValue={setShopName}
            error={errors.fields.name}
            hint={t('setup.shopNameHint')}
            autoComplete="organization"
            maxLength={80}
            required
          />
          <SelectField
            label={t('setup.timezone')}
            value={timezone}
            onValue={setTimezone}
            options={zones}
            error={errors.fields.timezone}
            hint={t('setup.timezoneHint')}
          />
          <h2 class="form-section-title">{t('setup.ownerSection')}</h2>
          <NewAccountFields account={account} errors={errors.fields} usernameHint="auth.usernameRules" />
          <FormError message={errors.form} />
          <Button type="submit" variant="primary" isBlock isBusy={isBusy}>
            {t('setup.submit')}
          </Button>
        </form>
      </Page>
    </main>
  )
}
