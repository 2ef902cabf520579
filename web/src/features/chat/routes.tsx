/**
 * The board, chat and search routes. Their pages are one lazily loaded chunk, so the first
 * load stays small; this file (in the first load) only matches paths and shows a spinner.
 */
import type { JSX } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { matchPath } from '../../lib/router'
import { Button } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Page } from '../../ui/page'
import type * as ViewsModule from './views'

type Views = typeof ViewsModule

let loaded: Views | null = null
let loading: Promise<Views> | null = null

function loadViews(): Promise<Views> {
  loading ??= import('./views').then((views) => (loaded = views))
  loading.catch(() => (loading = null))
  return loading
}

/** Starts fetching the chunk early (e.g. once the shell is up), so the first tap is instant. */
export function preloadChatViews(): void {
  void loadViews().catch(() => undefined)
}

/** The element for a board, chat or search path, or null when the path is not ours. */
export function chatRoute(path: string): JSX.Element | null {
  if (path === '/board' || path === '/board/new') return <LazyView path={path} />
  if (path === '/chat' || path === '/search' || matchPath('/chat/:id', path)) return <LazyView path={path} />
  return null
}

function LazyView({ path }: { path: string }) {
  const [views, setViews] = useState<Views | null>(loaded)
  const [hasFailed, setFailed] = useState(false)
  useEffect(() => {
    if (views) return
    loadViews().then(setViews, () => setFailed(true))
  }, [views, hasFailed])
  if (hasFailed) {
    return (
      <Page title={t('app.unreachableTitle')}>
        <div class="card">
          <EmptyState
            icon="alert"
            action={
              <Button variant="primary" icon="refresh" onClick={() => setFailed(false)}>
                {t('common.retry')}
              </Button>
            }
          >
            {t('app.unreachableText')}
          </EmptyState>
        </div>
      </Page>
    )
  }
  if (!views) return <Loading label={t('common.loading')} />
  return views.renderView(path)
}
