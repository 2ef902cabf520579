/**
 * The realtime hub: every open /ws connection, and fan-out of committed events to the
 * connections allowed to see them. A connection that resumes first replays the event log
 * from its last id, buffering live events meanwhile, so it sees every event exactly once.
 */
import type { WebSocket } from 'ws'
import type { Database } from '../db/database'
import type { Role, MemberStatus } from '../db/schema'
import { audienceFromColumns, type ServerFrame, type StoredEvent } from './events'
import { selectEventBounds, selectEventsAfter } from './repo'
import { DISPLAY_ANY_CONVERSATION_TYPES, DISPLAY_EVENT_TYPES, displayView } from './display-events'

/**
 * The TCP socket under a WebSocket: corked while a batch of frames is written to it, and
 * written to directly with frames encoded once for every socket (see EventFrame).
 */
export interface Transport {
  readonly writable: boolean
  cork(): void
  uncork(): void
  write(chunk: Buffer): boolean
}

export interface ConnectionIdentity {
  memberId: number
  sessionId: number
  role: Role
  status: MemberStatus
  permissions: readonly string[]
}

export interface Connection extends ConnectionIdentity {
  socket: WebSocket
  /** The TCP socket under `socket` (request.raw.socket of the upgrade), when known. */
  transport: Transport | null
  /** Live events that arrived while the backlog was being replayed; null once caught up. */
  pending: StoredEvent[] | null
  lastSentId: number
  isAlive: boolean
  isVisible: boolean
}

/** Decides whether a member may see an event addressed to a conversation. */
export type ConversationAccess = (memberId: number, conversationId: number) => boolean
/** Sees every committed event before fan-out (e.g. to keep a membership index current). */
export type EventApplier = (event: StoredEvent) => void

const REPLAY_PAGE = 500
/** A client further behind than this is told to reload its state instead of replaying. */
export const MAX_REPLAY = 5_000
const HEARTBEAT_MS = 25_000

/**
 * Open sockets one member may hold: a phone, a laptop and a few tabs for staff, one page
 * (and a reload's overlap) for a wall display. Past this, a new socket is closed at once.
 */
export const MAX_SOCKETS_PER_MEMBER = 10
export const MAX_SOCKETS_PER_DISPLAY = 3
/** Our own close code for "this member has too many sockets open"; clients back off. */
export const TOO_MANY_CONNECTIONS_CODE = 4008
/** The longest a burst's next flush waits for the last one (see Hub.publish). */
export const MAX_FLUSH_WAIT_MS = 10

export class Hub {
  private readonly connections = new Set<Connection>()
  private conversationAccess: ConversationAccess = () => false
  private readonly appliers: EventApplier[] = []
  private readonly connectionListeners: ((memberId: number) => void)[] = []
  private heartbeat: NodeJS.Timeout | null = null
  /** Committed batches not yet sent, in commit order; sent together once per loop turn. */
  private outgoing: (readonly StoredEvent[])[] = []
  private flushScheduled: { cancel(): void } | null = null
  /** When the next flush may start (this.now()); see publish(). */
  private nextFlushAt = 0
  private isFlushing = false
  private hasFlushedThisTurn = false

