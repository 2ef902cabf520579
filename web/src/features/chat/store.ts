/**
 * What the whole app knows about chat while someone is signed in: my conversations with
 * unread and mention counts (for the list and the tab badges) and everyone's presence.
 * Kept live from the event stream; small on purpose, because it is in the first load.
 */
import { computed, signal } from '@preact/signals'
import { errorMessage } from '../../lib/errors'
import { subscribeLive } from '../../lib/live'
import { t } from '../../lib/i18n'
import { currentPath } from '../../lib/router'
import { me } from '../../lib/session'
import type { LiveEvent } from '../../lib/socket'
import { announce } from '../../ui/announcer'
import { lastMessageOf } from '../../../../server/conversations/preview'
import { chatApi, type ConversationItem, type MessageView, type PresenceEntry } from './chat-api'
import { startOutbox } from './outbox'

export const conversations = signal<ConversationItem[] | null>(null)
export const conversationsError = signal<string | null>(null)
export const presence = signal<ReadonlyMap<number, PresenceEntry>>(new Map())

function activity(item: ConversationItem): number {
  return item.lastMessageAt ?? item.createdAt
}

/** The board first, then everything else by last activity; archived ones last. */
export const sortedConversations = computed(() =>
  [...(conversations.value ?? [])].sort((a, b) => {
    if (a.kind === 'board' || b.kind === 'board') return a.kind === 'board' ? -1 : 1
    if (a.isArchived !== b.isArchived) return a.isArchived ? 1 : -1
    return activity(b) - activity(a)
  }),
)

export const boardConversation = computed(() => conversations.value?.find((c) => c.kind === 'board') ?? null)

/** Unread messages outside the board: the Chat tab's badge. */
export const chatUnread = computed(() =>
  (conversations.value ?? []).reduce((sum, c) => (c.kind === 'board' ? sum : sum + c.unreadCount), 0),
)

export const boardUnread = computed(() => boardConversation.value?.unreadCount ?? 0)

let reloadTimer: ReturnType<typeof setTimeout> | null = null

export async function reloadConversations(): Promise<void> {
  try {
    conversations.value = await chatApi.conversations()
    conversationsError.value = null
  } catch (error) {
    conversationsError.value = errorMessage(error)
  }
}

/** Coalesces bursts of events into one reload. */
function scheduleReload(): void {
  if (reloadTimer) clearTimeout(reloadTimer)
  reloadTimer = setTimeout(() => {
    reloadTimer = null
    void reloadConversations()
  }, 250)
}

async function reloadPresence(): Promise<void> {
  try {
    presence.value = new Map((await chatApi.presence()).map((entry) => [entry.memberId, entry]))
  } catch {
    // Presence is decoration; the next event or resync fills it in.
  }
}

function update(id: number, change: (item: ConversationItem) => ConversationItem): boolean {
  const list = conversations.value
  if (!list) return true
  const index = list.findIndex((item) => item.id === id)
  if (index < 0) return false
  const next = [...list]
  next[index] = change(list[index] as ConversationItem)
  conversations.value = next
  return true
}

function onMessage(message: MessageView): void {
  const myId = me.value?.member.id
  const isKnown = update(message.conversationId, (item) => {
    const next = {
      ...item,
      lastMessageId: Math.max(item.lastMessageId, message.id),
      lastMessageAt: Math.max(item.lastMessageAt ?? 0, message.createdAt),
    }
    if (message.kind === 'system') return next
    const isLatest = message.id >= (item.lastMessage?.id ?? 0)
    if (isLatest) next.lastMessage = lastMessageOf(message)
    // Sending marks everything before it read (the server does the same).
    if (message.author?.id === myId) return { ...next, lastReadId: message.id, unreadCount: 0, mentionCount: 0 }
    if (message.id <= item.lastReadId) return next
    const isMention = myId !== undefined && message.mentionIds.includes(myId)
    return { ...next, unreadCount: item.unreadCount + 1, mentionCount: item.mentionCount + (isMention ? 1 : 0) }
  })
  if (!isKnown) scheduleReload()
  else announceNews(message)
}

/**
 * Reads out a notice, or a message in a conversation other than the open one, to
 * screen-reader users: sighted people see the badge change, they would hear nothing.
 */
function announceNews(message: MessageView): void {
  const item = conversations.value?.find((c) => c.id === message.conversationId)
  if (!item || message.kind === 'system' || !message.author || message.author.id === me.value?.member.id) return
  if (item.mutedUntil !== null && item.mutedUntil > Date.now()) return
  if (currentPath.value === `/chat/${item.id}`) return
  const name = message.author.displayName
  if (message.kind === 'notice' && message.notice) {
    announce(t('board.announceNotice', { name, title: message.notice.title }))
    return
  }
  const text = message.body.replace(/\s+/g, ' ').trim()
  const excerpt = text.length > 80 ? `${text.slice(0, 79)}…` : text || t('chat.attachmentOnly')
  if (item.kind === 'channel') announce(t('chat.announceInChannel', { name, channel: item.name, excerpt }))
  else announce(t('chat.announceMessage', { name, excerpt }))
}

function onEvent(event: LiveEvent | null): void {
  if (event === null) {
    scheduleReload()
    void reloadPresence()
    return
  }
  switch (event.type) {
    case 'message.created':
      onMessage(event.data.message)
      break
    case 'message.updated': {
      const { message } = event.data
      // An edit of the row's latest message changes its preview; a deletion reloads below.
      update(message.conversationId, (item) =>
        item.lastMessage?.id === message.id && message.deletedAt === null
          ? { ...item, lastMessage: lastMessageOf(message) }
          : item,
      )
      break
    }
    case 'message.deleted':
      scheduleReload()
      break
    case 'read.updated': {
      if (event.data.memberId !== me.value?.member.id) break
      const { conversationId, lastReadId } = event.data
      let isComplete = true
      update(conversationId, (item) => {
        if (lastReadId < item.lastMessageId) isComplete = false
        return isComplete
          ? { ...item, lastReadId: Math.max(item.lastReadId, lastReadId), unreadCount: 0, mentionCount: 0 }
          : item
      })
      if (!isComplete) scheduleReload()
      break
    }
    case 'conversation.created':
    case 'conversation.updated':
    case 'conversation.member_added':
    case 'conversation.member_removed':
    case 'member.joined':
    case 'member.deactivated':
      scheduleReload()
      break
    case 'presence.changed': {
      const next = new Map(presence.value)
      next.set(event.data.memberId, event.data)
      presence.value = next
      break
    }
  }
}

/** Marks a conversation read here at once; the server confirms with read.updated. */
export function markReadLocally(conversationId: number, lastReadId: number): void {
  update(conversationId, (item) =>
    lastReadId >= item.lastMessageId ? { ...item, lastReadId, unreadCount: 0, mentionCount: 0 } : item,
  )
}

/** Starts the chat store for the signed-in member; returns the stop function. */
export function startChat(): () => void {
  void reloadConversations()
  void reloadPresence()
  const unsubscribe = subscribeLive(onEvent)
  const stopOutbox = startOutbox()
  return () => {
    unsubscribe()
    stopOutbox()
    if (reloadTimer) clearTimeout(reloadTimer)
    conversations.value = null
    presence.value = new Map()
  }
}
