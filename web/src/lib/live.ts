/** Fan-out of live events from the socket to whichever pages are showing. */
import { useEffect, useRef } from 'preact/hooks'
import type { LiveEvent } from './socket'

/** `null` means "resync": reload whatever you show. */
type Listener = (event: LiveEvent | null) => void

const listeners = new Set<Listener>()

export function publishLive(event: LiveEvent | null): void {
  for (const listener of [...listeners]) listener(event)
}

export function subscribeLive(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/**
 * Calls `handler` for live events whose type starts with one of `prefixes`
 * (e.g. 'member.'), and on resync.
 */
export function useLive(prefixes: readonly string[], handler: (event: LiveEvent | null) => void): void {
  const latest = useRef(handler)
  latest.current = handler
  const key = prefixes.join(',')
  useEffect(() => {
    const wanted = key.split(',')
    return subscribeLive((event) => {
      if (event === null || wanted.some((prefix) => event.type.startsWith(prefix))) latest.current(event)
    })
  }, [key])
}

type TypingListener = (conversationId: number, memberId: number) => void

const typingListeners = new Set<TypingListener>()

/** "Someone is typing" frames: live only, so they skip the event stream. */
export function publishTyping(conversationId: number, memberId: number): void {
  for (const listener of [...typingListeners]) listener(conversationId, memberId)
}

export function subscribeTyping(listener: TypingListener): () => void {
  typingListeners.add(listener)
  return () => typingListeners.delete(listener)
}
