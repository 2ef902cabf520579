/** A search snippet: plain text with the search engine's \u0002…\u0003 markers as <mark>. */
import type { ComponentChildren } from 'preact'

const START = String.fromCharCode(2)
const END = String.fromCharCode(3)

export function Highlighted({ text }: { text: string }) {
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
