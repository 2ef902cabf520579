/**
 * A sweep over every documented route: the guards and the error shape hold everywhere,
 * including on routes added after this test was written.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { bodyOf, createMember, listen, nextAddress, setupOwner, startApp } from '../helpers/app'
import { apiRoutes, pathSpellings, plausibleValue, wrongTypeValue, type ApiRoute } from '../helpers/openapi'

const webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-web-'))
fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>Backboard</title>')
fs.mkdirSync(path.join(webRoot, 'assets'))
fs.writeFileSync(path.join(webRoot, 'assets', 'app.js'), 'console.log("Backboard")')
t.teardown(() => fs.rmSync(webRoot, { recursive: true, force: true }))

const { app, close } = await startApp({ webRoot })
t.teardown(close)
const owner = await setupOwner(app)
// Signed-in requests are rate limited per member, so the body sweep spreads its many
// requests per route over three owners.
const owners = [owner, ...(await Promise.all([1, 2].map(() => createMember(app, owner.cookie, { role: 'owner' }))))]
let turn = 0
function nextOwnerCookie(): string {
  turn += 1
  return owners[turn % owners.length]!.cookie
}
const routes = await apiRoutes(app)
// Every route reachable without a session, listed on purpose: a new one must be added here
// after thinking about it, or this sweep fails.
const PUBLIC = new Set([
  'GET /api/setup',
  'POST /api/setup',
  'POST /api/auth/login',
  'POST /api/join',
  'GET /api/join/{code}',
  'POST /api/wall/pairings',
  'POST /api/wall/pairings/poll',
])

function label(route: ApiRoute): string {
  return `${route.method} ${route.path}`
}

function expectErrorShape(t: Test, response: { statusCode: number; body: string }, what: string): void {
  const body = JSON.parse(response.body) as { code?: unknown; message?: unknown }
  t.type(body.code, 'string', `${what}: code is a string`)
  t.type(body.message, 'string', `${what}: message is a string`)
}

t.test('the API document lists the routes this sweep relies on', async (t) => {
  t.ok(routes.length >= 25, `${routes.length} routes`)
  for (const name of PUBLIC)
    t.ok(
      routes.some((route) => label(route) === name),
      name,
    )
  t.ok(
    routes.some((route) => route.body !== null),
    'some routes take a body',
  )
})

t.test('without a session every non-public route answers 401 unauthorized', async (t) => {
  for (const route of routes) {
    if (PUBLIC.has(label(route))) continue
    const response = await app.inject({
      remoteAddress: nextAddress(),
      method: route.method,
      url: route.url,
      ...(route.body ? { payload: plausibleValue(route.body) as object } : {}),
    })
    t.equal(response.statusCode, 401, label(route))
    t.equal(bodyOf(response).code, 'unauthorized', label(route))
  }
  const ws = await app.inject({ remoteAddress: nextAddress(), method: 'GET', url: '/ws' })
  t.equal(ws.statusCode, 401, '/ws too')
})

/** One request over a real socket with the path exactly as given, as `curl --path-as-is` sends it. */
function rawRequest(
  baseUrl: string,
  method: string,
  rawPath: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; isUpgraded: boolean; firstFrame?: number }> {
  const { hostname, port } = new URL(baseUrl)
  const data = options.body === undefined ? undefined : JSON.stringify(options.body)
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: hostname,
        port,
        method,
        path: rawPath,
        agent: false,
        headers: { ...options.headers, ...(data ? { 'content-type': 'application/json' } : {}) },
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, isUpgraded: false }))
      },
    )
    // An upgraded socket: its first frame tells whether the server talks (0x81, text) or
    // hangs up (0x88, close).
    request.on('upgrade', (response, socket, head) => {
      const answer = (first: Buffer) => {
        socket.destroy()
        resolve({ status: response.statusCode ?? 0, body: '', isUpgraded: true, firstFrame: first[0] })
      }
      if (head.length > 0) answer(head)
      else socket.once('data', answer)
    })
    request.on('error', reject)
    request.end(data)
  })
}

