import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { ManualClock } from '../../server/shared/clock'
import { AppError } from '../../server/shared/errors'
import { XeroClient, type XeroTokens } from '../../server/xero/client'

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0)
const API = 'http://xero.test'

/** Sleeps that end when the test moves the clock, never on their own. */
class Timers {
  private sleepers: Array<{ at: number; wake: () => void }> = []
  constructor(readonly clock: ManualClock) {}
  sleep = (ms: number): Promise<void> => new Promise((wake) => this.sleepers.push({ at: this.clock.now() + ms, wake }))
  get sleeping(): number {
    return this.sleepers.length
  }
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms)
    const due = this.sleepers.filter((s) => s.at <= this.clock.now())
    this.sleepers = this.sleepers.filter((s) => s.at > this.clock.now())
    for (const s of due) s.wake()
    await settle()
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
}

interface Seen {
  url: string
  headers: Headers
  method: string
  body: unknown
}

/** Xero as a function: answers what `answer` says, and counts requests open at once. */
class FakeXero {
  requests: Seen[] = []
  open = 0
  mostOpen = 0
  answer: (seen: Seen) => Response | Promise<Response> = (seen) => Response.json({ url: seen.url })
  fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const seen = {
      url: String(input),
      headers: new Headers(init?.headers),
      method: init?.method ?? 'GET',
      body: init?.body,
    }
    this.requests.push(seen)
    this.open += 1
    this.mostOpen = Math.max(this.mostOpen, this.open)
    try {
      return await this.answer(seen)
    } finally {
      this.open -= 1
    }
  }) as typeof fetch
  count(path: string): number {
    return this.requests.filter((r) => r.url === `${API}/api.xro/2.0/${path}`).length
  }
}

function setup(options: { cacheMs?: number; tokens?: XeroTokens } = {}) {
  const clock = new ManualClock(T0)
  const timers = new Timers(clock)
  const xero = new FakeXero()
  const tokens = options.tokens ?? { accessToken: async () => ({ token: 'tok-1', tenantId: 'tenant-1' }) }
  const client = new XeroClient({
    apiBase: API,
    clock,
    tokens,
    fetch: xero.fetch,
    sleep: timers.sleep,
    cacheMs: options.cacheMs ?? 0,
  })
  return { clock, timers, xero, client }
}

/** Settles a promise into what it gave, so a test can look without awaiting forever. */
function track<T>(promise: Promise<T>) {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false }
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  )
  return state
}

function held() {
  const releases: Array<() => void> = []
  return {
    releases,
    answer: (seen: Seen) =>
      new Promise<Response>((resolve) => releases.push(() => resolve(Response.json({ url: seen.url })))),
  }
}

