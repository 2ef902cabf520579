/**
 * A conversation: history grouped by day and author (scroll up for older messages, or
 * open at one message from a search hit), live updates, typing indicators, "seen by" in
 * direct conversations, marking read when the newest message is in view, and the composer.
 */
import { MuteButton } from '../notifications/mute-button'
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t, tn } from '../../lib/i18n'
import { subscribeTyping, useLive } from '../../lib/live'
import { currentSearch, hasNavigated, navigate } from '../../lib/router'
import { can, me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { Button } from '../../ui/button'
import { confirm, Dialog } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { ErrorBoundary } from '../../ui/error-boundary'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import { chatApi, type AckResult, type ConversationDetail, type MessageView, type PersonRef } from './chat-api'
import { ChannelSettings, canManageChannel, RemovePersonButton } from './channel-admin'
import { Composer } from './composer'
import { MessageItem, PendingItem, SystemLine, type MessageHandlers } from './message-item'
import { onDelivered, pendingSends } from './outbox'
import { activeMembers, conversationTitle, ensureMembers, listNames, otherPeople } from './people'
import { PeoplePicker } from './people-picker'
import { PresenceDot, presenceText } from './presence'
import { markReadLocally, reloadConversations } from './store'
import { dayKey, dayLabel } from './time'

const PAGE = 50
const GROUP_GAP_MS = 5 * 60_000
const TYPING_TTL_MS = 5_000
const HIGHLIGHT_MS = 2_500
const NEAR_BOTTOM_PX = 80

type ScrollIntent =
  { kind: 'bottom' } | { kind: 'keep'; height: number; top: number } | { kind: 'message'; id: number } | null

type Row =
  { kind: 'day'; key: string; label: string } | { kind: 'message'; message: MessageView; isGroupStart: boolean }

function merge(list: readonly MessageView[], incoming: readonly MessageView[]): MessageView[] {
  const byId = new Map(list.map((message) => [message.id, message]))
  for (const message of incoming) byId.set(message.id, message)
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

function rowsOf(messages: readonly MessageView[]): Row[] {
  const rows: Row[] = []
  let previous: MessageView | null = null
  for (const message of messages) {
    const day = dayKey(message.createdAt)
    const isNewDay = !previous || dayKey(previous.createdAt) !== day
    if (isNewDay) rows.push({ kind: 'day', key: day, label: dayLabel(message.createdAt) })
    const isGroupStart =
      isNewDay ||
      !previous ||
      previous.kind === 'system' ||
      previous.kind === 'notice' ||
      previous.author?.id !== message.author?.id ||
      // Two Telegram guests in a row are two people, though neither has a member id.
      (previous.guest?.name ?? null) !== (message.guest?.name ?? null) ||
      message.createdAt - previous.createdAt > GROUP_GAP_MS
    rows.push({ kind: 'message', message, isGroupStart })
    previous = message
  }
  return rows
}

function paramOf(name: string): number | null {
  const value = Number(new URLSearchParams(currentSearch.value).get(name))
  return Number.isInteger(value) && value > 0 ? value : null
}

export function ConversationView({ id }: { id: number }) {
  const myId = me.value?.member.id ?? 0
  const [detail, setDetail] = useState<ConversationDetail | null>(null)
  const [messages, setMessages] = useState<MessageView[]>([])
  const [acks, setAcks] = useState<ReadonlyMap<number, number>>(new Map())
  const [hasOlder, setHasOlder] = useState(false)
  const [hasNewer, setHasNewer] = useState(false)
  const [isLoading, setLoading] = useState(true)
  const [isLoadingOlder, setLoadingOlder] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [highlightId, setHighlightId] = useState<number | null>(null)
  const [replyTo, setReplyTo] = useState<MessageView | null>(null)
  const [editing, setEditing] = useState<MessageView | null>(null)
  const [typing, setTyping] = useState<ReadonlyMap<number, number>>(new Map())
  const [newBelow, setNewBelow] = useState(0)
  const [isAtBottomState, setAtBottomState] = useState(true)
  const [isPeopleOpen, setPeopleOpen] = useState(false)
  const scroller = useRef<HTMLDivElement>(null)
  const intent = useRef<ScrollIntent>(null)
  const isAtBottom = useRef(true)
  const readSent = useRef(0)
  const latest = useRef({ messages, hasNewer, hasOlder, isLoadingOlder })
  latest.current = { messages, hasNewer, hasOlder, isLoadingOlder }

  const applyHistory = (history: { messages: MessageView[]; acknowledged: { messageId: number; at: number }[] }) => {
    setAcks((old) => {
      const next = new Map(old)
      for (const ack of history.acknowledged) next.set(ack.messageId, ack.at)
      return next
    })
  }

  const highlight = (messageId: number) => {
    setHighlightId(messageId)
    setTimeout(() => setHighlightId((current) => (current === messageId ? null : current)), HIGHLIGHT_MS)
  }

  /** Loads the newest page, or the page around a message. */
  const loadAt = useCallback(
    async (aroundId: number | null) => {
      setLoading(true)
      setError(null)
      try {
        const history = await chatApi.history(id, aroundId ? { aroundId, limit: PAGE } : { limit: PAGE })
        applyHistory(history)
        setMessages(history.messages)
        if (aroundId) {
          const index = history.messages.findIndex((message) => message.id === aroundId)
          setHasOlder(index >= Math.floor(PAGE / 2))
          setHasNewer(history.messages.length - index - 1 >= Math.floor(PAGE / 2) - 1)
          intent.current = { kind: 'message', id: aroundId }
          highlight(aroundId)
        } else {
          setHasOlder(history.messages.length >= PAGE)
          setHasNewer(false)
          intent.current = { kind: 'bottom' }
        }
        setNewBelow(0)
      } catch (failure) {
        setError(errorMessage(failure))
      } finally {
        setLoading(false)
      }
    },
    [id],
  )

  const loadDetail = useCallback(async () => {
    try {
      setDetail(await chatApi.conversation(id))
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }, [id])

  useEffect(() => {
    void loadDetail()
    const at = paramOf('at')
    const reply = paramOf('reply')
    void loadAt(at ?? reply)
  }, [id])

  // Deep links within the same conversation (a second search hit, a reply link).
  useEffect(() => {
    const at = paramOf('at')
    const reply = paramOf('reply')
    if (reply) {
      const target = latest.current.messages.find((message) => message.id === reply)
      if (target) setReplyTo(target)
    }
    if (at && !isLoading) jumpTo(at)
  }, [currentSearch.value, isLoading])

  useEffect(() => {
    ensureMembers()
  }, [])

  const jumpTo = (messageId: number) => {
    const isLoaded = latest.current.messages.some((message) => message.id === messageId)
    if (isLoaded) {
      document.getElementById(`m-${messageId}`)?.scrollIntoView({ block: 'center', behavior: 'smooth' })
      highlight(messageId)
    } else {
      void loadAt(messageId)
    }
  }

  const loadOlder = async () => {
    const { messages: list, hasOlder: more, isLoadingOlder: busy } = latest.current
    const first = list[0]
    if (!more || busy || !first) return
    setLoadingOlder(true)
    try {
      const history = await chatApi.history(id, { beforeId: first.id, limit: PAGE })
      applyHistory(history)
      const el = scroller.current
      if (el) intent.current = { kind: 'keep', height: el.scrollHeight, top: el.scrollTop }
      setMessages((old) => merge(old, history.messages))
      setHasOlder(history.messages.length >= PAGE)
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    } finally {
      setLoadingOlder(false)
    }
  }

  const loadNewer = async () => {
    const { messages: list, hasNewer: more } = latest.current
    const last = list[list.length - 1]
    if (!more || !last) return
    setHasNewer(false)
    try {
      const history = await chatApi.history(id, { afterId: last.id, limit: PAGE })
      applyHistory(history)
      setMessages((old) => merge(old, history.messages))
      setHasNewer(history.messages.length >= PAGE)
    } catch (failure) {
      setHasNewer(true)
      toast(errorMessage(failure), 'error')
    }
  }

  const lastRealId = (): number => {
    const list = latest.current.messages
    return list.length ? (list[list.length - 1] as MessageView).id : 0
  }

  const maybeMarkRead = () => {
    if (document.visibilityState !== 'visible' || !isAtBottom.current || latest.current.hasNewer) return
    const lastId = lastRealId()
    if (lastId <= readSent.current) return
    readSent.current = lastId
    markReadLocally(id, lastId)
    chatApi.markRead(id, lastId).catch(() => {
      readSent.current = 0
    })
  }

  const onScroll = () => {
    const el = scroller.current
    if (!el) return
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX
    isAtBottom.current = atBottom
    if (atBottom !== isAtBottomState) setAtBottomState(atBottom)
    if (atBottom) {
      setNewBelow(0)
      if (latest.current.hasNewer) void loadNewer()
      maybeMarkRead()
    }
    if (el.scrollTop < 300) void loadOlder()
  }

  const myPending = pendingSends.value.filter(
    (item) => item.conversationId === id && !messages.some((message) => message.clientKey === item.clientKey),
  )

  useLayoutEffect(() => {
    const el = scroller.current
    const wanted = intent.current
    if (!el || !wanted) return
    intent.current = null
    if (wanted.kind === 'bottom') el.scrollTop = el.scrollHeight
    else if (wanted.kind === 'keep') el.scrollTop = wanted.top + (el.scrollHeight - wanted.height)
    else document.getElementById(`m-${wanted.id}`)?.scrollIntoView({ block: 'center' })
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX
    isAtBottom.current = atBottom
    setAtBottomState(atBottom)
  }, [messages, myPending.length, typing.size])

  useEffect(() => {
    maybeMarkRead()
  }, [messages, isLoading])

  useEffect(() => {
    const onVisible = () => maybeMarkRead()
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [id])

  const addIncoming = (message: MessageView) => {
    if (latest.current.hasNewer) {
      setNewBelow((count) => count + 1)
      return
    }
    const isMine = message.author?.id === myId
    if (isAtBottom.current || isMine) intent.current = { kind: 'bottom' }
    else if (message.kind !== 'system') setNewBelow((count) => count + 1)
    setMessages((old) => merge(old, [message]))
    setTyping((old) => {
      if (!message.author || !old.has(message.author.id)) return old
      const next = new Map(old)
      next.delete(message.author.id)
      return next
    })
  }

  useEffect(
    () =>
      onDelivered((message) => {
        if (message.conversationId === id) addIncoming(message)
      }),
    [id],
  )

  useLive(['message.', 'reaction.', 'read.', 'notice.', 'conversation.'], (event) => {
    if (event === null) {
      void loadDetail()
      void loadAt(null)
      return
    }
    switch (event.type) {
      case 'message.created':
        if (event.data.message.conversationId === id) addIncoming(event.data.message)
        break
      case 'message.updated':
        if (event.data.message.conversationId === id)
          setMessages((old) =>
            old.some((m) => m.id === event.data.message.id) ? merge(old, [event.data.message]) : old,
          )
        break
      case 'message.deleted':
        if (event.data.conversationId === id)
          setMessages((old) =>
            old.map((m) =>
              m.id === event.data.messageId
                ? {
                    ...m,
                    deletedAt: event.at,
                    isRemovedByManager: event.data.isRemovedByManager,
                    body: '',
                    attachments: [],
                    reactions: [],
                  }
                : m.replyTo?.id === event.data.messageId
                  ? { ...m, replyTo: { ...m.replyTo, excerpt: '', isDeleted: true } }
                  : m,
            ),
          )
        break
      case 'reaction.changed':
        if (event.data.conversationId === id)
          setMessages((old) =>
            old.map((m) => (m.id === event.data.messageId ? { ...m, reactions: event.data.reactions } : m)),
          )
        break
      case 'notice.acknowledged': {
        const { messageId, memberId, at, ackCount, ackTotal } = event.data
        setMessages((old) =>
          old.map((m) => (m.id === messageId && m.notice ? { ...m, notice: { ...m.notice, ackCount, ackTotal } } : m)),
        )
        if (memberId === myId) setAcks((old) => new Map(old).set(messageId, at))
        break
      }
      case 'notice.unpinned':
        setMessages((old) =>
          old.map((m) =>
            m.id === event.data.messageId && m.notice ? { ...m, notice: { ...m.notice, isPinned: false } } : m,
          ),
        )
        break
      case 'read.updated':
        if (event.data.conversationId === id)
          setDetail((old) =>
            old
              ? {
                  ...old,
                  people: old.people.map((person) =>
                    person.id === event.data.memberId
                      ? { ...person, lastReadId: Math.max(person.lastReadId, event.data.lastReadId) }
                      : person,
                  ),
                }
              : old,
          )
        break
      case 'conversation.updated':
        if (event.data.conversation.id === id) setDetail((old) => (old ? { ...old, ...event.data.conversation } : old))
        break
      case 'conversation.member_added':
        if (event.data.conversationId === id) void loadDetail()
        break
      case 'conversation.member_removed':
        if (event.data.conversationId !== id) break
        if (event.data.memberId === myId) {
          toast(t('chat.removedFromConversation'), 'info')
          navigate('/chat', { replace: true })
        } else void loadDetail()
        break
    }
  })

  // Typing frames: show a name for five seconds after each.
  useEffect(
    () =>
      subscribeTyping((conversationId, memberId) => {
        if (conversationId !== id || memberId === myId) return
        setTyping((old) => new Map(old).set(memberId, Date.now() + TYPING_TTL_MS))
      }),
    [id],
  )
  useEffect(() => {
    if (typing.size === 0) return
    const next = Math.min(...typing.values())
    const timer = setTimeout(
      () =>
        setTyping((old) => {
          const now = Date.now()
          return new Map([...old].filter(([, until]) => until > now))
        }),
      Math.max(50, next - Date.now()),
    )
    return () => clearTimeout(timer)
  }, [typing])

  const people: readonly PersonRef[] = useMemo(() => {
    if (detail && detail.kind !== 'board') return detail.people.filter((person) => person.id !== myId)
    return (activeMembers.value ?? []).filter((person) => person.id !== myId)
  }, [detail, activeMembers.value, myId])

  const nameOf = (memberId: number) =>
    detail?.people.find((person) => person.id === memberId)?.displayName ??
    activeMembers.value?.find((person) => person.id === memberId)?.displayName ??
    t('chat.someone')

  const handlers: MessageHandlers = {
    onReply: (message) => {
      setEditing(null)
      setReplyTo(message)
    },
    onEdit: (message) => {
      setReplyTo(null)
      setEditing(message)
    },
    onDelete: async (message) => {
      const ok = await confirm({
        title: t('chat.deleteTitle'),
        body: t('chat.deleteBody'),
        confirmLabel: t('chat.delete'),
        isDanger: true,
      })
      if (!ok) return
      try {
        await chatApi.remove(message.id)
      } catch (failure) {
        toast(errorMessage(failure), 'error')
      }
    },
    onReact: async (message, emoji, isOn) => {
      try {
        const reactions = await chatApi.react(message.id, emoji, isOn)
        setMessages((old) => old.map((m) => (m.id === message.id ? { ...m, reactions } : m)))
      } catch (failure) {
        toast(errorMessage(failure), 'error')
      }
    },
    onJump: jumpTo,
    onAcknowledged: (result: AckResult) => {
      setAcks((old) => new Map(old).set(result.messageId, result.at))
      setMessages((old) =>
        old.map((m) =>
          m.id === result.messageId && m.notice
            ? { ...m, notice: { ...m.notice, ackCount: result.ackCount, ackTotal: result.ackTotal } }
            : m,
        ),
      )
    },
  }

  const saveEdit = async (body: string): Promise<boolean> => {
    if (!editing) return false
    try {
      const updated = await chatApi.edit(editing.id, body)
      setMessages((old) => merge(old, [updated]))
      setEditing(null)
      return true
    } catch (failure) {
      toast(errorMessage(failure), 'error')
      return false
    }
  }

  const rows = useMemo(() => rowsOf(messages), [messages])
  const noticeTitles = useMemo(
    () => new Map(messages.flatMap((m) => (m.notice ? [[m.id, m.notice.title] as const] : []))),
    [messages],
  )
  const isDirect = detail?.kind === 'direct'
  const showAuthors = !(isDirect && (detail?.people.length ?? 0) <= 2)
  const lastMessage = [...messages].reverse().find((message) => message.kind !== 'system')

  // "Seen by" under the newest message of a direct conversation.
  const seenBy = useMemo(() => {
    if (!isDirect || !detail || !lastMessage || hasNewer) return null
    const readers = detail.people.filter(
      (person) => person.id !== myId && person.id !== lastMessage.author?.id && person.lastReadId >= lastMessage.id,
    )
    if (readers.length === 0) return null
    const others = detail.people.filter((person) => person.id !== myId && person.id !== lastMessage.author?.id)
    if (others.length === 1) return t('chat.seen')
    return t('chat.seenBy', { names: listNames(readers.map((person) => person.displayName)) })
  }, [isDirect, detail, lastMessage?.id, hasNewer, myId])

  const typingNames = [...typing.keys()].map(nameOf)
  const canPostTopLevel = detail?.kind !== 'board' || can('board.post')
  const title = detail ? conversationTitle(detail) : ''

  useEffect(() => {
    if (title) document.title = `${title} · ${t('app.name')}`
  }, [title])

  if (error && !detail) {
    return (
      <div class="conv">
        <ConvHeader detail={null} title={t('chat.title')} onPeople={() => undefined} />
        <div class="conv-error">
          <EmptyState
            icon="alert"
            title={t('chat.cannotOpen')}
            action={
              <Button
                icon="refresh"
                onClick={() => {
                  void loadDetail()
                  void loadAt(null)
                }}
              >
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

  return (
    <div class="conv" data-conversation-id={id}>
      <ConvHeader detail={detail} title={title} onPeople={() => setPeopleOpen(true)} />
      <div
        class="conv-scroll"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label={t('chat.messagesIn', { name: title })}
      >
        {hasOlder ? (
          <div class="conv-older">
            {isLoadingOlder ? (
              <Loading label={t('chat.loadingOlder')} />
            ) : (
              <Button isSmall variant="ghost" onClick={() => void loadOlder()}>
                {t('chat.loadOlder')}
              </Button>
            )}
          </div>
        ) : !isLoading && detail ? (
          <p class="conv-start">{t('chat.startOf', { name: title })}</p>
        ) : null}
        {isLoading && messages.length === 0 ? <Loading label={t('common.loading')} /> : null}
        {rows.map((row) =>
          row.kind === 'day' ? (
            <div key={`d${row.key}`} class="day-sep" role="separator">
              <span>{row.label}</span>
            </div>
          ) : row.message.kind === 'system' ? (
            <SystemLine key={row.message.id} message={row.message} />
          ) : (
            <ErrorBoundary key={row.message.id}>
              <MessageItem
                message={row.message}
                isGroupStart={row.isGroupStart}
                showAuthor={showAuthors}
                isHighlighted={highlightId === row.message.id}
                ackAt={acks.get(row.message.id) ?? null}
                seenBy={row.message.id === lastMessage?.id ? seenBy : null}
                handlers={handlers}
                replyTitle={row.message.replyTo ? noticeTitles.get(row.message.replyTo.id) : undefined}
              />
            </ErrorBoundary>
          ),
        )}
        {hasNewer ? null : myPending.map((item) => <PendingItem key={item.clientKey} item={item} />)}
        {!isLoading && messages.length === 0 && myPending.length === 0 ? (
          <p class="conv-empty muted">{t('chat.noMessagesYet')}</p>
        ) : null}
        <div class="typing" aria-live="polite">
          {typingNames.length ? (
            <>
              <span class="typing-dots" aria-hidden="true">
                <span />
                <span />
                <span />
              </span>
              {typingNames.length > 3
                ? t('chat.severalTyping')
                : tn('chat.typing', typingNames.length, { names: listNames(typingNames) })}
            </>
          ) : null}
        </div>
        {!isAtBottomState || hasNewer ? (
          <button
            type="button"
            class="jump-latest"
            onClick={() => {
              if (latest.current.hasNewer) void loadAt(null)
              else {
                intent.current = { kind: 'bottom' }
                setMessages((old) => [...old])
              }
            }}
          >
            <Icon name="arrowDown" size={18} />
            {newBelow ? tn('chat.newBelow', newBelow) : t('chat.jumpLatest')}
          </button>
        ) : null}
      </div>
      {detail?.isArchived ? (
        <p class="composer composer-readonly muted">{t('chat.archivedNote')}</p>
      ) : detail ? (
        <Composer
          conversationId={id}
          people={people}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          editing={editing}
          onCancelEdit={() => setEditing(null)}
          onSaveEdit={saveEdit}
          canPostTopLevel={canPostTopLevel}
          onSent={() => {
            intent.current = { kind: 'bottom' }
            isAtBottom.current = true
          }}
        />
      ) : null}
      {isPeopleOpen && detail ? <PeopleDialog detail={detail} onClose={() => setPeopleOpen(false)} /> : null}
    </div>
  )
}

function ConvHeader({
  detail,
  title,
  onPeople,
}: {
  detail: ConversationDetail | null
  title: string
  onPeople: () => void
}) {
  const heading = useRef<HTMLHeadingElement>(null)
  const hasTitle = !!detail
  useEffect(() => {
    // Screen readers hear which conversation opened after an in-app navigation.
    if (hasTitle && hasNavigated) heading.current?.focus({ preventScroll: true })
  }, [hasTitle])
  const others = detail?.kind === 'direct' ? otherPeople(detail) : []
  const single = others.length === 1 ? others[0] : undefined
  const subtitle = !detail
    ? ''
    : detail.kind === 'board'
      ? t('chat.boardSubtitle')
      : single
        ? presenceText(single.id)
        : detail.kind === 'channel'
          ? detail.topic || tn('chat.memberCount', detail.memberCount)
          : tn('chat.memberCount', detail.memberCount)
  return (
    <header class="conv-header">
      <a class="icon-button conv-back" href="/chat" aria-label={t('chat.backToList')}>
        <Icon name="chevronLeft" size={24} />
      </a>
      {single ? (
        <span class="avatar-with-dot">
          <Avatar name={single.displayName} size="small" />
          <PresenceDot memberId={single.id} />
        </span>
      ) : detail ? (
        <span class="conv-icon conv-icon-small">
          <Icon
            name={
              detail.kind === 'board'
                ? 'board'
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
        <a class="icon-button" href={`/search?c=${detail.id}`} aria-label={t('chat.searchHere')}>
          <Icon name="search" size={22} />
        </a>
      ) : null}
      {detail ? <MuteButton conversationId={detail.id} /> : null}
      {detail && detail.kind !== 'board' ? (
        <button type="button" class="icon-button" aria-label={t('chat.peopleIn', { name: title })} onClick={onPeople}>
          <Icon name="users" size={22} />
        </button>
      ) : null}
    </header>
  )
}

function PeopleDialog({ detail, onClose }: { detail: ConversationDetail; onClose: () => void }) {
  const [isAdding, setAdding] = useState(false)
  const [selected, setSelected] = useState<number[]>([])
  const [isBusy, setBusy] = useState(false)
  const myId = me.value?.member.id
  const isChannel = detail.kind === 'channel'
  const isManager = canManageChannel(detail)

  const add = async () => {
    setBusy(true)
    try {
      const { added } = await chatApi.addMembers(detail.id, selected)
      toast(tn('chat.peopleAdded', added.length))
      onClose()
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    } finally {
      setBusy(false)
    }
  }
  const leave = async () => {
    const ok = await confirm({
      title: t('chat.leaveTitle', { name: detail.name }),
      body: detail.isPrivate ? t('chat.leavePrivateBody') : t('chat.leaveOpenBody'),
      confirmLabel: t('chat.leave'),
      isDanger: true,
    })
    if (!ok) return
    try {
      await chatApi.leave(detail.id)
      await reloadConversations()
      navigate('/chat', { replace: true })
    } catch (failure) {
      toast(errorMessage(failure), 'error')
    }
  }

  return (
    <Dialog
      title={isAdding ? t('chat.addPeople') : tn('chat.memberCount', detail.people.length)}
      onClose={onClose}
      footer={
        isAdding ? (
          <>
            <Button onClick={() => setAdding(false)}>{t('common.cancel')}</Button>
            <Button variant="primary" isBusy={isBusy} disabled={selected.length === 0} onClick={() => void add()}>
              {t('chat.addPeople')}
            </Button>
          </>
        ) : isChannel ? (
          <>
            <Button icon="logout" variant="danger" onClick={() => void leave()}>
              {t('chat.leave')}
            </Button>
            <Button icon="userPlus" onClick={() => setAdding(true)}>
              {t('chat.addPeople')}
            </Button>
          </>
        ) : undefined
      }
    >
      {isAdding ? (
        <PeoplePicker selected={selected} onChange={setSelected} exclude={detail.people.map((person) => person.id)} />
      ) : (
        <ul class="who-list">
          {detail.people.map((person) => (
            <li key={person.id}>
              <span class="avatar-with-dot">
                <Avatar name={person.displayName} size="small" />
                <PresenceDot memberId={person.id} />
              </span>
              <span class="who-text">
                <span>
                  {person.displayName}
                  {person.id === myId ? ` (${t('chat.you')})` : ''}
                </span>
                <span class="who-sub">{presenceText(person.id)}</span>
              </span>
              {person.isAdmin ? <span class="badge">{t('chat.admin')}</span> : null}
              {isManager && person.id !== myId ? (
                <RemovePersonButton detail={detail} person={person} onDone={onClose} />
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {!isAdding && isManager ? <ChannelSettings detail={detail} onDone={onClose} /> : null}
    </Dialog>
  )
}
