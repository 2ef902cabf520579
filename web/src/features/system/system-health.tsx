/** The health of the box on /system: what needs attention, version and uptime, database and disk. */
import { type SystemStatus } from '../../lib/api-system'
import { formatDateTime, formatRelative } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { Icon } from '../../ui/icons'
import { Section } from '../../ui/page'
import { formatDuration, formatSize } from './units'

export function Alerts({ status }: { status: SystemStatus }) {
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

export function About({ status }: { status: SystemStatus }) {
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

export function Storage({ status }: { status: SystemStatus }) {
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
