import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { actorOf } from '../auth/access'
import { forbidden } from '../shared/errors'
import { withErrors } from '../shared/schemas'
import type { ClientFrame } from './events'
import type { Hub } from './hub'

const WsQuery = Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false })

/** Typing frames one socket may send per window; the rest are dropped unanswered. */
export const TYPING_PER_WINDOW = 10
export const TYPING_WINDOW_MS = 10_000

function parseFrame(raw: unknown): ClientFrame | null {
  try {
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw)
    if (text.length > 4096) return null
    const frame = JSON.parse(text) as ClientFrame
    return typeof frame === 'object' && frame !== null && typeof frame.kind === 'string' ? frame : null
  } catch {
    return null
  }
}

export function registerRealtimeRoutes(app: App, ctx: AppContext, hub: Hub): void {
  app.get(
    '/ws',
    {
      websocket: true,
      config: { access: 'pending' },
      schema: { hide: true, querystring: WsQuery },
    },
    async (socket, request) => {
      const actor = actorOf(request)
      const since = (request.query as { since?: number }).since ?? null
      let typingWindowStart = 0
      let typingCount = 0
      socket.on('message', (raw) => {
        // A socket refused for being one too many is closing: it gets nothing more.
        if (!hub.connectionsOf(actor.member.id).some((conn) => conn.socket === socket)) return
        const frame = parseFrame(raw)
        if (!frame) return
        if (frame.kind === 'ping') socket.send('{"kind":"pong"}')
        else if (frame.kind === 'visibility') {
          for (const conn of hub.connectionsOf(actor.member.id))
            if (conn.socket === socket) conn.isVisible = frame.visible === true
          hub.notifyConnectionChange(actor.member.id)
        } else if (frame.kind === 'typing' && Number.isInteger(frame.conversationId)) {
          // Live only: never stored, and only to those who can see the conversation.
          if (actor.member.status !== 'active' || actor.member.role === 'display') return
          // A client sends one every few seconds while someone types; a loop is cut short.
          const now = ctx.clock.now()
          if (now - typingWindowStart >= TYPING_WINDOW_MS) {
            typingWindowStart = now
            typingCount = 0
          }
          if (++typingCount > TYPING_PER_WINDOW) return
          if (!hub.canAccessConversation(actor.member.id, frame.conversationId)) return
          hub.sendLive(
            frame.conversationId,
            { kind: 'typing', conversationId: frame.conversationId, memberId: actor.member.id },
            actor.member.id,
          )
        }
      })
      await hub.attach(
        socket,
        {
          memberId: actor.member.id,
          sessionId: actor.sessionId,
          role: actor.member.role,
          status: actor.member.status,
          permissions: actor.permissions,
        },
        since,
        // The upgraded TCP socket, so that the hub can send a batch of frames in one write.
        request.raw.socket,
      )
    },
  )
}

const PresenceSchema = Type.Object({
  memberId: Type.Integer(),
  presence: Type.Union([Type.Literal('online'), Type.Literal('idle'), Type.Literal('offline')]),
  shiftStatus: Type.Union([Type.Literal('on_shift'), Type.Literal('off_shift'), Type.Literal('away')]),
  shiftStatusUntil: Type.Union([Type.Number(), Type.Null()]),
})

const ShiftBody = Type.Object(
  {
    shiftStatus: Type.Union([Type.Literal('on_shift'), Type.Literal('off_shift'), Type.Literal('away')]),
    untilMinutes: Type.Union([Type.Integer({ minimum: 1, maximum: 20160 }), Type.Null()]),
  },
  { additionalProperties: false },
)

export function registerPresenceRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/presence',
    {
      schema: {
        tags: ['presence'],
        summary: 'Who is online and who is on shift',
        response: withErrors({ 200: Type.Array(PresenceSchema) }),
      },
    },
    async () => ctx.presence.list(),
  )
  app.put(
    '/api/me/status',
    {
      // Each change is stored and sent to everyone: a person changes it a few times a day.
      config: { rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: {
        tags: ['presence'],
        summary: 'Set myself on shift, off shift or away, optionally for a while',
        body: ShiftBody,
        response: withErrors({ 200: PresenceSchema }),
      },
    },
    async (request) => {
      const actor = actorOf(request)
      if (actor.member.role === 'display') throw forbidden('read_only', 'A wall display has no shift.')
      return ctx.presence.setShiftStatus(actor, request.body.shiftStatus, request.body.untilMinutes)
    },
  )
}
