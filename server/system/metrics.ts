/**
 * /metrics in Prometheus text format: HTTP requests, WebSocket connections, events, outbox
 * by state, backup age. Reachable only from this machine or with METRICS_TOKEN.
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { App } from '../shared/app-types'
import type { AppContext } from '../shared/context'
import { forbidden } from '../shared/errors'
import { databaseBytes, lastBackup } from './service'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/** Any of these says the request was relayed, so the socket's address is the proxy's. */
const FORWARDING_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'via',
  // What `tailscale serve` adds for a tailnet user or a Funnel visitor.
  'tailscale-user-login',
  'tailscale-funnel-request',
]

/**
 * Sent from this machine itself: decided on the socket's own address, never on a
 * forwarded one (TRUST_PROXY makes request.ip whatever the client wrote), and not when a
 * proxy on this machine relays it for someone else.
 */
function isFromThisMachine(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? ''
  if (!LOOPBACK.has(address)) return false
  return !FORWARDING_HEADERS.some((name) => request.headers[name] !== undefined)
}

function isAllowed(request: FastifyRequest, token: string | null): boolean {
  if (isFromThisMachine(request)) return true
  const header = request.headers.authorization ?? ''
  if (!token || !header.startsWith('Bearer ')) return false
  const given = Buffer.from(header.slice(7))
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

export function registerMetrics(app: App, ctx: AppContext, token: string | null): void {
  const requests = new Map<string, number>()
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const key = `${request.method}\u0000${route}\u0000${Math.floor(reply.statusCode / 100)}xx`
    requests.set(key, (requests.get(key) ?? 0) + 1)
  })

  app.get('/metrics', { config: { access: 'always' }, schema: { hide: true } }, async (request, reply) => {
    if (!isAllowed(request, token))
      throw forbidden('metrics_forbidden', 'Metrics are available from this machine or with the metrics token.')
    const lines: string[] = []
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`)
    }
    metric(
      'backboard_http_requests_total',
      'counter',
      'HTTP requests by method, route and status class.',
      [...requests].map(([key, n]) => {
        const [method, route, status] = key.split('\u0000') as [string, string, string]
        return [`{method="${method}",route="${escape(route)}",status="${status}"}`, n]
      }),
    )
    metric('backboard_websocket_connections', 'gauge', 'Open WebSocket connections.', [['', ctx.hub.size]])
    const lastEvent = await ctx.db
      .selectFrom('event')
      .select((eb) => eb.fn.max<number>('id').as('id'))
      .executeTakeFirst()
    metric('backboard_events_total', 'counter', 'Events written to the event log.', [['', Number(lastEvent?.id ?? 0)]])
    const outbox = await ctx.outbox.counts()
    const states = ['pending', 'sending', 'done', 'dead', 'dropped'] as const
    metric(
      'backboard_outbox_items',
      'gauge',
      'Deliveries in the outbox by channel and state.',
      outbox.flatMap((c) =>
        states.map((s): [string, number] => [`{channel="${escape(c.channel)}",state="${s}"}`, c[s]]),
      ),
    )
    const backup = lastBackup(ctx)
    metric('backboard_backup_age_seconds', 'gauge', 'Seconds since the newest backup (-1: none yet).', [
      ['', backup.last ? Math.round((ctx.clock.now() - backup.last.createdAt) / 1000) : -1],
    ])
    const db = databaseBytes(ctx)
    metric('backboard_database_bytes', 'gauge', 'Size of the database file and its WAL.', [
      ['{file="db"}', db.bytes],
      ['{file="wal"}', db.walBytes],
    ])
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the server process.', [
      ['', process.memoryUsage.rss()],
    ])
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(`${lines.join('\n')}\n`)
  })
}
