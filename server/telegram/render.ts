/**
 * How Backboard messages read in Telegram: HTML parse mode with everything escaped, a bold
 * line saying who and where, the text, and Telegram's limits (4,096 characters a message,
 * 1,024 a caption, counted in UTF-16 units after the markup is taken out).
 */
export const MESSAGE_LIMIT = 4_096
export const CAPTION_LIMIT = 1_024

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** The length Telegram counts: the text without tags, entities as one character. */
export function visibleLength(html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&(amp|lt|gt|quot);/g, '_').length
}

/**
 * Splits plain text into pieces of at most `first` units for the first piece and `rest` for
 * the others, preferring paragraph, line and word breaks, never halving a surrogate pair.
 */
export function splitText(text: string, first: number, rest: number): string[] {
  const pieces: string[] = []
  let remaining = text
  let limit = first
  while (remaining.length > limit) {
    let cut = -1
    for (const separator of ['\n\n', '\n', ' ']) {
      const at = remaining.lastIndexOf(separator, limit)
      if (at > limit / 2) {
        cut = at + separator.length
        break
      }
    }
    if (cut <= 0) {
      cut = limit
      const code = remaining.charCodeAt(cut - 1)
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1
    }
    pieces.push(remaining.slice(0, cut).trimEnd())
    remaining = remaining.slice(cut).replace(/^\s+/, '')
    limit = rest
  }
  if (remaining.length > 0 || pieces.length === 0) pieces.push(remaining)
  return pieces
}

/**
 * A header (HTML, short) followed by a plain body, as messages within the limit: the header
 * only on the first. Each piece's visible length is at most `limit`.
 */
export function compose(headerHtml: string, body: string, limit = MESSAGE_LIMIT): string[] {
  const header = headerHtml ? `${headerHtml}\n` : ''
  const room = limit - visibleLength(header)
  return splitText(body, room, limit).map((piece, i) => (i === 0 ? header : '') + escapeHtml(piece))
}

/** A one-line excerpt of a message body for quotes and reminders. */
export function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat
}

export function formatTime(time: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(time)
}
