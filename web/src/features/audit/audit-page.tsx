/** /audit — the owner's record of who did what: filter by action and date, page, export. */
import './messages'
import { useEffect, useState } from 'preact/hooks'
import { api, type AuditAction, type AuditEntry, type AuditQuery, type Role } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { addDays, formatDateTime, shopMidnight, shopToday } from '../../lib/format'
import { hasMessage, t, tn, type MessageKey } from '../../lib/i18n'
import { roleLabel } from '../members/labels'
import { Button, LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Field, SelectField } from '../../ui/field'
import { Page, Section } from '../../ui/page'

const PAGE_SIZE = 50

/** Every action the server records; typed so a new one on the server shows up here. */
const ACTIONS: Record<AuditAction, true> = {
  'setup.completed': true,
  'login.succeeded': true,
  'login.failed': true,
  logout: true,
  'password.changed': true,
  'sessions.revoked': true,
  'invite.created': true,
  'invite.revoked': true,
  'invite.used': true,
  'join_code.rotated': true,
  'join.requested': true,
  'member.approved': true,
  'member.rejected': true,
  'member.updated': true,
  'member.role_changed': true,
  'member.permissions_changed': true,
  'member.deactivated': true,
  'member.reactivated': true,
  'settings.changed': true,
  'display.paired': true,
  'member.erased': true,
  'data.exported': true,
  'telegram.connected': true,
  'telegram.disconnected': true,
  'telegram.linked': true,
  'telegram.unlinked': true,
  'telegram.group_linked': true,
  'telegram.group_unlinked': true,
  'message.edited': true,
  'message.removed': true,
  'page.edited': true,
  'task.details_revealed': true,
  'task.queue_created': true,
  'task.queue_updated': true,
  'task.profile_changed': true,
  'task.settings_changed': true,
  'customer.blocked': true,
  'customer.unblocked': true,
  'customer.erased': true,
  'customers.settings_changed': true,
  'task.schedule_changed': true,
  'task.category_changed': true,
  'page.deleted': true,
  'xero.connected': true,
  'xero.disconnected': true,
  'xero.reconnect_needed': true,
  'xero.asked': true,
  'xero.shared': true,
  'xero.refreshed': true,
  'xero.denied': true,
  'xero.draft_previewed': true,
  'xero.draft_created': true,
  'xero.settings_changed': true,
  'xero.customer_linked': true,
  'xero.balance_asked': true,
}

const GROUPS = ['login.', 'member.', 'invite.', 'telegram.', 'xero.'] as const

export function actionLabel(action: string): string {
  const key = `audit.action.${action}`
  return hasMessage(key) ? t(key) : action
}

function filterOptions(): { value: string; label: string }[] {
  return [
    { value: '', label: t('audit.allActions') },
    ...GROUPS.map((prefix) => ({ value: prefix, label: actionLabel(prefix + '*') })),
    ...Object.keys(ACTIONS).map((action) => ({ value: action, label: actionLabel(action) })),
  ]
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.join(', ') : t('audit.none')
  if (value && typeof value === 'object') {
    const change = value as { from?: unknown; to?: unknown }
    if ('from' in change && 'to' in change) return `${describeValue(change.from)} → ${describeValue(change.to)}`
    return JSON.stringify(value)
  }
  if (value === true) return t('audit.yes')
  if (value === false) return t('audit.no')
  return String(value)
}

const FIELD_NAMES: Record<string, MessageKey> = {
  display_name: 'auth.displayName',
  job_title: 'account.jobTitle',
  phone: 'account.phone',
  name: 'setup.shopName',
  timezone: 'setup.timezone',
  autoApprove: 'settings.autoApprove',
}

function isRole(value: unknown): value is Role {
  return value === 'owner' || value === 'manager' || value === 'staff' || value === 'display'
}

/** One detail of an audit entry in words; unknown keys are shown as they are. */
function detailPart(key: string, value: unknown): string {
  const count = typeof value === 'number' ? value : 0
  switch (key) {
    case 'inviteId':
      return t('audit.detail.invite', { id: String(value) })
    case 'role':
      return isRole(value) ? roleLabel(value) : String(value)
    case 'maxUses':
      return t('audit.detail.upTo', { people: tn('invite.people', count) })
    case 'expiresInHours':
      return t('audit.detail.validFor', { hours: tn('invite.expiresHours', count) })
    case 'via':
      return value === 'invite' ? t('audit.detail.viaInvite') : t('audit.detail.viaJoinCode')
    case 'automatic':
      return value === true ? t('audit.detail.automatic') : ''
    case 'endedSessions':
    case 'count':
      return tn('audit.detail.devices', count)
    case 'fields':
      return Array.isArray(value) ? value.map((field) => fieldName(String(field))).join(', ') : ''
    case 'username':
      return t('audit.detail.username', { username: String(value) })
    case 'shopName':
    case 'timezone':
    case 'bot':
    case 'telegram':
    case 'group':
      return String(value)
    case 'conversation':
      return `#${String(value)}`
  }
  if (isRole((value as { from?: unknown })?.from)) {
    const change = value as { from: Role; to: Role }
    return `${roleLabel(change.from)} → ${isRole(change.to) ? roleLabel(change.to) : String(change.to)}`
  }
  return `${fieldName(key)}: ${describeValue(value)}`
}

