/**
 * A tiny router on the history API: the current path as a signal, navigate(), and
 * interception of same-origin link clicks so plain <a href> elements work as app links.
 */
import { signal } from '@preact/signals'

export const currentPath = signal(location.pathname)
export const currentSearch = signal(location.search)

/** Set after the first navigation, so pages move focus to their heading only then. */
export let hasNavigated = false

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.origin)
  if (options.replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  hasNavigated = true
  sync()
  if (!url.hash) window.scrollTo(0, 0)
}

function sync(): void {
  currentPath.value = location.pathname
  currentSearch.value = location.search
}

/** Params of `pattern` ('/members/:id') matched against `path`, or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean)
  const have = path.split('/').filter(Boolean)
  if (want.length !== have.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const part = want[i] ?? ''
    const value = have[i] ?? ''
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value)
    else if (part !== value) return null
  }
  return params
}

export function searchParam(name: string): string | null {
  return new URLSearchParams(currentSearch.value).get(name)
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return
  const anchor = (event.target as Element | null)?.closest?.('a')
  if (!anchor || !anchor.href || anchor.target || anchor.hasAttribute('download')) return
  const url = new URL(anchor.href)
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return
  event.preventDefault()
  if (url.pathname === location.pathname && url.search === location.search) {
    // A link within the page ("Skip to content"): move focus there, as the browser would.
    if (url.hash) focusTarget(decodeURIComponent(url.hash.slice(1)))
    return
  }
  navigate(url.pathname + url.search + url.hash)
}

function focusTarget(id: string): void {
  const target = document.getElementById(id)
  if (!target) return
  if (!target.hasAttribute('tabindex') && target.tabIndex < 0) target.setAttribute('tabindex', '-1')
  target.focus()
}

let isStarted = false

export function startRouter(): void {
  if (isStarted) return
  isStarted = true
  window.addEventListener('popstate', () => {
    hasNavigated = true
    sync()
  })
  document.addEventListener('click', onClick)
}
