/**
 * One notice as a card: urgent ones loud, must-acknowledge ones with a big one-tap "I've
 * read this" and the count of who has; the author and managers get a menu (move to top,
 * unpin, delete; editing is for the author alone) and the list of who has read it and who
 * has not. "Edited" opens the notice's earlier versions.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t, tn } from '../../lib/i18n'
import { can, me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { Button } from '../../ui/button'
import { confirm, Dialog } from '../../ui/dialog'
import { Loading } from '../../ui/empty-state'
import { Icon } from '../../ui/icons'
import { announce } from '../../ui/announcer'
import { toast } from '../../ui/toast'
import { Attachments } from '../chat/attachments'
import { EditHistoryDialog } from '../chat/edit-history'
import { chatApi, type AckReport, type AckResult, type MessageView } from '../chat/chat-api'
import { Markdown } from '../../lib/markdown'
import { formatWhen } from '../chat/time'
import { EditNoticeDialog } from './notice-form'

export interface NoticeCardProps {
  message: MessageView
  /** When I acknowledged it, if I have. */
  ackAt: number | null
  onAcknowledged: (result: AckResult) => void
  /** Where "Reply" leads, if replies are offered here. */
  replyHref?: string | undefined
  onReply?: (() => void) | undefined
  isCompact?: boolean
  isHighlighted?: boolean
}

export function canManageNotice(message: MessageView): boolean {
  return message.author?.id === me.value?.member.id || can('members.manage')
}