t.test('without a session, no spelling of a protected path gets a 2xx or a 5xx, over a real socket', async (t) => {
  const baseUrl = await listen(app)
  let tried = 0
  for (const route of routes) {
    if (PUBLIC.has(label(route))) continue
    const body = route.body ? plausibleValue(route.body) : undefined
    for (const spelling of pathSpellings(route.url)) {
      const response = await rawRequest(baseUrl, route.method, spelling.url, { body })
      const what = `${route.method} ${spelling.url} (${label(route)} with ${spelling.what})`
      t.ok(response.status >= 300 && response.status < 500, `${what} answered ${response.status}`)
      expectErrorShape(t, { statusCode: response.status, body: response.body }, what)
      tried += 1
    }
  }
  t.ok(tried >= 100, `${tried} spellings tried`)
  const upgrade = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    origin: baseUrl,
  }
  for (const spelling of ['/ws', ...pathSpellings('/ws').map((s) => s.url)]) {
    const response = await rawRequest(baseUrl, 'GET', spelling, { headers: upgrade })
    if (response.isUpgraded) {
      // A spelling the router does not take for /ws: the socket has no handler and is closed.
      t.equal(response.firstFrame, 0x88, `a socket at ${spelling} is closed before anything is sent`)
    } else {
      t.ok(response.status >= 400 && response.status < 500, `${spelling} answered ${response.status}`)
    }
  }
  for (const spelling of ['/ws', '/%77s']) {
    const response = await rawRequest(baseUrl, 'GET', spelling, { headers: upgrade })
    t.notOk(response.isUpgraded, `a socket at ${spelling} is refused`)
    t.equal(response.status, 401, `${spelling} answered ${response.status}`)
  }
})

t.test('without a session, the attack paths of the review are refused through inject too', async (t) => {
  for (const [method, url] of [
    ['GET', '/%61pi/audit'],
    ['GET', '/%61pi/system'],
    ['GET', '/%61pi/settings'],
    ['GET', '/%61pi/displays'],
    ['GET', '/%61pi/telegram/bot'],
    ['GET', '/%61pi/telegram/groups'],
    ['GET', '/ap%69/presence'],
    ['GET', `/%61pi/members/${owner.id}/avatar`],
    ['GET', '/%61pi/push/key'],
    ['POST', '/%61pi/system/backups'],
    ['GET', '/%77s'],
  ] as const) {
    const response = await app.inject({ remoteAddress: nextAddress(), method, url })
    t.equal(response.statusCode, 401, `${method} ${url}`)
    t.equal(bodyOf(response).code, 'unauthorized', `${method} ${url}`)
  }
})

t.test('a route that declares no access needs a session, wherever it lives', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-access-'))
  const built = await buildApp({ config: loadConfig({ DATA_DIR: dataDir }), logger: false })
  t.teardown(async () => {
    await built.app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  built.app.get('/reports/today', async () => ({ secret: true }))
  built.app.get('/api/reports/today', async () => ({ secret: true }))
  await built.app.ready()
  await setupOwner(built.app)
  for (const url of ['/reports/today', '/api/reports/today', '/%61pi/reports/today']) {
    const response = await built.app.inject({ method: 'GET', url })
    t.equal(response.statusCode, 401, url)
    t.equal(bodyOf(response).code, 'unauthorized', url)
  }
})

t.test(
  'every route that declares a permission or owners only refuses a member without it, before anything runs',
  async (t) => {
    const staff = await createMember(app, owner.cookie)
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: staff.cookie } })
    const held = new Set(bodyOf<{ permissions: string[] }>(me).permissions)
    const guarded = app
      .declaredAccess()
      .filter(
        (route) => route.method !== 'HEAD' && (route.isOwnerOnly || (route.permission && !held.has(route.permission))),
      )
    t.ok(guarded.length >= 10, `${guarded.length} routes need a permission staff do not hold, or an owner`)
    const before = await app.inject({ method: 'GET', url: '/api/audit', headers: { cookie: owner.cookie } })
    for (const route of guarded) {
      // Any value fits a parameter: the check runs before the route looks at it.
      const url = route.url.replace(/:[A-Za-z]+/g, '1')
      const response = await app.inject({
        method: route.method as 'GET',
        url,
        headers: { cookie: staff.cookie, 'content-type': 'application/json', origin: 'http://localhost:80' },
        payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
      })
      t.same(
        { status: response.statusCode, code: bodyOf(response).code },
        { status: 403, code: 'forbidden' },
        `${route.method} ${route.url} (${route.permission ?? 'owners only'})`,
      )
    }
    const after = await app.inject({ method: 'GET', url: '/api/audit', headers: { cookie: owner.cookie } })
    t.equal(after.body, before.body, 'and nothing was done: the audit log is unchanged')
  },
)

