/**
 * The app: boot (setup? signed in? approved?), then the shell with its navigation and the
 * route table. Routing is a plain switch over the path signal; see lib/router.ts.
 */
import type { ComponentChildren, ComponentType } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from './lib/i18n'
import { currentPath, matchPath, navigate, startRouter } from './lib/router'
import { isShowingCached } from './lib/offline'
import { boot, can, isOwner, me, phase, socketStatus } from './lib/session'
import { Button, LinkButton } from './ui/button'
import { ConfirmHost } from './ui/dialog'
import { EmptyState, Loading } from './ui/empty-state'
import { ErrorBoundary } from './ui/error-boundary'
import { Icon, type IconName } from './ui/icons'
import { Page } from './ui/page'
import { ToastHost } from './ui/toast'
import { announce, Announcer } from './ui/announcer'
import { lazyPage } from './ui/lazy-page'
import { chatNavItems, chatSearchNavItem } from './features/chat/nav'
import { chatRoute } from './features/chat/routes'
import { startChat } from './features/chat/store'
import { pendingCount, trackPendingCount } from './features/members/pending-count'
import { customerCounts, trackCustomerCounts } from './features/customers/customer-counts'
import { AppVersion } from './features/system/app-version'
import { isWallPath, WallRedirect, WallRoute } from './features/wall/wall-route'

// Every page is its own chunk, fetched when first shown: the first load carries the shell
// and the page it opens, not the forty others (budgets in test/browser/web-budget.test.ts).
const LoginPage = lazyPage(() => import('./features/auth/login-page').then((m) => m.LoginPage))
const JoinPage = lazyPage(() => import('./features/join/join-page').then((m) => m.JoinPage))
const WaitingPage = lazyPage(() => import('./features/join/waiting-page').then((m) => m.WaitingPage))
const RejectedPage = lazyPage(() => import('./features/join/waiting-page').then((m) => m.RejectedPage))
const SetupPage = lazyPage(() => import('./features/setup/setup-page').then((m) => m.SetupPage))
const HomePage = lazyPage(() => import('./features/home/home-page').then((m) => m.HomePage))
const AccountPage = lazyPage(() => import('./features/account/account-page').then((m) => m.AccountPage))
const AuditPage = lazyPage(() => import('./features/audit/audit-page').then((m) => m.AuditPage))
const MembersPage = lazyPage(() => import('./features/members/members-page').then((m) => m.MembersPage))
const InvitesPage = lazyPage(() => import('./features/members/invites-page').then((m) => m.InvitesPage))
const MemberDetailPage = lazyPage(() => import('./features/members/member-detail-page').then((m) => m.MemberDetailPage))
const MorePage = lazyPage(() => import('./features/more/more-page').then((m) => m.MorePage))
const SettingsPage = lazyPage(() => import('./features/settings/settings-page').then((m) => m.SettingsPage))
const SystemPage = lazyPage(() => import('./features/system/system-page').then((m) => m.SystemPage))
const TelegramPage = lazyPage(() => import('./features/telegram/telegram-page').then((m) => m.TelegramPage))
const DirectoryPage = lazyPage(() => import('./features/directory/directory-page').then((m) => m.DirectoryPage))
const CustomersPage = lazyPage(() => import('./features/customers/customers-page').then((m) => m.CustomersPage))
const CustomerSettingsPage = lazyPage(() =>
  import('./features/customers/customer-settings-page').then((m) => m.CustomerSettingsPage),
)
const DisplaysPage = lazyPage(() => import('./features/displays/displays-page').then((m) => m.DisplaysPage))
const XeroPage = lazyPage(() => import('./features/xero/xero-page').then((m) => m.XeroPage))
const Tasks = lazyPage(() =>
  import('./features/tasks/routes').then(
    ({ tasksRoute }) =>
      function TasksRoute({ path }: { path: string }) {
        const page = tasksRoute(path)
        if (page === 'not-allowed') return <NotAllowed />
        return page && page !== 'not-found' ? page : <NotFound />
      },
  ),
)
const InfoPages = lazyPage(() =>
  import('./features/pages/routes').then(
    ({ infoPagesRoute }) =>
      function InfoPagesRoute({ path }: { path: string }) {
        const page = infoPagesRoute(path)
        if (page === 'not-allowed') return <NotAllowed />
        return page && page !== 'not-found' ? page : <NotFound />
      },
  ),
)

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
      <Announcer />
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

/** How often the "not answering" screen tries again by itself. */
const UNREACHABLE_RETRY_MS = 15_000

