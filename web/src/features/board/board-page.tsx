/**
 * /board — the shop's noticeboard: pinned notices as cards (urgent first, then in pinned
 * order) with one-tap acknowledgement, and below them the board's other messages
 * (replies to notices, older notices). Everything updates live.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { can, me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { ErrorBoundary } from '../../ui/error-boundary'
import { Icon } from '../../ui/icons'
import { Page } from '../../ui/page'
import { Attachments } from '../chat/attachments'
import { chatApi, type AckResult, type MessageView } from '../chat/chat-api'
import { Markdown, plainPreview } from '../../lib/markdown'
import { systemText } from '../chat/message-item'
import { boardConversation, markReadLocally } from '../chat/store'
import { formatWhen } from '../chat/time'
import { NoticeCard } from './notice-card'
import '../chat/chat.css'
import './board.css'

const RECENT = 30

export function BoardPage() {
  const boardId = boardConversation.value?.id ?? null
  const [notices, setNotices] = useState<MessageView[] | null>(null)
  const [recent, setRecent] = useState<MessageView[] | null>(null)
  const [acks, setAcks] = useState<ReadonlyMap<number, number>>(new Map())
  const [error, setError] = useState<string | null>(null)
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const myId = me.value?.member.id

  const loadNotices = async () => {
    try {
      const result = await chatApi.notices()
      setNotices(result.notices)
      setAcks((old) => {
        const next = new Map(old)
        for (const ack of result.acknowledged) next.set(ack.messageId, ack.at)
        return next
      })
      setError(null)
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }

  const loadRecent = async (id: number) => {
    try {
      const history = await chatApi.history(id, { limit: RECENT })
      setRecent(history.messages)
      setAcks((old) => {
        const next = new Map(old)
        for (const ack of history.acknowledged) next.set(ack.messageId, ack.at)
        return next
      })
      const last = history.messages[history.messages.length - 1]
      if (last && document.visibilityState === 'visible') {
        markReadLocally(id, last.id)
        void chatApi.markRead(id, last.id).catch(() => undefined)
      }
    } catch {
      setRecent([])
    }
  }

  const reload = () => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current)
    reloadTimer.current = setTimeout(() => {
      void loadNotices()
      if (boardId) void loadRecent(boardId)
    }, 150)
  }

  useEffect(() => {
    void loadNotices()
    return () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current)
    }
  }, [])
  useEffect(() => {
    if (boardId) void loadRecent(boardId)
  }, [boardId])

  const patchNotice = (messageId: number, change: (message: MessageView) => MessageView) => {
    const apply = (list: MessageView[] | null) => list?.map((m) => (m.id === messageId ? change(m) : m)) ?? list
    setNotices(apply)
    setRecent(apply)
  }

  useLive(['message.', 'notice.', 'reaction.'], (event) => {
    if (event === null) {
      reload()
      return
    }
    switch (event.type) {
      case 'notice.acknowledged': {
        const { messageId, memberId, at, ackCount, ackTotal } = event.data
        patchNotice(messageId, (m) => (m.notice ? { ...m, notice: { ...m.notice, ackCount, ackTotal } } : m))
        if (memberId === myId) setAcks((old) => new Map(old).set(messageId, at))
        break
      }
      case 'reaction.changed':
        if (event.data.conversationId === boardId)
          patchNotice(event.data.messageId, (m) => ({ ...m, reactions: event.data.reactions }))
        break
      case 'message.updated':
        if (event.data.message.conversationId === boardId) {
          const updated = event.data.message
          patchNotice(updated.id, () => updated)
          // Pinning, urgency and order may have changed: ask for the order again.
          if (updated.notice) reload()
        }
        break
      case 'message.created':
        if (event.data.message.conversationId === boardId) reload()
        break
      case 'message.deleted':
        if (event.data.conversationId === boardId) reload()
        break
      case 'notice.unpinned':
        reload()
        break
      default:
        break
    }
  })

  const onAcknowledged = (result: AckResult) => {
    setAcks((old) => new Map(old).set(result.messageId, result.at))
    patchNotice(result.messageId, (m) =>
      m.notice ? { ...m, notice: { ...m.notice, ackCount: result.ackCount, ackTotal: result.ackTotal } } : m,
    )
  }

  const pinnedIds = new Set((notices ?? []).map((notice) => notice.id))
  const others = (recent ?? []).filter((message) => !pinnedIds.has(message.id) && message.deletedAt === null).reverse()
  const toAcknowledge = (notices ?? []).filter(
    (notice) => notice.notice?.mustAcknowledge && !acks.has(notice.id) && notice.author?.id !== myId,
  ).length
  const boardHref = boardId ? `/chat/${boardId}` : '/chat'
  const titles = new Map(
    [...(notices ?? []), ...(recent ?? [])].flatMap((m) => (m.notice ? [[m.id, m.notice.title] as const] : [])),
  )

  return (
    <Page
      title={t('chat.navBoard')}
      subtitle={
        toAcknowledge ? <span class="board-todo">{tn('board.toAcknowledge', toAcknowledge)}</span> : me.value?.shop.name
      }
      actions={
        <a class="icon-button" href="/search" aria-label={t('chat.searchAll')}>
          <Icon name="search" size={22} />
        </a>
      }
      primary={
        can('board.post') ? (
          <LinkButton href="/board/new" variant="primary" icon="plus">
            {t('board.newNotice')}
          </LinkButton>
        ) : undefined
      }
    >
      {error ? <p class="notice notice-error">{error}</p> : null}
      {notices === null && !error ? <Loading label={t('common.loading')} /> : null}
      {notices && notices.length === 0 ? (
        <div class="card">
          <EmptyState icon="board" title={t('board.emptyTitle')}>
            {can('board.post') ? t('board.emptyPoster') : t('board.emptyText')}
          </EmptyState>
        </div>
      ) : null}
      {notices?.length ? (
        <section aria-label={t('board.pinnedNotices')}>
          <ul class="notice-list">
            {notices.map((notice) => (
              <li key={notice.id}>
                <ErrorBoundary>
                  <NoticeCard
                    message={notice}
                    ackAt={acks.get(notice.id) ?? null}
                    onAcknowledged={onAcknowledged}
                    replyHref={boardId ? `/chat/${boardId}?reply=${notice.id}` : undefined}
                  />
                </ErrorBoundary>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section class="card board-recent" aria-labelledby="board-recent-title">
        <div class="card-header">
          <h2 class="card-title" id="board-recent-title">
            {t('board.recentTitle')}
          </h2>
          <div class="card-actions">
            <a href={boardHref}>{t('board.openConversation')}</a>
          </div>
        </div>
        {recent === null ? <Loading label={t('common.loading')} /> : null}
        {recent && others.length === 0 ? <p class="muted">{t('board.recentEmpty')}</p> : null}
        {others.length ? (
          <ul class="board-feed">
            {others.map((message) => (
              <li key={message.id}>
                <ErrorBoundary>
                  <FeedItem message={message} boardHref={boardHref} titles={titles} />
                </ErrorBoundary>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </Page>
  )
}

function FeedItem({
  message,
  boardHref,
  titles,
}: {
  message: MessageView
  boardHref: string
  titles: ReadonlyMap<number, string>
}) {
  const href = `${boardHref}?at=${message.id}`
  if (message.kind === 'system') {
    return (
      <a class="feed-item feed-system" href={href}>
        <span class="muted">{systemText(message)}</span>
      </a>
    )
  }
  const author = message.author?.displayName ?? t('chat.someone')
  return (
    <div class="feed-item">
      <Avatar name={author} size="small" />
      <div class="feed-main">
        <p class="feed-head">
          <strong>{author}</strong>
          <a class="feed-time" href={href}>
            <time dateTime={new Date(message.createdAt).toISOString()}>{formatWhen(message.createdAt)}</time>
          </a>
        </p>
        {message.replyTo ? (
          <a class="feed-reply" href={`${boardHref}?at=${message.replyTo.id}`}>
            <Icon name="reply" size={14} />
            {t('board.inReplyTo', {
              name: message.replyTo.authorName,
              excerpt: titles.get(message.replyTo.id) ?? plainPreview(message.replyTo.excerpt).slice(0, 60),
            })}
          </a>
        ) : null}
        {message.notice ? <p class="feed-notice-title">{message.notice.title}</p> : null}
        {message.body ? <Markdown text={message.body} surface="notice" myUsername={me.value?.member.username} /> : null}
        <Attachments items={message.attachments} />
        {message.reactions.length ? (
          <p class="notice-reactions">
            {message.reactions.map((reaction) => (
              <span key={reaction.emoji} class="reaction reaction-static">
                {reaction.emoji} {reaction.count}
              </span>
            ))}
          </p>
        ) : null}
      </div>
    </div>
  )
}
