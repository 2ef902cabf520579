/**
 * A conversation's history as it is shown: grouped by day and by author, and the button
 * that jumps back to the newest message.
 */
import { t, tn } from '../../lib/i18n'
import { ErrorBoundary } from '../../ui/error-boundary'
import { Icon } from '../../ui/icons'
import type { ConversationDetail, MessageView } from './chat-api'
import type { MessageHandlers } from './message-actions'
import { TaskLine } from '../tasks/task-card'
import { isTaskLine } from '../tasks/task-labels'
import { MessageItem, SystemLine } from './message-item'
import { listNames } from './people'
import { dayKey, dayLabel } from './time'

const GROUP_GAP_MS = 5 * 60_000

export type Row =
  { kind: 'day'; key: string; label: string } | { kind: 'message'; message: MessageView; isGroupStart: boolean }

/** The list with the incoming messages added or replaced, in id order. */
export function merge(list: readonly MessageView[], incoming: readonly MessageView[]): MessageView[] {
  const byId = new Map(list.map((message) => [message.id, message]))
  for (const message of incoming) byId.set(message.id, message)
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

export function rowsOf(messages: readonly MessageView[]): Row[] {
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

export function MessageRows({
  rows,
  showAuthors,
  highlightId,
  acks,
  lastMessageId,
  seenBy,
  handlers,
  titles,
}: {
  rows: Row[]
  showAuthors: boolean
  highlightId: number | null
  acks: ReadonlyMap<number, number>
  lastMessageId: number | undefined
  seenBy: string | null
  handlers: MessageHandlers
  /** The titles of the notices and tasks shown, by message id. */
  titles: ReadonlyMap<number, string>
}) {
  return (
    <>
      {rows.map((row, index) =>
        row.kind === 'day' ? (
          <div key={`d${row.key}`} class="day-sep" role="separator">
            <span>{row.label}</span>
          </div>
        ) : isTaskLine(row.message) ? (
          <TaskLine
            key={row.message.id}
            message={row.message}
            isAttached={isUnderItsTask(rows[index - 1], row.message)}
            taskTitle={titles.get(row.message.replyTo?.id ?? 0) ?? ''}
          />
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
              seenBy={row.message.id === lastMessageId ? seenBy : null}
              handlers={handlers}
              replyTitle={row.message.replyTo ? titles.get(row.message.replyTo.id) : undefined}
            />
          </ErrorBoundary>
        ),
      )}
    </>
  )
}

/** A task's change line right below the task, or below another line of the same task, reads "this". */
function isUnderItsTask(previous: Row | undefined, line: MessageView): boolean {
  const taskId = line.replyTo?.id
  if (!taskId || previous?.kind !== 'message') return false
  return previous.message.id === taskId || (isTaskLine(previous.message) && previous.message.replyTo?.id === taskId)
}

/** Shown when the newest message is out of view: how many arrived below, or just "latest". */
export function JumpToLatest({ newBelow, onClick }: { newBelow: number; onClick: () => void }) {
  return (
    <button type="button" class="jump-latest" onClick={onClick}>
      <Icon name="arrowDown" size={18} />
      {newBelow ? tn('chat.newBelow', newBelow) : t('chat.jumpLatest')}
    </button>
  )
}

/** "Seen" or "Seen by …" under the newest message of a direct conversation, or null. */
export function seenByText(detail: ConversationDetail, lastMessage: MessageView, myId: number): string | null {
  const readers = detail.people.filter(
    (person) => person.id !== myId && person.id !== lastMessage.author?.id && person.lastReadId >= lastMessage.id,
  )
  if (readers.length === 0) return null
  const others = detail.people.filter((person) => person.id !== myId && person.id !== lastMessage.author?.id)
  if (others.length === 1) return t('chat.seen')
  return t('chat.seenBy', { names: listNames(readers.map((person) => person.displayName)) })
}
