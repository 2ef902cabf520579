/**
 * Push endpoints are addresses a member gives the server to POST to. Only public HTTPS hosts
 * on port 443 are accepted, when subscribing, before each delivery and on every connect,
 * so a subscription cannot make the server reach into the shop's own network.
 */
import t, { type Test } from 'tap'
import { startApp, setupOwner, createMember, type StartedApp, type SignedInMember } from '../helpers/app'
import { makeSubscription } from '../helpers/push-endpoint'
import {
  checkPushEndpoint,
  isPublicAddress,
  NotPublicAddressError,
  publicOnlyLookup,
  type ResolveHost,
} from '../../server/push/endpoints'

const NOT_PUBLIC = [
  '127.0.0.1',
  '127.8.9.10',
  '10.0.0.5',
  '172.16.0.1',
  '172.31.255.254',
  '192.168.1.10',
  '169.254.169.254',
  '100.64.0.1',
  '0.0.0.0',
  '255.255.255.255',
  '224.0.0.1',
  '::1',
  '::',
  'fc00::1',
  'fd12:3456::1',
  'fe80::1',
  'fe80::1%eth0',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '2002:7f00:1::1',
  '2001:db8::1',
  'ff02::1',
  'not-an-address',
]
const PUBLIC = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2607:f8b0:4005:80a::200a', '::ffff:8.8.8.8']

t.test('isPublicAddress refuses loopback, private, CGNAT, link-local, unique-local and mapped forms', async (t) => {
  for (const ip of NOT_PUBLIC) t.equal(isPublicAddress(ip), false, `${ip} is not public`)
  for (const ip of PUBLIC) t.equal(isPublicAddress(ip), true, `${ip} is public`)
})

/** A resolver answering from a table; unknown names do not resolve. */
function fakeResolver(table: Record<string, string[]>): ResolveHost & { calls: string[] } {
  const calls: string[] = []
  const resolve = async (hostname: string) => {
    calls.push(hostname)
    const found = table[hostname]
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
    return found
  }
  return Object.assign(resolve, { calls })
}

t.test('checkPushEndpoint wants https on 443 and a host whose every address is public', async (t) => {
  const resolve = fakeResolver({
    'push.example.com': ['93.184.216.34', '2607:f8b0:4005:80a::200a'],
    'half.example.com': ['93.184.216.34', '10.0.0.5'],
    ...Object.fromEntries(NOT_PUBLIC.map((ip, i) => [`private${i}.example.com`, [ip]])),
  })
  const allowed = await checkPushEndpoint('https://push.example.com/send/abc', resolve)
  t.equal(allowed.isAllowed, true)
  t.equal((await checkPushEndpoint('https://push.example.com:443/send/abc', resolve)).isAllowed, true)
  t.equal((await checkPushEndpoint('https://93.184.216.34/send/abc', resolve)).isAllowed, true)
  const refused = async (endpoint: string) => {
    const check = await checkPushEndpoint(endpoint, resolve)
    return check.isAllowed ? 'allowed' : check.reason
  }
  for (let i = 0; i < NOT_PUBLIC.length; i++) {
    t.equal(await refused(`https://private${i}.example.com/send`), 'not_public', `resolving to ${NOT_PUBLIC[i]}`)
  }
  t.equal(await refused('https://half.example.com/send'), 'not_public', 'one private address among public ones')
  t.equal(await refused('https://127.0.0.1/internal/backup'), 'not_public')
  t.equal(await refused('https://[::1]/internal'), 'not_public')
  t.equal(await refused('https://[::ffff:127.0.0.1]/internal'), 'not_public')
  t.equal(await refused('https://2130706433/internal'), 'not_public', 'a decimal IPv4 address')
  t.equal(await refused('https://0x7f.1/internal'), 'not_public', 'a hexadecimal IPv4 address')
  t.equal(await refused('https://push.example.com:8443/send'), 'port')
  t.equal(await refused('http://push.example.com/send'), 'not_https')
  t.equal(await refused('https://user:pw@push.example.com/send'), 'credentials')
  t.equal(await refused('https://nowhere.example.com/send'), 'unresolved')
  t.equal(await refused('not a url'), 'not_url')
})

t.test('the connection lookup refuses a host that resolves to a private address', async (t) => {
  const lookup = publicOnlyLookup(
    fakeResolver({ 'push.example.com': ['93.184.216.34'], 'evil.example.com': ['127.0.0.1'] }),
  )
  const call = (hostname: string, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) =>
      lookup(hostname, { all }, (error, address) => resolve({ error, address })),
    )
  t.same(await call('push.example.com', false), { error: null, address: '93.184.216.34' })
  t.same(await call('push.example.com', true), { error: null, address: [{ address: '93.184.216.34', family: 4 }] })
  t.type((await call('evil.example.com', false)).error, NotPublicAddressError)
  t.type((await call('evil.example.com', true)).error, NotPublicAddressError)
})

interface Setup {
  started: StartedApp
  staff: SignedInMember
  owner: SignedInMember
  table: Record<string, string[]>
  resolve: ReturnType<typeof fakeResolver>
}

