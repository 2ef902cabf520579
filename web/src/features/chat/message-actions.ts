/** What a reader can do to a message in the open conversation, and how the view follows. */
import type { Dispatch, StateUpdater } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { confirm } from '../../ui/dialog'
import { toast } from '../../ui/toast'
import { chatApi, type AckResult, type MessageView } from './chat-api'

/** What a message in the list can ask its conversation to do. */
export interface MessageHandlers {
  onReply: (message: MessageView) => void
  onEdit: (message: MessageView) => void
  onDelete: (message: MessageView) => void
  onReact: (message: MessageView, emoji: string, isOn: boolean) => void
  onJump: (messageId: number) => void
  onAcknowledged: (result: AckResult) => void
}

export function messageHandlers({
  setReplyTo,
  setEditing,
  setMessages,
  setAcks,
  onJump,
}: {
  setReplyTo: (message: MessageView | null) => void
  setEditing: (message: MessageView | null) => void
  setMessages: Dispatch<StateUpdater<MessageView[]>>
  setAcks: Dispatch<StateUpdater<ReadonlyMap<number, number>>>
  onJump: (messageId: number) => void
}): MessageHandlers {
  return {
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
    onJump,
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
}
