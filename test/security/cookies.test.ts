/**
 * Over HTTPS only the `__Host-` cookies count. A plain `bb_session` can be planted by
 * anyone who answers for the host over plain HTTP (cookies ignore the scheme), so it must
 * not sign anybody in, and signing out clears both names.
 */
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { makeCertificate } from '../helpers/push-endpoint'

interface Answer {
  status: number
  setCookies: string[]
  body: string
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-cookies-'))
const { cert, key } = makeCertificate()
const { app } = await buildApp({
  config: loadConfig({ DATA_DIR: dataDir }),
  logger: false,
  https: { cert: Buffer.from(cert), key: Buffer.from(key) },
})
t.teardown(async () => {
  await app.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})
await app.listen({ host: '127.0.0.1', port: 0 })
const { port } = app.server.address() as AddressInfo

function request(method: string, urlPath: string, options: { cookie?: string; body?: object } = {}): Promise<Answer> {
  const data = options.body ? JSON.stringify(options.body) : undefined
  return new Promise((resolve, reject) => {
    const outgoing = https.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method,
        ca: cert,
        agent: false,
        headers: {
          ...(options.cookie ? { cookie: options.cookie } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, setCookies: response.headers['set-cookie'] ?? [], body }),
        )
      },
    )
    outgoing.on('error', reject)
    outgoing.end(data)
  })
}

/** The value of cookie `name` set by a response. */
function valueOf(answer: Answer, name: string): string {
  const header = answer.setCookies.find((cookie) => cookie.startsWith(`${name}=`))
  if (!header) throw new Error(`no ${name} cookie in ${answer.status}: ${answer.setCookies.join(' | ')}`)
  return header.slice(name.length + 1).split(';')[0]!
}

const owner = { username: 'olive', password: 'secure pickles in brine' }
const setup = await request('POST', '/api/setup', {
  body: { shopName: 'Secure Deli', timezone: 'UTC', displayName: 'Olive Owner', ...owner },
})
if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${setup.body}`)

t.test('over HTTPS a session token under the plain cookie name signs nobody in', async (t) => {
  const signedIn = await request('POST', '/api/auth/login', { body: owner })
  t.equal(signedIn.status, 200)
  const token = valueOf(signedIn, '__Host-bb_session')
  const hostCookie = await request('GET', '/api/me', { cookie: `__Host-bb_session=${token}` })
  t.equal(hostCookie.status, 200, 'the __Host- cookie signs in')
  const plain = await request('GET', '/api/me', { cookie: `bb_session=${token}` })
  t.equal(plain.status, 401, 'the same token as bb_session does not')
  t.equal(JSON.parse(plain.body).code, 'unauthorized')
})

t.test('over HTTPS a trusted-device token under the plain cookie name is not trusted', async (t) => {
  const first = await request('POST', '/api/auth/login', { body: owner })
  const device = valueOf(first, '__Host-bb_device')
  const asHostCookie = await request('POST', '/api/auth/login', { body: owner, cookie: `__Host-bb_device=${device}` })
  t.equal(asHostCookie.status, 200)
  t.notOk(
    asHostCookie.setCookies.some((cookie) => cookie.startsWith('__Host-bb_device=')),
    'the __Host- device cookie is recognised: no new one',
  )
  const asPlainCookie = await request('POST', '/api/auth/login', { body: owner, cookie: `bb_device=${device}` })
  t.equal(asPlainCookie.status, 200)
  t.ok(
    asPlainCookie.setCookies.some((cookie) => cookie.startsWith('__Host-bb_device=')),
    'the plain one is not: this counts as a new device',
  )
})

t.test('signing out over HTTPS clears the __Host- cookie and any plain one', async (t) => {
  const signedIn = await request('POST', '/api/auth/login', { body: owner })
  const token = valueOf(signedIn, '__Host-bb_session')
  const out = await request('POST', '/api/auth/logout', { cookie: `__Host-bb_session=${token}; bb_session=planted` })
  t.equal(out.status, 200)
  for (const name of ['__Host-bb_session', 'bb_session']) {
    const cleared = out.setCookies.find((cookie) => cookie.startsWith(`${name}=`))
    t.ok(cleared, `${name} is cleared`)
    t.match(cleared, /^[^=]+=;/, `${name} is emptied`)
    t.match(cleared, /Max-Age=0/, `${name} expires now`)
    t.match(cleared, /Path=\//, `${name} on path /`)
  }
  const after = await request('GET', '/api/me', { cookie: `__Host-bb_session=${token}` })
  t.equal(after.status, 401, 'the session has ended')
})