async function setup(t: Test): Promise<Setup> {
  const table: Record<string, string[]> = {
    'push.example.com': ['93.184.216.34'],
    'inside.example.com': ['192.168.1.1'],
    localhost: ['127.0.0.1', '::1'],
  }
  const resolve = fakeResolver(table)
  const started = await startApp({ build: { pushEndpoints: { resolve }, outboxPollMs: 20 } })
  t.teardown(() => started.close())
  const owner = await setupOwner(started.app)
  const staff = await createMember(started.app, owner.cookie)
  return { started, owner, staff, table, resolve }
}

function subscribe(s: Setup, endpoint: string) {
  const subscription = makeSubscription('https://unused.example.com')
  return s.started.app.inject({
    method: 'POST',
    url: '/api/push/subscriptions',
    headers: { cookie: s.staff.cookie },
    payload: { endpoint, keys: subscription.keys, deviceName: 'phone' },
  })
}

async function devices(s: Setup): Promise<unknown[]> {
  const response = await s.started.app.inject({
    method: 'GET',
    url: '/api/push/subscriptions',
    headers: { cookie: s.staff.cookie },
  })
  return response.json() as unknown[]
}

t.test('subscribing with an endpoint on the shop network is refused and nothing is stored', async (t) => {
  const s = await setup(t)
  for (const endpoint of [
    'https://127.0.0.1:8080/api/system/backups',
    'https://127.0.0.1/internal',
    'https://[::1]/internal',
    'https://[fd00::5]/internal',
    'https://169.254.169.254/latest/meta-data',
    'https://localhost/internal',
    'https://inside.example.com/push/1',
    'https://push.example.com:8443/push/1',
    'http://push.example.com/push/1',
  ]) {
    const response = await subscribe(s, endpoint)
    t.equal(response.statusCode, 400, endpoint)
    t.equal((response.json() as { code: string }).code, 'invalid_push_endpoint', endpoint)
  }
  t.same(await devices(s), [], 'no device stored')
  const accepted = await subscribe(s, 'https://push.example.com/push/1')
  t.equal(accepted.statusCode, 201, 'a public push service is accepted')
  t.match(await devices(s), [{ service: 'push.example.com', lastUsedAt: null }])
})

async function pushItems(s: Setup) {
  return s.started.ctx.db
    .selectFrom('outbox')
    .select(['state', 'last_error', 'attempts'])
    .where('channel', '=', 'push')
    .execute()
}

async function sendDirect(s: Setup): Promise<void> {
  const direct = await s.started.app.inject({
    method: 'POST',
    url: '/api/conversations',
    headers: { cookie: s.owner.cookie },
    payload: { kind: 'direct', memberIds: [s.staff.id] },
  })
  const sent = await s.started.app.inject({
    method: 'POST',
    url: `/api/conversations/${(direct.json() as { id: number }).id}/messages`,
    headers: { cookie: s.owner.cookie },
    payload: { body: 'Are you in tomorrow?', clientKey: 'push-endpoint-check-1' },
  })
  if (sent.statusCode !== 201) throw new Error(`send failed ${sent.statusCode} ${sent.body}`)
}

async function settled(s: Setup) {
  const end = Date.now() + 5000
  while (Date.now() < end) {
    const items = await pushItems(s)
    if (items.length > 0 && items.every((item) => item.state === 'dead' || item.state === 'done')) return items
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`push delivery did not settle: ${JSON.stringify(await pushItems(s))}`)
}

t.test(
  'a host that resolves to a private address by delivery time is not sent to, and the device is dropped',
  async (t) => {
    const s = await setup(t)
    t.equal((await subscribe(s, 'https://push.example.com/push/1')).statusCode, 201)
    s.table['push.example.com'] = ['127.0.0.1']
    await sendDirect(s)
    const items = await settled(s)
    t.match(items, [{ state: 'dead', attempts: 1 }])
    t.match(items[0]?.last_error, /not on a local or private network/, 'refused by the check before sending')
    t.same(await devices(s), [], 'the device is forgotten')
  },
)

t.test('an answer that changes between the check and the connect is refused at the connect', async (t) => {
  const s = await setup(t)
  t.equal((await subscribe(s, 'https://push.example.com/push/1')).statusCode, 201)
  const checksSoFar = s.resolve.calls.length
  // The delivery's own check still sees the public address; the connect right after sees loopback.
  const resolveOnce = s.table['push.example.com']
  let answers = 0
  Object.defineProperty(s.table, 'push.example.com', {
    get: () => (++answers === 1 ? resolveOnce : ['127.0.0.1']),
  })
  await sendDirect(s)
  const items = await settled(s)
  t.equal(s.resolve.calls.length, checksSoFar + 2, 'resolved once for the check and once for the connect')
  t.match(items, [{ state: 'dead', attempts: 1 }])
  t.match(items[0]?.last_error, /resolved to an address that is not public/)
  t.same(await devices(s), [], 'the device is forgotten')
})
