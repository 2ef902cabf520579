/**
 * One row of the conversation list, as messaging apps lay it out: the name and the time of
 * the latest message on top, who said what beneath it, and the unread and mention counts.
 */
import '../customers/messages'
import '../xero/messages'
import { t, tn } from '../../lib/i18n'
import { me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { Icon } from '../../ui/icons'
import { XeroIcon } from '../xero/xero-icon'
import type { Conversation, ConversationItem } from './chat-api'
import { conversationTitle, otherPeople } from './people'
import { PresenceDot, presenceText } from './presence'
import { formatListTime } from './time'

function ConversationIcon({ item }: { item: Pick<Conversation, 'kind' | 'members' | 'isPrivate' | 'name'> }) {
  if (item.kind === 'board') {
    return (
      <span class="conv-icon conv-icon-board">
        <Icon name="board" size={22} />
      </span>
    )
  }
  if (item.kind === 'customer') return <Avatar name={item.name || '?'} isNeutral />
  if (item.kind === 'xero') return <XeroIcon />
  if (item.kind === 'channel') {
    return (
      <span class="conv-icon">
        <Icon name={item.isPrivate ? 'lock' : 'hash'} size={20} />
      </span>
    )
  }
  const others = otherPeople(item)
  const first = others[0]
  return (
    <span class="avatar-with-dot">
      <Avatar name={others.length > 1 ? `${others.length} ${t('chat.people')}` : (first?.displayName ?? '?')} />
      {others.length === 1 && first ? <PresenceDot memberId={first.id} /> : null}
    </span>
  )
}

/** What the row says under the name before anything has been written. */
function rowSubtitle(item: ConversationItem): string {
  if (item.kind === 'board') return t('chat.boardSubtitle')
  if (item.kind === 'customer') return t('customers.conversationSubtitle')
  if (item.kind === 'xero') return t('xero.conversationSubtitle')
  if (item.kind === 'direct') {
    const others = otherPeople(item)
    if (others.length === 1 && others[0]) return presenceText(others[0].id) || t('chat.directMessage')
    return tn('chat.memberCount', item.memberCount)
  }
  if (item.isArchived) return t('chat.archived')
  return item.topic || tn('chat.memberCount', item.memberCount)
}

/** "You: text", "Sam: text", or just the text in a conversation with one other person. */
function previewLine(item: ConversationItem): string | null {
  const last = item.lastMessage
  if (!last) return null
  const author = last.author
  if (author && author.id === me.value?.member.id) return t('chat.previewMine', { text: last.preview })
  const isOneToOne = item.kind === 'direct' && otherPeople(item).length === 1
  if (!author || isOneToOne) return last.preview
  const firstName = author.displayName.split(/\s+/)[0] || author.displayName
  return t('chat.previewFrom', { name: firstName, text: last.preview })
}

export function ConversationRow({ item, isCurrent }: { item: ConversationItem; isCurrent: boolean }) {
  // A customer conversation is named after the customer, not the staff in it.
  const title = item.kind === 'customer' ? item.name : conversationTitle(item)
  const hasUnread = item.unreadCount > 0
  const when = item.lastMessage?.at ?? item.lastMessageAt ?? item.createdAt
  const time = formatListTime(when)
  const preview = previewLine(item)
  const badges = [
    item.mentionCount ? tn('chat.mentionBadge', item.mentionCount) : '',
    hasUnread ? tn('chat.unreadBadge', item.unreadCount) : '',
  ].filter(Boolean)
  return (
    <a
      class={['conv-row', hasUnread ? 'conv-row-unread' : '', item.isArchived ? 'conv-row-archived' : '']
        .filter(Boolean)
        .join(' ')}
      href={`/chat/${item.id}`}
      aria-current={isCurrent ? 'page' : undefined}
      data-conversation-id={item.id}
    >
      <ConversationIcon item={item} />
      <span class="conv-row-main">
        <span class="conv-row-name">{title}</span>
        <span class={preview === null ? 'conv-row-sub' : 'conv-row-sub conv-row-preview'}>
          {preview ?? rowSubtitle(item)}
        </span>
      </span>
      <span class="conv-row-meta">
        <time class="conv-row-time" dateTime={new Date(when).toISOString()}>
          {time}
        </time>
        <span class="conv-row-badges">
          {item.mentionCount ? (
            <span class="count-badge count-badge-mention" aria-hidden="true">
              @{item.mentionCount > 1 ? item.mentionCount : ''}
            </span>
          ) : null}
          {hasUnread ? (
            <span class="count-badge" aria-hidden="true" data-testid="unread-badge">
              {item.unreadCount > 99 ? '99+' : item.unreadCount}
            </span>
          ) : null}
        </span>
        {/* The row's name is what it shows (no aria-label that could drift from it), plus the counts in words. */}
        {badges.length ? <span class="visually-hidden">{badges.join(', ')}</span> : null}
      </span>
    </a>
  )
}
