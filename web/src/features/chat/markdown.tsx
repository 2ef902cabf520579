/**
 * A small, safe Markdown subset rendered straight into Preact nodes: paragraphs, line
 * breaks, bullet and numbered lists, quotes, **bold**, *italic*, ~~struck~~, `code`,
 * [links](https://…) and bare http(s) links, and @mentions. Everything else, raw HTML
 * included, stays text: nothing here ever reaches innerHTML, and only http, https and
 * mailto links become links.
 */
import type { ComponentChildren, JSX } from 'preact'

export interface MarkdownContext {
  /** Usernames (lower case) that mean "me", so those mentions stand out. */
  myUsername?: string | undefined
}

const MAX_DEPTH = 4

/** The URL as a safe link target, or null (javascript:, data:, relative and broken URLs). */
export function safeUrl(raw: string): string | null {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return null
  }
  return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.href : null
}

function ExternalLink({ href, children }: { href: string; children: ComponentChildren }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  )
}

const LINK = /\[([^\]\n]{1,300})\]\(((?:[^()\s]|\([^()\s]*\)){1,2000})\)/y
const AUTOLINK = /(?:https?:\/\/|mailto:)[^\s<>"]*[^\s<>".,:;!?'")\]]/y
const MENTION = /@([a-z0-9][a-z0-9._-]{1,31})/iy
const WORDISH = /[\p{L}\p{N}_]/u
const MENTION_BLOCKER = /[\p{L}\p{N}_@.]/u

function isSpace(char: string | undefined): boolean {
  return char === undefined || /\s/.test(char)
}

/** Finds the closing delimiter of an emphasis run, or -1. */
function closing(text: string, from: number, delimiter: string): number {
  let index = text.indexOf(delimiter, from)
  while (index >= 0) {
    const before = text[index - 1]
    const after = text[index + delimiter.length]
    const isIntraword = delimiter[0] === '_' && after !== undefined && WORDISH.test(after)
    if (!isSpace(before) && !isIntraword && index > from) return index
    index = text.indexOf(delimiter, index + 1)
  }
  return -1
}

/** Inline Markdown to nodes. */
export function inline(text: string, context: MarkdownContext = {}, depth = 0, isInLink = false): ComponentChildren[] {
  const out: ComponentChildren[] = []
  let plain = ''
  const flush = () => {
    if (plain) out.push(plain)
    plain = ''
  }
  let i = 0
  while (i < text.length) {
    const char = text[i] as string
    const prev = text[i - 1]
    if (char === '`') {
      const end = text.indexOf('`', i + 1)
      if (end > i + 1) {
        flush()
        out.push(<code>{text.slice(i + 1, end)}</code>)
        i = end + 1
        continue
      }
    }
    if (char === '[' && !isInLink && depth < MAX_DEPTH) {
      LINK.lastIndex = i
      const match = LINK.exec(text)
      const href = match ? safeUrl(match[2] as string) : null
      if (match && href) {
        flush()
        out.push(<ExternalLink href={href}>{inline(match[1] as string, context, depth + 1, true)}</ExternalLink>)
        i += match[0].length
        continue
      }
    }
    if ((char === 'h' || char === 'm') && !isInLink && (prev === undefined || !WORDISH.test(prev))) {
      AUTOLINK.lastIndex = i
      const match = AUTOLINK.exec(text)
      const href = match ? safeUrl(match[0]) : null
      if (match && href) {
        flush()
        out.push(<ExternalLink href={href}>{match[0]}</ExternalLink>)
        i += match[0].length
        continue
      }
    }
    if (char === '*' && text.startsWith('***', i) && !isSpace(text[i + 3]) && depth < MAX_DEPTH) {
      const end = closing(text, i + 3, '***')
      if (end > 0) {
        flush()
        out.push(
          <strong>
            <em>{inline(text.slice(i + 3, end), context, depth + 1, isInLink)}</em>
          </strong>,
        )
        i = end + 3
        continue
      }
    }
    if ((char === '*' || char === '_' || char === '~') && depth < MAX_DEPTH) {
      const isDouble = text[i + 1] === char
      const delimiter = isDouble ? char + char : char
      const canOpen =
        !isSpace(text[i + delimiter.length]) && (char !== '_' || prev === undefined || !WORDISH.test(prev))
      if (canOpen && (char !== '~' || isDouble)) {
        const end = closing(text, i + delimiter.length, delimiter)
        if (end > 0) {
          const inner = inline(text.slice(i + delimiter.length, end), context, depth + 1, isInLink)
          flush()
          out.push(char === '~' ? <s>{inner}</s> : isDouble ? <strong>{inner}</strong> : <em>{inner}</em>)
          i = end + delimiter.length
          continue
        }
      }
    }
    if (char === '@' && (prev === undefined || !MENTION_BLOCKER.test(prev))) {
      MENTION.lastIndex = i
      const match = MENTION.exec(text)
      if (match) {
        const name = (match[1] as string).replace(/[._-]+$/, '')
        const lower = name.toLowerCase()
        const isMe =
          lower === 'here' || lower === 'all' || lower === 'everyone' || lower === context.myUsername?.toLowerCase()
        flush()
        out.push(<span class={isMe ? 'mention mention-me' : 'mention'}>@{name}</span>)
        i += name.length + 1
        continue
      }
    }
    plain += char
    i++
  }
  flush()
  return out
}

type Block =
  | { kind: 'p'; lines: string[] }
  | { kind: 'ul' | 'ol'; items: string[]; start: number }
  | { kind: 'quote'; lines: string[] }

const BULLET = /^\s{0,3}[-*•]\s+(.*)$/
const NUMBERED = /^\s{0,3}(\d{1,4})[.)]\s+(.*)$/
const QUOTE = /^\s{0,3}>\s?(.*)$/

