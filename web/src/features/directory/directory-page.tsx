/**
 * /directory — everyone in the shop: photo, name, job, who is on shift, and one tap to
 * call or text. You edit your own entry here; managers edit the entries of people they
 * manage. Updates live when someone changes their photo, profile or shift.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { wallApi, type DirectoryEntry } from '../../lib/api-wall'
import { errorMessage } from '../../lib/errors'
import { formatTime } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { navigate } from '../../lib/router'
import { me } from '../../lib/session'
import { Button } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { chatApi } from '../chat/chat-api'
import { canManage } from '../members/access'
import { roleLabel } from '../members/labels'
import { MemberPhoto } from './member-photo'
import { ProfileDialog } from './profile-dialog'
import './directory.css'
import { LoadError } from '../../ui/load-error'

type Filter = 'all' | 'on-shift'

function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
}

/** The number to dial: digits and a leading +, nothing else. */
export function dialable(phone: string): string {
  const trimmed = phone.trim()
  return (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/\D/g, '')
}

function shiftText(entry: DirectoryEntry): { label: string; tone: string } {
  const until = entry.shiftStatusUntil ? t('directory.until', { time: formatTime(entry.shiftStatusUntil) }) : ''
  if (entry.isOnShift) return { label: t('directory.onShift') + until, tone: 'on' }
  if (entry.shiftStatus === 'away') return { label: t('directory.away') + until, tone: 'away' }
  return { label: t('directory.offShift') + until, tone: 'off' }
}

export function DirectoryPage() {
  const [entries, setEntries] = useState<DirectoryEntry[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [query, setQuery] = useState('')
  const [filter, setFilter] = useState<Filter>('all')
  const [editing, setEditing] = useState<DirectoryEntry | null>(null)
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const load = () =>
    wallApi
      .directory()
      .then((list) => {
        setEntries(list)
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))

  useEffect(() => {
    void load()
    return () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current)
    }
  }, [])
  // Presence changes come in bursts (a shift starting): one reload per burst.
  useLive(['directory.changed', 'presence.changed', 'member.'], () => {
    if (reloadTimer.current) return
    reloadTimer.current = setTimeout(() => {
      reloadTimer.current = null
      void load()
    }, 300)
  })

  const current = me.value?.member
  const shown = useMemo(() => {
    const needle = normalise(query.trim())
    return (entries ?? [])
      .filter((entry) => filter === 'all' || entry.isOnShift)
      .filter(
        (entry) =>
          !needle || normalise(`${entry.displayName} ${entry.jobTitle} ${roleLabel(entry.role)}`).includes(needle),
      )
  }, [entries, query, filter])
  const onShiftCount = (entries ?? []).filter((entry) => entry.isOnShift).length
  const mine = (entries ?? []).find((entry) => entry.id === current?.id)

  const canEdit = (entry: DirectoryEntry) =>
    !!current && (entry.id === current.id || canManage(current, { id: entry.id, role: entry.role }))

  return (
    <Page
      title={t('directory.title')}
      subtitle={entries ? tn('directory.count', entries.length, { onShift: onShiftCount }) : undefined}
      actions={
        mine ? (
          <Button isSmall icon="user" onClick={() => setEditing(mine)}>
            {t('directory.editMine')}
          </Button>
        ) : null
      }
    >
      {editing ? (
        <ProfileDialog entry={editing} onClose={() => setEditing(null)} onChanged={() => void load()} />
      ) : null}
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!entries && !loadError ? <Loading label={t('directory.loading')} /> : null}
      {entries ? (
        <Section>
          <div class="toolbar">
            <label class="search">
              <Icon name="search" size={20} />
              <span class="visually-hidden">{t('directory.search')}</span>
              <input
                class="input search-input"
                type="search"
                value={query}
                placeholder={t('directory.searchPlaceholder')}
                onInput={(event) => setQuery(event.currentTarget.value)}
              />
            </label>
            <div class="chips" role="group" aria-label={t('directory.filterLabel')}>
              {(['all', 'on-shift'] as const).map((value) => (
                <button
                  key={value}
                  type="button"
                  aria-pressed={filter === value ? 'true' : 'false'}
                  class={filter === value ? 'chip chip-on' : 'chip'}
                  onClick={() => setFilter(value)}
                >
                  {value === 'all' ? t('directory.filterAll') : t('directory.filterOnShift')}
                  <span class="chip-count">{value === 'all' ? entries.length : onShiftCount}</span>
                </button>
              ))}
            </div>
          </div>
          {shown.length ? (
            <ul class="rows directory-list" aria-label={t('directory.listLabel')}>
              {shown.map((entry) => (
                <DirectoryRow
                  key={entry.id}
                  entry={entry}
                  isSelf={entry.id === current?.id}
                  onEdit={canEdit(entry) ? () => setEditing(entry) : null}
                />
              ))}
            </ul>
          ) : (
            <EmptyState icon="users" title={query ? t('directory.noMatch') : t('directory.nobodyOnShift')}>
              {query ? t('directory.noMatchHint') : null}
            </EmptyState>
          )}
        </Section>
      ) : null}
    </Page>
  )
}

