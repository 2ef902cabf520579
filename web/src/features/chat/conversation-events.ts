/**
 * Live events for one open conversation: new, edited and deleted messages, reactions,
 * acknowledgements, read marks and membership changes, applied to the view's state.
 */
import type { Dispatch, StateUpdater } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { navigate } from '../../lib/router'
import { toast } from '../../ui/toast'
import type { ConversationDetail, MessageView } from './chat-api'
import { merge } from './message-list'

export interface ConversationState {
  id: number
  myId: number
  setMessages: Dispatch<StateUpdater<MessageView[]>>
  setAcks: Dispatch<StateUpdater<ReadonlyMap<number, number>>>
  setDetail: Dispatch<StateUpdater<ConversationDetail | null>>
  addIncoming: (message: MessageView) => void
  loadDetail: () => Promise<void>
  /** After a gap in the live stream: everything is loaded again. */
  reload: () => void
}

export function useConversationEvents({
  id,
  myId,
  setMessages,
  setAcks,
  setDetail,
  addIncoming,
  loadDetail,
  reload,
}: ConversationState): void {
  useLive(['message.', 'reaction.', 'read.', 'notice.', 'conversation.'], (event) => {
    if (event === null) {
      reload()
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
}
