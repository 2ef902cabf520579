/**
 * The one line a conversation list shows for its latest message, as messaging apps do:
 * the text without Markdown, else the notice's or task's title, else what was attached. Pure, so the
 * web app computes the same line from a live event as the server does for the list.
 */
import type { MessageView } from '../shared/events'
import { notificationExcerpt } from '../shared/text'

const PREVIEW_MAX = 120

const ATTACHMENT_LABELS = {
  image: '📷 Photo',
  video: '🎥 Video',
  audio: '🎤 Voice note',
  location: '📍 Location',
} as const

/** The latest message of a conversation as the list shows it. */
export interface LastMessage {
  id: number
  author: { id: number; displayName: string } | null
  preview: string
  kind: MessageView['kind']
  at: number
}

/** The preview line of one message: its text, a notice's title, or an attachment label. */
export function messagePreview(view: Pick<MessageView, 'body' | 'attachments' | 'notice' | 'task'>): string {
  // List markers would read as stray dashes once the lines are folded into one.
  const text = notificationExcerpt(view.body.replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, ''), PREVIEW_MAX)
  const title = view.notice?.title ?? (view.task ? `📋 ${view.task.title}` : '')
  const first = view.attachments[0]
  const label = !first ? '' : first.kind === 'file' ? `📎 ${first.name}` : ATTACHMENT_LABELS[first.kind]
  // A photo with a caption reads "📷 caption"; a notice or a task reads by its title.
  if (title) return notificationExcerpt(title, PREVIEW_MAX)
  if (text && label) return `${label.split(' ')[0]} ${text}`
  return text || label
}

/** A message view as the list's `lastMessage`. */
export function lastMessageOf(
  view: Pick<MessageView, 'id' | 'author' | 'body' | 'attachments' | 'notice' | 'task' | 'kind' | 'createdAt'>,
): LastMessage {
  return {
    id: view.id,
    author: view.author ? { id: view.author.id, displayName: view.author.displayName } : null,
    preview: messagePreview(view),
    kind: view.kind,
    at: view.createdAt,
  }
}