t.test('with an owner session, bad bodies get a 4xx with a code and never a 5xx', async (t) => {
  const json = () => ({ cookie: nextOwnerCookie(), 'content-type': 'application/json' })
  for (const route of routes) {
    if (!route.body) continue
    const name = label(route)
    const valid = plausibleValue(route.body) as Record<string, unknown>
    const properties = Object.entries(route.body.properties ?? {})
    const cases: [string, string, number, string][] = [
      ['malformed JSON', '{"a": ', 400, 'invalid_json'],
      ['an empty body', '', 400, 'invalid_json'],
      ['a JSON array', '[]', 400, 'invalid_request'],
      [
        'wrong types',
        JSON.stringify(Object.fromEntries(properties.map(([key, schema]) => [key, wrongTypeValue(schema)]))),
        400,
        'invalid_request',
      ],
      ['an unknown field', JSON.stringify({ ...valid, isAdmin: true }), 400, 'invalid_request'],
      ['a prototype pollution attempt', '{"__proto__": {"isAdmin": true}}', 400, 'invalid_json'],
      ['an oversize body', JSON.stringify({ ...valid, padding: 'x'.repeat(65 * 1024) }), 413, 'body_too_large'],
    ]
    for (const [what, payload, status, code] of cases) {
      const response = await app.inject({
        remoteAddress: nextAddress(),
        method: route.method,
        url: route.url,
        headers: json(),
        payload,
      })
      t.equal(response.statusCode, status, `${name} with ${what}`)
      t.equal(bodyOf(response).code, code, `${name} with ${what}`)
      expectErrorShape(t, response, `${name} with ${what}`)
    }
    for (const key of properties.map(([key]) => key)) {
      const oneWrong = { ...valid, [key]: wrongTypeValue(route.body.properties![key]!) }
      const response = await app.inject({
        remoteAddress: nextAddress(),
        method: route.method,
        url: route.url,
        headers: json(),
        payload: JSON.stringify(oneWrong),
      })
      t.equal(response.statusCode, 400, `${name} with ${key} of the wrong type`)
      t.equal(bodyOf(response).code, 'invalid_request', `${name} with ${key} of the wrong type`)
    }
    const form = await app.inject({
      remoteAddress: nextAddress(),
      method: route.method,
      url: route.url,
      headers: { cookie: nextOwnerCookie(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    })
    t.equal(form.statusCode, 415, `${name} as a form`)
    t.equal(bodyOf(form).code, 'unsupported_media_type', `${name} as a form`)
    const text = await app.inject({
      remoteAddress: nextAddress(),
      method: route.method,
      url: route.url,
      headers: { cookie: nextOwnerCookie(), 'content-type': 'text/plain' },
      payload: JSON.stringify(valid),
    })
    t.equal(text.statusCode, 415, `${name} as text/plain, which a cross-site form could send`)
  }
})

t.test('with an owner session, every GET route answers without a 5xx', async (t) => {
  for (const route of routes) {
    if (route.method !== 'GET') continue
    const response = await app.inject({
      remoteAddress: nextAddress(),
      method: 'GET',
      url: route.url,
      headers: { cookie: owner.cookie },
    })
    t.ok(response.statusCode < 500, `${label(route)} answered ${response.statusCode}`)
    if (response.statusCode >= 400) expectErrorShape(t, response, label(route))
  }
  const badParam = await app.inject({
    remoteAddress: nextAddress(),
    method: 'GET',
    url: '/api/members/abc',
    headers: { cookie: owner.cookie },
  })
  t.equal(badParam.statusCode, 400)
  t.equal(bodyOf(badParam).code, 'invalid_request')
  const badQuery = await app.inject({
    remoteAddress: nextAddress(),
    method: 'GET',
    url: '/api/audit?limit=100000',
    headers: { cookie: owner.cookie },
  })
  t.equal(badQuery.statusCode, 400)
  t.equal(bodyOf(badQuery).code, 'invalid_request')
})

t.test('unknown /api paths answer 404 JSON with code not_found, for every method', async (t) => {
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    for (const url of ['/api/nothing-here', '/api/members/1/nothing', '/api']) {
      const response = await app.inject({ method, url, headers: { cookie: owner.cookie } })
      t.equal(response.statusCode, 404, `${method} ${url}`)
      t.match(response.headers['content-type'], /application\/json/, `${method} ${url}`)
      t.equal(bodyOf(response).code, 'not_found', `${method} ${url}`)
    }
  }
  const signedOut = await app.inject({ remoteAddress: nextAddress(), method: 'GET', url: '/api/nothing-here' })
  t.equal(signedOut.statusCode, 404, 'the same without a session')
  for (const url of ['/%61pi/nothing-here', '//api/nothing-here', '/API/nothing-here', '/ap%69']) {
    const spelled = await app.inject({ remoteAddress: nextAddress(), method: 'GET', url })
    t.equal(spelled.statusCode, 404, `${url} is an API path too`)
    t.equal(bodyOf(spelled).code, 'not_found', `${url} gets JSON, not the web app`)
  }
  const page = await app.inject({ remoteAddress: nextAddress(), method: 'GET', url: '/some/app/page' })
  t.equal(page.statusCode, 200, 'other paths get the web app')
  t.match(page.headers['content-type'], /text\/html/)
  const script = await app.inject({ remoteAddress: nextAddress(), method: 'GET', url: '/assets/app.js' })
  t.equal(script.statusCode, 200, "the web app's files need no session")
  t.match(script.headers['content-type'], /javascript/)
  t.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable', 'hashed files are kept')
})

t.test('state changes from another site are refused with 403 bad_origin', async (t) => {
  const evil = await app.inject({
    remoteAddress: nextAddress(),
    method: 'POST',
    url: '/api/join-code/rotate',
    headers: { cookie: owner.cookie, origin: 'http://evil.example' },
  })
  t.equal(evil.statusCode, 403)
  t.equal(bodyOf(evil).code, 'bad_origin')
  const login = await app.inject({
    remoteAddress: nextAddress(),
    method: 'POST',
    url: '/api/auth/login',
    headers: { origin: 'http://evil.example' },
    payload: { username: owner.username, password: owner.password },
  })
  t.equal(login.statusCode, 403, 'even a public route')
  t.equal(bodyOf(login).code, 'bad_origin')
  const crossSite = await app.inject({
    remoteAddress: nextAddress(),
    method: 'POST',
    url: '/api/join-code/rotate',
    headers: { cookie: owner.cookie, 'sec-fetch-site': 'cross-site' },
  })
  t.equal(crossSite.statusCode, 403)
  t.equal(bodyOf(crossSite).code, 'bad_origin')
  const sameOrigin = await app.inject({
    remoteAddress: nextAddress(),
    method: 'POST',
    url: '/api/join-code/rotate',
    headers: { cookie: owner.cookie, origin: 'http://localhost:80', host: 'localhost:80' },
  })
  t.equal(sameOrigin.statusCode, 200, 'the app’s own origin is accepted')
  const read = await app.inject({
    remoteAddress: nextAddress(),
    method: 'GET',
    url: '/api/me',
    headers: { cookie: owner.cookie, origin: 'http://evil.example' },
  })
  t.equal(read.statusCode, 200, 'reads are not state changes')
})

t.test('security headers are on the web app and on API responses', async (t) => {
  const responses = {
    '/': await app.inject({ remoteAddress: nextAddress(), method: 'GET', url: '/' }),
    '/api/me': await app.inject({
      remoteAddress: nextAddress(),
      method: 'GET',
      url: '/api/me',
      headers: { cookie: owner.cookie },
    }),
    '/api/nothing-here': await app.inject({ remoteAddress: nextAddress(), method: 'GET', url: '/api/nothing-here' }),
    '/healthz': await app.inject({ remoteAddress: nextAddress(), method: 'GET', url: '/healthz' }),
  }
  for (const [url, response] of Object.entries(responses)) {
    const csp = String(response.headers['content-security-policy'] ?? '')
    t.match(csp, /frame-ancestors 'none'/, `${url} CSP forbids framing`)
    t.match(csp, /default-src 'self'/, `${url} CSP defaults to self`)
    t.notMatch(csp, /unsafe-inline|unsafe-eval/, `${url} CSP allows no inline script`)
    t.equal(response.headers['x-content-type-options'], 'nosniff', url)
    t.equal(response.headers['referrer-policy'], 'same-origin', url)
    t.equal(response.headers['x-frame-options'], 'DENY', url)
  }
  t.equal(responses['/'].statusCode, 200)
  t.equal(responses['/api/me'].headers['cache-control'], 'no-store', 'API answers are not cached')
  const spelled = await app.inject({
    remoteAddress: nextAddress(),
    method: 'GET',
    url: '/%61pi/me',
    headers: { cookie: owner.cookie },
  })
  t.equal(spelled.headers['cache-control'], 'no-store', 'however the path is spelled')
})
