/** "Backboard 0.1.0", small and quiet, for the foot of the More page and the side navigation. */
import { useEffect, useState } from 'preact/hooks'
import { appVersion } from '../../lib/api-system'
import { t } from '../../lib/i18n'
import './system.css'

export function AppVersion({ class: className }: { class?: string }) {
  const [version, setVersion] = useState<string | null>(null)
  useEffect(() => {
    let isCurrent = true
    void appVersion().then((found) => {
      if (isCurrent) setVersion(found)
    })
    return () => {
      isCurrent = false
    }
  }, [])
  if (!version) return null
  return <p class={['app-version', className].filter(Boolean).join(' ')}>{t('app.version', { version })}</p>
}
