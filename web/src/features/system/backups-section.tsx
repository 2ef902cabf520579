/** The shop's data on /system: backups (list, make one now, restore notes) and the export of everything. */
import { useRef, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { EXPORT_URL, systemApi, type SystemStatus } from '../../lib/api-system'
import { errorMessage } from '../../lib/errors'
import { formatDateTime, formatRelative } from '../../lib/format'
import { hasMessage, t, tn } from '../../lib/i18n'
import { Button, LinkButton } from '../../ui/button'
import { Icon } from '../../ui/icons'
import { Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { formatSize } from './units'

function backupReason(reason: string): string {
  const key = `system.backupReason.${reason}`
  return hasMessage(key) ? t(key) : reason
}

export function Backups({ status, onChanged }: { status: SystemStatus; onChanged: () => Promise<void> }) {
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

export function Export() {
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
