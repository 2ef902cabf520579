/** The outside world on /system: integrations, and the delivery queue with its failures to retry or drop. */
import { useState } from 'preact/hooks'
import { systemApi, type DeadLetter, type SystemStatus } from '../../lib/api-system'
import { errorMessage } from '../../lib/errors'
import { formatDateTime } from '../../lib/format'
import { hasMessage, t, tn } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { EmptyState } from '../../ui/empty-state'
import { Section } from '../../ui/page'
import { toast } from '../../ui/toast'

export function Integrations({ status }: { status: SystemStatus }) {
  return (
    <Section title={t('system.integrationsTitle')} id="integrations" class="system-wide">
      {status.integrations.length === 0 ? (
        <EmptyState icon="link" title={t('system.noIntegrations')}>
          {t('system.noIntegrationsText')}
        </EmptyState>
      ) : (
        <ul class="rows">
          {status.integrations.map((integration) => (
            <li key={integration.name} class="row-item">
              <div class="row">
                <span class="row-main">
                  <span class="row-title">{integration.name}</span>
                  {integration.detail ? <span class="system-detail">{integration.detail}</span> : null}
                  {integration.name === 'Telegram' && integration.state === 'not_set_up' ? (
                    <a href="/telegram">{t('system.openTelegram')}</a>
                  ) : null}
                </span>
                <span class={`badge badge-${integration.state}`}>{t(`system.state.${integration.state}`)}</span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </Section>
  )
}

function channelName(channel: string): string {
  const key = `system.channel.${channel}`
  return hasMessage(key) ? t(key) : channel
}

export function Deliveries({ status, onChanged }: { status: SystemStatus; onChanged: () => Promise<void> }) {
  const deadTotal = status.outbox.reduce((sum, channel) => sum + channel.dead, 0)
  return (
    <Section title={t('system.deliveriesTitle')} id="deliveries" class="system-wide">
      <p class="card-text system-explain">{t('system.deliveriesExplain')}</p>
      {status.outbox.length === 0 ? (
        <p class="muted">{t('system.noDeliveries')}</p>
      ) : (
        <>
          <div class="system-table-wrap">
            <table class="system-table">
              <caption class="visually-hidden">{t('system.countsCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('system.channel')}</th>
                  <th scope="col">{t('system.pending')}</th>
                  <th scope="col">{t('system.sent')}</th>
                  <th scope="col">{t('system.retried')}</th>
                  <th scope="col">{t('system.dropped')}</th>
                  <th scope="col">{t('system.dead')}</th>
                </tr>
              </thead>
              <tbody>
                {status.outbox.map((counts) => (
                  <tr key={counts.channel}>
                    <th scope="row">{channelName(counts.channel)}</th>
                    <td data-label={t('system.pending')}>{counts.pending + counts.sending}</td>
                    <td data-label={t('system.sent')}>{counts.done}</td>
                    <td data-label={t('system.retried')}>{counts.retries}</td>
                    <td data-label={t('system.dropped')}>{counts.dropped}</td>
                    <td data-label={t('system.dead')} class={counts.dead > 0 ? 'system-dead' : undefined}>
                      {counts.dead}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="field-hint">{t('system.countsHint')}</p>
        </>
      )}
      {status.deadLetters.length > 0 ? (
        <>
          <h3 class="form-section-title system-dead-title">{t('system.deadLettersTitle')}</h3>
          <ul class="rows system-dead-list">
            {status.deadLetters.map((item) => (
              <DeadLetterRow key={item.id} item={item} onChanged={onChanged} />
            ))}
          </ul>
          {deadTotal > status.deadLetters.length ? (
            <p class="field-hint">
              {t('system.deadLettersMore', { shown: status.deadLetters.length, count: deadTotal })}
            </p>
          ) : null}
        </>
      ) : null}
    </Section>
  )
}

function DeadLetterRow({ item, onChanged }: { item: DeadLetter; onChanged: () => Promise<void> }) {
  const [isBusy, setBusy] = useState(false)
  const retry = async () => {
    setBusy(true)
    try {
      await systemApi.retryDelivery(item.id)
      toast(t('system.retryQueued'))
      await onChanged()
    } catch (error) {
      toast(errorMessage(error), 'error')
      setBusy(false)
    }
  }
  return (
    <li class="row-item system-dead-item">
      <div class="system-dead-row">
        <span class="row-main">
          <span class="row-title" id={`dead-letter-${item.id}`}>
            {channelName(item.channel)} <span class="system-id">#{item.id}</span>
          </span>
          <span class="system-detail">
            {tn('system.deadLetterMeta', item.attempts, { when: formatDateTime(item.failedAt) })}
          </span>
          {item.lastError ? <code class="system-error">{item.lastError}</code> : null}
        </span>
        <Button
          isSmall
          icon="refresh"
          isBusy={isBusy}
          aria-describedby={`dead-letter-${item.id}`}
          onClick={() => void retry()}
        >
          {t('system.retry')}
        </Button>
      </div>
    </li>
  )
}
