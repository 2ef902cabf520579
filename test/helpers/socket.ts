/** A /ws client for tests: records every frame and lets a test wait for the one it expects. */
import WebSocket from 'ws'

export interface Frame {
  kind: string
  id?: number
  type?: string
  data?: unknown
  lastEventId?: number
  reason?: string
}

export interface TestSocket {
  ws: WebSocket
  frames: Frame[]
  /** Resolves with the first frame (already received or still to come) matching `match`. */
  waitFor(match: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>
  /** Resolves with the close code once the server closes the socket. */
  closed: Promise<{ code: number; reason: string }>
  close(): Promise<void>
}

/** Opens `${baseUrl}/ws` as the member whose cookie is given, from the app's own origin. */
export function openSocket(
  baseUrl: string,
  cookie: string,
  options: { since?: number; origin?: string } = {},
): Promise<TestSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/ws${options.since === undefined ? '' : `?since=${options.since}`}`
  const ws = new WebSocket(url, { headers: { cookie, origin: options.origin ?? baseUrl } })
  const frames: Frame[] = []
  const waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = []
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as Frame
    frames.push(frame)
    for (const waiter of [...waiters]) {
      if (waiter.match(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(frame)
      }
    }
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) }))
  })
  const waitFor = (match: (frame: Frame) => boolean, timeoutMs = 2000) => {
    const seen = frames.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1)
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`))
      }, timeoutMs)
      const waiter = {
        match,
        resolve: (frame: Frame) => {
          clearTimeout(timer)
          resolve(frame)
        },
      }
      waiters.push(waiter)
    })
  }
  const close = async () => {
    if (ws.readyState === WebSocket.CLOSED) return
    ws.close()
    await closed
  }
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, waitFor, closed, close }))
    ws.once('unexpected-response', (request, response) => {
      // With this listener, ws leaves the connection to us: drop it so the server can close.
      response.resume()
      request.destroy()
      const error = Object.assign(new Error(`websocket refused with HTTP ${response.statusCode}`), {
        name: 'WebSocketRefused',
        statusCode: response.statusCode,
      })
      reject(error)
    })
    ws.once('error', reject)
  })
}

/** The event frames among `frames`, in order. */
export function eventsIn(frames: readonly Frame[]): Frame[] {
  return frames.filter((frame) => frame.kind === 'event')
}
