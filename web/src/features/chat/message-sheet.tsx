/** The action sheet of a message: quick reactions, reply, copy, edit, history and delete, as far as the reader may. */
import '../customers/messages'
import type { ComponentChildren } from 'preact'
import { t } from '../../lib/i18n'
import { can, me } from '../../lib/session'
import { copyText } from '../../ui/copy'
import { Dialog } from '../../ui/dialog'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import type { MessageView } from './chat-api'
import { plainPreview } from '../../lib/markdown'
import { authorNameOf } from './people'
import type { MessageHandlers } from './message-actions'

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

export function MessageSheet({
  message,
  handlers,
  onHistory,
  onClose,
  onMakeTask,
  onShare,
}: {
  message: MessageView
  handlers: MessageHandlers
  onHistory: () => void
  onClose: () => void
  /** A customer's message: make a task of it, share it to a channel. */
  onMakeTask?: (() => void) | undefined
  onShare?: (() => void) | undefined
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
        {onMakeTask ? (
          <SheetAction icon="task" onClick={then(onMakeTask)}>
            {t('customers.makeTask')}
          </SheetAction>
        ) : null}
        {onShare ? (
          <SheetAction icon="share" onClick={then(onShare)}>
            {t('customers.shareToChannel')}
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
  icon: 'reply' | 'copy' | 'edit' | 'trash' | 'clock' | 'task' | 'share'
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
