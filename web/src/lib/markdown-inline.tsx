/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/**
 * Inline Markdown (emphasis, code, links, images, @mentions) for lib/markdown.tsx, and the
 * safety rules every surface shares: links go only to http(s), mailto and tel, or to a path
 * inside the app; anything else (javascript:, data:, vbscript:, other sites' `//host`) is
 * shown as its label. Images load only from files stored in Backboard (`/api/files/N`).
 * Web links open in a new tab without an opener or referrer. Text is only ever text: raw
 * HTML in it is shown as written.
 *
 * The two pragmas above make tsx compile it for Preact too, as test/web runs it outside Vite.
 */
import type { ComponentChildren } from 'preact'

/** What a surface allows. */
export interface MarkdownSurface {
  /** The wrapper's class, which the surface's stylesheet styles. */
  className: string
  /** The tag level of `#` and `##` (a page's own title is its h1); deeper ones step down. False: no headings. */
  headings: number | false
  lists: boolean
  quotes: boolean
  /** Fenced code blocks and horizontal rules (inline `code` is everywhere). */
  codeBlocks: boolean
  images: boolean
  /** False: link labels show as text and nothing is clickable (the wall is never touched). */
  links: boolean
  mentions: boolean
}

/** What the reader and the surface add to a text. */
export interface InlineOptions {
  /** The reader's username, so mentions of them stand out. */
  myUsername?: string | undefined
  /** Image sources to use instead of the original, e.g. a thumbnail. */
  imageSrc?: (src: string) => string
}

