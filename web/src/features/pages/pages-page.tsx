/**
 * /pages — the shop's info pages (Wi-Fi, opening hours, how to close up), grouped by
 * section in the order managers chose. Managers add pages and move them up and down.
 */
import { useEffect, useState } from 'preact/hooks'
import { wallApi, type PageSummary } from '../../lib/api-wall'
import { errorMessage } from '../../lib/errors'
import { formatRelative } from '../../lib/format'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { can } from '../../lib/session'
import { LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import './pages.css'
import { LoadError } from '../../ui/load-error'

export interface PageGroup {
  section: string
  pages: PageSummary[]
}

/** Pages by section, each section in position order (the server's order, kept stable). */
export function groupPages(pages: readonly PageSummary[]): PageGroup[] {
  const groups: PageGroup[] = []
  for (const page of pages) {
    let group = groups.find((candidate) => candidate.section === page.section)
    if (!group) {
      group = { section: page.section, pages: [] }
      groups.push(group)
    }
    group.pages.push(page)
  }
  for (const group of groups) group.pages.sort((a, b) => a.position - b.position || a.title.localeCompare(b.title))
  return groups.sort((a, b) => (a.section === '' ? -1 : b.section === '' ? 1 : a.section.localeCompare(b.section)))
}

export function sectionLabel(section: string): string {
  return section || t('pages.general')
}

export function PagesPage() {
  const [pages, setPages] = useState<PageSummary[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [movingId, setMovingId] = useState<number | null>(null)
  const isEditor = can('members.manage')

  const load = () =>
    wallApi
      .pages()
      .then((list) => {
        setPages(list)
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))

  useEffect(() => {
    void load()
  }, [])
  useLive(['page.'], () => void load())

  /** Moves a page one place within its section, renumbering the section's positions. */
  const move = async (group: PageGroup, index: number, by: -1 | 1) => {
    const order = [...group.pages]
    const target = index + by
    const page = order[index]
    const other = order[target]
    if (!page || !other) return
    order[index] = other
    order[target] = page
    setMovingId(page.id)
    try {
      const changes = order
        .map((item, position) => ({ item, position: position + 1 }))
        .filter(({ item, position }) => item.position !== position)
      for (const { item, position } of changes) await wallApi.updatePage(item.id, { position })
      toast(t('pages.moved', { title: page.title }))
      await load()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setMovingId(null)
    }
  }

  const groups = groupPages(pages ?? [])
  return (
    <Page
      title={t('pages.title')}
      subtitle={t('pages.subtitle')}
      primary={
        isEditor ? (
          <LinkButton href="/pages/new" variant="primary" icon="plus">
            {t('pages.new')}
          </LinkButton>
        ) : undefined
      }
    >
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!pages && !loadError ? <Loading label={t('pages.loading')} /> : null}
      {pages && !pages.length ? (
        <Section>
          <EmptyState
            icon="file"
            title={t('pages.none')}
            action={
              isEditor ? (
                <LinkButton href="/pages/new" variant="primary" icon="plus">
                  {t('pages.new')}
                </LinkButton>
              ) : null
            }
          >
            {isEditor ? t('pages.noneEditor') : t('pages.noneStaff')}
          </EmptyState>
        </Section>
      ) : null}
      {groups.map((group) => (
        <Section key={group.section} title={sectionLabel(group.section)}>
          <ul class="rows" aria-label={sectionLabel(group.section)}>
            {group.pages.map((page, index) => (
              <li key={page.id} class="row-item page-row" data-testid="page-row">
                <a class="row row-link" href={`/pages/${page.id}`}>
                  <span class="row-icon">
                    <Icon name="file" size={20} />
                  </span>
                  <span class="row-main">
                    <span class="row-title">
                      {page.title}{' '}
                      {page.showOnWall ? <span class="badge badge-active">{t('pages.onWall')}</span> : null}
                    </span>
                    <span class="row-sub">{t('pages.updated', { when: formatRelative(page.updatedAt) })}</span>
                  </span>
                  {isEditor ? null : <Icon name="chevronRight" size={20} class="row-chevron" />}
                </a>
                {isEditor && group.pages.length > 1 ? (
                  <div class="page-move">
                    <button
                      type="button"
                      class="icon-button"
                      aria-label={t('pages.moveUp', { title: page.title })}
                      disabled={index === 0 || movingId !== null}
                      onClick={() => void move(group, index, -1)}
                    >
                      <Icon name="arrowUp" size={20} />
                    </button>
                    <button
                      type="button"
                      class="icon-button"
                      aria-label={t('pages.moveDown', { title: page.title })}
                      disabled={index === group.pages.length - 1 || movingId !== null}
                      onClick={() => void move(group, index, 1)}
                    >
                      <Icon name="arrowDown" size={20} />
                    </button>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </Section>
      ))}
    </Page>
  )
}
