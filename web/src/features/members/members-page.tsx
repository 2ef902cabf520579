/** /members — everyone in the shop for managers: requests, search, status filter, invites. */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, type MemberDetail, type MemberStatus } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { currentPath, navigate, searchParam } from '../../lib/router'
import { Button, LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { InviteDialog } from './invite-dialog'
import { statusLabel } from './labels'
import { MemberRow } from './member-row'
import { RequestList } from './requests'
import { LoadError } from '../../ui/load-error'

type Filter = 'all' | MemberStatus
const FILTERS: readonly Filter[] = ['all', 'active', 'pending', 'deactivated']

function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
}

export function MembersPage() {
  const [members, setMembers] = useState<MemberDetail[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [query, setQuery] = useState('')
  const wanted = searchParam('status')
  const filter: Filter = FILTERS.includes(wanted as Filter) ? (wanted as Filter) : 'all'
  const isInviteOpen = searchParam('invite') === '1'

  const load = () =>
    api
      .members()
      .then((list) => {
        setMembers(list)
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))

  useEffect(() => {
    void load()
  }, [])
  useLive(['member.'], () => void load())

  const setFilter = (next: Filter) =>
    navigate(next === 'all' ? '/members' : `/members?status=${next}`, { replace: true })
  const setInviteOpen = (open: boolean) => {
    const params = new URLSearchParams(location.search)
    if (open) params.set('invite', '1')
    else params.delete('invite')
    const search = params.toString()
    navigate(currentPath.value + (search ? `?${search}` : ''), { replace: !open })
  }

  const counts = useMemo(() => {
    const result: Record<Filter, number> = { all: 0, active: 0, pending: 0, deactivated: 0 }
    for (const member of members ?? []) {
      result.all++
      result[member.status]++
    }
    return result
  }, [members])

  const requests = (members ?? []).filter((member) => member.status === 'pending')
  const shown = useMemo(() => {
    const needle = normalise(query.trim())
    return (members ?? [])
      .filter((member) => filter === 'all' || member.status === filter)
      .filter(
        (member) =>
          !needle ||
          normalise(`${member.displayName} ${member.username} ${member.jobTitle} ${member.phone}`).includes(needle),
      )
      .sort((a, b) => a.displayName.localeCompare(b.displayName))
  }, [members, query, filter])

  return (
    <Page
      title={t('members.title')}
      subtitle={members ? tn('members.activeCount', counts.active) : undefined}
      actions={
        <>
          <LinkButton href="/members/invites" icon="qr" isSmall>
            {t('members.invitesLink')}
          </LinkButton>
          <LinkButton href="/displays" icon="device" isSmall>
            {t('wall.nav.displays')}
          </LinkButton>
        </>
      }
      primary={
        <Button variant="primary" icon="plus" onClick={() => setInviteOpen(true)}>
          {t('members.invite')}
        </Button>
      }
    >
      {isInviteOpen ? <InviteDialog onClose={() => setInviteOpen(false)} /> : null}
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!members && !loadError ? <Loading label={t('members.loading')} /> : null}
      {members ? (
        <>
          {requests.length > 0 ? (
            <Section title={tn('members.requestsCount', requests.length)} id="requests" class="card-highlight">
              <p class="muted card-text">{t('members.requestsExplain')}</p>
              <RequestList requests={requests} onChanged={() => void load()} />
            </Section>
          ) : null}
          <Section>
            <div class="toolbar">
              <label class="search">
                <Icon name="search" size={20} />
                <span class="visually-hidden">{t('members.search')}</span>
                <input
                  class="input search-input"
                  type="search"
                  value={query}
                  placeholder={t('members.searchPlaceholder')}
                  onInput={(event) => setQuery(event.currentTarget.value)}
                />
              </label>
              <div class="chips" role="group" aria-label={t('members.filterLabel')}>
                {FILTERS.map((value) => (
                  <button
                    key={value}
                    type="button"
                    aria-pressed={filter === value ? 'true' : 'false'}
                    class={filter === value ? 'chip chip-on' : 'chip'}
                    onClick={() => setFilter(value)}
                  >
                    {value === 'all' ? t('members.filterAll') : statusLabel(value)}
                    <span class="chip-count">{counts[value]}</span>
                  </button>
                ))}
              </div>
            </div>
            {shown.length ? (
              <ul class="rows" aria-label={t('members.listLabel')}>
                {shown.map((member) => (
                  <MemberRow key={member.id} member={member} href={`/members/${member.id}`} />
                ))}
              </ul>
            ) : (
              <EmptyState icon="users" title={query ? t('members.noMatch') : t('members.noneInFilter')}>
                {query ? t('members.noMatchHint') : null}
              </EmptyState>
            )}
          </Section>
        </>
      ) : null}
    </Page>
  )
}
