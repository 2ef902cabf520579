/** Xero on /system: which organisation answers, and how much of Xero's call budget today has spent. */
import '../xero/messages'
import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { formatTime } from '../../lib/format'
import { locale, t } from '../../lib/i18n'
import { LinkButton } from '../../ui/button'
import { LoadError } from '../../ui/load-error'
import { Section } from '../../ui/page'
import { xeroApi, type XeroConnection, type XeroUsage } from '../xero/xero-api'

/** Xero's daily limit per organisation. */
const DAY_LIMIT = 5_000

const count = (value: number) => value.toLocaleString(locale)

/** `loadedAt` changes whenever the System page refreshes: the figures follow. */
export function XeroCalls({ loadedAt }: { loadedAt: number }) {
  const [shown, setShown] = useState<{ connection: XeroConnection; usage: XeroUsage } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const load = () =>
    Promise.all([xeroApi.connection(), xeroApi.usage()]).then(
      ([connection, usage]) => {
        setShown({ connection, usage })
        setError(null)
      },
      (caught: unknown) => setError(errorMessage(caught)),
    )
  useEffect(() => {
    void load()
  }, [loadedAt])

  const connection = shown?.connection
  const usage = shown?.usage
  const isConnected = connection?.state === 'connected' || connection?.state === 'reconnect'
  const usedPercent = usage ? Math.min(100, Math.round(((DAY_LIMIT - usage.remainingToday) / DAY_LIMIT) * 100)) : 0
  return (
    <Section title={t('xero.usageTitle')} id="xero-calls">
      {error ? <LoadError message={error} onRetry={() => void load()} /> : null}
      {connection && !isConnected ? (
        <div class="system-xero-off">
          <p class="muted">{t('xero.usageNotConnected')}</p>
          <LinkButton href="/xero" icon="link" isSmall>
            {t('xero.openXero')}
          </LinkButton>
        </div>
      ) : null}
      {connection && usage && isConnected ? (
        <>
          <p class="system-xero-org">
            <strong>{connection.organisation?.name}</strong>
            <span class={`badge badge-${connection.state === 'connected' ? 'ok' : 'failing'}`}>
              {connection.state === 'connected' ? t('xero.connectedTitle') : t('xero.reconnectTitle')}
            </span>
          </p>
          <dl class="facts system-facts system-facts-pairs">
            <div>
              <dt>{t('xero.callsToday')}</dt>
              <dd>{count(usage.callsToday)}</dd>
            </div>
            <div>
              <dt>{t('xero.remainingToday')}</dt>
              <dd>
                {count(usage.remainingToday)}
                <span
                  class={`system-bar${usedPercent >= 90 ? ' system-bar-low' : ''}`}
                  role="img"
                  aria-label={t('xero.usedToday', { percent: usedPercent })}
                >
                  <span style={{ width: `${usedPercent}%` }} />
                </span>
              </dd>
            </div>
            <div>
              <dt>{t('xero.remainingThisMinute')}</dt>
              <dd>{count(usage.remainingThisMinute)}</dd>
            </div>
            <div>
              <dt>{t('xero.inFlight')}</dt>
              <dd>{count(usage.inFlight)}</dd>
            </div>
          </dl>
          {usage.heldUntil !== null && usage.heldUntil > Date.now() ? (
            <p class="notice notice-warning system-xero-held">
              <span>{t('xero.heldUntil', { time: formatTime(usage.heldUntil) })}</span>
            </p>
          ) : null}
          <p class="card-text system-explain">{t('xero.usageIntro')}</p>
        </>
      ) : null}
    </Section>
  )
}