  constructor(
    private readonly db: Database,
    private readonly version: string,
    /** Milliseconds, for spacing flushes: a monotonic clock (tests pass their own). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  setConversationAccess(access: ConversationAccess): void {
    this.conversationAccess = access
  }

  canAccessConversation(memberId: number, conversationId: number): boolean {
    return this.conversationAccess(memberId, conversationId)
  }

  /** Whether any of the member's open pages is visible right now. */
  hasVisibleConnection(memberId: number): boolean {
    for (const conn of this.connections) if (conn.memberId === memberId && conn.isVisible) return true
    return false
  }

  isConnected(memberId: number): boolean {
    for (const conn of this.connections) if (conn.memberId === memberId) return true
    return false
  }

  addApplier(applier: EventApplier): void {
    this.appliers.push(applier)
  }

  /** Called when a member's set of connections or their visibility changes (presence). */
  onConnectionChange(listener: (memberId: number) => void): void {
    this.connectionListeners.push(listener)
  }

  notifyConnectionChange(memberId: number): void {
    for (const listener of this.connectionListeners) listener(memberId)
  }

  /** Sends a live-only frame (typing) to the connections that may see a conversation. */
  sendLive(conversationId: number, frame: ServerFrame, exceptMemberId?: number): void {
    const text = JSON.stringify(frame)
    for (const conn of this.connections) {
      if (conn.memberId === exceptMemberId || conn.pending || conn.status !== 'active') continue
      if (!this.conversationAccess(conn.memberId, conversationId)) continue
      if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(text)
    }
  }

  get size(): number {
    return this.connections.size
  }

  connectionsOf(memberId: number): Connection[] {
    return [...this.connections].filter((c) => c.memberId === memberId)
  }

  canSee(conn: ConnectionIdentity, event: StoredEvent): boolean {
    // A wall shows the board and little else: it gets an allow-list of event types.
    if (conn.role === 'display' && !DISPLAY_EVENT_TYPES.has(event.type)) return false
    const audience = event.audience
    switch (audience.kind) {
      case 'member':
        return audience.id === conn.memberId
      case 'shop':
        return conn.status === 'active'
      case 'managers':
        return conn.status === 'active' && conn.permissions.includes('members.manage')
      case 'conversation':
        return (
          conn.status === 'active' &&
          (this.conversationAccess(conn.memberId, audience.id) ||
            (conn.role === 'display' && DISPLAY_ANY_CONVERSATION_TYPES.has(event.type)))
        )
    }
  }

  /**
   * Registers a socket and replays what it missed since `since` (or nothing if null).
   * Returns null, having closed the socket, when the member already has as many sockets
   * open as allowed.
   */
  async attach(
    socket: WebSocket,
    identity: ConnectionIdentity,
    since: number | null,
    transport: Transport | null = null,
  ): Promise<Connection | null> {
    const limit = identity.role === 'display' ? MAX_SOCKETS_PER_DISPLAY : MAX_SOCKETS_PER_MEMBER
    if (this.connectionsOf(identity.memberId).length >= limit) {
      socket.close(TOO_MANY_CONNECTIONS_CODE, 'too_many_connections')
      return null
    }
    const conn: Connection = {
      ...identity,
      socket,
      // Frames written straight to the TCP socket must be what ws would send: with a
      // negotiated extension (compression) they would not be, so ws sends them itself.
      transport: socket.extensions ? null : transport,
      pending: [],
      lastSentId: 0,
      isAlive: true,
      isVisible: true,
    }
    this.connections.add(conn)
    socket.on('pong', () => {
      conn.isAlive = true
    })
    socket.on('close', () => {
      this.connections.delete(conn)
      this.notifyConnectionChange(conn.memberId)
    })
    this.startHeartbeat()
    this.notifyConnectionChange(conn.memberId)

    const { minId, maxId } = await selectEventBounds(this.db)
    send(conn, { kind: 'hello', lastEventId: maxId, version: this.version })
    const tooOld = since !== null && (since > maxId || (minId > 0 && since < minId - 1) || maxId - since > MAX_REPLAY)
    if (since === null || tooOld) {
      if (tooOld) send(conn, { kind: 'resync', lastEventId: maxId })
      conn.lastSentId = maxId
    } else {
      conn.lastSentId = since
      // A display replays only the types it may receive; skipping the rest in the query
      // also keeps a wall's resume cheap after a busy day.
      const types = identity.role === 'display' ? [...DISPLAY_EVENT_TYPES] : null
      for (;;) {
        const rows = await selectEventsAfter(this.db, conn.lastSentId, REPLAY_PAGE, types)
        for (const row of rows) {
          const event: StoredEvent = {
            id: row.id,
            type: row.type as StoredEvent['type'],
            audience: audienceFromColumns(row.audience_kind, row.audience_id),
            data: JSON.parse(row.payload),
            at: row.created_at,
          }
          this.deliver(conn, event, new EventFrame(event, row.payload))
        }
        if (rows.length < REPLAY_PAGE) break
      }
      // Every id up to maxId was committed before the replay read it, filtered or not.
      conn.lastSentId = Math.max(conn.lastSentId, maxId)
    }
    const buffered = conn.pending ?? []
    conn.pending = null
    for (const event of buffered) this.deliver(conn, event, new EventFrame(event))
    send(conn, { kind: 'caught-up', lastEventId: conn.lastSentId })
    return conn
  }

  /**
   * Fans committed events out to every connection allowed to see them. After a quiet
   * moment the first commit goes out at once, before its HTTP answer. Later commits wait,
   * until the end of this turn of the event loop at least:
   * a write to a socket costs about the same for one frame as for ten (the system call and
   * the wake-up of the reader are most of it), so the next flush waits as long again as the
   * last one took (at most MAX_FLUSH_WAIT_MS); writing then takes at most half of the process's time, and each
   * socket's write carries every frame committed meanwhile. Each event is serialised and
   * framed once for everyone (and once more for walls when they see less), not once per
   * socket.
   */
  publish(events: readonly StoredEvent[]): void {
    this.outgoing.push(events)
    if (this.flushScheduled || this.isFlushing) return
    const wait = this.nextFlushAt - this.now()
    if (wait <= 0 && !this.hasFlushedThisTurn) this.flush()
    else if (wait >= 1) {
      const timer = setTimeout(() => this.flush(), wait)
      this.flushScheduled = { cancel: () => clearTimeout(timer) }
    } else {
      const immediate = setImmediate(() => this.flush())
      this.flushScheduled = { cancel: () => clearImmediate(immediate) }
    }
  }

  /** Sends every committed batch now; publish() schedules it, and closing runs it first. */
  flush(): void {
    this.flushScheduled?.cancel()
    this.flushScheduled = null
    const batches = this.outgoing
    if (batches.length === 0) return
    this.outgoing = []
    this.isFlushing = true
    const started = this.now()
    const corked: Transport[] = []
    // One frame per socket (one event, the usual case) is one write anyway.
    const isOneFrame = batches.length === 1 && batches[0]?.length === 1
    for (const conn of this.connections) {
      if (conn.transport && !conn.pending && !isOneFrame) {
        conn.transport.cork()
        corked.push(conn.transport)
      }
    }
    try {
      for (const events of batches) {
        // As before deferring: a batch's changes to identities and memberships apply
        // before any of its events is delivered.
        for (const event of events) {
          for (const applier of this.appliers) applier(event)
          this.applyToConnections(event)
        }
        for (const event of events) {
          const frame = new EventFrame(event)
          for (const conn of this.connections) {
            if (conn.pending) conn.pending.push(event)
            else this.deliver(conn, event, frame)
          }
        }
      }
    } finally {
      for (const transport of corked) transport.uncork()
      this.isFlushing = false
      const now = this.now()
      this.nextFlushAt = now + Math.min(now - started, MAX_FLUSH_WAIT_MS)
    }
    // The commits still to come in this turn share the next write, however quick this was.
    if (!this.hasFlushedThisTurn) {
      this.hasFlushedThisTurn = true
      setImmediate(() => (this.hasFlushedThisTurn = false))
    }
    // Published by an applier while this flush ran: next, in order.
    if (this.outgoing.length > 0 && !this.flushScheduled) {
      const immediate = setImmediate(() => this.flush())
      this.flushScheduled = { cancel: () => clearImmediate(immediate) }
    }
  }

  private deliver(conn: Connection, event: StoredEvent, frame: EventFrame): void {
    if (event.id <= conn.lastSentId) return
    conn.lastSentId = event.id
    if (!this.canSee(conn, event)) return
    if (conn.socket.readyState !== conn.socket.OPEN) return
    const isDisplay = conn.role === 'display'
    // The frame's bytes are the same for every socket (a server's frames are not masked),
    // so they go straight to the TCP socket; ws's own frames (hello, pings, close) go to the
    // same socket in order, and without compression ws keeps nothing of its own queued.
    if (conn.transport) {
      if (conn.transport.writable) conn.transport.write(isDisplay ? frame.wireForDisplay() : frame.wire())
    } else conn.socket.send(isDisplay ? frame.forDisplay() : frame.bytes(), TEXT)
  }

  /** Keeps connection identities in step with role, permission and status changes. */
  private applyToConnections(event: StoredEvent): void {
    if (event.type === 'member.updated' || event.type === 'member.approved' || event.type === 'member.reactivated') {
      const member = (event.data as { member: { id: number; role: Role; status: MemberStatus; permissions: string[] } })
        .member
      for (const conn of this.connectionsOf(member.id)) {
        conn.role = member.role
        conn.status = member.status
        conn.permissions = member.permissions
      }
    } else if (event.type === 'session.revoked') {
      const { sessionIds } = event.data as { sessionIds: number[] }
      this.closeSessions(sessionIds)
    }
  }

  closeMember(memberId: number, reason: 'deactivated' | 'session-revoked'): void {
    for (const conn of this.connectionsOf(memberId)) close(conn, reason)
  }

  closeSessions(sessionIds: readonly number[]): void {
    for (const conn of this.connections) if (sessionIds.includes(conn.sessionId)) close(conn, 'session-revoked')
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return
    this.heartbeat = setInterval(() => {
      for (const conn of this.connections) {
        if (!conn.isAlive) {
          conn.socket.terminate()
          this.connections.delete(conn)
          this.notifyConnectionChange(conn.memberId)
          continue
        }
        conn.isAlive = false
        conn.socket.ping()
      }
    }, HEARTBEAT_MS)
    this.heartbeat.unref()
  }

  closeAll(): void {
    // What was committed is still sent before the sockets close.
    this.flush()
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = null
    for (const conn of this.connections) conn.socket.close(1001, 'server shutting down')
    this.connections.clear()
  }
}

/** A text frame: the bytes are UTF-8 JSON, sent as they are to every socket. */
const TEXT = { binary: false } as const

/**
 * One event's frame, encoded on first use and then shared by every socket that gets it;
 * a wall's reduced view (display-events.ts) likewise, once.
 */
export class EventFrame {
  private encoded: Buffer | null = null
  private encodedForDisplay: Buffer | null = null
  private framed: Buffer | null = null
  private framedForDisplay: Buffer | null = null

