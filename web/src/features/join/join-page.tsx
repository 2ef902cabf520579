/** /join/:code — a newcomer who scanned the QR code asks to join the shop. */
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, type JoinInfo } from '../../lib/api'
import { errorMessage, formErrors, noErrors, type FormErrors } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { applyMe } from '../../lib/session'
import { BrandMark } from '../../ui/brand'
import { Button, LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { FormError } from '../../ui/field'
import { Page } from '../../ui/page'
import { NewAccountFields, useNewAccount } from '../auth/new-account'
import { roleLabel } from '../members/labels'

type LinkState =
  { kind: 'loading' } | { kind: 'ready'; info: JoinInfo } | { kind: 'broken'; title: string; message: string }

export function JoinPage({ code }: { code: string }) {
  const [link, setLink] = useState<LinkState>({ kind: 'loading' })

  useEffect(() => {
    let isCurrent = true
    api
      .joinInfo(code)
      .then((info) => isCurrent && setLink({ kind: 'ready', info }))
      .catch((error: unknown) => {
        if (!isCurrent) return
        const isExpired = error instanceof ApiError && error.status === 410
        const isUsedUp = error instanceof ApiError && error.code === 'join_link_used_up'
        const isInvalid = error instanceof ApiError && (error.status === 404 || error.status === 400)
        setLink({
          kind: 'broken',
          title: isUsedUp
            ? t('join.usedUpTitle')
            : isExpired
              ? t('join.expiredTitle')
              : isInvalid
                ? t('join.invalidTitle')
                : t('join.unavailableTitle'),
          message: isExpired || isInvalid ? t('join.askForNewLink') : errorMessage(error),
        })
      })
    return () => {
      isCurrent = false
    }
  }, [code])

  return (
    <main class="standalone">
      <BrandMark />
      {link.kind === 'loading' ? (
        <Loading label={t('join.checkingLink')} />
      ) : link.kind === 'broken' ? (
        <Page title={link.title} isNarrow>
          <div class="card">
            <EmptyState icon="link" action={<LinkButton href="/">{t('join.goToSignIn')}</LinkButton>}>
              {link.message}
            </EmptyState>
          </div>
        </Page>
      ) : (
        <JoinForm code={code} info={link.info} />
      )}
    </main>
  )
}

function JoinForm({ code, info }: { code: string; info: JoinInfo }) {
  const account = useNewAccount()
  const [errors, setErrors] = useState<FormErrors>(noErrors)
  const [isBusy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const fields = account.problems()
    if (Object.keys(fields).length) {
      setErrors({ form: null, fields })
      return
    }
    setBusy(true)
    setErrors(noErrors)
    try {
      await api.join({ code, ...account.values() })
      navigate('/', { replace: true })
      applyMe(await api.me())
    } catch (error) {
      setErrors(formErrors(error, ['displayName', 'username', 'password']))
      setBusy(false)
    }
  }

  return (
    <Page
      title={t('join.title', { shop: info.shopName })}
      subtitle={t('join.intro', { role: roleLabel(info.role).toLowerCase() })}
      isNarrow
    >
      <form class="form card" onSubmit={submit} noValidate>
        <NewAccountFields account={account} errors={errors.fields} usernameHint="join.usernameHint" />
        <FormError message={errors.form} />
        <Button type="submit" variant="primary" isBlock isBusy={isBusy}>
          {t('join.submit')}
        </Button>
      </form>
      <p class="standalone-footnote">
        {t('join.haveAccount')} <a href="/">{t('auth.signIn')}</a>
      </p>
    </Page>
  )
}
