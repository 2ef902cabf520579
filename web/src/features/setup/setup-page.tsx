/** First run: name the shop, pick its timezone and create the owner's account. */
import { useMemo, useState } from 'preact/hooks'
import { api } from '../../lib/api'
import { formErrors, noErrors, type FormErrors } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { applyMe } from '../../lib/session'
import { browserTimezone, timezoneOptions } from '../../lib/timezones'
import { Button } from '../../ui/button'
import { Field, FormError, PasswordField, SelectField } from '../../ui/field'
import { Page } from '../../ui/page'
import { passwordProblem, suggestUsername, usernameProblem } from '../auth/account-rules'
import { BrandMark } from '../../ui/brand'

export function SetupPage() {
  const [shopName, setShopName] = useState('')
  const [timezone, setTimezone] = useState(browserTimezone)
  const [displayName, setDisplayName] = useState('')
  const [username, setUsername] = useState('')
  const [isUsernameEdited, setUsernameEdited] = useState(false)
  const [password, setPassword] = useState('')
  const [errors, setErrors] = useState<FormErrors>(noErrors)
  const [isBusy, setBusy] = useState(false)
  const zones = useMemo(() => timezoneOptions(timezone), [])

  const onDisplayName = (value: string) => {
    setDisplayName(value)
    if (!isUsernameEdited) setUsername(suggestUsername(value))
  }

  const submit = async (event: Event) => {
    event.preventDefault()
    const fields: Record<string, string> = {}
    if (!shopName.trim()) fields.name = t('setup.shopNameRequired')
    if (!displayName.trim()) fields.displayName = t('auth.displayNameRequired')
    const userProblem = usernameProblem(username)
    if (userProblem) fields.username = userProblem
    const passProblem = passwordProblem(password)
    if (passProblem) fields.password = passProblem
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
        displayName: displayName.trim(),
        username,
        password,
      })
      navigate('/', { replace: true })
      applyMe(me)
    } catch (error) {
      setErrors(formErrors(error, ['name', 'timezone', 'displayName', 'username', 'password']))
      setBusy(false)
    }
  }

  return (
    <div class="standalone">
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
          <Field
            label={t('auth.displayName')}
            value={displayName}
            onValue={onDisplayName}
            error={errors.fields.displayName}
            hint={t('auth.displayNameHint')}
            autoComplete="name"
            maxLength={80}
            required
          />
          <Field
            label={t('auth.username')}
            value={username}
            onValue={(value) => {
              setUsernameEdited(true)
              setUsername(value.trim())
            }}
            error={errors.fields.username}
            hint={t('auth.usernameRules')}
            autoComplete="username"
            autocapitalize="off"
            spellcheck={false}
            maxLength={32}
            required
          />
          <PasswordField
            label={t('auth.password')}
            value={password}
            onValue={setPassword}
            error={errors.fields.password}
            hint={t('auth.passwordHint')}
            autoComplete="new-password"
            required
          />
          <FormError message={errors.form} />
          <Button type="submit" variant="primary" isBlock isBusy={isBusy}>
            {t('setup.submit')}
          </Button>
        </form>
      </Page>
    </div>
  )
}
