/**
 * /system — for owners: is the box healthy? Version and uptime, database and disk, backups,
 * integrations, the delivery queue with its failures, and the export of everything.
 * Refreshes every 30 seconds while the page is visible.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { EXPORT_URL, systemApi, type DeadLetter, type SystemStatus } from '../../lib/api-system'
import { errorMessage } from '../../lib/errors'
import { formatDateTime, formatRelative, formatTime } from '../../lib/format'
import { hasMessage, t, tn } from '../../lib/i18n'
import { Button, LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { formatDuration, formatSize } from './units'
import './system.css'

const REFRESH_MS = 30_000

export function SystemPage() {
  const [status, setStatus] = useState<SystemStatus | null>(null)
  const [loadedAt, setLoadedAt] = useState(0)
  const [error, setError] = useState<string | null>(null)
  const [isLoading, setLoading] = useState(false)
  const lastLoad = useRef(0)

  const load = async () => {
    lastLoad.current = Date.now()
    setLoading(true)
    try {
      setStatus(await systemApi.status())
      setLoadedAt(Date.now())
      setError(null)
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setLoading(false)
    }
  }

  useEffect(() => {
    void load()
    const isVisible = () => document.visibilityState === 'visible'
    const timer = setInterval(() => {
      if (isVisible()) void load()
    }, REFRESH_MS)
    // Coming back to a tab that sat in the background: show fresh numbers at once.
    const onVisibility = () => {
      if (isVisible() && Date.now() - lastLoad.current >= REFRESH_MS) void load()
    }
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      clearInterval(timer)
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [])

  return (
    <Page
      title={t('system.title')}
      subtitle={status ? t('system.updatedAt', { time: formatTime(loadedAt) }) : t('system.subtitle')}
      actions={
        <Button variant="ghost" icon="refresh" isBusy={isLoading && !!status} onClick={() => void load()}>
          {t('system.refresh')}
        </Button>
      }
    >
      {error ? (
        <p class="notice notice-error" role="alert">
          {status ? t('system.refreshFailed', { error }) : error}
        </p>
      ) : null}
      {!status && !error ? <Loading label={t('common.loading')} /> : null}
      {status ? <SystemView status={status} onChanged={load} /> : null}
    </Page>
  )
}

function SystemView({ status, onChanged }: { status: SystemStatus; onChanged: () => Promise<void> }) {
  return (
    <div class="system">
      <Alerts status={status} />
      <div class="system-grid">
        <About status={status} />
        <Storage status={status} />
        <Backups status={status} onChanged={onChanged} />
        <Export />
        <Integrations status={status} />
        <Deliveries status={status} onChanged={onChanged} />
      </div>
    </div>
  )
}

function Alerts({ status }: { status: SystemStatus }) {
  const { disk, backups } = status
  const dead = status.outbox.reduce((sum, channel) => sum + channel.dead, 0)
  const alerts: { key: string; isDanger: boolean; title: string; text: string }[] = []
  if (disk.isLow) {
    alerts.push({
      key: 'disk',
      isDanger: true,
      title: t('system.lowDiskTitle'),
      text: t('system.lowDiskText', { free: formatSize(disk.freeBytes) }),
    })
  }
  if (backups.isStale) {
    alerts.push(
      backups.last
        ? {
            key: 'backup',
            isDanger: false,
            title: t('system.staleBackupTitle'),
            text: t('system.staleBackupText', { when: formatRelative(backups.last.createdAt) }),
          }
        : { key: 'backup', isDanger: false, title: t('system.noBackupTitle'), text: t('system.noBackupText') },
    )
  }
  if (dead > 0) {
    alerts.push({ key: 'dead', isDanger: false, title: tn('system.deadTitle', dead), text: t('system.deadText') })
  }
  if (alerts.length === 0) {
    return (
      <div class="system-alert system-alert-ok" role="status">
        <Icon name="check" size={22} />
        <p>
          <strong>{t('system.allWell')}</strong>
          <span>{t('system.allWellText')}</span>
        </p>
      </div>
    )
  }
  return (
    <div class="system-alerts" role="alert">
      {alerts.map((alert) => (
        <div key={alert.key} class={`system-alert ${alert.isDanger ? 'system-alert-danger' : 'system-alert-warning'}`}>
          <Icon name="alert" size={22} />
          <p>
            <strong>{alert.title}</strong>
            <span>{alert.text}</span>
          </p>
        </div>
      ))}
    </div>
  )
}

function About({ status }: { status: SystemStatus }) {
  return (
    <Section title={t('system.aboutTitle')} id="about">
      <dl class="facts system-facts system-facts-pairs">
        <div>
          <dt>{t('system.version')}</dt>
          <dd>{status.version}</dd>
        </div>
        <div>
          <dt>{t('system.node')}</dt>
          <dd>{status.node}</dd>
        </div>
        <div>
          <dt>{t('system.uptime')}</dt>
          <dd>
            {formatDuration(status.uptimeSeconds)}
            <span class="system-sub">{t('system.since', { time: formatDateTime(status.startedAt) })}</span>
          </dd>
        </div>
        <div>
          <dt>{t('system.memory')}</dt>
          <dd>{formatSize(status.memoryRssBytes)}</dd>
        </div>
        <div class="system-fact-wide">
          <dt>{t('system.connections')}</dt>
          <dd>
            {tn('system.connectionsCount', status.connections)}
            <span class="system-sub">{t('system.connectionsHint')}</span>
          </dd>
        </div>
      </dl>
    </Section>
  )
}

function Storage({ status }: { status: SystemStatus }) {
  const { database, disk } = status
  const usedPercent = disk.totalBytes > 0 ? Math.round(((disk.totalBytes - disk.freeBytes) / disk.totalBytes) * 100) : 0
  return (
    <Section title={t('system.storageTitle')} id="storage" class={disk.isLow ? 'card-danger' : undefined}>
      <dl class="facts system-facts">
        <div>
          <dt>{t('system.database')}</dt>
          <dd>
            {formatSize(database.bytes)}
            {database.walBytes > 0 ? (
              <span class="system-sub">{t('system.databaseWal', { size: formatSize(database.walBytes) })}</span>
            ) : null}
          </dd>
        </div>
        <div class="system-disk">
          <dt>{t('system.disk')}</dt>
          <dd>
            <span class={disk.isLow ? 'system-low' : undefined}>
              {t('system.diskOf', { free: formatSize(disk.freeBytes), total: formatSize(disk.totalBytes) })}
            </span>
            <span
              class={`system-bar${disk.isLow ? ' system-bar-low' : ''}`}
              role="img"
              aria-label={t('system.diskUsedLabel', { percent: usedPercent })}
            >
              <span style={{ width: `${usedPercent}%` }} />
            </span>
            {disk.isLow ? (
              <span class="system-sub system-low">
                <Icon name="alert" size={16} /> {t('system.diskLow')}
              </span>
            ) : null}
          </dd>
        </div>
      </dl>
    </Section>
  )
}

function backupReason(reason: string): string {
  const key = `system.backupReason.${reason}`
  return hasMessage(key) ? t(key) : reason
}

function Backups({ status, onChanged }: { status: SystemStatus; onChanged: () => Promise<void> }) {
  const { backups } = status
  const [isBusy, setBusy] = useState(false)
  // A ref, not the state: a double tap lands before the disabled button is rendered.
  const isRunning = useRef(false)
  const backUp = async () => {
    if (isRunning.current) return
    isRunning.current = true
    setBusy(true)
    try {
      const { name } = await systemApi.backUpNow()
      toast(t('system.backedUp', { name }))
      await onChanged()
    } catch (error) {
      // Another backup (the daily one, or one from another screen) is under way: not a failure.
      if (error instanceof ApiError && error.code === 'backup_running') toast(t('system.backupRunning'), 'info')
      else toast(errorMessage(error), 'error')
    } finally {
      isRunning.current = false
      setBusy(false)
    }
  }
  return (
    <Section title={t('system.backupsTitle')} id="backups" class={backups.isStale ? 'card-highlight' : undefined}>
      <dl class="facts system-facts">
        <div>
          <dt>{t('system.lastBackup')}</dt>
          <dd>
            {backups.last ? (
              <>
                <span class={backups.isStale ? 'system-stale' : undefined}>
                  {t('system.lastBackupWhen', {
                    time: formatDateTime(backups.last.createdAt),
                    relative: formatRelative(backups.last.createdAt),
                  })}
                </span>
                <span class="system-sub">
                  {t('system.backupDetail', {
                    reason: backupReason(backups.last.reason),
                    size: formatSize(backups.last.databaseBytes),
                  })}
                  {' · '}
                  {tn('system.backupCount', backups.count)}
                </span>
              </>
            ) : (
              <span class="system-stale">{t('system.lastBackupNone')}</span>
            )}
            {backups.isStale && backups.last ? (
              <span class="system-sub system-stale">
                <Icon name="alert" size={16} /> {t('system.backupStale')}
              </span>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>{t('system.backupFolder')}</dt>
          <dd>
            <code class="system-path">{backups.directory}</code>
          </dd>
        </div>
      </dl>
      <p class="card-text system-explain">{t('system.backupExplain')}</p>
      <div class="form-actions">
        <Button variant="primary" icon="download" isBusy={isBusy} onClick={() => void backUp()}>
          {t('system.backUpNow')}
        </Button>
      </div>
    </Section>
  )
}

function Integrations({ status }: { status: SystemStatus }) {
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
                </span>
                <span class={`badge system-state system-state-${integration.state}`}>
                  {t(`system.state.${integration.state}`)}
                </span>
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

function Deliveries({ status, onChanged }: { status: SystemStatus; onChanged: () => Promise<void> }) {
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

function Export() {
  return (
    <Section title={t('system.exportTitle')} id="export">
      <p class="card-text">{t('system.exportExplain')}</p>
      <p class="card-text system-explain">{t('system.exportCare')}</p>
      <div class="form-actions">
        <LinkButton href={EXPORT_URL} download icon="download">
          {t('system.export')}
        </LinkButton>
      </div>
    </Section>
  )
}
