/**
 * /customers — the customers inbox: who wrote to the shop's bot, by status, with their
 * unread counts. A row opens the customer's conversation in chat.
 */
import './messages'
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { EmptyState, Loading } from '../../ui/empty-state'
import { LoadError } from '../../ui/load-error'
import { Page } from '../../ui/page'
import { formatListTime } from '../chat/time'
import { CUSTOMER_EVENTS, customerCounts, refreshCustomerCounts } from './customer-counts'
import { customersApi, type CustomerFilter, type CustomerListItem } from './customers-api'
import { StatusChip } from './customer-bits'
import './customers.css'

const FILTERS = ['open', 'mine', 'unassigned', 'waiting', 'solved'] as const
type Tab = (typeof FILTERS)[number]

const FILTER_LABEL = {
  open: 'customers.filterOpen',
  mine: 'customers.filterMine',
  unassigned: 'customers.filterUnassigned',
  waiting: 'customers.filterWaiting',
  solved: 'customers.filterSolved',
} as const

export function CustomersPage() {
  const [filter, setFilter] = useState<Tab>('open')
  const [q, setQ] = useState('')
  const [items, setItems] = useState<CustomerListItem[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const latest = useRef(0)
  const load = async (which: CustomerFilter = filter, text = q) => {
    const ticket = ++latest.current
    try {
      const { items: found } = await customersApi.list(which, text)
      if (ticket !== latest.current) return
      setItems(found)
      setError(null)
    } catch (caught) {
      if (ticket === latest.current) setError(errorMessage(caught))
    }
  }
  useEffect(() => {
    const timer = setTimeout(() => void load(filter, q), q ? 250 : 0)
    return () => clearTimeout(timer)
  }, [filter, q])
  useEffect(() => {
    void refreshCustomerCounts()
  }, [])
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  useLive(CUSTOMER_EVENTS, () => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current)
    reloadTimer.current = setTimeout(() => void load(), 300)
  })
  useEffect(() => () => void (reloadTimer.current && clearTimeout(reloadTimer.current)), [])
  const counts = customerCounts.value
  return (
    <Page title={t('customers.title')}>
      <nav class="chips customer-tabs" aria-label={t('customers.filtersLabel')}>
        {FILTERS.map((each) => (
          <button
            key={each}
            type="button"
            class={each === filter ? 'chip chip-on' : 'chip'}
            aria-pressed={each === filter ? 'true' : 'false'}
            onClick={() => {
              setItems(null)
              setFilter(each)
            }}
          >
            {t(FILTER_LABEL[each])}
            {counts ? <span class="chip-count">{counts[each]}</span> : null}
          </button>
        ))}
      </nav>
      <div class="customer-search">
        <input
          type="search"
          class="input"
          value={q}
          placeholder={t('customers.searchPlaceholder')}
          aria-label={t('customers.searchLabel')}
          onInput={(event) => setQ(event.currentTarget.value)}
        />
      </div>
      {error ? (
        <LoadError message={error} onRetry={() => void load()} />
      ) : items === null ? (
        <Loading label={t('customers.loading')} />
      ) : items.length === 0 ? (
        <div class="card">
          <EmptyState icon="inbox">{q ? t('customers.noMatch') : t('customers.empty')}</EmptyState>
        </div>
      ) : (
        <ul class="card customer-list">
          {items.map((item) => (
            <li key={item.conversationId}>
              <CustomerRow item={item} />
            </li>
          ))}
        </ul>
      )}
    </Page>
  )
}

function previewOf(item: CustomerListItem): string {
  const last = item.lastMessage
  if (!last) return ''
  if (last.author && last.author.id === me.value?.member.id) return t('chat.previewMine', { text: last.preview })
  if (last.author) {
    const first = last.author.displayName.split(/\s+/)[0] || last.author.displayName
    return t('chat.previewFrom', { name: first, text: last.preview })
  }
  return last.preview
}

function CustomerRow({ item }: { item: CustomerListItem }) {
  const when = item.lastMessage?.at ?? item.lastMessageAt ?? item.lastContactAt
  const hasUnread = item.unreadCount > 0
  return (
    <a
      class={hasUnread ? 'customer-row customer-row-unread' : 'customer-row'}
      href={`/chat/${item.conversationId}`}
      data-conversation-id={item.conversationId}
    >
      <Avatar name={item.name} isNeutral />
      <span class="customer-row-main">
        <span class="customer-row-top">
          <span class="customer-row-name">{item.name}</span>
        </span>
        <span class="customer-row-line">
          <StatusChip status={item.status} />
          <span class="customer-row-assignee">
            {item.assignee ? item.assignee.displayName : t('customers.unassigned')}
          </span>
          <span class="customer-row-ref">{item.reference}</span>
        </span>
        {item.lastMessage ? <span class="customer-row-preview">{previewOf(item)}</span> : null}
      </span>
      <span class="customer-row-meta">
        <time dateTime={new Date(when).toISOString()}>{formatListTime(when)}</time>
        {hasUnread ? (
          <span class="customer-count" aria-label={tn('chat.unreadBadge', item.unreadCount)}>
            {item.unreadCount > 99 ? '99+' : item.unreadCount}
          </span>
        ) : null}
      </span>
    </a>
  )
}
