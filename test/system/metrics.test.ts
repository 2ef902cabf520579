import t from 'tap'
import { setupOwner, startApp } from '../helpers/app'
import { as } from '../helpers/chat'

const OUTSIDE = '192.0.2.10'

/** The value of one sample line, e.g. sample(text, 'backboard_websocket_connections'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('answers Prometheus text on this machine', async (t) => {
  const { app, ctx, close } = await startApp()
  t.teardown(close)
  const owner = await setupOwner(app)
  const renamed = await as(app, owner, 'PATCH', '/api/settings', { name: 'Corner Hardware & Garden' })
  t.equal(renamed.statusCode, 200, 'renaming the shop writes an event')
  await ctx.outbox.stop()
  await ctx.write(async (w) => {
    await w.enqueue({ channel: 'push', idempotencyKey: 'metrics-1', payload: {} })
  })

  const response = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = response.body
  for (const name of [
    'backboard_http_requests_total',
    'backboard_websocket_connections',
    'backboard_events_total',
    'backboard_outbox_items',
    'backboard_backup_age_seconds',
  ]) {
    t.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), `${name} is declared`)
  }
  t.match(text, /^backboard_http_requests_total\{method="POST",route="\/api\/setup",status="2xx"\} 1$/m)
  t.equal(sample(text, 'backboard_websocket_connections'), 0)
  const lastEvent = await ctx.db
    .selectFrom('event')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirstOrThrow()
  t.ok(Number(lastEvent.id) > 0)
  t.equal(sample(text, 'backboard_events_total'), Number(lastEvent.id), 'the newest event id')
  t.match(text, /^backboard_outbox_items\{channel="push",state="pending"\} 1$/m)
  t.equal(sample(text, 'backboard_backup_age_seconds'), -1, 'no backup yet')

  await as(app, owner, 'POST', '/api/system/backups')
  const later = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(sample(later.body, 'backboard_backup_age_seconds'), 0, 'a backup was just taken')
})

t.test('is refused from another address, even to a signed-in owner', async (t) => {
  const { app, close } = await startApp()
  t.teardown(close)
  const owner = await setupOwner(app)
  const response = await app.inject({
    method: 'GET',
    url: '/metrics',
    remoteAddress: OUTSIDE,
    headers: { cookie: owner.cookie, authorization: 'Bearer anything' },
  })
  t.equal(response.statusCode, 403)
  t.equal(response.json().code, 'metrics_forbidden')
  t.notMatch(response.body, /backboard_/)
})

t.test('with METRICS_TOKEN, accepts the right bearer token from anywhere and refuses a wrong one', async (t) => {
  const token = 'scrape-me-7f3a9c'
  const { app, close } = await startApp({ env: { METRICS_TOKEN: token } })
  t.teardown(close)
  const get = (authorization?: string) =>
    app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: OUTSIDE,
      headers: authorization === undefined ? {} : { authorization },
    })

  const right = await get(`Bearer ${token}`)
  t.equal(right.statusCode, 200)
  t.match(right.body, /^# TYPE backboard_backup_age_seconds gauge$/m)

  for (const wrong of [
    undefined,
    `Bearer ${token.slice(0, -1)}x`,
    `Bearer ${token}0`,
    'Bearer ',
    token,
    `Basic ${token}`,
  ]) {
    const response = await get(wrong)
    t.equal(response.statusCode, 403, `refused: ${String(wrong)}`)
    t.equal(response.json().code, 'metrics_forbidden')
  }

  const local = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(local.statusCode, 200, 'this machine still needs no token')
})