const TEL = /^tel:[+\d][\d\s().-]*$/i
const APP_PATH = /^\/(?![/\\])[^\s\\]*$/
const FILE_IMAGE = /^\/api\/files\/\d+(\/thumbnail)?$/
const ESCAPABLE = /[\\`*_{}[\]()#+\-.!~>|]/
const AUTOLINK = /(?:https?:\/\/|mailto:)[^\s<>"]*[^\s<>".,:;!?'")\]]/iy
const MENTION = /@([a-z0-9][a-z0-9._-]{1,31})/iy
const WORDISH = /[\p{L}\p{N}_]/u
const MENTION_BLOCKER = /[\p{L}\p{N}_@.]/u
/** Emphasis inside emphasis inside a link…: deeper than this stays text. */
const MAX_DEPTH = 6

/**
 * The link target if it may be followed, or null: http(s) and mailto (normalised), tel,
 * and paths inside the app. A path may not start `//` or `/\`, which browsers read as
 * another host, nor hold whitespace (browsers drop tabs and line breaks from a URL).
 */
export function safeHref(raw: string): string | null {
  const href = raw.trim()
  if (APP_PATH.test(href)) return href
  if (TEL.test(href)) return href
  if (!/^(https?:|mailto:)/i.test(href)) return null
  try {
    const url = new URL(href)
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.href : null
  } catch {
    return null
  }
}

/** Whether an image source is a file stored in Backboard. */
export function isSafeImageSrc(src: string): boolean {
  return FILE_IMAGE.test(src.trim())
}

export interface InlineState {
  surface: MarkdownSurface
  options: InlineOptions
  key: number
}

function nextKey(state: InlineState): number {
  state.key += 1
  return state.key
}

function isSpace(char: string | undefined): boolean {
  return char === undefined || /\s/.test(char)
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && WORDISH.test(char) && char !== '_'
}

/** `[text](target)` starting at `start` (the `[`): the parts and where it ends, or null. */
function parseLink(text: string, start: number): { label: string; target: string; end: number } | null {
  let depth = 0
  let close = -1
  for (let i = start; i < text.length; i++) {
    const char = text[i]
    if (char === '\\') {
      i++
      continue
    }
    if (char === '[') depth++
    else if (char === ']') {
      depth--
      if (depth === 0) {
        close = i
        break
      }
    }
  }
  if (close < 0 || text[close + 1] !== '(') return null
  let parens = 0
  for (let i = close + 2; i < text.length; i++) {
    const char = text[i]
    if (char === '\n') return null
    if (char === '(') parens++
    else if (char === ')') {
      if (parens === 0) {
        const inside = text.slice(close + 2, i).trim()
        // An optional "title" after the target is accepted and ignored.
        const target = inside.replace(/\s+"[^"]*"$/, '').replace(/^<(.*)>$/, '$1')
        return { label: text.slice(start + 1, close), target, end: i + 1 }
      }
      parens--
    }
  }
  return null
}

/** Where the closing run of `marker` is, for an opening run at `from`; -1 if none. */
function findCloser(text: string, from: number, marker: string): number {
  const single = marker[0] as string
  for (let i = from; i < text.length; i++) {
    const char = text[i]
    if (char === '\\') {
      i++
      continue
    }
    if (char === '`') {
      const end = text.indexOf('`', i + 1)
      if (end > 0) i = end
      continue
    }
    if (char !== single) continue
    let run = 1
    while (text[i + run] === single) run++
    const start = i
    // A whole run is looked at once: in `*a **b** c*` the double runs belong to each other.
    i += run - 1
    if (run < marker.length || (marker.length === 1 && run > 1)) continue
    if (start === from || isSpace(text[start - 1])) continue
    // The closer is the end of a longer run: `**a *b***` closes the double after the single.
    const close = start + run - marker.length
    if (single === '_' && isWordChar(text[close + marker.length])) continue
    return close
  }
  return -1
}

/** Inline Markdown as nodes; `depth` bounds nesting, and nothing inside a link becomes a link. */
export function parseInline(text: string, state: InlineState, depth = 0, isInLink = false): ComponentChildren[] {
  const out: ComponentChildren[] = []
  let buffer = ''
  const flush = () => {
    if (buffer) out.push(buffer)
    buffer = ''
  }
  const isDeep = depth >= MAX_DEPTH
  for (let i = 0; i < text.length;) {
    const char = text[i] as string
    const prev = text[i - 1]
    if (char === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1] as string)) {
      buffer += text[i + 1]
      i += 2
      continue
    }
    if (char === '\n') {
      flush()
      out.push(<br key={nextKey(state)} />)
      i++
      continue
    }
    if (char === '`') {
      const run = /^`+/.exec(text.slice(i))?.[0] ?? '`'
      const end = text.indexOf(run, i + run.length)
      if (end > i + run.length) {
        flush()
        out.push(<code key={nextKey(state)}>{text.slice(i + run.length, end).trim()}</code>)
        i = end + run.length
        continue
      }
      buffer += run
      i += run.length
      continue
    }
    if (char === '!' && text[i + 1] === '[' && state.surface.images && !isDeep) {
      const link = parseLink(text, i + 1)
      if (link) {
        flush()
        if (isSafeImageSrc(link.target)) {
          const target = link.target.trim()
          const src = state.options.imageSrc ? state.options.imageSrc(target) : target
          out.push(<img key={nextKey(state)} class="md-image" src={src} alt={link.label} loading="lazy" />)
        } else {
          out.push(link.label)
        }
        i = link.end
        continue
      }
    }
    if (char === '[' && !isInLink && !isDeep) {
      const link = parseLink(text, i)
      if (link) {
        flush()
        const label = parseInline(link.label, state, depth + 1, true)
        out.push(linkNode(link.target, label, state))
        i = link.end
        continue
      }
    }
    if ((char === 'h' || char === 'H' || char === 'm' || char === 'M') && !isInLink && !isWordChar(prev)) {
      AUTOLINK.lastIndex = i
      const url = AUTOLINK.exec(text)?.[0]
      if (url) {
        flush()
        out.push(linkNode(url, [url], state))
        i += url.length
        continue
      }
    }
    if (char === '*' && text.startsWith('***', i) && !isSpace(text[i + 3]) && !isDeep) {
      const close = findCloser(text, i + 3, '***')
      if (close > 0) {
        flush()
        out.push(
          <strong key={nextKey(state)}>
            <em>{parseInline(text.slice(i + 3, close), state, depth + 1, isInLink)}</em>
          </strong>,
        )
        i = close + 3
        continue
      }
    }
    if (char === '*' || char === '_' || char === '~') {
      const isDouble = text[i + 1] === char
      const marker = isDouble ? char + char : char
      const canOpen = !isSpace(text[i + marker.length]) && !(char === '_' && isWordChar(prev))
      if (canOpen && !isDeep && (char !== '~' || isDouble)) {
        const close = findCloser(text, i + marker.length, marker)
        if (close > 0) {
          flush()
          const inner = parseInline(text.slice(i + marker.length, close), state, depth + 1, isInLink)
          const key = nextKey(state)
          out.push(
            char === '~' ? (
              <s key={key}>{inner}</s>
            ) : isDouble ? (
              <strong key={key}>{inner}</strong>
            ) : (
              <em key={key}>{inner}</em>
            ),
          )
          i = close + marker.length
          continue
        }
      }
      buffer += marker
      i += marker.length
      continue
    }
    if (char === '@' && state.surface.mentions && (prev === undefined || !MENTION_BLOCKER.test(prev))) {
      MENTION.lastIndex = i
      const match = MENTION.exec(text)
      if (match) {
        const name = (match[1] as string).replace(/[._-]+$/, '')
        const lower = name.toLowerCase()
        const isMe =
          lower === 'here' ||
          lower === 'all' ||
          lower === 'everyone' ||
          lower === state.options.myUsername?.toLowerCase()
        flush()
        out.push(
          <span key={nextKey(state)} class={isMe ? 'mention mention-me' : 'mention'}>
            @{name}
          </span>,
        )
        i += name.length + 1
        continue
      }
    }
    buffer += char
    i++
  }
  flush()
  return out
}

function linkNode(target: string, label: ComponentChildren[], state: InlineState): ComponentChildren {
  const href = safeHref(target)
  if (!href || !state.surface.links) {
    return (
      <span key={nextKey(state)} class={href ? 'md-link' : undefined}>
        {label}
      </span>
    )
  }
  const isWeb = /^https?:/i.test(href)
  return (
    <a
      key={nextKey(state)}
      href={href}
      target={isWeb ? '_blank' : undefined}
      rel={isWeb ? 'noopener noreferrer' : undefined}
    >
      {label}
    </a>
  )
}
