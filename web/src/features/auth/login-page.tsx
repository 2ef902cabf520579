import { useState } from 'preact/hooks'
import { api, ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { currentPath, navigate } from '../../lib/router'
import { applyMe, signedOutNotice } from '../../lib/session'
import { BrandMark } from '../../ui/brand'
import { Button } from '../../ui/button'
import { Field, FormError, PasswordField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page } from '../../ui/page'

/** The form's error names both fields: which one is wrong is not told, on purpose. */
const ERROR_ID = 'login-error'

export function LoginPage() {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const notice = signedOutNotice.value

  const submit = async (event: Event) => {
    event.preventDefault()
    if (!username.trim() || !password) {
      setError(t('auth.enterBoth'))
      return
    }
    setBusy(true)
    setError(null)
    try {
      const me = await api.login({ username: username.trim(), password })
      // Pages that only make sense signed out lead home.
      if (['/login', '/setup', '/waiting'].includes(currentPath.value) || currentPath.value.startsWith('/join/')) {
        navigate('/', { replace: true })
      }
      applyMe(me)
    } catch (caught) {
      setBusy(false)
      if (caught instanceof ApiError && caught.code === 'invalid_credentials') setError(t('auth.wrongCredentials'))
      else setError(errorMessage(caught))
    }
  }

  return (
    <main class="standalone">
      <BrandMark />
      <Page title={t('auth.signInTitle')} subtitle={t('auth.signInIntro')} isNarrow>
        {notice ? (
          <div class="notice notice-warning" role="alert">
            <Icon name="alert" size={20} />
            <span>{notice}</span>
          </div>
        ) : null}
        <form class="form card" onSubmit={submit} noValidate>
          <Field
            label={t('auth.username')}
            value={username}
            onValue={setUsername}
            autoComplete="username"
            autocapitalize="off"
            spellcheck={false}
            name="username"
            required
            invalidBy={error ? ERROR_ID : undefined}
          />
          <PasswordField
            label={t('auth.password')}
            value={password}
            onValue={setPassword}
            autoComplete="current-password"
            name="password"
            required
            invalidBy={error ? ERROR_ID : undefined}
          />
          <FormError message={error} id={ERROR_ID} />
          <Button type="submit" variant="primary" isBlock isBusy={isBusy}>
            {t('auth.signIn')}
          </Button>
        </form>
        <p class="standalone-footnote">{t('auth.newHere')}</p>
      </Page>
    </main>
  )
}
