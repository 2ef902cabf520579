/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/**
 * The one Markdown renderer: chat messages, notices, info pages and the wall all go through
 * it, each surface with its own set of allowed elements (SURFACES). It renders straight to
 * Preact nodes: no HTML string is ever built or injected, so raw HTML in a text is shown as
 * the text it is and nothing in it can run. Blocks are parsed here; inline marks and the
 * safety rules for links and images are in markdown-inline.tsx.
 *
 * The two pragmas above make tsx compile it for Preact too, as test/web runs it outside Vite.
 */
import type { VNode } from 'preact'
import { parseInline, type InlineOptions, type InlineState, type MarkdownSurface } from './markdown-inline'

export type { MarkdownSurface } from './markdown-inline'

const MESSAGE: MarkdownSurface = {
  className: 'md',
  headings: false,
  lists: true,
  quotes: true,
  codeBlocks: false,
  images: false,
  links: true,
  mentions: true,
}

/** The allowed elements of each place a Markdown text is shown. */
export const SURFACES = {
  /** Chat messages: inline marks, lists, quotes and @mentions. */
  message: MESSAGE,
  /** Notice bodies on the board: as a message, in a slightly larger type set by board.css. */
  notice: MESSAGE,
  /** Info pages: everything a document needs, headings and stored images included. */
  page: {
    className: 'markdown',
    headings: 2,
    lists: true,
    quotes: true,
    codeBlocks: true,
    images: true,
    links: true,
    mentions: false,
  },
  /** The wall: lists and line breaks as on the phone, in large type, nothing to click. */
  wall: {
    className: 'wall-md',
    headings: 4,
    lists: true,
    quotes: true,
    codeBlocks: true,
    images: true,
    links: false,
    mentions: true,
  },
} satisfies Record<string, MarkdownSurface>

export type SurfaceName = keyof typeof SURFACES

export interface MarkdownOptions extends InlineOptions {
  surface: SurfaceName
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
const LIST_ITEM = /^(\s{0,3})([-*+•]|(\d{1,9})[.)])\s+(.*)$/
const MAX_BLOCK_DEPTH = 8

function indentOf(line: string): number {
  return /^\s*/.exec(line)?.[0].replace(/\t/g, '    ').length ?? 0
}

function parseBlocks(lines: string[], surface: MarkdownSurface, depth = 0): Block[] {
  const canNest = depth < MAX_BLOCK_DEPTH
  const isHeading = (line: string) => surface.headings !== false && HEADING.test(line)
  const isFence = (line: string) => surface.codeBlocks && FENCE.test(line)
  const isRule = (line: string) => surface.codeBlocks && RULE.test(line)
  const isQuote = (line: string) => surface.quotes && canNest && QUOTE.test(line)
  const isItem = (line: string) => surface.lists && canNest && LIST_ITEM.test(line)
  const startsBlock = (line: string) =>
    isItem(line) || isHeading(line) || isFence(line) || isRule(line) || isQuote(line)

  const blocks: Block[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] as string
    if (!line.trim()) {
      i++
      continue
    }
    const heading = isHeading(line) ? HEADING.exec(line) : null
    if (heading) {
      blocks.push({ kind: 'heading', level: (heading[1] as string).length, text: heading[2] ?? '' })
      i++
      continue
    }
    const fence = isFence(line) ? FENCE.exec(line) : null
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
    if (isRule(line)) {
      blocks.push({ kind: 'rule' })
      i++
      continue
    }
    if (isQuote(line)) {
      const quoted: string[] = []
      while (i < lines.length && QUOTE.test(lines[i] as string)) {
        quoted.push((lines[i] as string).replace(QUOTE, ''))
        i++
      }
      blocks.push({ kind: 'quote', children: parseBlocks(quoted, surface, depth + 1) })
      continue
    }
    const item = isItem(line) ? LIST_ITEM.exec(line) : null
    if (item) {
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
        list.items.push(parseBlocks(content, surface, depth + 1))
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
      // `#` and `##` share the top level: under a page's own h1, `##` is an h2, not an h3.
      const top = state.surface.headings === false ? 2 : state.surface.headings
      const Tag = `h${Math.min(6, top + Math.max(0, block.level - 2))}` as 'h2'
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
export function markdownBlocks(text: string, options: MarkdownOptions): VNode[] {
  const surface = SURFACES[options.surface]
  const state: InlineState = { surface, options, key: 0 }
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  return parseBlocks(lines, surface).map((block, index) => renderBlock(block, state, index))
}

/** A Markdown text as Preact nodes, in a wrapper with the surface's class (plus `class`). */
export function Markdown({ text, class: className, ...options }: MarkdownOptions & { text: string; class?: string }) {
  const surfaceClass = SURFACES[options.surface].className
  return <div class={className ? `${surfaceClass} ${className}` : surfaceClass}>{markdownBlocks(text, options)}</div>
}

/** A one-line preview of a Markdown text without its marks. */
export function plainPreview(text: string): string {
  return text
    .replace(/\[([^\]\n]+)\]\([^)\s]+\)/g, '$1')
    .replace(/[*_~`>]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}
