/**
 * "Xero needs reconnecting": a slim red line on the home, board and chat list pages for
 * members who may ask Xero, once Xero stopped accepting the shop's connection. Loaded lazily
 * by the shell for those members only; asks the server when the app starts and when the
 * page comes back into view, never on a timer.
 */
import './messages'
import { signal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { currentPath } from '../../lib/router'
import { can } from '../../lib/session'
import { Icon } from '../../ui/icons'
import { xeroApi, type XeroState } from './xero-api'
import './xero.css'

/** Coming back to the app several times a minute asks at most this often. */
const MIN_CHECK_MS = 30_000
const BANNER_PATHS = new Set(['/', '/board', '/chat'])

const needsReconnect = signal(false)
let lastCheck = 0

/** Tells the banner what the Xero page just learnt, so it does not wait for the next check. */
export function noteXeroState(state: XeroState): void {
  needsReconnect.value = state === 'reconnect'
}

function check(): void {
  if (Date.now() - lastCheck < MIN_CHECK_MS) return
  lastCheck = Date.now()
  xeroApi.status().then(
    (status) => noteXeroState(status.state),
    // Unreachable or not allowed (any more): keep what was last known.
    () => undefined,
  )
}

export function ReconnectBanner() {
  useEffect(() => {
    check()
    const onVisible = () => {
      if (document.visibilityState === 'visible') check()
    }
    document.addEventListener('visibilitychange', onVisible)
    window.addEventListener('focus', onVisible)
    return () => {
      document.removeEventListener('visibilitychange', onVisible)
      window.removeEventListener('focus', onVisible)
    }
  }, [])
  if (!needsReconnect.value || !BANNER_PATHS.has(currentPath.value)) return null
  const canReconnect = can('settings.manage')
  return (
    <p class="xero-banner" data-testid="xero-banner">
      <Icon name="alert" size={18} />
      <span>{canReconnect ? t('xero.bannerOwner') : t('xero.banner')}</span>
      {canReconnect ? <a href="/xero">{t('xero.bannerAction')}</a> : null}
    </p>
  )
}
