/**
 * One message in a conversation: a bubble (mine on the right), the quoted message it
 * replies to, Markdown body, attachments, time and "edited", reactions; its action sheet
 * (message-sheet.tsx: react, reply, copy, edit, delete) opens on tap, long press or the ⋯
 * button. Also the system lines (joined, renamed…).
 */
import '../customers/messages'
import { useId, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { formatTime } from '../../lib/format'
import { t } from '../../lib/i18n'
import { can, me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { Icon } from '../../ui/icons'
import { NoticeCard } from '../board/notice-card'
import { TaskCard } from '../tasks/task-card'
import { Attachments } from './attachments'
import { EditHistoryDialog } from './edit-history'
import type { MessageView, ReactionView } from './chat-api'
import { Markdown, plainPreview } from '../../lib/markdown'
import { authorNameOf, memberName, rankOf } from './people'
import type { MessageHandlers } from './message-actions'
import { canDelete, MessageSheet } from './message-sheet'
import { customerOf, DeliveryMark } from '../customers/customer-message'
import { lazyPage } from '../../ui/lazy-page'

// The dialogs load when first opened: most conversations are not with customers.
const MakeTaskDialog = lazyPage(() => import('../customers/customer-actions').then((m) => m.MakeTaskDialog))
const ShareDialog = lazyPage(() => import('../customers/customer-actions').then((m) => m.ShareDialog))
// A Xero card's code loads with the first card shown: most conversations have none.
const MessageCard = lazyPage(() => import('../xero/card-view').then((m) => m.MessageCard))

export function systemText(message: MessageView): string {
  const system = message.system
  const actor = system?.actorName || message.author?.displayName || t('chat.someone')
  const name = system?.detail ?? ''
  switch (system?.action) {
    case 'created':
      return t('chat.sysCreated', { actor, name })
    case 'joined':
      return t('chat.sysJoined', { actor })
    case 'left':
      return t('chat.sysLeft', { actor })
    case 'added':
      return t('chat.sysAdded', { actor, name })
    case 'removed':
      return t('chat.sysRemoved', { actor, name })
    case 'renamed':
      return t('chat.sysRenamed', { actor, name })
    case 'archived':
      return t('chat.sysArchived', { actor })
    case 'unarchived':
      return t('chat.sysUnarchived', { actor })
    case 'customer.open':
      return t('customers.sysOpen', { actor })
    case 'customer.waiting':
      return t('customers.sysWaiting', { actor })
    case 'customer.solved':
      return t('customers.sysSolved', { actor })
    case 'customer.reopened':
      return t('customers.sysReopened')
    case 'customer.assigned':
      return t('customers.sysAssigned', { actor, name })
    case 'customer.unassigned':
      return t('customers.sysUnassigned', { actor })
    case 'customer.blocked':
      return t('customers.sysBlocked', { actor })
    case 'customer.unblocked':
      return t('customers.sysUnblocked', { actor })
    case 'customer.task':
      return t('customers.sysTask', { actor, name })
    case 'customer.rated':
      return t('customers.sysRated', { name })
    case 'customer.episode':
      return t('customers.sysEpisode', { name })
    case 'customer.told':
      return t('customers.sysTold', { name })
    default:
      return `${actor}: ${system?.action ?? ''}`
  }
}

export function SystemLine({ message }: { message: MessageView }) {
  return (
    <div class="msg-system" id={`m-${message.id}`} data-message-id={message.id}>
      <span>{systemText(message)}</span>
      <time dateTime={new Date(message.createdAt).toISOString()}>{formatTime(message.createdAt)}</time>
    </div>
  )
}

function reactionLabel(reaction: ReactionView, isMine: boolean): string {
  const names = reaction.memberIds
    .map((id) => (id === me.value?.member.id ? t('chat.you') : memberName(id)))
    .filter((name): name is string => !!name)
  const who = names.length ? names.join(', ') : String(reaction.count)
  return t(isMine ? 'chat.reactionMine' : 'chat.reactionOthers', { emoji: reaction.emoji, who })
}

function Reactions({ message, onReact }: { message: MessageView; onReact: MessageHandlers['onReact'] }) {
  if (message.reactions.length === 0) return null
  const myId = me.value?.member.id ?? -1
  return (
    <div class="reactions">
      {message.reactions.map((reaction) => {
        const isMine = reaction.memberIds.includes(myId)
        return (
          <button
            key={reaction.emoji}
            type="button"
            class={isMine ? 'reaction reaction-mine' : 'reaction'}
            aria-pressed={isMine ? 'true' : 'false'}
            aria-label={reactionLabel(reaction, isMine)}
            title={reactionLabel(reaction, isMine)}
            onClick={() => onReact(message, reaction.emoji, !isMine)}
          >
            <span class="reaction-emoji">{reaction.emoji}</span>
            <span class="reaction-count">{reaction.count}</span>
          </button>
        )
      })}
    </div>
  )
}

function isInteractive(target: EventTarget | null): boolean {
  return !!(target as Element | null)?.closest?.('a, button, img, video, audio, input, textarea, label, summary')
}

interface MessageItemProps {
  message: MessageView
  isGroupStart: boolean
  showAuthor: boolean
  isHighlighted: boolean
  ackAt: number | null
  seenBy: string | null
  handlers: MessageHandlers
  /** The title of the notice this replies to, when it is one: clearer than its body. */
  replyTitle?: string | undefined
}

export function MessageItem({
  message,
  isGroupStart,
  showAuthor,
  isHighlighted,
  ackAt,
  seenBy,
  handlers,
  replyTitle,
}: MessageItemProps) {
  const [isSheetOpen, setSheetOpen] = useState(false)
  const [isHistoryOpen, setHistoryOpen] = useState(false)
  const [customerAction, setCustomerAction] = useState<'task' | 'share' | null>(null)
  const myId = me.value?.member.id
  const isMine = message.author?.id === myId
  const isDeleted = message.deletedAt !== null
  // Older cached messages have neither field: read missing as null.
  const guest = message.guest ?? null

  const customer = customerOf(message)
  const isFromCustomer = customer?.direction === 'in'
  const isInternal = !!customer?.isInternal
  const authorName = isFromCustomer && customer.customerName ? customer.customerName : authorNameOf(message)
  // Everything a customer writes comes through the bot: saying so on each message is noise.
  const isViaTelegram = message.via === 'telegram' && customer?.direction !== 'in'
  const rank = guest || isFromCustomer ? null : rankOf(message.author?.id)
  const openSheet = () => {
    if (!isDeleted) setSheetOpen(true)
  }

  if (message.kind === 'notice' && message.notice) {
    return (
      <div class="msg msg-notice" id={`m-${message.id}`} data-message-id={message.id}>
        <NoticeCard
          message={message}
          ackAt={ackAt}
          onAcknowledged={handlers.onAcknowledged}
          onReply={() => handlers.onReply(message)}
          isCompact
          isHighlighted={isHighlighted}
        />
        <Reactions message={message} onReact={handlers.onReact} />
      </div>
    )
  }

  if (message.kind === 'task' && message.task) {
    return (
      <div class="msg msg-task" id={`m-${message.id}`} data-message-id={message.id}>
        <TaskCard message={message} isHighlighted={isHighlighted} />
        <Reactions message={message} onReact={handlers.onReact} />
      </div>
    )
  }

  if (message.kind === 'card' && message.card && !isDeleted) {
    return (
      <div class="msg msg-card" id={`m-${message.id}`} data-message-id={message.id}>
        <MessageCard
          message={message}
          isHighlighted={isHighlighted}
          onRemove={canDelete(message) ? () => void handlers.onDelete(message) : undefined}
        />
        <Reactions message={message} onReact={handlers.onReact} />
      </div>
    )
  }

  const classes = [
    'msg',
    isMine ? 'msg-mine' : 'msg-theirs',
    isGroupStart ? 'msg-group-start' : '',
    isHighlighted ? 'is-highlighted' : '',
    isDeleted ? 'msg-deleted' : '',
    isInternal ? 'msg-internal' : '',
  ]
  return (
    <div class={classes.filter(Boolean).join(' ')} id={`m-${message.id}`} data-message-id={message.id}>
      {!isMine && showAuthor ? (
        <span class="msg-avatar">
          {isGroupStart ? <Avatar name={authorName} size="small" isNeutral={!!guest || isFromCustomer} /> : null}
        </span>
      ) : null}
      <div class="msg-main">
        {isMine && isGroupStart ? <span class="visually-hidden">{t('chat.fromYou')}</span> : null}
        {isGroupStart && showAuthor && !isMine ? (
          guest && !isFromCustomer ? (
            <span class="msg-author msg-author-guest">
              {authorName}{' '}
              <span class="badge msg-guest-badge" title={t('telegram.guestHint')}>
                {t('telegram.guest')}
              </span>
            </span>
          ) : rank ? (
            <span class="msg-author msg-author-ranked">
              {authorName}{' '}
              <span class={`badge msg-role-badge badge-${rank}`}>
                {rank === 'owner' ? t('role.owner') : t('role.manager')}
              </span>
            </span>
          ) : (
            <span class="msg-author">{authorName}</span>
          )
        ) : null}
        <div
          class="msg-bubble"
          onClick={(event) => {
            if (isInteractive(event.target) || window.getSelection()?.toString()) return
            openSheet()
          }}
          onContextMenu={(event) => {
            if (isInteractive(event.target)) return
            event.preventDefault()
            openSheet()
          }}
        >
          {isInternal ? <span class="msg-internal-label">{t('customers.internalNote')}</span> : null}
          {message.replyTo && !isDeleted ? (
            <ReplyQuote replyTo={message.replyTo} title={replyTitle} onJump={handlers.onJump} />
          ) : null}
          {isDeleted ? (
            <p class="msg-tombstone">
              <Icon name="trash" size={16} />{' '}
              {message.isRemovedByManager ? t('chat.removedByManager') : t('chat.messageDeleted')}
            </p>
          ) : (
            <>
              {message.body ? <MessageBody body={message.body} /> : null}
              <Attachments items={message.attachments} />
              {customer?.notReceived ? (
                <p class="msg-not-received" role="note">
                  <Icon name="alert" size={16} /> {t('customers.notReceived', { what: customer.notReceived })}
                </p>
              ) : null}
            </>
          )}
          <span class="msg-meta">
            {isViaTelegram ? (
              <span class="msg-via" title={t('telegram.viaHint')}>
                <Icon name="send" size={12} />
                {t('telegram.via')}
              </span>
            ) : null}
            {message.editedAt && !isDeleted ? <span class="msg-edited">{t('chat.edited')}</span> : null}
            <time dateTime={new Date(message.createdAt).toISOString()}>{formatTime(message.createdAt)}</time>
            {customer && customer.direction === 'out' && !isInternal && !isDeleted ? (
              <DeliveryMark message={message} fields={customer} />
            ) : null}
          </span>
        </div>
        <Reactions message={message} onReact={handlers.onReact} />
        {seenBy ? (
          <p class="msg-seen">
            <Icon name="checkAll" size={16} /> {seenBy}
          </p>
        ) : null}
      </div>
      {isDeleted ? null : (
        <button
          type="button"
          class="icon-button msg-more"
          aria-label={t('chat.messageActions', {
            name: isMine ? t('chat.you') : authorName,
            time: formatTime(message.createdAt),
            excerpt: excerptOf(message),
          })}
          onClick={openSheet}
        >
          <Icon name="more" size={20} />
        </button>
      )}
      {isSheetOpen ? (
        <MessageSheet
          message={message}
          handlers={handlers}
          onHistory={() => setHistoryOpen(true)}
          onClose={() => setSheetOpen(false)}
          onMakeTask={isFromCustomer && can('tasks.dispatch') ? () => setCustomerAction('task') : undefined}
          onShare={isFromCustomer ? () => setCustomerAction('share') : undefined}
        />
      ) : null}
      {customerAction === 'task' ? <MakeTaskDialog message={message} onClose={() => setCustomerAction(null)} /> : null}
      {customerAction === 'share' ? <ShareDialog message={message} onClose={() => setCustomerAction(null)} /> : null}
      {isHistoryOpen ? <EditHistoryDialog messageId={message.id} onClose={() => setHistoryOpen(false)} /> : null}
    </div>
  )
}

/** Below these a body cannot be taller than the collapsed height, so it is not measured. */
const LONG_BODY_CHARS = 700
const LONG_BODY_LINES = 12

/** The Markdown body; a very long one is cut to a few screens' worth with "Show more", so it does not bury the chat. */
function MessageBody({ body }: { body: string }) {
  const isCandidate = body.length > LONG_BODY_CHARS || body.split('\n').length > LONG_BODY_LINES
  const [isExpanded, setExpanded] = useState(false)
  const [isOverflowing, setOverflowing] = useState(isCandidate)
  const box = useRef<HTMLDivElement>(null)
  const bodyId = useId()
  useLayoutEffect(() => {
    const element = box.current
    if (!element || !isCandidate || isExpanded) return
    setOverflowing(element.scrollHeight > element.clientHeight + 8)
  }, [body, isCandidate, isExpanded])
  const markdown = <Markdown text={body} surface="message" myUsername={me.value?.member.username} />
  if (!isCandidate) return markdown
  const isCollapsed = isOverflowing && !isExpanded
  return (
    <>
      <div id={bodyId} ref={box} class={isExpanded ? 'msg-body' : 'msg-body msg-body-collapsed'}>
        {markdown}
      </div>
      {isOverflowing || isExpanded ? (
        <button
          type="button"
          class="msg-show-more"
          aria-expanded={isCollapsed ? 'false' : 'true'}
          aria-controls={bodyId}
          onClick={() => setExpanded(!isExpanded)}
        >
          {isExpanded ? t('chat.showLess') : t('chat.showMore')}
        </button>
      ) : null}
    </>
  )
}

/** A few words of the message, so each message's action button has its own name. */
function excerptOf(message: MessageView): string {
  // Block marks (headings, list bullets) read as noise in a button's name.
  const words = plainPreview(message.body)
    .replace(/(^|\s)(#{1,6}|[-*+>]|\d+\.)\s+/g, '$1')
    .trim()
  const text = words || t('chat.attachmentOnly')
  return text.length > 40 ? `${text.slice(0, 39).trimEnd()}…` : text
}

function ReplyQuote({
  replyTo,
  title,
  onJump,
}: {
  replyTo: NonNullable<MessageView['replyTo']>
  title?: string | undefined
  onJump: (id: number) => void
}) {
  return (
    <button
      type="button"
      class="msg-quote"
      onClick={() => onJump(replyTo.id)}
      aria-label={t('chat.jumpToReply', { name: replyTo.authorName })}
    >
      <span class="msg-quote-author">{replyTo.authorName || t('chat.someone')}</span>
      <span class="msg-quote-text">
        {replyTo.isDeleted
          ? t('chat.messageDeleted')
          : title || plainPreview(replyTo.excerpt) || t('chat.attachmentOnly')}
      </span>
    </button>
  )
}