export function NoticeCard({
  message,
  ackAt,
  onAcknowledged,
  replyHref,
  onReply,
  isCompact,
  isHighlighted,
}: NoticeCardProps) {
  const notice = message.notice
  const [isAcking, setAcking] = useState(false)
  const [isMenuOpen, setMenuOpen] = useState(false)
  const [isReportOpen, setReportOpen] = useState(false)
  const [isEditing, setEditing] = useState(false)
  const [isHistoryOpen, setHistoryOpen] = useState(false)
  const hasJustAcked = useRef(false)
  const ackedLine = useRef<HTMLParagraphElement>(null)
  useEffect(() => {
    if (!hasJustAcked.current || !ackedLine.current) return
    hasJustAcked.current = false
    ackedLine.current.focus()
  }, [ackAt])
  if (!notice) return null
  const myId = me.value?.member.id
  const isAuthor = message.author?.id === myId
  const canManage = canManageNotice(message)
  const isDeleted = message.deletedAt !== null
  const titleId = `notice-${message.id}-title`
  const now = Date.now()
  const isOverdue = notice.acknowledgeBy !== null && notice.acknowledgeBy < now && ackAt === null && !isAuthor

  const acknowledge = async () => {
    setAcking(true)
    // The button goes away: keep focus on the card's new state, not the page body — set
    // before asking, since the live event may draw that state before the answer arrives.
    hasJustAcked.current = true
    try {
      const result = await chatApi.acknowledge(message.id)
      onAcknowledged(result)
      announce(t('board.acknowledgedAt', { time: formatWhen(result.at) }))
    } catch (error) {
      hasJustAcked.current = false
      toast(errorMessage(error), 'error')
    } finally {
      setAcking(false)
    }
  }

  if (isDeleted) {
    return (
      <article class="notice-card notice-card-deleted">
        <p class="muted">{message.isRemovedByManager ? t('chat.removedByManager') : t('chat.messageDeleted')}</p>
      </article>
    )
  }

  const classes = [
    'notice-card',
    notice.isUrgent ? 'notice-card-urgent' : '',
    notice.mustAcknowledge && ackAt === null && !isAuthor ? 'notice-card-todo' : '',
    isCompact ? 'notice-card-compact' : '',
    !notice.isPinned ? 'notice-card-unpinned' : '',
    isHighlighted ? 'is-highlighted' : '',
  ]
  return (
    <article class={classes.filter(Boolean).join(' ')} aria-labelledby={titleId} data-message-id={message.id}>
      <header class="notice-head">
        <div class="notice-flags">
          {notice.isUrgent ? (
            <span class="notice-flag notice-flag-urgent">
              <Icon name="alert" size={16} /> {t('board.urgent')}
            </span>
          ) : null}
          {notice.isPinned ? (
            <span class="notice-flag">
              <Icon name="pin" size={14} /> {t('board.pinned')}
            </span>
          ) : (
            <span class="notice-flag">{t('board.notPinned')}</span>
          )}
          {notice.mustAcknowledge ? <span class="notice-flag notice-flag-ack">{t('board.mustAck')}</span> : null}
        </div>
        {canManage ? (
          <button
            type="button"
            class="icon-button notice-menu-button"
            aria-label={t('board.noticeActions', { title: notice.title })}
            onClick={() => setMenuOpen(true)}
          >
            <Icon name="more" size={22} />
          </button>
        ) : null}
      </header>
      <h2 class="notice-title" id={titleId}>
        {notice.title}
      </h2>
      {message.body ? <Markdown text={message.body} surface="notice" myUsername={me.value?.member.username} /> : null}
      <p class="notice-meta">
        {message.author ? <Avatar name={message.author.displayName} size="small" /> : null}
        <span>
          <strong>{message.author?.displayName ?? t('chat.someone')}</strong>
          <span class="notice-meta-sep" aria-hidden="true">
            {' · '}
          </span>
          <time dateTime={new Date(message.createdAt).toISOString()}>{formatWhen(message.createdAt)}</time>
          {message.editedAt ? (
            <>
              <span class="muted"> · </span>
              <button
                type="button"
                class="link-button muted"
                aria-label={t('chat.editHistory')}
                onClick={() => setHistoryOpen(true)}
              >
                {t('chat.edited')}
              </button>
            </>
          ) : null}
        </span>
      </p>
      {notice.expiresAt || notice.acknowledgeBy ? (
        <p class="notice-dates">
          {notice.acknowledgeBy ? (
            <span class={isOverdue ? 'notice-due notice-due-late' : 'notice-due'}>
              <Icon name="clock" size={16} />
              {isOverdue
                ? t('board.overdue', { when: formatWhen(notice.acknowledgeBy) })
                : t('board.dueBy', { when: formatWhen(notice.acknowledgeBy) })}
            </span>
          ) : null}
          {notice.expiresAt ? (
            <span>
              <Icon name="clock" size={16} />
              {t('board.expires', { when: formatWhen(notice.expiresAt) })}
            </span>
          ) : null}
        </p>
      ) : null}
      {notice.mustAcknowledge ? (
        <div class="notice-ack">
          {isAuthor ? null : ackAt !== null ? (
            <p class="notice-acked" tabIndex={-1} ref={ackedLine}>
              <Icon name="check" size={20} />
              {t('board.acknowledgedAt', { time: formatWhen(ackAt) })}
            </p>
          ) : (
            <Button
              variant="primary"
              isBlock
              icon="check"
              class="notice-ack-button"
              isBusy={isAcking}
              onClick={() => void acknowledge()}
            >
              {t('board.acknowledge')}
            </Button>
          )}
          <div class="notice-progress">
            <span class="notice-progress-text">
              {t('board.ackProgress', { count: notice.ackCount, total: notice.ackTotal })}
            </span>
            <progress
              max={Math.max(1, notice.ackTotal)}
              value={notice.ackCount}
              aria-label={t('board.ackProgress', { count: notice.ackCount, total: notice.ackTotal })}
            />
            {canManage ? (
              <button type="button" class="link-button" onClick={() => setReportOpen(true)}>
                {t('board.seeWho')}
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
      {/* After the button: "I've read this" is reachable without scrolling past a photo. */}
      <Attachments items={message.attachments} />
      {replyHref || onReply || message.reactions.length ? (
        <div class="notice-foot">
          {message.reactions.length ? (
            <span class="notice-reactions">
              {message.reactions.map((reaction) => (
                <span key={reaction.emoji} class="reaction reaction-static">
                  {reaction.emoji} {reaction.count}
                </span>
              ))}
            </span>
          ) : null}
          {replyHref ? (
            <a class="button button-ghost button-small" href={replyHref}>
              <Icon name="reply" size={18} />
              <span>{t('chat.reply')}</span>
            </a>
          ) : onReply ? (
            <button type="button" class="button button-ghost button-small" onClick={onReply}>
              <Icon name="reply" size={18} />
              <span>{t('chat.reply')}</span>
            </button>
          ) : null}
        </div>
      ) : null}
      {isMenuOpen ? (
        <NoticeMenu
          message={message}
          onClose={() => setMenuOpen(false)}
          onEdit={() => {
            setMenuOpen(false)
            setEditing(true)
          }}
          onReport={() => {
            setMenuOpen(false)
            setReportOpen(true)
          }}
        />
      ) : null}
      {isReportOpen ? <AckReportDialog message={message} onClose={() => setReportOpen(false)} /> : null}
      {isEditing ? <EditNoticeDialog message={message} onClose={() => setEditing(false)} /> : null}
      {isHistoryOpen ? <EditHistoryDialog messageId={message.id} onClose={() => setHistoryOpen(false)} /> : null}
    </article>
  )
}

function NoticeMenu({
  message,
  onClose,
  onEdit,
  onReport,
}: {
  message: MessageView
  onClose: () => void
  onEdit: () => void
  onReport: () => void
}) {
  const notice = message.notice
  const [isBusy, setBusy] = useState(false)
  if (!notice) return null
  const run = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true)
    try {
      await action()
      toast(done)
      onClose()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setBusy(false)
    }
  }
  const remove = async () => {
    onClose()
    const ok = await confirm({
      title: t('board.deleteTitle'),
      body: t('board.deleteBody', { title: notice.title }),
      confirmLabel: t('chat.delete'),
      isDanger: true,
    })
    if (!ok) return
    try {
      await chatApi.remove(message.id)
      toast(t('board.deleted'))
    } catch (error) {
      toast(errorMessage(error), 'error')
    }
  }
  return (
    <Dialog title={notice.title} onClose={onClose} label={t('board.noticeActions', { title: notice.title })}>
      <div class="sheet-actions">
        {notice.isPinned ? (
          <button
            type="button"
            class="sheet-action"
            disabled={isBusy}
            onClick={() => void run(() => chatApi.patchNotice(message.id, { moveToTop: true }), t('board.movedToTop'))}
          >
            <Icon name="arrowUp" size={20} /> {t('board.moveToTop')}
          </button>
        ) : null}
        <button
          type="button"
          class="sheet-action"
          disabled={isBusy}
          onClick={() =>
            void run(
              () => chatApi.patchNotice(message.id, { isPinned: !notice.isPinned, moveToTop: !notice.isPinned }),
              notice.isPinned ? t('board.unpinned') : t('board.repinned'),
            )
          }
        >
          <Icon name="pin" size={20} /> {notice.isPinned ? t('board.unpin') : t('board.pinAgain')}
        </button>
        {message.author?.id === me.value?.member.id ? (
          <button type="button" class="sheet-action" onClick={onEdit}>
            <Icon name="edit" size={20} /> {t('board.edit')}
          </button>
        ) : null}
        {notice.mustAcknowledge ? (
          <button type="button" class="sheet-action" onClick={onReport}>
            <Icon name="eye" size={20} /> {t('board.seeWho')}
          </button>
        ) : null}
        <button type="button" class="sheet-action sheet-action-danger" onClick={() => void remove()}>
          <Icon name="trash" size={20} /> {t('chat.delete')}
        </button>
      </div>
    </Dialog>
  )
}

function AckReportDialog({ message, onClose }: { message: MessageView; onClose: () => void }) {
  const [report, setReport] = useState<AckReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  const ackCount = message.notice?.ackCount ?? 0
  useEffect(() => {
    chatApi.ackReport(message.id).then(setReport, (failure: unknown) => setError(errorMessage(failure)))
  }, [message.id, ackCount])
  return (
    <Dialog title={t('board.whoTitle')} onClose={onClose}>
      <p class="muted who-subtitle">{message.notice?.title}</p>
      {error ? <p class="notice notice-error">{error}</p> : null}
      {!report && !error ? <Loading label={t('common.loading')} /> : null}
      {report ? (
        <>
          <h3 class="who-heading">{tn('board.whoMissing', report.missing.length)}</h3>
          {report.missing.length ? (
            <ul class="who-list">
              {report.missing.map((person) => (
                <li key={person.id}>
                  <Avatar name={person.displayName} size="small" />
                  <span>{person.displayName}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{t('board.everyoneRead')}</p>
          )}
          <h3 class="who-heading">{tn('board.whoRead', report.acknowledged.length)}</h3>
          <ul class="who-list">
            {report.acknowledged.map((person) => (
              <li key={person.id}>
                <Avatar name={person.displayName} size="small" />
                <span>{person.displayName}</span>
                <span class="who-time">{formatWhen(person.at)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Dialog>
  )
}
