/**
 * A page whose code is fetched the first time it is shown, so a phone downloads only the
 * pages it opens (the first load of the sign-in page carries no staff screens). Preact's
 * own lazy() needs preact/compat; this is the small part of it the router needs.
 */
import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../lib/i18n'
import { Button } from './button'
import { EmptyState, Loading } from './empty-state'

export type LazyPage<P> = ComponentType<P> & {
  /** Starts fetching the code ahead of the first visit. */
  preload(): void
}

/** A component that loads `load()`'s component on first render, with a retry when offline. */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): LazyPage<P> {
  let loaded: ComponentType<P> | null = null
  let loading: Promise<ComponentType<P>> | null = null
  const fetchPage = (): Promise<ComponentType<P>> => {
    loading ??= load().then((component) => (loaded = component))
    // A failed fetch (the box restarting, the phone offline) is tried again next time.
    loading.catch(() => (loading = null))
    return loading
  }

  function Lazy(props: P) {
    const [Page, setPage] = useState<ComponentType<P> | null>(() => loaded)
    const [hasFailed, setFailed] = useState(false)
    useEffect(() => {
      if (Page || hasFailed) return
      let isCurrent = true
      fetchPage().then(
        (component) => isCurrent && setPage(() => component),
        () => isCurrent && setFailed(true),
      )
      return () => {
        isCurrent = false
      }
    }, [Page, hasFailed])
    if (Page) return <Page {...props} />
    if (!hasFailed) return <Loading label={t('common.loading')} />
    return (
      <div class="card">
        <EmptyState
          icon="alert"
          title={t('app.unreachableTitle')}
          action={
            <Button variant="primary" icon="refresh" onClick={() => setFailed(false)}>
              {t('common.retry')}
            </Button>
          }
        >
          {t('app.unreachableText')}
        </EmptyState>
      </div>
    )
  }
  return Object.assign(Lazy, { preload: () => void fetchPage().catch(() => undefined) })
}
