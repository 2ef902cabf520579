/**
 * /pages/:id/history and /pages/:id/history/:revisionId — every saved version of a page,
 * who saved it and when; any version can be read, and managers can restore one (which
 * saves it again as the newest version, so nothing is ever lost).
 */
import { useEffect, useState } from 'preact/hooks'
import { wallApi, type PageView, type RevisionSummary, type RevisionView } from '../../lib/api-wall'
import { errorMessage } from '../../lib/errors'
import { formatDateTime, formatRelative } from '../../lib/format'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { Markdown } from '../../lib/markdown'
import { navigate } from '../../lib/router'
import { can } from '../../lib/session'
import { Button, LinkButton } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import './pages.css'

function noteText(revision: RevisionSummary): string | null {
  const restored = /^restored:(\d+)$/.exec(revision.note)
  return restored ? t('pages.restoredFrom', { id: restored[1] ?? '' }) : null
}

export function PageHistoryPage({ id }: { id: number }) {
  const [page, setPage] = useState<PageView | null>(null)
  const [revisions, setRevisions] = useState<RevisionSummary[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)

  const load = () =>
    Promise.all([wallApi.page(id), wallApi.revisions(id)])
      .then(([next, list]) => {
        setPage(next)
        setRevisions(list)
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))

  useEffect(() => {
    void load()
  }, [id])
  useLive(['page.changed'], () => void load())

  const back = { href: `/pages/${id}`, label: page?.title ?? t('pages.backToPage') }
  return (
    <Page title={t('pages.historyTitle')} subtitle={page?.title} back={back}>
      {loadError ? (
        <Section>
          <EmptyState
            icon="alert"
            title={loadError}
            action={<Button onClick={() => void load()}>{t('common.retry')}</Button>}
          />
        </Section>
      ) : null}
      {!revisions && !loadError ? <Loading label={t('common.loading')} /> : null}
      {revisions ? (
        <Section>
          <ol class="rows revision-list" aria-label={t('pages.historyTitle')}>
            {revisions.map((revision, index) => (
              <li key={revision.id} class="row-item" data-testid="revision-row">
                <a class="row row-link" href={`/pages/${id}/history/${revision.id}`}>
                  <span class="row-main">
                    <span class="row-title">
                      {formatDateTime(revision.createdAt)}{' '}
                      {index === 0 ? <span class="badge badge-active">{t('pages.current')}</span> : null}
                    </span>
                    <span class="row-sub">
                      {t('pages.savedBy', {
                        name: revision.author?.displayName ?? t('pages.someone'),
                        when: formatRelative(revision.createdAt),
                      })}
                      {noteText(revision) ? ` · ${noteText(revision)}` : ''}
                      {revision.title !== page?.title ? ` · “${revision.title}”` : ''}
                    </span>
                  </span>
                </a>
              </li>
            ))}
          </ol>
        </Section>
      ) : null}
    </Page>
  )
}

export function RevisionPage({ id, revisionId }: { id: number; revisionId: number }) {
  const [revision, setRevision] = useState<RevisionView | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [isRestoring, setRestoring] = useState(false)
  const isEditor = can('members.manage')

  useEffect(() => {
    wallApi
      .revision(id, revisionId)
      .then(setRevision)
      .catch((error: unknown) => setLoadError(errorMessage(error)))
  }, [id, revisionId])

  const restore = async () => {
    if (!revision) return
    const ok = await confirm({
      title: t('pages.restoreTitle'),
      body: t('pages.restoreBody', { when: formatDateTime(revision.createdAt) }),
      confirmLabel: t('pages.restore'),
    })
    if (!ok) return
    setRestoring(true)
    try {
      await wallApi.restoreRevision(id, revision.id)
      toast(t('pages.restored'))
      navigate(`/pages/${id}`, { replace: true })
    } catch (error) {
      toast(errorMessage(error), 'error')
      setRestoring(false)
    }
  }

  const back = { href: `/pages/${id}/history`, label: t('pages.historyTitle') }
  if (loadError) {
    return (
      <Page title={t('pages.revisionTitle')} back={back}>
        <Section>
          <EmptyState icon="alert" title={loadError} action={<LinkButton href={back.href}>{back.label}</LinkButton>} />
        </Section>
      </Page>
    )
  }
  if (!revision) {
    return (
      <Page title={t('pages.revisionTitle')} back={back}>
        <Loading label={t('common.loading')} />
      </Page>
    )
  }
  return (
    <Page
      title={revision.title}
      back={back}
      subtitle={t('pages.versionOf', {
        when: formatDateTime(revision.createdAt),
        name: revision.author?.displayName ?? t('pages.someone'),
      })}
      primary={
        isEditor ? (
          <Button variant="primary" icon="refresh" isBusy={isRestoring} onClick={() => void restore()}>
            {t('pages.restore')}
          </Button>
        ) : undefined
      }
    >
      <p class="notice notice-warning">{t('pages.oldVersionNote')}</p>
      <article class="card page-article">
        {revision.body.trim() ? (
          <Markdown text={revision.body} surface="page" />
        ) : (
          <p class="muted">{t('pages.empty')}</p>
        )}
      </article>
    </Page>
  )
}
