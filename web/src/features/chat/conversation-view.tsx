/**
 * A conversation: history grouped by day and author (scroll up for older messages, or
 * open at one message from a search hit), live updates, typing indicators, "seen by" in
 * direct conversations, marking read when the newest message is in view, and the composer.
 * What it shows is drawn by conversation-header, message-list, typing-line and
 * people-dialog; live events are applied by conversation-events.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { currentSearch } from '../../lib/router'
import { can, me } from '../../lib/session'
import { Button } from '../../ui/button'
import { Loading } from '../../ui/empty-state'
import { toast } from '../../ui/toast'
import { chatApi, type ConversationDetail, type MessageView, type PersonRef } from './chat-api'
import { Composer } from './composer'
import { ConversationError, ConvHeader } from './conversation-header'
import { useConversationEvents } from './conversation-events'
import { messageHandlers } from './message-actions'
import { JumpToLatest, merge, MessageRows, rowsOf, seenByText } from './message-list'
import { PendingItem } from './pending-item'
import { onDelivered, pendingSends } from './outbox'
import { activeMembers, conversationTitle, ensureMembers } from './people'
import { PeopleDialog } from './people-dialog'
import { markReadLocally } from './store'
import { TypingLine, useTyping } from './typing-line'
import { lazyPage } from '../../ui/lazy-page'

const XeroConversationTools = lazyPage(() => import('../xero/conversation-tools').then((m) => m.XeroConversationTools))

const PAGE = 50
const HIGHLIGHT_MS = 2_500
const NEAR_BOTTOM_PX = 80

type ScrollIntent =
  { kind: 'bottom' } | { kind: 'keep'; height: number; top: number } | { kind: 'message'; id: number } | null

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
  const [typing, setTyping] = useTyping(id, myId)
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

  // What grows after the first paint (a photo or voice note that loads, the composer's
  // internal-note row, a panel above) keeps a conversation read at the bottom pinned there.
  useEffect(() => {
    const el = scroller.current
    if (!el || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() => {
      if (isAtBottom.current) el.scrollTop = el.scrollHeight
    })
    observer.observe(el)
    for (const child of Array.from(el.children)) observer.observe(child)
    return () => observer.disconnect()
  }, [id, isLoading])

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

  const reload = () => {
    void loadDetail()
    void loadAt(null)
  }

  useConversationEvents({
    id,
    myId,
    setMessages,
    setAcks,
    setDetail,
    addIncoming,
    loadDetail,
    reload,
  })

  const people: readonly PersonRef[] = useMemo(() => {
    if (detail && detail.kind !== 'board') return detail.people.filter((person) => person.id !== myId)
    return (activeMembers.value ?? []).filter((person) => person.id !== myId)
  }, [detail, activeMembers.value, myId])

  const nameOf = (memberId: number) =>
    detail?.people.find((person) => person.id === memberId)?.displayName ??
    activeMembers.value?.find((person) => person.id === memberId)?.displayName ??
    t('chat.someone')

  const handlers = messageHandlers({ setReplyTo, setEditing, setMessages, setAcks, onJump: jumpTo })

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
  // Notices and tasks are named by their titles in replies and in a task's change lines.
  const titles = useMemo(
    () =>
      new Map(
        messages.flatMap((m) => (m.notice || m.task ? [[m.id, m.notice?.title ?? m.task?.title ?? ''] as const] : [])),
      ),
    [messages],
  )
  const isDirect = detail?.kind === 'direct'
  const showAuthors = !(isDirect && (detail?.people.length ?? 0) <= 2)
  const lastMessage = [...messages].reverse().find((message) => message.kind !== 'system')

  const seenBy = useMemo(
    () => (isDirect && detail && lastMessage && !hasNewer ? seenByText(detail, lastMessage, myId) : null),
    [isDirect, detail, lastMessage?.id, hasNewer, myId],
  )

  const typingNames = [...typing.keys()].map(nameOf)
  const canPostTopLevel = detail?.kind !== 'board' || can('board.post')
  const title = detail ? conversationTitle(detail) : ''

  useEffect(() => {
    if (title) document.title = `${title} · ${t('app.name')}`
  }, [title])

  if (error && !detail) return <ConversationError error={error} onRetry={reload} />

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
          <p class="conv-start">
            {t(detail.kind === 'direct' ? 'chat.startOfDirect' : 'chat.startOf', {
              name: detail.kind === 'channel' ? `#${title}` : title,
            })}
          </p>
        ) : null}
        {isLoading && messages.length === 0 ? <Loading label={t('common.loading')} /> : null}
        <MessageRows
          rows={rows}
          showAuthors={showAuthors}
          highlightId={highlightId}
          acks={acks}
          lastMessageId={lastMessage?.id}
          seenBy={seenBy}
          handlers={handlers}
          titles={titles}
        />
        {hasNewer ? null : myPending.map((item) => <PendingItem key={item.clientKey} item={item} />)}
        {!isLoading && messages.length === 0 && myPending.length === 0 ? (
          <p class="conv-empty muted">{t('chat.noMessagesYet')}</p>
        ) : null}
        <TypingLine names={typingNames} />
        {!isAtBottomState || hasNewer ? (
          <JumpToLatest
            newBelow={newBelow}
            onClick={() => {
              if (latest.current.hasNewer) void loadAt(null)
              else {
                intent.current = { kind: 'bottom' }
                setMessages((old) => [...old])
              }
            }}
          />
        ) : null}
      </div>
      {detail?.kind === 'xero' && !detail.isArchived ? <XeroConversationTools /> : null}
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