t.test('a GET goes to the accounting API with the token, the organisation and JSON', async (t) => {
  const seen: http.IncomingHttpHeaders[] = []
  const urls: string[] = []
  const server = http.createServer((req, res) => {
    seen.push(req.headers)
    urls.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json', 'x-daylimit-remaining': '4321' })
    res.end(JSON.stringify({ Invoices: [{ InvoiceNumber: 'INV-0042' }] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  const client = new XeroClient({
    apiBase: `http://127.0.0.1:${port}/`,
    clock: new ManualClock(T0),
    tokens: { accessToken: async () => ({ token: 'tok-1', tenantId: 'tenant-1' }) },
  })
  const body = await client.get<{ Invoices: unknown[] }>('/Invoices', { where: 'Type=="ACCREC"', page: '1' })
  t.same(body, { Invoices: [{ InvoiceNumber: 'INV-0042' }] })
  t.equal(urls[0], '/api.xro/2.0/Invoices?page=1&where=Type%3D%3D%22ACCREC%22')
  t.match(seen[0], { authorization: 'Bearer tok-1', 'xero-tenant-id': 'tenant-1', accept: 'application/json' })
  t.same(client.usage(), {
    callsToday: 1,
    remainingToday: 4321,
    remainingThisMinute: 59,
    inFlight: 0,
    heldUntil: null,
  })
})

t.test('the 61st call in a minute is refused with the seconds to wait, and goes when the clock moves', async (t) => {
  const { client, xero, timers } = setup()
  for (let i = 0; i < 60; i++) await client.get(`Invoices/${i}`)
  await timers.advance(10_000)
  const refused = await client.get('Invoices/60').catch((error: unknown) => error)
  t.ok(refused instanceof AppError)
  t.match(refused, { status: 429, code: 'xero_busy', message: 'Xero is busy; try again in 50 s.' })
  t.match((refused as AppError).details, { retryAfterSeconds: 50 })
  t.equal(xero.requests.length, 60, 'the refused call spent nothing')
  t.equal(client.usage().remainingThisMinute, 0)

  // Eight seconds short of the window: short enough to wait for.
  await timers.advance(42_000)
  const waiting = track(client.get('Invoices/60'))
  await settle()
  t.equal(timers.sleeping, 1, 'the call waits')
  t.equal(xero.requests.length, 60)
  await timers.advance(7_999)
  t.equal(xero.requests.length, 60, 'not a moment early')
  await timers.advance(1)
  t.ok(waiting.done, 'it went when the first call of the minute dropped out')
  t.same(waiting.value, { url: `${API}/api.xro/2.0/Invoices/60` })
  t.equal(xero.requests.length, 61)
})

t.test('at most 5 calls are in flight; the rest queue in order', async (t) => {
  const { client, xero } = setup()
  const open = held()
  xero.answer = open.answer
  const calls = Array.from({ length: 12 }, (_, i) => track(client.get(`Contacts/${i}`)))
  await settle()
  t.equal(xero.requests.length, 5)
  t.equal(client.usage().inFlight, 5)
  open.releases[0]!()
  await settle()
  t.equal(xero.requests.length, 6, 'one answer lets one more go')
  t.equal(xero.requests[5]!.url, `${API}/api.xro/2.0/Contacts/5`, 'first in, first out')
  while (calls.some((c) => !c.done)) {
    for (const release of open.releases.splice(0)) release()
    await settle()
  }
  t.equal(xero.mostOpen, 5)
  t.equal(xero.requests.length, 12)
  t.equal(client.usage().inFlight, 0)
})

t.test('X-MinLimit-Remaining: 0 blocks the rest of the minute', async (t) => {
  const { client, xero, timers } = setup()
  xero.answer = () => Response.json({}, { headers: { 'X-MinLimit-Remaining': '0' } })
  await client.get('Organisation')
  xero.answer = () => Response.json({})
  await t.rejects(client.get('Contacts'), { code: 'xero_busy', message: 'Xero is busy; try again in 60 s.' })
  await timers.advance(30_000)
  await t.rejects(client.get('Contacts'), { code: 'xero_busy', message: 'Xero is busy; try again in 30 s.' })
  await timers.advance(30_000)
  await client.get('Contacts')
  t.equal(xero.requests.length, 2)
})

t.test('X-DayLimit-Remaining lowers the day budget', async (t) => {
  const { client, xero } = setup()
  xero.answer = () => Response.json({}, { headers: { 'X-DayLimit-Remaining': '2' } })
  await client.get('Invoices/1')
  xero.answer = () => Response.json({})
  await client.get('Invoices/2')
  await client.get('Invoices/3')
  await t.rejects(client.get('Invoices/4'), {
    status: 429,
    code: 'xero_day_limit',
    message: 'Xero’s daily limit is reached; it resets at midnight UTC.',
  })
  t.equal(xero.requests.length, 3)
  t.match(client.usage(), { callsToday: 3, remainingToday: 0 })
})

t.test('429 with Retry-After: 3 holds every call for 3 s, then the call succeeds', async (t) => {
  const { client, xero, timers } = setup()
  let first = true
  xero.answer = (seen) => {
    if (first) {
      first = false
      return new Response('', { status: 429, headers: { 'Retry-After': '3', 'X-Rate-Limit-Problem': 'minute' } })
    }
    return Response.json({ url: seen.url })
  }
  const limited = track(client.get('Invoices'))
  await settle()
  t.equal(client.usage().heldUntil, T0 + 3000)
  const other = track(client.get('Contacts'))
  await settle()
  await timers.advance(2999)
  t.equal(xero.requests.length, 1, 'nothing goes while held')
  t.notOk(limited.done || other.done)
  await timers.advance(1)
  t.same(limited.value, { url: `${API}/api.xro/2.0/Invoices` })
  t.same(other.value, { url: `${API}/api.xro/2.0/Contacts` })
  t.equal(xero.count('Invoices'), 2, 'exactly two requests for the limited call')
  t.equal(xero.count('Contacts'), 1)
  t.equal(client.usage().heldUntil, null)
})

t.test('a long Retry-After fails the call with the seconds, and refuses others at once', async (t) => {
  const { client, xero } = setup()
  xero.answer = () => new Response('', { status: 429, headers: { 'Retry-After': '120' } })
  await t.rejects(client.get('Invoices'), { code: 'xero_busy', message: 'Xero is busy; try again in 120 s.' })
  await t.rejects(client.get('Contacts'), { code: 'xero_busy', message: 'Xero is busy; try again in 120 s.' })
  t.equal(xero.requests.length, 1)
})

t.test('a 429 for the day says the daily limit is reached', async (t) => {
  const { client, xero } = setup()
  xero.answer = () =>
    new Response('', { status: 429, headers: { 'Retry-After': '30000', 'X-Rate-Limit-Problem': 'day' } })
  await t.rejects(client.get('Invoices'), { code: 'xero_day_limit' })
  await t.rejects(client.get('Contacts'), { code: 'xero_day_limit' })
  t.equal(xero.requests.length, 1)
})

t.test('the same question within the cache time spends one call', async (t) => {
  const { client, xero, timers } = setup({ cacheMs: 60_000 })
  const one = await client.get('Contacts', { where: 'Name=="Acme"', page: '1' })
  await timers.advance(59_999)
  const two = await client.get('Contacts', { page: '1', where: 'Name=="Acme"' })
  t.same(two, one)
  t.equal(xero.requests.length, 1, 'the cache answered')
  t.equal(client.usage().callsToday, 1)
  await client.get('Contacts', { page: '2', where: 'Name=="Acme"' })
  t.equal(xero.requests.length, 2, 'another question is another call')
  await timers.advance(1)
  await client.get('Contacts', { where: 'Name=="Acme"', page: '1' })
  t.equal(xero.requests.length, 3, 'an old answer is asked again')
})

t.test('the cache is per organisation', async (t) => {
  let tenantId = 'tenant-1'
  const { client, xero } = setup({ cacheMs: 60_000, tokens: { accessToken: async () => ({ token: 't', tenantId }) } })
  await client.get('Organisation')
  tenantId = 'tenant-2'
  await client.get('Organisation')
  t.equal(xero.requests.length, 2)
  t.equal(xero.requests[1]!.headers.get('xero-tenant-id'), 'tenant-2')
  t.equal(client.usage('tenant-1').callsToday, 1)
  t.equal(client.usage('tenant-2').callsToday, 1)
})

t.test('20 concurrent identical GETs share one request', async (t) => {
  const { client, xero } = setup()
  const open = held()
  xero.answer = open.answer
  const calls = Array.from({ length: 20 }, () => track(client.get('BankSummary')))
  await settle()
  t.equal(xero.requests.length, 1)
  open.releases[0]!()
  await settle()
  t.ok(calls.every((c) => c.done && c.error === undefined))
  t.same(calls[19]!.value, { url: `${API}/api.xro/2.0/BankSummary` })
  t.equal(xero.requests.length, 1)
})

t.test('a 5xx or a network failure says Xero is not answering', async (t) => {
  const { client, xero } = setup()
  const unavailable = {
    status: 503,
    code: 'xero_unavailable',
    message: 'Xero is not answering right now; try again in a minute.',
  }
  xero.answer = () => new Response('oops', { status: 502 })
  await t.rejects(client.get('Invoices'), unavailable)
  xero.answer = () => Promise.reject(new TypeError('fetch failed'))
  await t.rejects(client.get('Invoices'), unavailable)
  xero.answer = () => new Response('<html>', { status: 200 })
  await t.rejects(client.get('Invoices'), unavailable, 'an answer that is not JSON')
  t.equal(client.usage().inFlight, 0, 'failures give their place back')
})

t.test('a 401 asks for a fresh token once, then says to reconnect', async (t) => {
  const asked: Array<string | undefined> = []
  let token = 'old'
  const tokens: XeroTokens = {
    accessToken: async (rejected) => {
      asked.push(rejected)
      // Each refused token is refreshed into the next one.
      if (rejected === token) token = token === 'old' ? 'new' : `${token}+`
      return { token, tenantId: 'tenant-1' }
    },
  }
  const { client, xero } = setup({ tokens })
  xero.answer = (seen) =>
    seen.headers.get('authorization') === 'Bearer new' ? Response.json({ ok: true }) : new Response('', { status: 401 })
  t.same(await client.get('Organisation'), { ok: true })
  t.same(asked, [undefined, 'old'])
  t.equal(xero.requests.length, 2)

  xero.answer = () => new Response('', { status: 401 })
  await t.rejects(client.get('Contacts'), { status: 409, code: 'xero_reconnect' })
  t.equal(xero.requests.length, 4, 'one retry with the fresh token')
})

t.test('a 401 with no fresher token does not ask again', async (t) => {
  const { client, xero } = setup()
  xero.answer = () => new Response('', { status: 401 })
  await t.rejects(client.get('Contacts'), { status: 409, code: 'xero_reconnect' })
  t.equal(xero.requests.length, 1)
})

t.test('other refusals keep Xero’s reason', async (t) => {
  const { client, xero } = setup()
  xero.answer = () => new Response('', { status: 404 })
  await t.rejects(client.get('Invoices/nope'), { status: 404, code: 'xero_not_found' })
  xero.answer = () => Response.json({ Detail: 'Invalid where clause' }, { status: 400 })
  await t.rejects(client.get('Invoices'), {
    code: 'xero_refused',
    message: 'Xero refused the request: Invalid where clause',
  })
  xero.answer = () => new Response('', { status: 403 })
  await t.rejects(client.get('Reports/ProfitAndLoss'), { status: 403, code: 'xero_scope' })
})

t.test('send() writes JSON under the Idempotency-Key, never from the cache nor shared', async (t) => {
  const { client, xero } = setup({ cacheMs: 60_000 })
  xero.answer = (seen) => Response.json({ Invoices: [{ InvoiceID: `id-${xero.requests.length}`, sent: seen.body }] })
  const payload = { Invoices: [{ Type: 'ACCREC', Status: 'DRAFT' }] }
  const [one, two] = await Promise.all([
    client.send('PUT', 'Invoices', payload, { idempotencyKey: 'key-1' }),
    client.send('PUT', 'Invoices', payload, { idempotencyKey: 'key-1' }),
  ])
  t.equal(xero.requests.length, 2, 'each write is its own request')
  t.not(one, two)
  const [first] = xero.requests
  t.equal(first!.method, 'PUT')
  t.equal(first!.url, `${API}/api.xro/2.0/Invoices`)
  t.equal(first!.headers.get('idempotency-key'), 'key-1')
  t.equal(first!.headers.get('content-type'), 'application/json')
  t.match(first!.headers.get('authorization'), /^Bearer /)
  t.equal(first!.headers.get('xero-tenant-id'), 'tenant-1')
  t.same(JSON.parse(String(first!.body)), payload)
  t.equal(client.usage().callsToday, 2, 'writes spend the same budget')
})

t.test('send() of bytes goes raw with its content type', async (t) => {
  const { client, xero } = setup()
  xero.answer = () => Response.json({ Attachments: [{ FileName: 'receipt.png' }] })
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])
  await client.send('PUT', 'Invoices/abc/Attachments/receipt.png', bytes, {
    idempotencyKey: 'key-photo',
    contentType: 'image/png',
  })
  const [seen] = xero.requests
  t.equal(seen!.headers.get('content-type'), 'image/png')
  t.ok(Buffer.from(seen!.body as Uint8Array).equals(bytes), 'the bytes as they are')
})

t.test('a write limited by a 429 is sent again after Retry-After, with the same key', async (t) => {
  const { client, xero, timers } = setup()
  let first = true
  xero.answer = () => {
    if (!first) return Response.json({ ok: true })
    first = false
    return new Response('', { status: 429, headers: { 'Retry-After': '2' } })
  }
  const write = track(client.send('POST', 'Invoices', { Invoices: [] }, { idempotencyKey: 'key-2' }))
  await settle()
  t.notOk(write.done)
  await timers.advance(2000)
  t.same(write.value, { ok: true })
  t.same(
    xero.requests.map((r) => [r.method, r.headers.get('idempotency-key')]),
    [
      ['POST', 'key-2'],
      ['POST', 'key-2'],
    ],
  )
})

t.test('a refused write names the first thing Xero found wrong', async (t) => {
  const { client, xero } = setup()
  xero.answer = () =>
    Response.json(
      {
        ErrorNumber: 10,
        Type: 'ValidationException',
        Message: 'A validation exception occurred',
        Elements: [
          { ValidationErrors: [{ Message: 'The Contact must contain at least 1 of the following elements' }] },
        ],
      },
      { status: 400 },
    )
  await t.rejects(client.send('PUT', 'Invoices', {}), {
    status: 502,
    code: 'xero_refused',
    message: 'Xero refused the request: The Contact must contain at least 1 of the following elements',
  })
  xero.answer = () => new Response('', { status: 403 })
  await t.rejects(client.send('PUT', 'Invoices', {}), {
    code: 'xero_scope',
    message: 'The Xero connection is not allowed to change this; reconnect with that access.',
  })
})

t.test('getChanged() asks with If-Modified-Since and is never cached', async (t) => {
  const { client, xero } = setup({ cacheMs: 60_000 })
  xero.answer = () => Response.json({ Invoices: [] })
  await client.getChanged('Invoices', { Statuses: 'PAID' }, Date.UTC(2026, 11, 2, 9, 15, 30, 500))
  await client.getChanged('Invoices', { Statuses: 'PAID' }, Date.UTC(2026, 11, 2, 9, 15, 30, 500))
  t.equal(xero.requests.length, 2)
  t.equal(xero.requests[0]!.headers.get('if-modified-since'), '2026-12-02T09:15:30')
  t.equal(xero.requests[0]!.url, `${API}/api.xro/2.0/Invoices?Statuses=PAID`)
})
