import { Type } from 'typebox'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { actorOf } from '../auth/access'
import type { ClientFrame } from './events'

const WsQuery = Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false })

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

export function registerRealtimeRoutes(app: App, ctx: AppContext): void {
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
      socket.on('message', (raw) => {
        const frame = parseFrame(raw)
        if (!frame) return
        if (frame.kind === 'ping') socket.send('{"kind":"pong"}')
        else if (frame.kind === 'visibility') {
          for (const conn of ctx.hub.connectionsOf(actor.member.id)) if (conn.socket === socket) conn.isVisible = frame.visible === true
        }
      })
      await ctx.hub.attach(
        socket,
        {
          memberId: actor.member.id,
          sessionId: actor.sessionId,
          role: actor.member.role,
          status: actor.member.status,
          permissions: actor.permissions,
        },
        since,
      )
    },
  )
}
