/**
 * One message in a conversation: a bubble (mine on the right), the quoted message it
 * replies to, Markdown body, attachments, time and "edited", reactions, and the action
 * sheet (react, reply, copy, edit, delete) on tap, long press or the ⋯ button. Also the
 * pending messages of the outbox and the system lines (joined, renamed…).
 */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { formatTime } from '../../lib/format'
import { t } from '../../lib/i18n'
import { can, me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { copyText } from '../../ui/copy'
import { Dialog } from '../../ui/dialog'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import { NoticeCard } from '../board/notice-card'
import { Attachments, LocationChip } from './attachments'
import { EditHistoryDialog } from './edit-history'
import type { AckResult, MessageView, ReactionView } from './chat-api'
import { Markdown, plainPreview } from './markdown'
import { discard, retry, type PendingSend } from './outbox'
import { authorNameOf, memberName, rankOf } from './people'

export const QUICK_EMOJI = [
  '👍',
  '❤️',
  '😂',
  '😮',
  '😢',
  '🙏',
  '✅',
  '👀',
  '🎉',
  '🔥',
  '👏',
  '🥐',
  '☕',
  '⚠️',
  '❌',
  '💯',
]

export interface MessageHandlers {
  onReply: (message: MessageView) => void
  onEdit: (message: MessageView) => void
  onDelete: (message: MessageView) => void
  onReact: (message: MessageView, emoji: string, isOn: boolean) => void
  onJump: (messageId: number) => void
  onAcknowledged: (result: AckResult) => void
}

/** Only the author edits a message (the server refuses anyone else). */
export function canEdit(message: MessageView): boolean {
  if (message.kind === 'system' || message.deletedAt !== null) return false
  return message.author?.id === me.value?.member.id
}

/** The author deletes their own message; a manager may remove anyone's. */
export function canDelete(message: MessageView): boolean {
  if (message.kind === 'system' || message.deletedAt !== null) return false
  return message.author?.id === me.value?.member.id || can('members.manage')
}

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
  const myId = me.value?.member.id
  const isMine = message.author?.id === myId
  const isDeleted = message.deletedAt !== null
  // Older cached messages have neither field: read missing as null.
  const guest = message.guest ?? null
  const isViaTelegram = message.via === 'telegram'
  const authorName = authorNameOf(message)
  const rank = guest ? null : rankOf(message.author?.id)
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

  const classes = [
    'msg',
    isMine ? 'msg-mine' : 'msg-theirs',
    isGroupStart ? 'msg-group-start' : '',
    isHighlighted ? 'is-highlighted' : '',
    isDeleted ? 'msg-deleted' : '',
  ]
  return (
    <div class={classes.filter(Boolean).join(' ')} id={`m-${message.id}`} data-message-id={message.id}>
      {!isMine && showAuthor ? (
        <span class="msg-avatar">
          {isGroupStart ? <Avatar name={authorName} size="small" isNeutral={!!guest} /> : null}
        </span>
      ) : null}
      <div class="msg-main">
        {isGroupStart && showAuthor && !isMine ? (
          guest ? (
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
              {message.body ? (
                <Markdown text={message.body} context={{ myUsername: me.value?.member.username.toLowerCase() }} />
              ) : null}
              <Attachments items={message.attachments} />
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
          aria-label={t('chat.messageActions', { name: authorName })}
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
        />
      ) : null}
      {isHistoryOpen ? <EditHistoryDialog messageId={message.id} onClose={() => setHistoryOpen(false)} /> : null}
    </div>
  )
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

function MessageSheet({
  message,
  handlers,
  onHistory,
  onClose,
}: {
  message: MessageView
  handlers: MessageHandlers
  onHistory: () => void
  onClose: () => void
}) {
  const myId = me.value?.member.id ?? -1
  const mine = new Set(message.reactions.filter((r) => r.memberIds.includes(myId)).map((r) => r.emoji))
  const then = (action: () => void) => () => {
    onClose()
    action()
  }
  return (
    <Dialog title={t('chat.messageTitle')} onClose={onClose} label={t('chat.messageSheet')}>
      <p class="sheet-preview">
        <strong>{authorNameOf(message)}: </strong>
        {plainPreview(message.notice?.title ?? message.body).slice(0, 120) || t('chat.attachmentOnly')}
      </p>
      <div class="emoji-grid" role="group" aria-label={t('chat.react')}>
        {QUICK_EMOJI.map((emoji) => (
          <button
            key={emoji}
            type="button"
            class={mine.has(emoji) ? 'emoji-button emoji-button-on' : 'emoji-button'}
            aria-pressed={mine.has(emoji) ? 'true' : 'false'}
            aria-label={t('chat.reactWith', { emoji })}
            onClick={then(() => handlers.onReact(message, emoji, !mine.has(emoji)))}
          >
            {emoji}
          </button>
        ))}
      </div>
      <div class="sheet-actions">
        <SheetAction icon="reply" onClick={then(() => handlers.onReply(message))}>
          {t('chat.reply')}
        </SheetAction>
        {message.body ? (
          <SheetAction
            icon="copy"
            onClick={then(
              () =>
                void copyText(message.body).then((ok) =>
                  toast(ok ? t('chat.copied') : t('invite.copyFailed'), ok ? 'success' : 'error'),
                ),
            )}
          >
            {t('chat.copyText')}
          </SheetAction>
        ) : null}
        {canEdit(message) && message.kind !== 'notice' ? (
          <SheetAction icon="edit" onClick={then(() => handlers.onEdit(message))}>
            {t('chat.edit')}
          </SheetAction>
        ) : null}
        {message.editedAt !== null && message.deletedAt === null ? (
          <SheetAction icon="clock" onClick={then(onHistory)}>
            {t('chat.editHistory')}
          </SheetAction>
        ) : null}
        {canDelete(message) ? (
          <SheetAction icon="trash" isDanger onClick={then(() => handlers.onDelete(message))}>
            {t('chat.delete')}
          </SheetAction>
        ) : null}
      </div>
    </Dialog>
  )
}

function SheetAction({
  icon,
  isDanger,
  onClick,
  children,
}: {
  icon: 'reply' | 'copy' | 'edit' | 'trash' | 'clock'
  isDanger?: boolean
  onClick: () => void
  children: ComponentChildren
}) {
  return (
    <button type="button" class={isDanger ? 'sheet-action sheet-action-danger' : 'sheet-action'} onClick={onClick}>
      <Icon name={icon} size={20} />
      <span>{children}</span>
    </button>
  )
}

/** A message still in the outbox: greyed with a clock, or with the server's refusal. */
export function PendingItem({ item }: { item: PendingSend }) {
  return (
    <div class="msg msg-mine msg-pending" data-client-key={item.clientKey} data-testid="pending-message">
      <div class="msg-main">
        <div class="msg-bubble">
          {item.replyTo ? (
            <span class="msg-quote">
              <span class="msg-quote-author">{item.replyTo.authorName}</span>
              <span class="msg-quote-text">{item.replyTo.excerpt}</span>
            </span>
          ) : null}
          {item.body ? <Markdown text={item.body} /> : null}
          {item.labels.length ? (
            <div class="atts">
              {item.labels.map((label, index) => {
                const input = item.attachments[index]
                if (input && 'location' in input) {
                  return (
                    <LocationChip
                      key={index}
                      latitude={input.location.latitude}
                      longitude={input.location.longitude}
                      accuracyM={input.location.accuracyM ?? null}
                    />
                  )
                }
                return (
                  <span key={index} class="att-file">
                    <span class="att-file-icon">
                      <Icon
                        name={label.kind === 'image' ? 'image' : label.kind === 'audio' ? 'mic' : 'file'}
                        size={20}
                      />
                    </span>
                    <span class="att-file-text">
                      <span class="att-file-name">{label.name}</span>
                    </span>
                  </span>
                )
              })}
            </div>
          ) : null}
          <span class="msg-meta">
            {item.error ? (
              <span class="msg-failed">
                <Icon name="alert" size={14} /> {t('chat.notSent')}
              </span>
            ) : (
              <span class="msg-waiting">
                <Icon name="clock" size={14} label={t('chat.pending')} />
                {t('chat.pendingShort')}
              </span>
            )}
          </span>
        </div>
        {item.error ? (
          <div class="msg-pending-actions">
            <p class="msg-error" role="alert">
              {item.error}
            </p>
            <button type="button" class="button button-ghost button-small" onClick={() => retry(item.clientKey)}>
              {t('common.retry')}
            </button>
            <button type="button" class="button button-ghost button-small" onClick={() => discard(item.clientKey)}>
              {t('chat.discard')}
            </button>
          </div>
        ) : null}
      </div>
    </div>
  )
}
