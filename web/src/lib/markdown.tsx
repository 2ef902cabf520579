/**
 * A small, safe Markdown renderer for documents (info pages), straight to Preact nodes: no
 * HTML string is ever built or injected, so nothing in a page can run. It covers what a
 * shop manager writes: headings, paragraphs (a line break stays a line break), lists
 * (nested by indenting), quotes, fenced code, rules, **bold**, *italic*, ~~struck~~,
 * `code`, links and bare URLs (http, https, mailto and tel only) and images (only files
 * stored in Backboard, `/api/files/N`). Anything else is shown as the plain text it is.
 *
 * Chat messages (and their copies on the wall) use features/chat/markdown.tsx, which
 * knows @mentions and has no headings or images; this one adds what documents need.
 * The wall pages through a document's top-level blocks (markdownBlocks).
 */
import type { ComponentChildren, VNode } from 'preact'

export interface MarkdownOptions {
  /** `#` becomes this heading level (default 2: a page's own title is the h1). */
  headingBase?: number
  /** Image sources to use instead of the original, e.g. the thumbnail on the wall. */
  imageSrc?: (src: string) => string
}

const SAFE_LINK = /^(https?:\/\/[^\s]+|mailto:[^\s]+|tel:[+\d][\d\s().-]*)$/i
const FILE_IMAGE = /^\/api\/files\/\d+(\/thumbnail)?$/
const ESCAPABLE = /[\\`*_{}[\]()#+\-.!~>|]/
const BARE_URL = /^https?:\/\/[^\s<>"]*[^\s<>".,:;'")\]!?]/i

/** Whether a link target may be followed: http(s), mailto and tel only. */
export function isSafeHref(href: string): boolean {
  return SAFE_LINK.test(href.trim())
}

/** Whether an image source is a file stored in Backboard. */
export function isSafeImageSrc(src: string): boolean {
  return FILE_IMAGE.test(src.trim())
}

// ---- Inline ----

interface InlineState {
  options: MarkdownOptions
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
  return char !== undefined && /[\p{L}\p{N}]/u.test(char)
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
  const isDouble = marker.length === 2
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
    if (!text.startsWith(marker, i) || isSpace(text[i - 1])) continue
    const single = marker[0] as string
    if (!isDouble && text[i + 1] === single) {
      // Part of a double run inside a single one (`*a **b** c*`): skip the pair.
      i++
      continue
    }
    if (single === '_' && isWordChar(text[i + marker.length])) continue
    if (i === from) continue
    return i
  }
  return -1
}

function parseInline(text: string, state: InlineState): ComponentChildren[] {
  const out: ComponentChildren[] = []
  let buffer = ''
  const flush = () => {
    if (buffer) out.push(buffer)
    buffer = ''
  }
  for (let i = 0; i < text.length;) {
    const char = text[i] as string
    const rest = text.slice(i)
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
      const run = /^`+/.exec(rest)?.[0] ?? '`'
      const end = text.indexOf(run, i + run.length)
      if (end > 0) {
        flush()
        out.push(<code key={nextKey(state)}>{text.slice(i + run.length, end).trim()}</code>)
        i = end + run.length
        continue
      }
      buffer += run
      i += run.length
      continue
    }
    if (char === '!' && text[i + 1] === '[') {
      const link = parseLink(text, i + 1)
      if (link) {
        flush()
        if (isSafeImageSrc(link.target)) {
          const src = state.options.imageSrc ? state.options.imageSrc(link.target) : link.target
          out.push(<img key={nextKey(state)} class="md-image" src={src} alt={link.label} loading="lazy" />)
        } else {
          out.push(link.label)
        }
        i = link.end
        continue
      }
    }
    if (char === '[') {
      const link = parseLink(text, i)
      if (link) {
        flush()
        const label = parseInline(link.label, state)
        out.push(linkNode(link.target, label, state))
        i = link.end
        continue
      }
    }
    if ((char === 'h' || char === 'H') && !isWordChar(text[i - 1])) {
      const url = BARE_URL.exec(rest)?.[0]
      if (url) {
        flush()
        out.push(linkNode(url, [url], state))
        i += url.length
        continue
      }
    }
    if (char === '*' || char === '_' || char === '~') {
      const double = text[i + 1] === char
      const marker = double ? char + char : char
      const canOpen = !isSpace(text[i + marker.length]) && !(char === '_' && isWordChar(text[i - 1]))
      if (canOpen && !(char === '~' && !double)) {
        const close = findCloser(text, i + marker.length, marker)
        if (close > 0) {
          flush()
          const inner = parseInline(text.slice(i + marker.length, close), state)
          const key = nextKey(state)
          out.push(
            char === '~' ? (
              <s key={key}>{inner}</s>
            ) : double ? (
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
    buffer += char
    i++
  }
  flush()
  return out
}

function linkNode(target: string, label: ComponentChildren[], state: InlineState): ComponentChildren {
  const href = target.trim()
  if (!isSafeHref(href)) return <span key={nextKey(state)}>{label}</span>
  const isWeb = /^https?:/i.test(href)
  return (
    <a
      key={nextKey(state)}
      href={href}
      target={isWeb ? '_blank' : undefined}
      rel={isWeb ? 'noopener noreferrer nofollow' : undefined}
    >
      {label}
    </a>
  )
}

// ---- Blocks ----

type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; children: Block[] }
  | { kind: 'rule' }
  | { kind: 'list'; isOrdered: boolean; start: number; items: Block[][] }

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/
const FENCE = /^\s{0,3}(```|~~~)/
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/
const QUOTE = /^\s{0,3}>\s?/
const LIST_ITEM = /^(\s{0,3})([-*+]|(\d{1,9})[.)])\s+(.*)$/

function indentOf(line: string): number {
  return /^\s*/.exec(line)?.[0].replace(/\t/g, '    ').length ?? 0
}

function startsBlock(line: string): boolean {
  return LIST_ITEM.test(line) || HEADING.test(line) || FENCE.test(line) || RULE.test(line) || QUOTE.test(line)
}

function parseBlocks(lines: string[], depth = 0): Block[] {
  const blocks: Block[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] as string
    if (!line.trim()) {
      i++
      continue
    }
    const heading = HEADING.exec(line)
    if (heading) {
      blocks.push({ kind: 'heading', level: (heading[1] as string).length, text: heading[2] ?? '' })
      i++
      continue
    }
    const fence = FENCE.exec(line)
    if (fence) {
      const code: string[] = []
      i++
      while (i < lines.length && !(lines[i] as string).trimStart().startsWith(fence[1] as string)) {
        code.push(lines[i] as string)
        i++
      }
      i++
      blocks.push({ kind: 'code', text: code.join('\n') })
      continue
    }
    if (RULE.test(line)) {
      blocks.push({ kind: 'rule' })
      i++
      continue
    }
    if (QUOTE.test(line) && depth < 8) {
      const quoted: string[] = []
      while (i < lines.length && QUOTE.test(lines[i] as string)) {
        quoted.push((lines[i] as string).replace(QUOTE, ''))
        i++
      }
      blocks.push({ kind: 'quote', children: parseBlocks(quoted, depth + 1) })
      continue
    }
    const item = LIST_ITEM.exec(line)
    if (item && depth < 8) {
      const isOrdered = item[3] !== undefined
      const list: Block & { kind: 'list' } = { kind: 'list', isOrdered, start: Number(item[3] ?? 1), items: [] }
      while (i < lines.length) {
        const current = LIST_ITEM.exec(lines[i] as string)
        if (!current || (current[3] !== undefined) !== isOrdered) break
        const contentIndent = (current[1] as string).length + (current[2] as string).length + 1
        const content = [current[4] ?? '']
        i++
        // The item goes on while lines are indented under it (or are blank between such lines).
        while (i < lines.length) {
          const next = lines[i] as string
          if (!next.trim()) {
            const following = lines[i + 1]
            if (following !== undefined && following.trim() && indentOf(following) >= 2) {
              content.push('')
              i++
              continue
            }
            break
          }
          if (indentOf(next) >= Math.min(contentIndent, 2)) {
            content.push(next.slice(Math.min(indentOf(next), contentIndent)))
            i++
            continue
          }
          if (startsBlock(next)) break
          // A lazy continuation line of the item's paragraph.
          content.push(next.trim())
          i++
        }
        list.items.push(parseBlocks(content, depth + 1))
        while (i < lines.length && !(lines[i] as string).trim()) {
          const following = lines[i + 1]
          if (following !== undefined && LIST_ITEM.test(following)) i++
          else break
        }
      }
      blocks.push(list)
      continue
    }
    const paragraph: string[] = []
    while (
      i < lines.length &&
      (lines[i] as string).trim() &&
      (paragraph.length === 0 || !startsBlock(lines[i] as string))
    ) {
      paragraph.push((lines[i] as string).trim())
      i++
    }
    blocks.push({ kind: 'paragraph', text: paragraph.join('\n') })
  }
  return blocks
}

function renderBlock(block: Block, state: InlineState, key: number): VNode {
  switch (block.kind) {
    case 'heading': {
      const level = Math.min(6, (state.options.headingBase ?? 2) + block.level - 1)
      const Tag = `h${level}` as 'h2'
      return (
        <Tag key={key} class="md-heading">
          {parseInline(block.text, state)}
        </Tag>
      )
    }
    case 'paragraph':
      return <p key={key}>{parseInline(block.text, state)}</p>
    case 'code':
      return (
        <pre key={key}>
          <code>{block.text}</code>
        </pre>
      )
    case 'quote':
      return <blockquote key={key}>{block.children.map((child, index) => renderBlock(child, state, index))}</blockquote>
    case 'rule':
      return <hr key={key} />
    case 'list': {
      const items = block.items.map((item, index) => (
        <li key={index}>
          {/* A one-paragraph item renders without its <p>, like tight lists usually do. */}
          {item.length === 1 && item[0]?.kind === 'paragraph'
            ? parseInline(item[0].text, state)
            : item.map((child, childIndex) => renderBlock(child, state, childIndex))}
        </li>
      ))
      return block.isOrdered ? (
        <ol key={key} start={block.start === 1 ? undefined : block.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      )
    }
  }
}

/** Each top-level block as its own node, e.g. for the wall to page through. */
export function markdownBlocks(text: string, options: MarkdownOptions = {}): VNode[] {
  const state: InlineState = { options, key: 0 }
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  return parseBlocks(lines).map((block, index) => renderBlock(block, state, index))
}

/** A whole Markdown document as Preact nodes, inside a `.markdown` wrapper for styling. */
export function Markdown({ text, class: className, ...options }: MarkdownOptions & { text: string; class?: string }) {
  return <div class={className ? `markdown ${className}` : 'markdown'}>{markdownBlocks(text, options)}</div>
}