  constructor(
    private readonly event: StoredEvent,
    /** The stored JSON of the event's data, when it was read from the log. */
    private readonly payload?: string,
  ) {}

  bytes(): Buffer {
    this.encoded ??= Buffer.from(eventFrame(this.event, this.payload))
    return this.encoded
  }

  forDisplay(): Buffer {
    if (!this.encodedForDisplay) {
      const shown = displayView(this.event)
      this.encodedForDisplay = shown === this.event ? this.bytes() : Buffer.from(eventFrame(shown))
    }
    return this.encodedForDisplay
  }

  /** bytes() as a whole WebSocket frame, ready for the TCP socket. */
  wire(): Buffer {
    this.framed ??= textFrame(this.bytes())
    return this.framed
  }

  wireForDisplay(): Buffer {
    this.framedForDisplay ??= this.forDisplay() === this.bytes() ? this.wire() : textFrame(this.forDisplay())
    return this.framedForDisplay
  }
}

/** One unmasked, unfragmented WebSocket text frame (RFC 6455 section 5.2) holding `payload`. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)
  frame[0] = 0x81 // FIN, opcode 1 (text)
  if (length < 126) frame[1] = length
  else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2)
    frame.writeUInt32BE(length >>> 0, 6)
  }
  payload.copy(frame, headerLength)
  return frame
}

function eventFrame(event: StoredEvent, payload?: string): string {
  // Splices the stored JSON in directly to avoid parsing and re-serialising on replay.
  const data = payload ?? JSON.stringify(event.data)
  return `{"kind":"event","id":${event.id},"type":${JSON.stringify(event.type)},"at":${event.at},"data":${data}}`
}

function send(conn: Connection, frame: ServerFrame): void {
  if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(frame))
}

function close(conn: Connection, reason: 'deactivated' | 'session-revoked'): void {
  send(conn, { kind: 'signed-out', reason })
  // 4401: our own close code for "signed out"; the client does not reconnect.
  conn.socket.close(4401, reason)
}
