/**
 * The app: boot (setup? signed in? approved?), then the shell with its navigation and the
 * route table. Routing is a plain switch over the path signal; see lib/router.ts.
 */
import type { ComponentChildren } from 'preact'
import { useEffect } from 'preact/hooks'
import { t } from './lib/i18n'
import { currentPath, matchPath, navigate, startRouter } from './lib/router'
import { boot, can, isOwner, me, phase, socketStatus } from './lib/session'
import { Button, LinkButton } from './ui/button'
import { ConfirmHost } from './ui/dialog'
import { EmptyState, Loading } from './ui/empty-state'
import { ErrorBoundary } from './ui/error-boundary'
import { Icon, type IconName } from './ui/icons'
import { Page } from './ui/page'
import { ToastHost } from './ui/toast'
import { AccountPage } from './features/account/account-page'
import { AuditPage } from './features/audit/audit-page'
import { LoginPage } from './features/auth/login-page'
import { chatNavItems, chatSearchNavItem } from './features/chat/nav'
import { chatRoute } from './features/chat/routes'
import { startChat } from './features/chat/store'
import { HomePage } from './features/home/home-page'
import { JoinPage } from './features/join/join-page'
import { RejectedPage, WaitingPage } from './features/join/waiting-page'
import { InvitesPage } from './features/members/invites-page'
import { MemberDetailPage } from './features/members/member-detail-page'
import { MembersPage } from './features/members/members-page'
import { pendingCount, trackPendingCount } from './features/members/pending-count'
import { MorePage } from './features/more/more-page'
import { SettingsPage } from './features/settings/settings-page'
import { SetupPage } from './features/setup/setup-page'
import { AppVersion } from './features/system/app-version'
import { SystemPage } from './features/system/system-page'
import { TelegramPage } from './features/telegram/telegram-page'
import { DirectoryPage } from './features/directory/directory-page'
import { DisplaysPage } from './features/displays/displays-page'
import { infoPagesRoute } from './features/pages/routes'
import { isWallPath, WallRedirect, WallRoute } from './features/wall/wall-route'

export function App() {
  const isWall = isWallPath(currentPath.value)
  useEffect(() => {
    startRouter()
  }, [])
  useEffect(() => {
    // The wall screen signs in and connects by itself: the app boots only outside it.
    if (!isWall && phase.value === 'loading') void boot()
  }, [isWall])
  return (
    <>
      <Top />
      <ToastHost />
      <ConfirmHost />
    </>
  )
}

function Top() {
  const path = currentPath.value
  if (isWallPath(path)) {
    return (
      <ErrorBoundary kind="view" resetKey={path}>
        <WallRoute />
      </ErrorBoundary>
    )
  }
  switch (phase.value) {
    case 'loading':
      return (
        <div class="standalone">
          <Loading label={t('app.loading')} />
        </div>
      )
    case 'unreachable':
      return <Unreachable />
    case 'setup':
      return <SetupPage />
    case 'signed-out': {
      const join = matchPath('/join/:code', path)
      return join?.code ? <JoinPage code={join.code} /> : <LoginPage />
    }
    case 'pending':
      return <WaitingPage />
    case 'rejected':
      return <RejectedPage />
    case 'active':
      return me.value?.member.role === 'display' ? <WallRedirect /> : <SignedIn />
  }
}

function Unreachable() {
  return (
    <div class="standalone">
      <Page title={t('app.unreachableTitle')} isNarrow>
        <div class="card">
          <EmptyState
            icon="alert"
            title={t('app.unreachableTitle')}
            action={
              <Button variant="primary" icon="refresh" onClick={() => void boot()}>
                {t('common.retry')}
              </Button>
            }
          >
            {t('app.unreachableText')}
          </EmptyState>
        </div>
      </Page>
    </div>
  )
}