function Unreachable() {
  // Back on the network (or the box back on): the app opens without a tap.
  useEffect(() => {
    const retry = () => void boot()
    const timer = setInterval(retry, UNREACHABLE_RETRY_MS)
    window.addEventListener('online', retry)
    return () => {
      clearInterval(timer)
      window.removeEventListener('online', retry)
    }
  }, [])
  return (
    <div class="standalone">
      <Page title={t('app.unreachableTitle')} isNarrow>
        <div class="card">
          <EmptyState
            icon="alert"
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
  const canAnswer = can('customers.answer')
  useEffect(() => (canAnswer ? trackCustomerCounts() : undefined), [canAnswer])
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
  if (path === '/settings/customers') return can('settings.manage') ? <CustomerSettingsPage /> : <NotAllowed />
  if (path === '/customers') return can('customers.answer') ? <CustomersPage /> : <NotAllowed />
  if (path === '/system') return isOwner.value ? <SystemPage /> : <NotAllowed />
  if (path === '/telegram') return canTelegram() ? <TelegramPage /> : <NotAllowed />
  if (path === '/xero') return can('settings.manage') ? <XeroPage /> : <NotAllowed />
  if (path === '/directory') return <DirectoryPage />
  if (path === '/displays') return can('members.manage') ? <DisplaysPage /> : <NotAllowed />
  const pair = matchPath('/pair/:code', path)
  if (pair) return can('members.manage') ? <DisplaysPage key={pair.code} code={pair.code} /> : <NotAllowed />
  if (path === '/pages' || path.startsWith('/pages/')) return <InfoPages path={path} />
  if (path === '/tasks' || path.startsWith('/tasks/')) return <Tasks path={path} />
  return <NotFound />
}

function NotFound() {
  return (
    <Page title={t('app.notFoundTitle')}>
      <div class="card">
        <EmptyState icon="alert" action={<LinkButton href="/">{t('app.goHome')}</LinkButton>}>
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
        <EmptyState icon="audit" action={<LinkButton href="/">{t('app.goHome')}</LinkButton>}>
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
    { href: '/tasks', label: t('tasks.nav'), icon: 'task', match: (p) => p === '/tasks' || p.startsWith('/tasks/') },
    { href: '/', label: t('nav.home'), icon: 'home', match: (p) => p === '/' },
  ]
  const members: NavItem | null = can('members.manage')
    ? {
        href: '/members',
        label: t('nav.members'),
        icon: 'users',
        badge: pendingCount.value,
        match: (p) => p.startsWith('/members'),
      }
    : null
  // Five tabs at most on a phone: Members joins the More page there (its badge rides on More).
  if (members && !isPhone) items.push(members)
  const extras: NavItem[] = [
    chatSearchNavItem(),
    ...(can('customers.answer') ? [customersNavItem()] : []),
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
    extras.push({
      href: '/settings',
      label: t('nav.settings'),
      icon: 'settings',
      match: (p) => p === '/settings' || p === '/settings/customers',
    })
  }
  if (canTelegram())
    extras.push({ href: '/telegram', label: t('nav.telegram'), icon: 'send', match: (p) => p === '/telegram' })
  if (can('settings.manage'))
    extras.push({ href: '/xero', label: t('nav.xero'), icon: 'link', match: (p) => p === '/xero' })
  const account: NavItem = { href: '/account', label: t('nav.account'), icon: 'user', match: (p) => p === '/account' }
  if (!isPhone) return [...items, account, ...extras]
  // At most five tabs: Account moves to the More page when there is no room.
  const hasAccountTab = items.length + (extras.length ? 2 : 1) <= 5
  if (hasAccountTab) items.push(account)
  if (members) extras.push(members)
  if (extras.length) {
    items.push({
      href: '/more',
      label: t('nav.more'),
      icon: 'more',
      ...moreBadge(members, extras),
      match: (p) => p === '/more' || (!hasAccountTab && p === '/account') || extras.some((extra) => extra.match(p)),
    })
  }
  return items
}

/** The More tab carries the badge of what folded into it: join requests first, else unread customers. */
function moreBadge(members: NavItem | null, extras: NavItem[]): Pick<NavItem, 'badge' | 'badgeLabel'> {
  if (members?.badge) return { badge: members.badge }
  const customers = extras.find((extra) => extra.href === '/customers')
  return customers?.badge
    ? { badge: customers.badge, ...(customers.badgeLabel ? { badgeLabel: customers.badgeLabel } : {}) }
    : {}
}

function customersNavItem(): NavItem {
  const unread = customerCounts.value?.unread ?? 0
  return {
    href: '/customers',
    label: t('nav.customers'),
    icon: 'inbox',
    badge: unread,
    badgeLabel: t('customers.unreadBadge', { count: unread }),
    match: (p) => p === '/customers',
  }
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

/**
 * "Reconnecting…" while the live connection is down. It is announced through the one live
 * region (an inserted status element is not read), and only once the app has been live.
 */
function ConnectionLine() {
  const status = socketStatus.value
  const wasOpen = useRef(false)
  const isLost = useRef(false)
  useEffect(() => {
    if (status === 'open') {
      if (isLost.current) announce(t('app.reconnected'))
      wasOpen.current = true
      isLost.current = false
    } else if (status === 'closed' && wasOpen.current && !isLost.current) {
      isLost.current = true
      announce(t('app.reconnecting'))
    }
  }, [status])
  if (isShowingCached.value) {
    return (
      <p class="connection" data-offline>
        <Icon name="refresh" size={16} /> {t('app.offline')}
      </p>
    )
  }
  if (status !== 'closed') return null
  return (
    <p class="connection">
      <Icon name="refresh" size={16} /> {t('app.reconnecting')}
    </p>
  )
}

/** The Reconnect Xero banner: its code is fetched only for members who may ask Xero. */
function XeroBanner() {
  const [Banner, setBanner] = useState<ComponentType | null>(null)
  useEffect(() => {
    import('./features/xero/reconnect-banner').then(
      (m) => setBanner(() => m.ReconnectBanner),
      () => undefined,
    )
  }, [])
  return Banner ? <Banner /> : null
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
        <ConnectionLine />
        {can('xero.read') ? <XeroBanner /> : null}
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