function fieldName(key: string): string {
  const known = FIELD_NAMES[key]
  return known ? t(known) : key
}

function detailText(detail: Record<string, unknown>): string {
  if ('from' in detail && 'to' in detail && Object.keys(detail).length === 2) {
    return isRole(detail.from) && isRole(detail.to)
      ? `${roleLabel(detail.from)} → ${roleLabel(detail.to)}`
      : `${describeValue(detail.from)} → ${describeValue(detail.to)}`
  }
  return Object.entries(detail)
    .map(([key, value]) => detailPart(key, value))
    .filter(Boolean)
    .join(' · ')
}

export function AuditPage() {
  const [action, setAction] = useState('')
  const [fromDate, setFromDate] = useState('')
  const [toDate, setToDate] = useState('')
  /** beforeId of each page we came through; the last is the current page. */
  const [pages, setPages] = useState<(number | undefined)[]>([undefined])
  const [entries, setEntries] = useState<AuditEntry[] | null>(null)
  const [hasOlder, setHasOlder] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const filters: AuditQuery = {
    action: action || undefined,
    from: fromDate ? shopMidnight(fromDate) : undefined,
    to: toDate ? shopMidnight(addDays(toDate, 1)) : undefined,
  }
  const beforeId = pages[pages.length - 1]
  const key = JSON.stringify([filters, beforeId])

  useEffect(() => {
    let isCurrent = true
    setEntries(null)
    api
      .audit({ ...filters, beforeId, limit: PAGE_SIZE + 1 })
      .then((rows) => {
        if (!isCurrent) return
        setHasOlder(rows.length > PAGE_SIZE)
        setEntries(rows.slice(0, PAGE_SIZE))
        setError(null)
      })
      .catch((caught: unknown) => isCurrent && setError(errorMessage(caught)))
    return () => {
      isCurrent = false
    }
  }, [key])

  const resetPaging = () => setPages([undefined])
  const isFiltered = !!(action || fromDate || toDate)
  const today = shopToday()

  return (
    <Page
      title={t('audit.title')}
      subtitle={t('audit.subtitle')}
      actions={
        <LinkButton href={api.auditCsvUrl(filters)} icon="download" isSmall download>
          {t('audit.export')}
        </LinkButton>
      }
    >
      <Section>
        <div class="filters">
          <SelectField
            label={t('audit.action')}
            value={action}
            onValue={(value) => {
              setAction(value)
              resetPaging()
            }}
            options={filterOptions()}
          />
          <Field
            label={t('audit.from')}
            type="date"
            value={fromDate}
            max={toDate || today}
            onValue={(value) => {
              setFromDate(value)
              resetPaging()
            }}
          />
          <Field
            label={t('audit.to')}
            type="date"
            value={toDate}
            min={fromDate || undefined}
            max={today}
            onValue={(value) => {
              setToDate(value)
              resetPaging()
            }}
          />
          {isFiltered ? (
            <Button
              variant="ghost"
              class="filters-clear"
              onClick={() => {
                setAction('')
                setFromDate('')
                setToDate('')
                resetPaging()
              }}
            >
              {t('audit.clearFilters')}
            </Button>
          ) : null}
        </div>
        <p class="muted card-text">{t('audit.timezoneNote')}</p>
      </Section>
      <Section>
        {error ? (
          <p class="notice notice-error" role="alert">
            {error}
          </p>
        ) : null}
        {!entries && !error ? <Loading label={t('common.loading')} /> : null}
        {entries && entries.length === 0 ? (
          <EmptyState icon="audit" title={isFiltered ? t('audit.noMatch') : t('audit.empty')} />
        ) : null}
        {entries && entries.length ? (
          <ol class="audit-list" aria-label={t('audit.title')}>
            {entries.map((entry) => {
              const detail = detailText(entry.detail)
              return (
                <li key={entry.id} class="audit-entry">
                  <time class="audit-time" dateTime={new Date(entry.at).toISOString()}>
                    {formatDateTime(entry.at)}
                  </time>
                  <span class={`audit-action audit-${entry.action.split('.')[0]}`}>{actionLabel(entry.action)}</span>
                  <span class="audit-who">
                    {entry.actorName || t('audit.nobody')}
                    {entry.targetName && entry.targetName !== entry.actorName ? ` → ${entry.targetName}` : ''}
                  </span>
                  <span class="audit-meta">
                    {detail ? <span class="audit-detail">{detail}</span> : null}
                    {entry.ip ? <span class="audit-ip">{entry.ip}</span> : null}
                  </span>
                </li>
              )
            })}
          </ol>
        ) : null}
        <nav class="pager" aria-label={t('audit.paging')}>
          <Button icon="chevronLeft" disabled={pages.length <= 1} onClick={() => setPages(pages.slice(0, -1))}>
            {t('audit.newer')}
          </Button>
          <Button
            disabled={!hasOlder || !entries?.length}
            onClick={() => {
              const last = entries?.[entries.length - 1]
              if (last) setPages([...pages, last.id])
            }}
          >
            {t('audit.older')}
          </Button>
        </nav>
      </Section>
    </Page>
  )
}