function SignedIn() {
  useEffect(() => trackPendingCount(), [])
  useEffect(() => startChat(), [])
  return (
    <Shell>
      {/* One view that cannot draw leaves the navigation working. */}
      <ErrorBoundary kind="view" resetKey={currentPath.value}>
        <Routes />
      </ErrorBoundary>
    </Shell>
  )
}

/** The Telegram page: the bot for whoever changes settings, linked groups for managers. */
function canTelegram(): boolean {
  return can('settings.manage') || can('members.manage')
}

/** Paths that belong to signing in or joining lead home once you are in. */
const SIGNED_OUT_PATHS = ['/login', '/setup', '/waiting']

function Routes() {
  const path = currentPath.value.replace(/\/+$/, '') || '/'
  const isSignedOutPath = SIGNED_OUT_PATHS.includes(path) || path.startsWith('/join/')
  useEffect(() => {
    if (isSignedOutPath) navigate('/', { replace: true })
  }, [isSignedOutPath])
  if (isSignedOutPath || path === '/') return <HomePage />
  if (path === '/account') return <AccountPage />
  if (path === '/more') return <MorePage />
  const chat = chatRoute(path)
  if (chat) return chat
  if (path === '/members') return can('members.manage') ? <MembersPage /> : <NotAllowed />
  if (path === '/members/invites') return can('members.manage') ? <InvitesPage /> : <NotAllowed />
  const member = matchPath('/members/:id', path)
  if (member) {
    const id = Number(member.id)
    if (!can('members.manage')) return <NotAllowed />
    return Number.isInteger(id) && id > 0 ? <MemberDetailPage key={id} id={id} /> : <NotFound />
  }
  if (path === '/audit') return isOwner.value ? <AuditPage /> : <NotAllowed />
  if (path === '/settings') return can('settings.manage') ? <SettingsPage /> : <NotAllowed />
  if (path === '/system') return isOwner.value ? <SystemPage /> : <NotAllowed />
  if (path === '/telegram') return canTelegram() ? <TelegramPage /> : <NotAllowed />
  if (path === '/directory') return <DirectoryPage />
  if (path === '/displays') return can('members.manage') ? <DisplaysPage /> : <NotAllowed />
  const pair = matchPath('/pair/:code', path)
  if (pair) return can('members.manage') ? <DisplaysPage key={pair.code} code={pair.code} /> : <NotAllowed />
  const infoPage = infoPagesRoute(path)
  if (infoPage === 'not-allowed') return <NotAllowed />
  if (infoPage && infoPage !== 'not-found') return infoPage
  return <NotFound />
}

function NotFound() {
  return (
    <Page title={t('app.notFoundTitle')}>
      <div class="card">
        <EmptyState
          icon="alert"
          title={t('app.notFoundTitle')}
          action={<LinkButton href="/">{t('app.goHome')}</LinkButton>}
        >
          {t('app.notFoundText')}
        </EmptyState>
      </div>
    </Page>
  )
}

function NotAllowed() {
  return (
    <Page title={t('app.notAllowedTitle')}>
      <div class="card">
        <EmptyState
          icon="audit"
          title={t('app.notAllowedTitle')}
          action={<LinkButton href="/">{t('app.goHome')}</LinkButton>}
        >
          {t('app.notAllowedText')}
        </EmptyState>
      </div>
    </Page>
  )
}

interface NavItem {
  href: string
  label: string
  icon: IconName
  badge?: number
  /** What the badge means, for screen readers (default: join requests waiting). */
  badgeLabel?: string
  /** Other paths that light this item up. */
  match: (path: string) => boolean
}

