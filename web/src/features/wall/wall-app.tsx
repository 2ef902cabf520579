/**
 * /wall — the wall screen's own full-screen app, outside the shell: no navigation, no
 * cursor, dark unless `?theme=light`. A screen that is not signed in shows a pairing code;
 * a paired display (or a member previewing) shows the wall; a revoked display goes back
 * to pairing by itself.
 */
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError } from '../../lib/api'
import { t } from '../../lib/i18n'
import { PairingScreen } from './pairing-screen'
import { useWallFeed } from './wall-live'
import { WallScreen } from './wall-screen'
import './wall.css'

type Mode = 'checking' | 'unreachable' | 'setup' | 'pairing' | 'wall'

const CHECK_RETRY_MS = 10_000

function Shown({ onSignedOut }: { onSignedOut: () => void }) {
  const { feed, offlineSince } = useWallFeed(onSignedOut)
  if (!feed) return <p class="wall-message-center">{t('wall.loading')}</p>
  return <WallScreen feed={feed} offlineSince={offlineSince} />
}

export function WallApp() {
  const [mode, setMode] = useState<Mode>('checking')
  const isLight = new URLSearchParams(location.search).get('theme') === 'light'

  useEffect(() => {
    const root = document.documentElement
    root.classList.add('wall-mode')
    document.title = `${t('wall.title')} · ${t('app.name')}`
    return () => root.classList.remove('wall-mode')
  }, [])

  useEffect(() => {
    if (mode !== 'checking' && mode !== 'unreachable' && mode !== 'setup') return
    let timer: ReturnType<typeof setTimeout> | null = null
    let isStopped = false
    const check = async () => {
      try {
        const me = await api.me()
        if (!isStopped) setMode(me.member.status === 'active' ? 'wall' : 'pairing')
      } catch (error) {
        if (isStopped) return
        if (error instanceof ApiError && error.status === 401) return setMode('pairing')
        setMode(error instanceof ApiError && error.code === 'setup_required' ? 'setup' : 'unreachable')
        timer = setTimeout(() => void check(), CHECK_RETRY_MS)
      }
    }
    if (mode === 'checking') void check()
    else timer = setTimeout(() => void check(), CHECK_RETRY_MS)
    return () => {
      isStopped = true
      if (timer) clearTimeout(timer)
    }
  }, [mode])

  return (
    <div class={isLight ? 'wall wall-light' : 'wall wall-dark'} data-testid="wall" data-mode={mode}>
      {mode === 'pairing' ? <PairingScreen onPaired={() => setMode('wall')} /> : null}
      {mode === 'wall' ? <Shown onSignedOut={() => setMode('pairing')} /> : null}
      {mode === 'checking' ? <p class="wall-message-center">{t('wall.loading')}</p> : null}
      {mode === 'unreachable' ? <p class="wall-message-center">{t('wall.unreachable')}</p> : null}
      {mode === 'setup' ? <p class="wall-message-center">{t('wall.notSetUp')}</p> : null}
    </div>
  )
}

export default WallApp
