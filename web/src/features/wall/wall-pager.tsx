/**
 * Paging for a wall region: the wall never scrolls and nobody touches it, so content that
 * does not fit is cut into pages at item boundaries and shown one page at a time.
 *
 * All items are laid out once in a track inside a clipping viewport; measuring their
 * offsets tells where each page starts, and a page is shown by sliding the track up and
 * hiding the items of other pages. The parent decides which page shows (see useRotation).
 */
import type { ComponentChildren, VNode } from 'preact'
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'

/** How long each page of a region stays up. */
export const ROTATE_MS = 12_000

interface PageStart {
  index: number
  top: number
}

interface PagerProps {
  /** Each item is one unit that is never split across pages; give each a key. */
  items: VNode[]
  page: number
  onCount: (count: number) => void
  class?: string
  label?: string
}

function sameStarts(a: PageStart[], b: PageStart[]): boolean {
  return a.length === b.length && a.every((start, i) => start.index === b[i]?.index && start.top === b[i]?.top)
}

export function Pager({ items, page, onCount, class: className, label }: PagerProps) {
  const viewport = useRef<HTMLDivElement>(null)
  const track = useRef<HTMLDivElement>(null)
  const [starts, setStarts] = useState<PageStart[]>([{ index: 0, top: 0 }])
  const latestCount = useRef(onCount)
  latestCount.current = onCount

  useLayoutEffect(() => {
    const measure = () => {
      const box = viewport.current
      const list = track.current
      if (!box || !list) return
      const height = box.clientHeight
      const next: PageStart[] = []
      let pageTop = 0
      Array.from(list.children).forEach((child, index) => {
        const element = child as HTMLElement
        const top = element.offsetTop
        const bottom = top + element.offsetHeight
        if (index === 0) next.push({ index, top: (pageTop = top) })
        else if (bottom - pageTop > height + 1 && top > pageTop) next.push({ index, top: (pageTop = top) })
      })
      if (!next.length) next.push({ index: 0, top: 0 })
      setStarts((previous) => (sameStarts(previous, next) ? previous : next))
    }
    measure()
    // The viewport changes with the window; the track when images arrive or fonts load.
    const observer = new ResizeObserver(measure)
    if (viewport.current) observer.observe(viewport.current)
    if (track.current) observer.observe(track.current)
    return () => observer.disconnect()
  }, [items])

  useEffect(() => latestCount.current(starts.length), [starts.length])

  const current = page % starts.length
  const from = starts[current] ?? { index: 0, top: 0 }
  const to = starts[current + 1]?.index ?? items.length
  return (
    <div class={['wall-pager', className].filter(Boolean).join(' ')} ref={viewport} aria-label={label}>
      <div class="wall-pager-track" ref={track} style={{ transform: `translateY(${-from.top}px)` }}>
        {items.map((item, index) => (
          <div
            key={item.key ?? index}
            class={index >= from.index && index < to ? 'wall-pager-item' : 'wall-pager-item wall-pager-off'}
            aria-hidden={index >= from.index && index < to ? undefined : 'true'}
          >
            {item}
          </div>
        ))}
      </div>
    </div>
  )
}

/** "2 / 3" dots for a region that has more than one page. */
export function PageDots({ page, count }: { page: number; count: number }): VNode | null {
  if (count < 2) return null
  return (
    <span class="wall-dots" aria-hidden="true">
      {Array.from({ length: count }, (_, index) => (
        <span key={index} class={index === page % count ? 'wall-dot wall-dot-on' : 'wall-dot'} />
      ))}
    </span>
  )
}

export interface Rotation {
  slide: number
  page: number
  pageCount: number
  onCount: (count: number) => void
}

/**
 * Which slide and page a region shows: each `tick` moves to the next page of the current
 * slide, then to the next slide. A new `resetKey` (a new notice) goes back to the start.
 */
export function useRotation(tick: number, slideCount: number, resetKey: string | number): Rotation {
  const [position, setPosition] = useState({ slide: 0, page: 0 })
  const [pageCount, setPageCount] = useState(1)
  const counts = useRef(1)
  const slides = Math.max(1, slideCount)

  useEffect(() => {
    if (tick === 0) return
    setPosition((at) => {
      if (at.page + 1 < counts.current) return { slide: at.slide, page: at.page + 1 }
      const slide = (at.slide + 1) % slides
      return slide === at.slide && at.page === 0 ? at : { slide, page: 0 }
    })
  }, [tick])

  useEffect(() => {
    setPosition((at) => (at.slide === 0 && at.page === 0 ? at : { slide: 0, page: 0 }))
  }, [resetKey])

  const onCount = (count: number) => {
    counts.current = count
    setPageCount(count)
  }
  return { slide: position.slide % slides, page: position.page, pageCount, onCount }
}

/** One shared clock for every region, so pages turn together and only one timer runs. */
export function useTick(): number {
  const [tick, setTick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => (n + 1) % 1_000_000), ROTATE_MS)
    return () => clearInterval(timer)
  }, [])
  return tick
}

export function Region({
  title,
  class: className,
  dots,
  children,
}: {
  title: string
  class: string
  dots?: ComponentChildren
  children: ComponentChildren
}) {
  return (
    <section class={`wall-region ${className}`} aria-label={title}>
      <h2 class="wall-region-title">
        <span>{title}</span>
        {dots}
      </h2>
      {children}
    </section>
  )
}
