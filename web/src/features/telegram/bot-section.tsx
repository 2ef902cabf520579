/** The owner's part of /telegram: the shop's bot, whether it works, and its token. */
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatDateTime, formatRelative } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { Loading } from '../../ui/empty-state'
import { FormError, PasswordField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { looksLikeToken, telegramApi, type BotView } from './telegram-api'
import { LoadError } from '../../ui/load-error'

export function BotSection({ onChanged }: { onChanged: () => void }) {
  const [bot, setBot] = useState<BotView | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [isChangingToken, setChangingToken] = useState(false)
  const [isDisconnecting, setDisconnecting] = useState(false)

  const load = () =>
    telegramApi
      .bot()
      .then((view) => {
        setBot(view)
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))
  useEffect(() => {
    void load()
  }, [])
  // Someone linking or unlinking changes the count of linked staff.
  useLive(['telegram.'], () => void load())

  const connected = (view: BotView) => {
    setBot(view)
    setChangingToken(false)
    if (view.bot) toast(t('telegram.connected', { username: view.bot.username }))
    onChanged()
  }

  const disconnect = async () => {
    const ok = await confirm({
      title: t('telegram.disconnectTitle'),
      body: t('telegram.disconnectBody'),
      confirmLabel: t('telegram.disconnect'),
      isDanger: true,
    })
    if (!ok) return
    setDisconnecting(true)
    try {
      await telegramApi.disconnectBot()
      toast(t('telegram.disconnected'))
      await load()
      onChanged()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setDisconnecting(false)
    }
  }

  return (
    <Section title={t('telegram.botTitle')} id="telegram-bot" class="tg-section">
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!bot && !loadError ? <Loading label={t('common.loading')} /> : null}
      {bot && (!bot.isConfigured || !bot.bot) ? (
        <>
          <p class="card-text">{t('telegram.botIntro')}</p>
          <ol class="tg-steps">
            <li>{t('telegram.botStep1')}</li>
            <li>{t('telegram.botStep2')}</li>
            <li>{t('telegram.botStep3')}</li>
          </ol>
          <p class="tg-botfather">
            <a href="https://t.me/BotFather" target="_blank" rel="noopener noreferrer">
              {t('telegram.openBotFather')}
              <Icon name="external" size={16} />
            </a>
          </p>
          <TokenForm onConnected={connected} />
        </>
      ) : null}
      {bot?.isConfigured && bot.bot ? (
        <>
          <BotStatus view={bot} />
          {isChangingToken ? (
            <div class="tg-change-token">
              <p class="field-hint tg-change-hint">{t('telegram.changeTokenHint')}</p>
              <TokenForm onConnected={connected} onCancel={() => setChangingToken(false)} />
            </div>
          ) : (
            <div class="form-actions">
              <Button variant="ghost" onClick={() => setChangingToken(true)}>
                {t('telegram.changeToken')}
              </Button>
              <Button icon="x" isBusy={isDisconnecting} onClick={() => void disconnect()}>
                {t('telegram.disconnect')}
              </Button>
            </div>
          )}
        </>
      ) : null}
    </Section>
  )
}

function BotStatus({ view }: { view: BotView }) {
  const { status } = view
  const bot = view.bot!
  return (
    <div class="tg-bot">
      <div class="tg-bot-head">
        <span class="tg-bot-icon">
          <Icon name="send" size={22} />
        </span>
        <span class="tg-bot-names">
          <strong class="tg-bot-username">{t('telegram.connectedTo', { username: bot.username })}</strong>
          <span class="tg-bot-meta">
            <span class="muted">{bot.name}</span>
            <span class={`badge badge-${status.state}`}>{t(`telegram.state.${status.state}`)}</span>
          </span>
        </span>
      </div>
      {status.detail ? (
        // A failure's detail is what the owner has to act on; when all is well it is a footnote.
        <p class={status.state === 'ok' ? 'tg-detail-quiet' : 'tg-detail tg-detail-failing'}>{status.detail}</p>
      ) : null}
      <dl class="facts tg-facts">
        <div>
          <dt>{t('telegram.lastOk')}</dt>
          <dd>
            {status.lastOkAt ? (
              <time dateTime={new Date(status.lastOkAt).toISOString()} title={formatDateTime(status.lastOkAt)}>
                {formatRelative(status.lastOkAt)}
              </time>
            ) : (
              t('telegram.never')
            )}
          </dd>
        </div>
        {status.failingSince ? (
          <div>
            <dt>{t('telegram.failingSince')}</dt>
            <dd class="tg-failing-since">
              <time dateTime={new Date(status.failingSince).toISOString()}>{formatDateTime(status.failingSince)}</time>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t('telegram.linkedStaff')}</dt>
          <dd>{tn('telegram.linkedStaffCount', view.linkedMembers)}</dd>
        </div>
      </dl>
    </div>
  )
}

/** Errors about the token itself belong on the field; "Telegram unreachable" is about the network. */
const TOKEN_ERRORS = new Set(['telegram_token_invalid', 'invalid_request'])

function TokenForm({ onConnected, onCancel }: { onConnected: (view: BotView) => void; onCancel?: () => void }) {
  const [token, setToken] = useState('')
  const [fieldError, setFieldError] = useState<string | null>(null)
  const [formError, setFormError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const clean = token.trim()
    setFormError(null)
    if (!clean) return setFieldError(t('telegram.tokenRequired'))
    if (!looksLikeToken(clean)) return setFieldError(t('telegram.tokenShape'))
    setFieldError(null)
    setBusy(true)
    try {
      const view = await telegramApi.connectBot(clean)
      setToken('')
      onConnected(view)
    } catch (error) {
      if (error instanceof ApiError && TOKEN_ERRORS.has(error.code)) setFieldError(error.message)
      else setFormError(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="form tg-token-form" onSubmit={submit} noValidate>
      <PasswordField
        label={t('telegram.token')}
        value={token}
        onValue={(value) => {
          setToken(value)
          setFieldError(null)
        }}
        hint={t('telegram.tokenHint')}
        error={fieldError}
        autoComplete="off"
        name="telegram-token"
      />
      <FormError message={formError} />
      <div class="form-actions">
        {onCancel ? (
          <Button variant="ghost" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        ) : null}
        <Button type="submit" variant="primary" icon="link" isBusy={isBusy}>
          {t('telegram.connect')}
        </Button>
      </div>
    </form>
  )
}

/* ---- Groups (managers) ---- */
