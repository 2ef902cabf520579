/**
 * /system — for owners: is the box healthy? Version and uptime, database and disk, backups,
 * integrations, Xero's call budget, the delivery queue with its failures, and the export of everything.
 * Refreshes every 30 seconds while the page is visible.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { systemApi, type SystemStatus } from '../../lib/api-system'
import { errorMessage } from '../../lib/errors'
import { formatTime } from '../../lib/format'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { Loading } from '../../ui/empty-state'
import { Page } from '../../ui/page'
import './system.css'
import { About, Alerts, Storage } from './system-health'
import { Backups, Export } from './backups-section'
import { Deliveries, Integrations } from './deliveries-section'
import { XeroCalls } from './xero-section'

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
      {status ? <SystemView status={status} loadedAt={loadedAt} onChanged={load} /> : null}
    </Page>
  )
}

function SystemView({
  status,
  loadedAt,
  onChanged,
}: {
  status: SystemStatus
  loadedAt: number
  onChanged: () => Promise<void>
}) {
  return (
    <div class="system">
      <Alerts status={status} />
      <div class="system-grid">
        <About status={status} />
        <Storage status={status} />
        <Backups status={status} onChanged={onChanged} />
        <Export />
        <XeroCalls loadedAt={loadedAt} />
        <Integrations status={status} />
        <Deliveries status={status} onChanged={onChanged} />
      </div>
    </div>
  )
}
