/** Home: who you are, what needs you (join requests), your team, and where to go next. */
import { useEffect, useState } from 'preact/hooks'
import { api, type MemberDetail } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatLongDate, shopHour } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { can, isOwner, me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Icon, type IconName } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { BoardCallout } from '../board/board-callout'
import { roleLabel } from '../members/labels'
import { pendingCount } from '../members/pending-count'
import { ReportButton } from '../tasks/report-button'

function greeting(): string {
  const hour = shopHour()
  if (hour < 5) return t('home.greetingEvening')
  if (hour < 12) return t('home.greetingMorning')
  if (hour < 18) return t('home.greetingAfternoon')
  return t('home.greetingEvening')
}

export function HomePage() {
  const current = me.value!
  const member = current.member
  const firstName = member.displayName.split(/\s+/)[0] ?? member.displayName
  const [team, setTeam] = useState<MemberDetail[] | null>(null)
  const [teamError, setTeamError] = useState<string | null>(null)
  const isManager = can('members.manage')
  const pending = pendingCount.value

  const loadTeam = () =>
    api
      .members('active')
      .then((list) => {
        setTeam(list.sort((a, b) => a.displayName.localeCompare(b.displayName)))
        setTeamError(null)
      })
      .catch((error: unknown) => setTeamError(errorMessage(error)))
  useEffect(() => {
    void loadTeam()
  }, [])
  useLive(['member.'], () => void loadTeam())

  const colleagues = (team ?? []).filter((person) => person.id !== member.id)
  const isProfileThin = !member.jobTitle || !member.phone

  return (
    <Page
      title={t('home.greeting', { greeting: greeting(), name: firstName })}
      subtitle={`${current.shop.name} · ${formatLongDate(Date.now())}`}
    >
      <div class="home-grid">
        <div class="home-main">
          <ReportButton isBlock />
          <BoardCallout />
          {isManager && pending > 0 ? (
            <a class="callout" href="/members?status=pending" data-testid="pending-callout">
              <span class="callout-icon">
                <Icon name="users" />
              </span>
              <span class="callout-text">
                <strong>{tn('home.pendingTitle', pending)}</strong>
                <span>{t('home.pendingAction')}</span>
              </span>
              <Icon name="chevronRight" size={20} />
            </a>
          ) : null}
          {isProfileThin ? (
            <a class="callout callout-quiet" href="/account">
              <span class="callout-icon">
                <Icon name="user" />
              </span>
              <span class="callout-text">
                <strong>{t('home.profileTitle')}</strong>
                <span>{t('home.profileAction')}</span>
              </span>
              <Icon name="chevronRight" size={20} />
            </a>
          ) : null}
          <Section
            title={team ? tn('home.teamTitle', team.length) : t('home.teamTitleLoading')}
            id="team"
            actions={isManager ? <a href="/members">{t('home.manageTeam')}</a> : null}
          >
            {teamError ? <p class="notice notice-error">{teamError}</p> : null}
            {!team && !teamError ? <Loading label={t('common.loading')} /> : null}
            {team && colleagues.length === 0 ? (
              <EmptyState
                icon="users"
                title={t('home.aloneTitle')}
                action={
                  isManager ? (
                    <LinkButton href="/members?invite=1" variant="primary" icon="plus">
                      {t('members.invite')}
                    </LinkButton>
                  ) : null
                }
              >
                {isManager ? t('home.aloneManager') : t('home.aloneStaff')}
              </EmptyState>
            ) : null}
            {colleagues.length ? (
              <ul class="rows team">
                {colleagues.map((person) => (
                  <li key={person.id} class="row-item">
                    <div class="row">
                      <Avatar name={person.displayName} />
                      <span class="row-main">
                        <span class="row-title">{person.displayName}</span>
                        <span class="row-sub">{person.jobTitle || roleLabel(person.role)}</span>
                      </span>
                      {person.phone ? (
                        <a
                          class="icon-button icon-button-tinted"
                          href={`tel:${person.phone.replace(/[^+0-9]/g, '')}`}
                          aria-label={t('home.callNamed', { name: person.displayName, phone: person.phone })}
                        >
                          <Icon name="phone" size={20} />
                        </a>
                      ) : null}
                    </div>
                  </li>
                ))}
              </ul>
            ) : null}
          </Section>
        </div>
        <aside class="home-side">
          <Section title={t('home.youTitle')} id="you">
            <div class="me-card">
              <Avatar name={member.displayName} size="large" />
              <div>
                <p class="me-name">{member.displayName}</p>
                <p class="muted">
                  {member.jobTitle && member.jobTitle !== roleLabel(member.role) ? `${member.jobTitle} · ` : ''}
                  {roleLabel(member.role)}
                </p>
              </div>
            </div>
          </Section>
          <nav class="card quick" aria-label={t('home.quickLinks')}>
            <h2 class="card-title">{t('home.quickLinks')}</h2>
            <ul class="quick-list">
              {isManager ? <QuickLink href="/members?invite=1" icon="qr" label={t('home.quickInvite')} /> : null}
              {isManager ? <QuickLink href="/members/invites" icon="link" label={t('home.quickJoinCode')} /> : null}
              <QuickLink href="/account" icon="user" label={t('home.quickAccount')} />
              {can('settings.manage') ? <QuickLink href="/settings" icon="settings" label={t('nav.settings')} /> : null}
              {isOwner.value ? <QuickLink href="/audit" icon="audit" label={t('nav.audit')} /> : null}
            </ul>
          </nav>
        </aside>
      </div>
    </Page>
  )
}

function QuickLink({ href, icon, label }: { href: string; icon: IconName; label: string }) {
  return (
    <li>
      <a class="quick-link" href={href}>
        <Icon name={icon} size={20} />
        <span>{label}</span>
        <Icon name="chevronRight" size={18} class="row-chevron" />
      </a>
    </li>
  )
}
