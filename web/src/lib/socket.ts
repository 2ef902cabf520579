/**
 * The live connection: one WebSocket to /ws that resumes from the last event id it saw,
 * reconnects on a fixed backoff, reports page visibility (the server's "away" rule) and
 * pings so that a dead Wi-Fi link is noticed. A 'signed-out' frame or close code 4401
 * ends it for good; close code 4008 (too many sockets open for this member) makes it wait
 * a minute or more, whatever the page or the network does meanwhile.
 */
import type { ClientFrame, EventMap, EventType, ServerFrame } from '../../../server/realtime/events'

export type LiveEvent = { [K in EventType]: { id: number; type: K; data: EventMap[K]; at: number } }[EventType]

export const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000] as const
const PING_MS = 20_000
const PONG_TIMEOUT_MS = 10_000
/** Our own close code for "signed out": never reconnect after it. */
export const SIGNED_OUT_CODE = 4401
/** Our own close code for "this member has too many sockets open": wait long, then retry. */
export const TOO_MANY_CONNECTIONS_CODE = 4008
export const CROWDED_RETRY_MS = 60_000
const CROWDED_JITTER_MS = 30_000

export type SocketStatus = 'connecting' | 'open' | 'closed'

export interface SocketHandlers {
  onEvent(event: LiveEvent): void
  /** The server could not replay what we missed: reload everything shown. */
  onResync(): void
  /** The backlog has been replayed; `isFirst` on the first connection of this socket. */
  onCaughtUp?(isFirst: boolean): void
  onSignedOut(reason: string): void
  /** The connection closed before the server said hello (e.g. the session is gone). */
  onConnectFailed?(): void
  onStatus?(status: SocketStatus): void
  /** The server said hello; `version` changes when a new web build is deployed. */
  onHello?(version: string): void
  /** Someone is typing in a conversation (live only, never replayed). */
  onTyping?(conversationId: number, memberId: number): void
}

export class LiveSocket {
  private ws: WebSocket | null = null
  private lastEventId: number | null = null
  private attempt = 0
  private connections = 0
  private isStopped = true
  private hasHello = false
  /** Refused for too many sockets: only the long timer may reconnect. */
  private isCrowded = false
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private pongTimer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly handlers: SocketHandlers) {}

  get lastId(): number | null {
    return this.lastEventId
  }

  start(): void {
    if (!this.isStopped) return
    this.isStopped = false
    document.addEventListener('visibilitychange', this.onVisibility)
    window.addEventListener('online', this.onOnline)
    window.addEventListener('offline', this.onOffline)
    this.connect()
  }

  stop(): void {
    this.isStopped = true
    this.isCrowded = false
    document.removeEventListener('visibilitychange', this.onVisibility)
    window.removeEventListener('online', this.onOnline)
    window.removeEventListener('offline', this.onOffline)
    this.clearTimers()
    const ws = this.ws
    this.ws = null
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'client stopped')
    this.handlers.onStatus?.('closed')
  }

  private url(): string {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    const since = this.lastEventId === null ? '' : `?since=${this.lastEventId}`
    return `${scheme}//${location.host}/ws${since}`
  }

  private connect(): void {
    if (this.isStopped) return
    this.clearTimers()
    this.hasHello = false
    this.handlers.onStatus?.('connecting')
    const ws = new WebSocket(this.url())
    this.ws = ws
    ws.onopen = () => {
      this.send({ kind: 'visibility', visible: document.visibilityState === 'visible' })
      this.pingTimer = setInterval(() => this.ping(), PING_MS)
    }
    ws.onmessage = (message) => {
      if (this.ws !== ws) return
      this.clearPongTimer()
      let frame: ServerFrame
      try {
        frame = JSON.parse(String(message.data)) as ServerFrame
      } catch {
        return
      }
      this.handle(frame)
    }
    ws.onclose = (event) => {
      if (this.ws !== ws) return
      this.ws = null
      this.clearTimers()
      if (event.code === SIGNED_OUT_CODE) {
        this.signOut(event.reason || 'signed-out')
        return
      }
      if (this.isStopped) return
      this.handlers.onStatus?.('closed')
      if (event.code === TOO_MANY_CONNECTIONS_CODE) {
        // Other tabs or devices hold the member's sockets; retrying soon would only be
        // refused again. Spread out so that several waiting tabs do not return together.
        this.isCrowded = true
        this.reconnectTimer = setTimeout(
          () => {
            this.isCrowded = false
            this.connect()
          },
          CROWDED_RETRY_MS + Math.random() * CROWDED_JITTER_MS,
        )
        return
      }
      if (!this.hasHello) this.handlers.onConnectFailed?.()
      this.scheduleReconnect()
    }
  }

  private handle(frame: ServerFrame): void {
    switch (frame.kind) {
      case 'hello':
        this.hasHello = true
        this.attempt = 0
        if (this.lastEventId === null) this.lastEventId = frame.lastEventId
        this.handlers.onStatus?.('open')
        this.handlers.onHello?.(frame.version)
        break
      case 'event':
        this.lastEventId = frame.id
        this.handlers.onEvent(frame as LiveEvent)
        break
      case 'caught-up':
        this.lastEventId = frame.lastEventId
        this.connections++
        this.handlers.onCaughtUp?.(this.connections === 1)
        break
      case 'resync':
        this.lastEventId = frame.lastEventId
        this.handlers.onResync()
        break
      case 'signed-out':
        this.signOut(frame.reason)
        break
      case 'typing':
        this.handlers.onTyping?.(frame.conversationId, frame.memberId)
        break
      case 'pong':
        break
    }
  }

  private signOut(reason: string): void {
    if (this.isStopped) return
    this.stop()
    this.handlers.onSignedOut(reason)
  }

  private scheduleReconnect(): void {
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 30_000
    this.attempt++
    this.reconnectTimer = setTimeout(() => this.connect(), delay)
  }

  /** Reconnects at once when we are waiting to retry (the page came back, Wi-Fi returned). */
  private reconnectNow(): void {
    if (this.isStopped || this.ws || this.isCrowded) return
    this.connect()
  }

  private ping(): void {
    if (!this.send({ kind: 'ping' })) return
    this.clearPongTimer()
    // No answer at all: the link is dead even if the browser has not noticed yet.
    this.pongTimer = setTimeout(() => this.ws?.close(4000, 'no pong'), PONG_TIMEOUT_MS)
  }

  /** Tells the others in a conversation that we are typing; false when not connected. */
  sendTyping(conversationId: number): boolean {
    return this.send({ kind: 'typing', conversationId })
  }

  private send(frame: ClientFrame): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false
    this.ws.send(JSON.stringify(frame))
    return true
  }

  private readonly onVisibility = (): void => {
    const visible = document.visibilityState === 'visible'
    if (!this.send({ kind: 'visibility', visible }) && visible) this.reconnectNow()
  }

  private readonly onOnline = (): void => this.reconnectNow()

  /** The browser says the network is gone: show it now rather than when a ping times out. */
  private readonly onOffline = (): void => {
    const ws = this.ws
    if (!ws || this.isStopped) return
    this.ws = null
    this.clearTimers()
    ws.close(4000, 'offline')
    this.handlers.onStatus?.('closed')
    this.scheduleReconnect()
  }

  private clearPongTimer(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer)
    this.pongTimer = null
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.reconnectTimer = null
    this.pingTimer = null
    this.clearPongTimer()
  }
}
