/** /pages/:id — one info page, rendered from its Markdown; managers edit or delete it here. */
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { wallApi, type PageView as PageData } from '../../lib/api-wall'
import { errorMessage } from '../../lib/errors'
import { formatDateTime } from '../../lib/format'
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
import { sectionLabel } from './pages-page'
import './pages.css'

export function PageViewPage({ id }: { id: number }) {
  const [page, setPage] = useState<PageData | null>(null)
  const [problem, setProblem] = useState<{ isGone: boolean; message: string } | null>(null)
  const [isDeleting, setDeleting] = useState(false)
  const isEditor = can('members.manage')

  const load = () =>
    wallApi
      .page(id)
      .then((next) => {
        setPage(next)
        setProblem(null)
      })
      .catch((error: unknown) =>
        setProblem({ isGone: error instanceof ApiError && error.status === 404, message: errorMessage(error) }),
      )

  useEffect(() => {
    void load()
  }, [id])
  useLive(['page.'], (event) => {
    if (event === null) return void load()
    if (event.type === 'page.changed' && event.data.pageId === id) void load()
    if (event.type === 'page.deleted' && event.data.pageId === id) {
      setPage(null)
      setProblem({ isGone: true, message: t('pages.deletedNow') })
    }
  })

  const remove = async () => {
    if (!page) return
    const ok = await confirm({
      title: t('pages.deleteTitle', { title: page.title }),
      body: t('pages.deleteBody'),
      confirmLabel: t('pages.delete'),
      isDanger: true,
    })
    if (!ok) return
    setDeleting(true)
    try {
      await wallApi.deletePage(page.id)
      toast(t('pages.deleted', { title: page.title }))
      navigate('/pages', { replace: true })
    } catch (error) {
      toast(errorMessage(error), 'error')
      setDeleting(false)
    }
  }

  const back = { href: '/pages', label: t('pages.title') }
  if (problem) {
    return (
      <Page title={problem.isGone ? t('pages.notFound') : t('pages.title')} back={back}>
        <Section>
          <EmptyState
            icon="alert"
            title={problem.isGone ? undefined : problem.message}
            action={
              problem.isGone ? (
                <LinkButton href="/pages">{t('pages.backToList')}</LinkButton>
              ) : (
                <Button onClick={() => void load()}>{t('common.retry')}</Button>
              )
            }
          >
            {problem.isGone ? problem.message : null}
          </EmptyState>
        </Section>
      </Page>
    )
  }
  if (!page) {
    return (
      <Page title={t('pages.title')} back={back}>
        <Loading label={t('pages.loadingOne')} />
      </Page>
    )
  }
  return (
    <Page
      title={page.title}
      back={back}
      subtitle={
        <>
          {sectionLabel(page.section)} ·{' '}
          {t('pages.updatedBy', {
            when: formatDateTime(page.updatedAt),
            name: page.updatedBy?.displayName ?? t('pages.someone'),
          })}
          {page.showOnWall ? (
            <>
              {' '}
              <span class="badge badge-active">{t('pages.onWall')}</span>
            </>
          ) : null}
        </>
      }
      actions={
        <>
          <LinkButton href={`/pages/${page.id}/history`} icon="clock" isSmall>
            {t('pages.history')}
          </LinkButton>
          {isEditor ? (
            <Button isSmall variant="ghost" icon="trash" isBusy={isDeleting} onClick={() => void remove()}>
              {t('pages.delete')}
            </Button>
          ) : null}
        </>
      }
      primary={
        isEditor ? (
          <LinkButton href={`/pages/${page.id}/edit`} variant="primary" icon="edit">
            {t('pages.edit')}
          </LinkButton>
        ) : undefined
      }
    >
      <article class="card page-article">
        {page.body.trim() ? <Markdown text={page.body} surface="page" /> : <p class="muted">{t('pages.empty')}</p>}
      </article>
    </Page>
  )
}
