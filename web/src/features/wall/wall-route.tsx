/**
 * The entry to /wall from the app: loads the wall's code on demand, so phones never
 * download it and the wall never needs the rest of the app.
 */
import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'

export function isWallPath(path: string): boolean {
  return path === '/wall' || path === '/wall/'
}

let loaded: ComponentType | null = null

export function WallRoute() {
  const [Wall, setWall] = useState<ComponentType | null>(() => loaded)
  const [isFailed, setFailed] = useState(false)
  useEffect(() => {
    if (loaded) return
    let timer: ReturnType<typeof setTimeout> | null = null
    const load = () =>
      import('./wall-app').then(
        (module) => {
          loaded = module.WallApp
          setWall(() => module.WallApp)
        },
        () => {
          // The box may be restarting: try again rather than leave a dead screen.
          setFailed(true)
          timer = setTimeout(() => location.reload(), 30_000)
        },
      )
    void load()
    return () => {
      if (timer) clearTimeout(timer)
    }
  }, [])
  if (Wall) return <Wall />
  return (
    <div class="standalone" role="status">
      <p>{isFailed ? t('wall.unreachable') : t('wall.loading')}</p>
    </div>
  )
}

/** A wall display has no app: whatever page it opens, it shows the wall (with a fresh load). */
export function WallRedirect() {
  useEffect(() => location.replace('/wall'), [])
  return (
    <div class="standalone" role="status">
      <p>{t('wall.loading')}</p>
    </div>
  )
}
