/** The Board, Chat and Search entries of the navigation, with their unread badges. */
import { t } from '../../lib/i18n'
import type { IconName } from '../../ui/icons'
import { boardUnread, chatUnread } from './store'

export interface ChatNavItem {
  href: string
  label: string
  icon: IconName
  badge?: number
  badgeLabel?: string
  match: (path: string) => boolean
}

/** Board and Chat: the first two tabs. */
export function chatNavItems(): ChatNavItem[] {
  return [
    {
      href: '/board',
      label: t('chat.navBoard'),
      icon: 'board',
      badge: boardUnread.value,
      badgeLabel: t('chat.unreadNavBadge', { count: boardUnread.value }),
      match: (p) => p === '/board' || p.startsWith('/board/'),
    },
    {
      href: '/chat',
      label: t('chat.navChat'),
      icon: 'chat',
      badge: chatUnread.value,
      badgeLabel: t('chat.unreadNavBadge', { count: chatUnread.value }),
      match: (p) => p === '/chat' || p.startsWith('/chat/'),
    },
  ]
}

/** Search: in the side navigation and on the More page. */
export function chatSearchNavItem(): ChatNavItem {
  return { href: '/search', label: t('chat.navSearch'), icon: 'search', match: (p) => p === '/search' }
}