function blocks(source: string): Block[] {
  const result: Block[] = []
  let current: Block | null = null
  for (const line of source.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') {
      current = null
      continue
    }
    const bullet = BULLET.exec(line)
    const numbered = bullet ? null : NUMBERED.exec(line)
    const quote = bullet || numbered ? null : QUOTE.exec(line)
    if (bullet) {
      if (current?.kind !== 'ul') result.push((current = { kind: 'ul', items: [], start: 1 }))
      current.items.push(bullet[1] as string)
    } else if (numbered) {
      if (current?.kind !== 'ol') result.push((current = { kind: 'ol', items: [], start: Number(numbered[1]) }))
      current.items.push(numbered[2] as string)
    } else if (quote) {
      if (current?.kind !== 'quote') result.push((current = { kind: 'quote', lines: [] }))
      current.lines.push(quote[1] as string)
    } else if (current?.kind === 'p') {
      current.lines.push(line)
    } else if ((current?.kind === 'ul' || current?.kind === 'ol') && /^\s{2,}\S/.test(line)) {
      // An indented line continues the list item above it.
      current.items[current.items.length - 1] += '\n' + line.trim()
    } else {
      result.push((current = { kind: 'p', lines: [line] }))
    }
  }
  return result
}

function withBreaks(lines: string[], context: MarkdownContext): ComponentChildren[] {
  const out: ComponentChildren[] = []
  lines.forEach((line, index) => {
    if (index > 0) out.push(<br />)
    out.push(...inline(line, context))
  })
  return out
}

/** Renders a message body. */
export function Markdown({
  text,
  context,
  class: className,
}: {
  text: string
  context?: MarkdownContext
  class?: string
}): JSX.Element {
  const ctx = context ?? {}
  return (
    <div class={className ? `md ${className}` : 'md'}>
      {blocks(text).map((block, index) => {
        switch (block.kind) {
          case 'p':
            return <p key={index}>{withBreaks(block.lines, ctx)}</p>
          case 'quote':
            return <blockquote key={index}>{withBreaks(block.lines, ctx)}</blockquote>
          case 'ul':
            return (
              <ul key={index}>
                {block.items.map((item, i) => (
                  <li key={i}>{withBreaks(item.split('\n'), ctx)}</li>
                ))}
              </ul>
            )
          case 'ol':
            return (
              <ol key={index} start={block.start === 1 ? undefined : block.start}>
                {block.items.map((item, i) => (
                  <li key={i}>{withBreaks(item.split('\n'), ctx)}</li>
                ))}
              </ol>
            )
        }
      })}
    </div>
  )
}

/** Plain text with the search engine's \u0002…\u0003 markers as <mark>. */
export function Highlighted({ text }: { text: string }) {
  const START = String.fromCharCode(2)
  const END = String.fromCharCode(3)
  const parts: ComponentChildren[] = []
  let rest = text
  while (rest) {
    const open = rest.indexOf(START)
    if (open < 0) {
      parts.push(rest.split(END).join(''))
      break
    }
    if (open > 0) parts.push(rest.slice(0, open).split(END).join(''))
    const close = rest.indexOf(END, open + 1)
    const marked = rest.slice(open + 1, close < 0 ? undefined : close)
    if (marked) parts.push(<mark>{marked}</mark>)
    rest = close < 0 ? '' : rest.slice(close + 1)
  }
  return <>{parts}</>
}

/** A one-line preview of a message body without Markdown marks. */
export function plainPreview(text: string): string {
  return text
    .replace(/\[([^\]\n]+)\]\([^)\s]+\)/g, '$1')
    .replace(/[*_~`>]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}
