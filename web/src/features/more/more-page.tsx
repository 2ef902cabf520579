/** /more — on phones, the places that do not fit in the tab bar. */
import '../xero/messages'
import { t } from '../../lib/i18n'
import { isOwner, can, me } from '../../lib/session'
import { Icon, type IconName } from '../../ui/icons'
import { Page } from '../../ui/page'
import { AppVersion } from '../system/app-version'
import { customerCounts } from '../customers/customer-counts'
import '../customers/customers.css'

export function MorePage() {
  const links: { href: string; icon: IconName; label: string; hint: string; badge?: number }[] = [
    { href: '/search', icon: 'search', label: t('chat.navSearch'), hint: t('chat.moreSearchHint') },
    { href: '/directory', icon: 'phone', label: t('wall.nav.directory'), hint: t('wall.more.directoryHint') },
    { href: '/pages', icon: 'file', label: t('wall.nav.pages'), hint: t('wall.more.pagesHint') },
  ]
  if (can('customers.answer'))
    links.push({
      href: '/customers',
      icon: 'inbox',
      label: t('nav.customers'),
      hint: t('more.customersHint'),
      badge: customerCounts.value?.unread ?? 0,
    })
  if (can('members.manage'))
    links.push({ href: '/members', icon: 'users', label: t('nav.members'), hint: t('more.membersHint') })
  if (can('members.manage'))
    links.push({ href: '/displays', icon: 'device', label: t('wall.nav.displays'), hint: t('wall.more.displaysHint') })
  if (isOwner.value) links.push({ href: '/audit', icon: 'audit', label: t('nav.audit'), hint: t('more.auditHint') })
  if (can('settings.manage'))
    links.push({ href: '/settings', icon: 'settings', label: t('nav.settings'), hint: t('more.settingsHint') })
  if (can('settings.manage'))
    links.push({ href: '/tasks/setup', icon: 'inbox', label: t('nav.tasksSetup'), hint: t('more.tasksSetupHint') })
  if (isOwner.value)
    links.push({ href: '/tasks/stats', icon: 'checkAll', label: t('nav.taskStats'), hint: t('more.taskStatsHint') })
  if (can('settings.manage') || can('members.manage')) {
    const hint = can('settings.manage') ? t('more.telegramHint') : t('more.telegramGroupsHint')
    links.push({ href: '/telegram', icon: 'send', label: t('nav.telegram'), hint })
  }
  if (can('settings.manage'))
    links.push({ href: '/xero', icon: 'link', label: t('nav.xero'), hint: t('more.xeroHint') })
  if (isOwner.value)
    links.push({ href: '/system', icon: 'download', label: t('nav.system'), hint: t('more.systemHint') })
  if (can('members.manage'))
    links.push({ href: '/members/invites', icon: 'qr', label: t('invites.title'), hint: t('more.invitesHint') })
  links.push({ href: '/account', icon: 'user', label: t('nav.account'), hint: t('more.accountHint') })
  return (
    <Page title={t('nav.more')} subtitle={me.value?.shop.name}>
      <nav class="card" aria-label={t('nav.more')}>
        <ul class="rows">
          {links.map((link) => (
            <li key={link.href} class="row-item">
              <a class="row row-link" href={link.href}>
                <span class="row-icon">
                  <Icon name={link.icon} size={20} />
                </span>
                <span class="row-main">
                  <span class="row-title">{link.label}</span>
                  <span class="row-sub">{link.hint}</span>
                </span>
                {link.badge ? (
                  <span class="customer-count" aria-label={t('customers.unreadBadge', { count: link.badge })}>
                    {link.badge > 99 ? '99+' : link.badge}
                  </span>
                ) : null}
                <Icon name="chevronRight" size={20} class="row-chevron" />
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <AppVersion />
    </Page>
  )
}
