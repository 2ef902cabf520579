/**
 * The wall's data: the feed from /api/wall, kept current over its own live socket.
 *
 * A wall runs for weeks without anyone looking at it, so everything here is bounded: one
 * feed object replaced on each load (never appended to), one socket, and at most one
 * timer of each kind. Events only mark the feed stale; a stale feed is fetched again
 * 300 ms later, so a burst of events costs one request, and a new notice shows within a
 * second. When the connection has been gone for 30 s the wall says so, but keeps showing
 * the last content it had. A new web build (the hello frame's version) reloads the page.
 */
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { wallApi, type WallFeed } from '../../lib/api-wall'
import { LiveSocket, type LiveEvent } from '../../lib/socket'

const REFETCH_DELAY_MS = 300
const OFFLINE_AFTER_MS = 30_000
const RETRY_MS = 10_000
/** Safety net for what changes without an event (an "on shift" that lapses, a clock skew). */
const FULL_REFRESH_MS = 5 * 60_000

/** The first web build this page saw; a different one in a later hello means: reload. */
let firstVersion: string | null = null

export interface WallState {
  feed: WallFeed | null
  /** When the connection was lost, once it has been gone for 30 s; null while online. */
  offlineSince: number | null
}

/** Whether an event can change what the wall shows. */
function isRelevant(event: LiveEvent, boardId: number | null, showsTasks: boolean): boolean {
  switch (event.type) {
    case 'task.changed':
      return showsTasks
    case 'message.created':
    case 'message.updated':
      return boardId === null || event.data.message.conversationId === boardId
    case 'message.deleted':
      return boardId === null || event.data.conversationId === boardId
    case 'notice.acknowledged':
    case 'notice.unpinned':
    case 'presence.changed':
    case 'directory.changed':
    case 'page.changed':
    case 'page.deleted':
    case 'shop.updated':
    case 'member.joined':
    case 'member.updated':
    case 'member.deactivated':
    case 'member.reactivated':
      return true
    default:
      return false
  }
}

function boardIdOf(feed: WallFeed | null): number | null {
  return feed?.notices[0]?.conversationId ?? feed?.recent[0]?.conversationId ?? null
}

/**
 * Loads the feed and keeps it live. `onSignedOut` runs when the display has been revoked
 * or its session is gone, so that the caller can show the pairing screen again.
 */
export function useWallFeed(onSignedOut: () => void): WallState {
  const [feed, setFeed] = useState<WallFeed | null>(null)
  const [offlineSince, setOfflineSince] = useState<number | null>(null)

  useEffect(() => {
    let isStopped = false
    let current: WallFeed | null = null
    let fetchTimer: ReturnType<typeof setTimeout> | null = null
    let offlineTimer: ReturnType<typeof setTimeout> | null = null
    let isFetching = false
    let isStaleAgain = false
    let lostAt: number | null = Date.now()

    const signOut = () => {
      if (isStopped) return
      stop()
      onSignedOut()
    }

    const schedule = (delay = REFETCH_DELAY_MS) => {
      if (isStopped || fetchTimer) return
      fetchTimer = setTimeout(() => {
        fetchTimer = null
        void load()
      }, delay)
    }

    const load = async () => {
      if (isFetching) {
        isStaleAgain = true
        return
      }
      isFetching = true
      try {
        const next = await wallApi.feed()
        if (isStopped) return
        current = next
        setFeed(next)
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return signOut()
        // Keep showing what we have; the next event, reconnect or retry fetches again.
        schedule(RETRY_MS)
      } finally {
        isFetching = false
        if (isStaleAgain && !isStopped) {
          isStaleAgain = false
          schedule()
        }
      }
    }

    const markOnline = () => {
      lostAt = null
      if (offlineTimer) clearTimeout(offlineTimer)
      offlineTimer = null
      setOfflineSince(null)
    }

    const markLost = () => {
      if (lostAt !== null && offlineTimer) return
      const since = lostAt ?? Date.now()
      lostAt = since
      if (offlineTimer) clearTimeout(offlineTimer)
      offlineTimer = setTimeout(
        () => {
          offlineTimer = null
          if (!isStopped && lostAt !== null) setOfflineSince(lostAt)
        },
        Math.max(0, since + OFFLINE_AFTER_MS - Date.now()),
      )
    }

    const socket = new LiveSocket({
      onEvent: (event) => {
        if (isRelevant(event, boardIdOf(current), (current?.tasks ?? null) !== null)) schedule()
      },
      onResync: () => schedule(),
      onCaughtUp: (isFirst) => {
        // Anything missed while the socket was down has been replayed, but a fresh
        // load after a reconnect also covers what changed without an event.
        if (!isFirst) schedule()
      },
      onSignedOut: signOut,
      // A refused upgrade looks like a network error: the API says whether we are still in.
      onConnectFailed: () => void load(),
      onStatus: (status) => {
        // For tests and styling: whether live updates are flowing.
        document.documentElement.dataset.live = status
        if (status === 'open') markOnline()
        else markLost()
      },
      onHello: (version) => {
        if (firstVersion === null) firstVersion = version
        else if (version !== firstVersion) location.reload()
      },
    })

    const refresher = setInterval(() => schedule(), FULL_REFRESH_MS)

    function stop(): void {
      isStopped = true
      socket.stop()
      clearInterval(refresher)
      if (fetchTimer) clearTimeout(fetchTimer)
      if (offlineTimer) clearTimeout(offlineTimer)
      fetchTimer = null
      offlineTimer = null
    }

    markLost()
    void load()
    socket.start()
    return stop
    // The caller's onSignedOut is fixed for the life of the wall.
  }, [])

  return { feed, offlineSince }
}