/** Opens (or starts) the direct conversation with a colleague, in Backboard. */
async function openMessage(memberId: number): Promise<void> {
  try {
    const conversation = await chatApi.openDirect([memberId])
    navigate(`/chat/${conversation.id}`)
  } catch (error) {
    toast(errorMessage(error), 'error')
  }
}

function DirectoryRow({
  entry,
  isSelf,
  onEdit,
}: {
  entry: DirectoryEntry
  isSelf: boolean
  onEdit: (() => void) | null
}) {
  const shift = shiftText(entry)
  const number = entry.phone ? dialable(entry.phone) : ''
  return (
    <li class="row-item person" data-testid="directory-entry">
      <div class="row person-row">
        <MemberPhoto name={entry.displayName} url={entry.avatarUrl} presence={entry.presence} />
        <span class="row-main">
          <span class="row-title">
            {entry.displayName}
            {isSelf ? <span class="person-you"> {t('directory.you')}</span> : null}
          </span>
          <span class="person-sub">
            {[entry.jobTitle, entry.role !== 'staff' ? roleLabel(entry.role) : ''].filter(Boolean).join(' · ') ||
              roleLabel(entry.role)}
          </span>
          <span class="person-badges">
            <span class={`shift shift-${shift.tone}`}>{shift.label}</span>
            {entry.isTelegramLinked ? (
              <span class="badge badge-telegram" title={t('directory.telegramHint')}>
                {t('directory.telegram')}
              </span>
            ) : null}
          </span>
          {entry.phone ? <span class="person-phone">{entry.phone}</span> : null}
        </span>
      </div>
      <div class="person-actions">
        {isSelf ? null : (
          <Button
            isSmall
            variant="primary"
            icon="chat"
            aria-label={t('directory.messageNamed', { name: entry.displayName })}
            onClick={() => void openMessage(entry.id)}
          >
            {t('directory.message')}
          </Button>
        )}
        {/* Nobody calls or texts themselves. */}
        {number && !isSelf ? (
          <>
            <a
              class="button button-secondary button-small"
              href={`tel:${number}`}
              aria-label={t('directory.callNamed', { name: entry.displayName })}
            >
              <Icon name="phone" size={18} />
              <span>{t('directory.call')}</span>
            </a>
            <a
              class="button button-secondary button-small"
              href={`sms:${number}`}
              aria-label={t('directory.textNamed', { name: entry.displayName })}
            >
              <Icon name="chat" size={18} />
              <span>{t('directory.text')}</span>
            </a>
          </>
        ) : null}
        {onEdit ? (
          <Button
            isSmall
            variant="ghost"
            icon="edit"
            aria-label={isSelf ? t('directory.editMine') : t('directory.editNamed', { name: entry.displayName })}
            onClick={onEdit}
          >
            {t('directory.edit')}
          </Button>
        ) : null}
      </div>
    </li>
  )
}
