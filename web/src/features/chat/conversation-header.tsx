/**
 * The bar above a conversation: back, who or what it is, presence or topic, search, mute and
 * people. On a phone search and mute fold into a "More" button, so the name has the room.
 */
import '../customers/messages'
import '../xero/messages'
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { t, tn } from '../../lib/i18n'
import { hasNavigated } from '../../lib/router'
import { Avatar } from '../../ui/avatar'
import { Button } from '../../ui/button'
import { EmptyState } from '../../ui/empty-state'
import { Icon } from '../../ui/icons'
import { MuteButton } from '../notifications/mute-button'
import { CustomerPanel } from '../customers/customer-panel'
import { XeroIcon } from '../xero/xero-icon'
import type { ConversationDetail } from './chat-api'
import { otherPeople } from './people'
import { PresenceDot, presenceText } from './presence'

export function ConvHeader({
  detail,
  title: givenTitle,
  onPeople,
}: {
  detail: ConversationDetail | null
  title: string
  onPeople: () => void
}) {
  const heading = useRef<HTMLHeadingElement>(null)
  // A customer conversation is named after the customer, not the staff in it.
  const title = detail?.kind === 'customer' && detail.name ? detail.name : givenTitle
  const hasTitle = !!detail
  useEffect(() => {
    // Screen readers hear which conversation opened after an in-app navigation.
    if (hasTitle && hasNavigated) heading.current?.focus({ preventScroll: true })
  }, [hasTitle])
  const [isMoreOpen, setMoreOpen] = useState(false)
  const moreId = useId()
  const actions = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!isMoreOpen) return
    const closeOutside = (event: Event) => {
      if (!actions.current?.contains(event.target as Node)) setMoreOpen(false)
    }
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMoreOpen(false)
    }
    document.addEventListener('pointerdown', closeOutside)
    document.addEventListener('keydown', closeOnEscape)
    return () => {
      document.removeEventListener('pointerdown', closeOutside)
      document.removeEventListener('keydown', closeOnEscape)
    }
  }, [isMoreOpen])
  const others = detail?.kind === 'direct' ? otherPeople(detail) : []
  const single = others.length === 1 ? others[0] : undefined
  const subtitle = !detail
    ? ''
    : detail.kind === 'board'
      ? t('chat.boardSubtitle')
      : detail.kind === 'customer'
        ? t('customers.conversationSubtitle')
        : detail.kind === 'xero'
          ? t('xero.conversationSubtitle')
          : single
            ? presenceText(single.id)
            : detail.kind === 'channel'
              ? detail.topic || tn('chat.memberCount', detail.memberCount)
              : tn('chat.memberCount', detail.memberCount)
  return (
    <>
      <header class="conv-header">
        <a class="icon-button conv-back" href="/chat" aria-label={t('chat.backToList')}>
          <Icon name="chevronLeft" size={24} />
        </a>
        {single ? (
          <span class="avatar-with-dot">
            <Avatar name={single.displayName} size="small" />
            <PresenceDot memberId={single.id} />
          </span>
        ) : detail?.kind === 'xero' ? (
          <XeroIcon isSmall />
        ) : detail ? (
          <span class="conv-icon conv-icon-small conv-header-icon">
            <Icon
              name={
                detail.kind === 'board'
                  ? 'board'
                  : detail.kind === 'customer'
                    ? 'user'
                    : detail.kind === 'direct'
                      ? 'users'
                      : detail.isPrivate
                        ? 'lock'
                        : 'hash'
              }
              size={18}
            />
          </span>
        ) : null}
        <div class="conv-titles">
          <h1 class="conv-title" tabIndex={-1} ref={heading}>
            {title}
          </h1>
          {subtitle ? <p class="conv-sub">{subtitle}</p> : null}
        </div>
        {detail ? (
          <div class="conv-actions" ref={actions}>
            <button
              type="button"
              class="icon-button conv-more"
              aria-label={t('chat.conversationMore')}
              aria-expanded={isMoreOpen ? 'true' : 'false'}
              aria-controls={moreId}
              onClick={() => setMoreOpen(!isMoreOpen)}
            >
              <Icon name="more" size={22} />
            </button>
            <div id={moreId} class={isMoreOpen ? 'conv-more-panel is-open' : 'conv-more-panel'}>
              <a class="icon-button" href={`/search?c=${detail.id}`} aria-label={t('chat.searchHere')}>
                <Icon name="search" size={22} />
              </a>
              <MuteButton conversationId={detail.id} />
            </div>
          </div>
        ) : null}
        {detail && detail.kind !== 'board' && detail.kind !== 'xero' ? (
          <button type="button" class="icon-button" aria-label={t('chat.peopleIn', { name: title })} onClick={onPeople}>
            <Icon name="users" size={22} />
          </button>
        ) : null}
      </header>
      {detail?.kind === 'customer' ? <CustomerPanel detail={detail} /> : null}
    </>
  )
}

/** A conversation that could not be opened: its error and a retry, under a plain header. */
export function ConversationError({ error, onRetry }: { error: string; onRetry: () => void }) {
  return (
    <div class="conv">
      <ConvHeader detail={null} title={t('chat.title')} onPeople={() => undefined} />
      <div class="conv-error">
        <EmptyState
          icon="alert"
          title={t('chat.cannotOpen')}
          action={
            <Button icon="refresh" onClick={onRetry}>
              {t('common.retry')}
            </Button>
          }
        >
          {error}
        </EmptyState>
      </div>
    </div>
  )
}
