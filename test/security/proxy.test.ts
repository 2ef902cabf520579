/**
 * Client addresses behind a proxy: /metrics believes only the socket, a trusted device is
 * not locked out by what others do from the same address, TRUST_PROXY names the proxy to
 * believe, and the HTTPS compose set-ups keep port 8080 off the shop network.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { LoginThrottle } from '../../server/auth/throttle'
import { ManualClock } from '../../server/shared/clock'
import { bodyOf, cookieOf, login, setupOwner, START_TIME, startApp } from '../helpers/app'

const LAN_PHONE = '192.168.1.50'

t.test('with TRUST_PROXY=true, a forged X-Forwarded-For does not open /metrics', async (t) => {
  const { app, close } = await startApp({ env: { TRUST_PROXY: 'true' } })
  t.teardown(close)
  const forged = await app.inject({
    method: 'GET',
    url: '/metrics',
    remoteAddress: LAN_PHONE,
    headers: { 'x-forwarded-for': '127.0.0.1' },
  })
  t.equal(forged.statusCode, 403)
  t.equal(bodyOf(forged).code, 'metrics_forbidden')
})

t.test('behind a proxy on this machine, /metrics stays closed to the clients it relays', async (t) => {
  const { app, close } = await startApp({ env: { METRICS_TOKEN: 'a-long-metrics-token-for-prometheus' } })
  t.teardown(close)
  for (const headers of [
    { 'x-forwarded-for': '100.101.102.103' },
    { forwarded: 'for=100.101.102.103;proto=https' },
    { 'x-real-ip': '100.101.102.103' },
  ]) {
    const relayed = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1', headers })
    t.equal(relayed.statusCode, 403, `relayed with ${Object.keys(headers)[0]}`)
  }
  const local = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })
  t.equal(local.statusCode, 200, 'a request from this machine itself still reads them')
  t.match(local.body, /backboard_events_total/)
  const withToken = await app.inject({
    method: 'GET',
    url: '/metrics',
    remoteAddress: '127.0.0.1',
    headers: { 'x-forwarded-for': '100.101.102.103', authorization: 'Bearer a-long-metrics-token-for-prometheus' },
  })
  t.equal(withToken.statusCode, 200, 'the metrics token opens them from anywhere')
})

t.test('30 failed sign-ins from one address do not block a device that signed in before', async (t) => {
  const throttle = new LoginThrottle(new ManualClock(START_TIME))
  const shared = '127.0.0.1'
  for (let attempt = 0; attempt < 30; attempt++) {
    throttle.recordFailure({ ip: shared, username: `guess${attempt}`, isTrustedDevice: false })
  }
  const newDevice = throttle.retryAfter({ ip: shared, username: 'olive', isTrustedDevice: false })
  t.ok(newDevice > 600, `a new device at that address waits (${newDevice} s)`)
  t.equal(
    throttle.retryAfter({ ip: shared, username: 'olive', isTrustedDevice: true }),
    0,
    "the owner's trusted device does not",
  )
})

t.test(
  "behind a local proxy, another client's guesses at the owner's password do not block the owner's phone",
  async (t) => {
    const { app, close } = await startApp()
    t.teardown(close)
    const owner = await setupOwner(app)
    // Every client arrives from the proxy's address.
    const viaProxy = { remoteAddress: '127.0.0.1' }
    const first = await login(app, owner, viaProxy)
    t.equal(first.statusCode, 200)
    const phone = cookieOf(first, 'bb_device')
    for (let attempt = 1; attempt <= 6; attempt++) {
      const guess = await login(app, { username: owner.username, password: `guess ${attempt}` }, viaProxy)
      t.ok([401, 429].includes(guess.statusCode), `guess ${attempt} refused (${guess.statusCode})`)
    }
    const stranger = await login(app, owner, viaProxy)
    t.equal(stranger.statusCode, 429, 'a device without the cookie waits, even with the right password')
    t.equal(bodyOf(stranger).code, 'too_many_attempts')
    const ownersPhone = await login(app, owner, { ...viaProxy, cookie: phone })
    t.equal(ownersPhone.statusCode, 200, "the owner's phone signs in")
  },
)

t.test('TRUST_PROXY=loopback believes X-Forwarded-For from a proxy on this machine only', async (t) => {
  const { app, ctx, close } = await startApp({ env: { TRUST_PROXY: 'loopback' } })
  t.teardown(close)
  const owner = await setupOwner(app)
  const wrong = { username: owner.username, password: 'not the password' }
  await login(app, wrong, { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '100.101.102.103' } })
  await login(app, wrong, { remoteAddress: LAN_PHONE, headers: { 'x-forwarded-for': '10.20.30.40' } })
  const recorded = await ctx.db
    .selectFrom('audit')
    .select('ip')
    .where('action', '=', 'login.failed')
    .orderBy('id')
    .execute()
  t.same(
    recorded.map((row) => row.ip),
    ['100.101.102.103', LAN_PHONE],
    'the relayed client is recorded; a forged address from the LAN is not',
  )
})

/** Compose's `${NAME:-default}` in `text`, from `env`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => env[name] || fallback)
}

function readEnvFile(file: string): Record<string, string> {
  const entries = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^\w+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const)
  return Object.fromEntries(entries)
}

t.test('the HTTPS compose set-ups publish port 8080 on this machine only and name the proxy', async (t) => {
  const root = path.join(import.meta.dirname, '..', '..')
  const compose = fs.readFileSync(path.join(root, 'compose.yaml'), 'utf8')
  const backboard = compose.slice(compose.indexOf('  backboard:'), compose.indexOf('\n  caddy:'))
  const ports = [...backboard.matchAll(/^\s+- '([^']*:8080)'$/gm)].map((match) => match[1]!)
  t.equal(ports.length, 1, 'backboard publishes one port')
  t.equal(interpolate(ports[0]!, {}), '0.0.0.0:8080:8080', 'straight on the shop network by default')
  for (const [file, profile] of [
    ['https.env', 'https'],
    ['https-dns.env', 'https-dns'],
  ] as const) {
    const env = readEnvFile(path.join(root, 'deploy', 'compose', file))
    t.equal(env.COMPOSE_PROFILES, profile, `${file} starts Caddy`)
    t.equal(interpolate(ports[0]!, env), '127.0.0.1:8080:8080', `${file} keeps 8080 on this machine`)
    t.equal(env.TRUST_PROXY, '1', `${file} believes the one proxy in front, not any client`)
    t.match(compose, new RegExp(`profiles: \\['${profile}'\\]`), `compose.yaml has the ${profile} profile`)
  }
})
