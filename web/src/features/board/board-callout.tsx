/**
 * The board on Home: a prominent link to it, saying how many notices wait for my
 * acknowledgement and whether one is urgent. In the first load, so it stays small.
 */
import { useEffect, useState } from 'preact/hooks'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import type { LiveEvent } from '../../lib/socket'
import { me } from '../../lib/session'
import { Icon } from '../../ui/icons'
import { chatApi } from '../chat/chat-api'
import { preloadChatViews } from '../chat/routes'
import { boardConversation } from '../chat/store'
import '../chat/presence.css'

/** The board conversation's id if the event is about a message on the board, else null. */
function boardMessageId(event: LiveEvent): number | null {
  const boardId = boardConversation.value?.id
  const conversationId =
    event.type === 'message.created' || event.type === 'message.updated'
      ? event.data.message.conversationId
      : event.type === 'message.deleted'
        ? event.data.conversationId
        : null
  return conversationId !== null && conversationId === boardId ? conversationId : null
}

interface Summary {
  pinned: number
  urgent: number
  toAcknowledge: number
}

export function BoardCallout() {
  const [summary, setSummary] = useState<Summary | null>(null)
  const load = () =>
    chatApi
      .notices()
      .then(({ notices, acknowledged }) => {
        const myId = me.value?.member.id
        const acked = new Set(acknowledged.map((ack) => ack.messageId))
        setSummary({
          pinned: notices.length,
          urgent: notices.filter((notice) => notice.notice?.isUrgent).length,
          toAcknowledge: notices.filter(
            (notice) => notice.notice?.mustAcknowledge && !acked.has(notice.id) && notice.author?.id !== myId,
          ).length,
        })
      })
      .catch(() => undefined)
  useEffect(() => {
    void load()
    preloadChatViews()
  }, [])
  useLive(['notice.', 'message.'], (event) => {
    if (!event || event.type.startsWith('notice.') || boardMessageId(event) !== null) void load()
  })

  // Only news is styled as news: a quiet board gets a plain link, not an alert's colours.
  const tone = summary?.urgent
    ? ' board-callout-urgent'
    : summary?.toAcknowledge
      ? ' board-callout-ack'
      : ' callout-quiet'
  return (
    <a class={`callout board-callout${tone}`} href="/board" data-testid="board-callout">
      <span class="callout-icon">
        <Icon name={summary?.urgent ? 'alert' : 'board'} />
      </span>
      <span class="callout-text">
        <strong>
          {summary?.toAcknowledge
            ? tn('board.calloutToAck', summary.toAcknowledge)
            : summary?.urgent
              ? tn('board.calloutUrgent', summary.urgent)
              : t('board.calloutTitle')}
        </strong>
        <span>
          {!summary
            ? t('common.loading')
            : summary.pinned
              ? tn('board.calloutPinned', summary.pinned)
              : t('board.calloutNothingPinned')}
        </span>
      </span>
      <Icon name="chevronRight" size={20} />
    </a>
  )
}
