/**
 * /search — search everything I can see: messages, notices, attachment names and info
 * pages. Filters by conversation, person, attachments and dates; the query lives in the
 * URL so results can be shared and the back button returns to them. A hit opens its
 * conversation at that message, or the info page.
 */
import { useEffect, useId, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { addDays, formatDateTime, shopMidnight } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { currentSearch, navigate } from '../../lib/router'
import { Button } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { CheckField, Field, SelectField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page } from '../../ui/page'
import { chatApi, type SearchHit } from '../chat/chat-api'
import { Highlighted } from './highlighted'
import { activeMembers, conversationTitle, ensureMembers } from '../chat/people'
import { sortedConversations } from '../chat/store'
import '../chat/chat.css'
import './search.css'

interface Filters {
  q: string
  c: string
  p: string
  att: boolean
  from: string
  to: string
}

function readFilters(search: string): Filters {
  const params = new URLSearchParams(search)
  return {
    q: params.get('q') ?? '',
    c: params.get('c') ?? '',
    p: params.get('p') ?? '',
    att: params.get('att') === '1',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  }
}

function toUrl(filters: Filters): string {
  const params = new URLSearchParams()
  if (filters.q.trim()) params.set('q', filters.q.trim())
  if (filters.c) params.set('c', filters.c)
  if (filters.p) params.set('p', filters.p)
  if (filters.att) params.set('att', '1')
  if (filters.from) params.set('from', filters.from)
  if (filters.to) params.set('to', filters.to)
  const text = params.toString()
  return '/search' + (text ? '?' + text : '')
}

interface Group {
  key: string
  title: string
  kind: string
  hits: SearchHit[]
}

function groupHits(hits: readonly SearchHit[]): Group[] {
  const groups = new Map<string, Group>()
  for (const hit of hits) {
    const key = hit.pageId !== null ? 'pages' : `c${hit.conversationId}`
    let group = groups.get(key)
    if (!group) {
      const title =
        hit.pageId !== null
          ? t('search.infoPages')
          : hit.conversationKind === 'board'
            ? t('chat.boardName')
            : hit.conversationName || t('chat.directMessage')
      group = { key, title, kind: hit.pageId !== null ? 'page' : hit.conversationKind, hits: [] }
      groups.set(key, group)
    }
    group.hits.push(hit)
  }
  return [...groups.values()]
}

function hitHref(hit: SearchHit): string {
  if (hit.pageId !== null) return `/pages/${hit.pageId}`
  return `/chat/${hit.conversationId}?at=${hit.messageId}`
}

export function SearchPage() {
  const applied = readFilters(currentSearch.value)
  const [draft, setDraft] = useState<Filters>(applied)
  const [hits, setHits] = useState<SearchHit[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const hasFilters = !!(applied.c || applied.p || applied.att || applied.from || applied.to)
  const [isFiltersOpen, setFiltersOpen] = useState(hasFilters)
  const queryId = useId()
  useEffect(ensureMembers, [])

  useEffect(() => {
    const filters = readFilters(currentSearch.value)
    setDraft(filters)
    if (!filters.q.trim()) {
      setHits(null)
      setError(null)
      return
    }
    let isCurrent = true
    setBusy(true)
    const from = filters.from ? shopMidnight(filters.from) : undefined
    const to = filters.to ? shopMidnight(addDays(filters.to, 1)) : undefined
    chatApi
      .search({
        q: filters.q,
        conversationId: filters.c ? Number(filters.c) : undefined,
        authorId: filters.p ? Number(filters.p) : undefined,
        hasAttachment: filters.att ? true : undefined,
        from,
        to: to === undefined ? undefined : to - 1,
        limit: 50,
      })
      .then(
        (result) => {
          if (!isCurrent) return
          setHits(result)
          setError(null)
        },
        (failure: unknown) => {
          if (!isCurrent) return
          setHits(null)
          setError(errorMessage(failure))
        },
      )
      .finally(() => {
        if (isCurrent) setBusy(false)
      })
    return () => {
      isCurrent = false
    }
  }, [currentSearch.value])

  const submit = (event: Event) => {
    event.preventDefault()
    navigate(toUrl(draft), { replace: currentSearch.value !== '' })
  }
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setDraft((old) => ({ ...old, [key]: value }))

  const conversationOptions = [
    { value: '', label: t('search.anyConversation') },
    ...sortedConversations.value.map((item) => ({ value: String(item.id), label: conversationTitle(item) })),
  ]
  const personOptions = [
    { value: '', label: t('search.anyone') },
    ...(activeMembers.value ?? []).map((person) => ({ value: String(person.id), label: person.displayName })),
  ]
  const groups = hits ? groupHits(hits) : []

  return (
    <Page title={t('search.title')}>
      <form class="card search-form" role="search" onSubmit={submit}>
        <div class="search-row">
          <label class="search" for={queryId}>
            <span class="visually-hidden">{t('search.queryLabel')}</span>
            <Icon name="search" size={20} />
            <input
              id={queryId}
              class="input search-input"
              type="search"
              enterKeyHint="search"
              value={draft.q}
              placeholder={t('search.placeholder')}
              maxLength={200}
              onInput={(event) => set('q', event.currentTarget.value)}
            />
          </label>
          <Button type="submit" variant="primary" isBusy={isBusy} disabled={!draft.q.trim()}>
            {t('search.submit')}
          </Button>
        </div>
        <button
          type="button"
          class="link-button search-filters-toggle"
          aria-expanded={isFiltersOpen ? 'true' : 'false'}
          aria-controls="search-filters"
          onClick={() => setFiltersOpen(!isFiltersOpen)}
        >
          <Icon name="filter" size={18} />
          {hasFilters ? t('search.filtersOn') : t('search.filters')}
        </button>
        {isFiltersOpen ? (
          <div class="search-filters" id="search-filters">
            <SelectField
              label={t('search.conversation')}
              value={draft.c}
              onValue={(value) => set('c', value)}
              options={conversationOptions}
            />
            <SelectField
              label={t('search.person')}
              value={draft.p}
              onValue={(value) => set('p', value)}
              options={personOptions}
            />
            <Field label={t('search.from')} type="date" value={draft.from} onValue={(value) => set('from', value)} />
            <Field label={t('search.to')} type="date" value={draft.to} onValue={(value) => set('to', value)} />
            <CheckField
              label={t('search.hasAttachment')}
              checked={draft.att}
              onChecked={(value) => set('att', value)}
            />
            {hasFilters ? (
              <Button
                isSmall
                variant="ghost"
                onClick={() =>
                  navigate(toUrl({ ...draft, c: '', p: '', att: false, from: '', to: '' }), { replace: true })
                }
              >
                {t('audit.clearFilters')}
              </Button>
            ) : null}
          </div>
        ) : null}
      </form>
      {error ? <p class="notice notice-error">{error}</p> : null}
      {isBusy && !hits ? <Loading label={t('search.searching')} /> : null}
      {!applied.q.trim() ? (
        <div class="card">
          <EmptyState icon="search" title={t('search.introTitle')}>
            {t('search.introText')}
          </EmptyState>
        </div>
      ) : null}
      {hits && hits.length === 0 ? (
        <div class="card">
          <EmptyState icon="search" title={t('search.noneTitle', { q: applied.q })}>
            {t('search.noneText')}
          </EmptyState>
        </div>
      ) : null}
      {hits?.length ? (
        <p class="search-count" role="status">
          {tn('search.count', hits.length)}
        </p>
      ) : null}
      {groups.map((group) => (
        <section key={group.key} class="card search-group" aria-label={group.title}>
          <h2 class="search-group-title">
            <Icon
              name={
                group.kind === 'page'
                  ? 'file'
                  : group.kind === 'board'
                    ? 'board'
                    : group.kind === 'direct'
                      ? 'user'
                      : 'hash'
              }
              size={18}
            />
            {group.title}
          </h2>
          <ul class="search-hits">
            {group.hits.map((hit) => (
              <li key={hit.pageId !== null ? `p${hit.pageId}` : hit.messageId}>
                <a class="search-hit" href={hitHref(hit)}>
                  <span class="search-hit-meta">
                    {hit.pageId !== null ? (
                      <strong>{hit.conversationName}</strong>
                    ) : (
                      <>
                        <strong>{hit.author?.displayName ?? hit.guestName ?? t('chat.someone')}</strong>
                        {hit.kind === 'notice' ? <span class="badge">{t('search.notice')}</span> : null}
                        <time dateTime={new Date(hit.createdAt).toISOString()}>{formatDateTime(hit.createdAt)}</time>
                      </>
                    )}
                  </span>
                  <span class="search-snippet">
                    <Highlighted text={hit.snippet} />
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Page>
  )
}
