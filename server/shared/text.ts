/**
 * One line of a message for a notification: Markdown marks dropped, whitespace folded, cut
 * at `max` characters. Push and every message kind's notification wording use it.
 */
export function notificationExcerpt(text: string, max = 180): string {
  const flat = text
    .replace(/[*_`>#]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat
}