function navItems(isPhone: boolean): NavItem[] {
  const items: NavItem[] = [
    ...chatNavItems(),
    { href: '/', label: t('nav.home'), icon: 'home', match: (p) => p === '/' },
  ]
  if (can('members.manage')) {
    items.push({
      href: '/members',
      label: t('nav.members'),
      icon: 'users',
      badge: pendingCount.value,
      match: (p) => p.startsWith('/members'),
    })
  }
  const extras: NavItem[] = [
    chatSearchNavItem(),
    { href: '/directory', label: t('wall.nav.directory'), icon: 'phone', match: (p) => p === '/directory' },
    { href: '/pages', label: t('wall.nav.pages'), icon: 'file', match: (p) => p.startsWith('/pages') },
  ]
  if (can('members.manage')) {
    const isDisplays = (p: string) => p === '/displays' || p.startsWith('/pair/')
    extras.push({ href: '/displays', label: t('wall.nav.displays'), icon: 'device', match: isDisplays })
  }
  if (isOwner.value) extras.push({ href: '/audit', label: t('nav.audit'), icon: 'audit', match: (p) => p === '/audit' })
  if (isOwner.value)
    extras.push({ href: '/system', label: t('nav.system'), icon: 'download', match: (p) => p === '/system' })
  if (can('settings.manage')) {
    extras.push({ href: '/settings', label: t('nav.settings'), icon: 'settings', match: (p) => p === '/settings' })
  }
  if (canTelegram())
    extras.push({ href: '/telegram', label: t('nav.telegram'), icon: 'send', match: (p) => p === '/telegram' })
  const account: NavItem = { href: '/account', label: t('nav.account'), icon: 'user', match: (p) => p === '/account' }
  if (!isPhone) return [...items, account, ...extras]
  // At most five tabs: Account moves to the More page when there is no room.
  const hasAccountTab = items.length + (extras.length ? 2 : 1) <= 5
  if (hasAccountTab) items.push(account)
  if (extras.length) {
    items.push({
      href: '/more',
      label: t('nav.more'),
      icon: 'more',
      match: (p) => p === '/more' || (!hasAccountTab && p === '/account') || extras.some((extra) => extra.match(p)),
    })
  }
  return items
}

function NavLink({ item, path, kind }: { item: NavItem; path: string; kind: 'tab' | 'side' }) {
  const isCurrent = item.match(path)
  const badge = item.badge ? (
    <span class="nav-badge" aria-label={item.badgeLabel ?? t('nav.pendingBadge', { count: item.badge })}>
      {item.badge > 99 ? '99+' : item.badge}
    </span>
  ) : null
  return (
    <a class={`${kind}-link`} href={item.href} aria-current={isCurrent ? 'page' : undefined}>
      <span class={`${kind}-icon`}>
        <Icon name={item.icon} size={kind === 'tab' ? 24 : 20} />
        {item.badge && kind === 'tab' ? badge : null}
      </span>
      <span class={`${kind}-label`}>{item.label}</span>
      {item.badge && kind === 'side' ? badge : null}
    </a>
  )
}

function Shell({ children }: { children: ComponentChildren }) {
  const path = currentPath.value
  const current = me.value
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <nav class="sidenav" aria-label={t('nav.label')}>
        <a class="sidenav-brand" href="/">
          <img src="/icons/icon.svg" alt="" width={32} height={32} />
          <span>
            <span class="sidenav-app">{t('app.name')}</span>
            <span class="sidenav-shop">{current?.shop.name}</span>
          </span>
        </a>
        <ul>
          {navItems(false).map((item) => (
            <li key={item.href}>
              <NavLink item={item} path={path} kind="side" />
            </li>
          ))}
        </ul>
        {current ? (
          <p class="sidenav-me">
            {t('nav.signedInAs')} <strong>{current.member.displayName}</strong>
          </p>
        ) : null}
        <AppVersion class="sidenav-version" />
      </nav>
      <main id="main" class="main" tabIndex={-1}>
        {socketStatus.value === 'closed' ? (
          <p class="connection" role="status">
            <Icon name="refresh" size={16} /> {t('app.reconnecting')}
          </p>
        ) : null}
        {children}
      </main>
      <nav class="tabbar" aria-label={t('nav.label')}>
        {navItems(true).map((item) => (
          <NavLink key={item.href} item={item} path={path} kind="tab" />
        ))}
      </nav>
    </div>
  )
}
