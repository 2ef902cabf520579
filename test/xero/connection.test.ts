/**
 * Connecting Xero: a Custom Connection and the OAuth code flow with PKCE against a loopback
 * identity server; tokens sealed at rest; refresh single-flight, rotation stored before use,
 * a lost refresh answer retried within the grace, invalid_grant asking to reconnect;
 * disconnect revokes and forgets; only settings.manage may touch any of it.
 */
import fs from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { SecretBox } from '../../server/shared/secrets'
import { xeroOf } from '../../server/xero/connection'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember, type StartedApp } from '../helpers/app'
import { as } from '../helpers/chat'
import { startXeroIdentity, type XeroIdentityFake } from '../helpers/xero-identity'

const CUSTOM_ID = 'CUSTOMCLIENTID0001'
const CUSTOM_SECRET = 'custom-secret-never-plain-4d2f9a'
const OAUTH_ID = 'OAUTHCLIENTID0001'

interface Setup {
  started: StartedApp
  fake: XeroIdentityFake
  owner: SignedInMember
}

async function setup(t: Test, env: Record<string, string> = {}): Promise<Setup> {
  let started: StartedApp | null = null
  const fake = await startXeroIdentity(() => (started ? started.clock.now() : Date.now()))
  started = await startApp({ env: { XERO_IDENTITY_BASE: fake.url, XERO_API_BASE: fake.url, ...env } })
  t.teardown(async () => {
    await started?.close()
    await fake.close()
  })
  const owner = await setupOwner(started.app)
  fake.addCustomApp(CUSTOM_ID, CUSTOM_SECRET)
  return { started, fake, owner }
}

type View = {
  state: string
  kind: string | null
  organisation: { id: string; name: string } | null
  tenants: { id: string; name: string }[]
  scopes: string[]
  callsLeftToday: number | null
}

async function view(s: Setup): Promise<View> {
  return bodyOf<View>(await as(s.started.app, s.owner, 'GET', '/api/xero/connection'))
}

/** Runs the OAuth flow up to the callback; answers the callback's response. */
async function oauthConnect(s: Setup, body: Record<string, unknown> = { clientId: OAUTH_ID }) {
  const started = await as(s.started.app, s.owner, 'POST', '/api/xero/connection/authorize', body)
  if (started.statusCode !== 200) throw new Error(`authorize: ${started.statusCode} ${started.body}`)
  const url = bodyOf<{ url: string }>(started).url
  const { code, state, redirectUri } = s.fake.approve(url)
  const callback = new URL(redirectUri)
  callback.searchParams.set('code', code)
  callback.searchParams.set('state', state)
  callback.searchParams.set('scope', 'openid')
  const answer = await as(s.started.app, s.owner, 'GET', `${callback.pathname}${callback.search}`)
  return { url, answer }
}

async function auditActions(s: Setup): Promise<{ action: string; detail: Record<string, unknown> }[]> {
  return bodyOf<{ action: string; detail: Record<string, unknown> }[]>(
    await as(s.started.app, s.owner, 'GET', '/api/audit'),
  ).filter((e) => e.action.startsWith('xero.'))
}

function sealedRefreshToken(s: Setup): string | null {
  const row = s.started.ctx.sqlite.prepare('select refresh_token from xero_connection').get() as
    { refresh_token: string | null } | undefined
  if (!row?.refresh_token) return null
  return SecretBox.open(s.started.dataDir).decrypt(row.refresh_token)
}

const refreshCalls = (fake: XeroIdentityFake) => fake.calls.filter((c) => c.grant === 'refresh_token')

const code = (response: LightMyRequestResponse) => bodyOf<{ code: string }>(response).code

t.test('a Custom Connection connects with its id and secret, sealed at rest', async (t) => {
  const s = await setup(t)
  t.same(await view(s), {
    state: 'disconnected',
    kind: null,
    organisation: null,
    tenants: [],
    scopes: [],
    callsLeftToday: null,
  })
  const response = await as(s.started.app, s.owner, 'PUT', '/api/xero/connection', {
    kind: 'custom',
    clientId: CUSTOM_ID,
    clientSecret: CUSTOM_SECRET,
  })
  t.equal(response.statusCode, 200, response.body)
  t.match(bodyOf(response), {
    state: 'connected',
    kind: 'custom',
    organisation: { id: 'tenant-custom', name: 'Corner Hardware Ltd' },
    scopes: ['accounting.invoices.read', 'accounting.contacts.read'],
  })
  const basic = s.fake.calls.find((c) => c.grant === 'client_credentials')
  t.equal(basic?.clientSecret, CUSTOM_SECRET, 'client credentials with Basic auth')

  const { token, tenantId } = await xeroOf(s.started.ctx).tokens.accessToken()
  t.match(token, /^at_/)
  t.equal(tenantId, 'tenant-custom')

  // Custom Connections have no refresh token: client credentials again once expired.
  s.started.clock.advance(31 * 60_000)
  const again = await xeroOf(s.started.ctx).tokens.accessToken()
  t.not(again.token, token)
  t.equal(s.fake.calls.filter((c) => c.grant === 'client_credentials').length, 2)
  t.equal(refreshCalls(s.fake).length, 0)

  // The database file holds neither the secret nor a token in plain text.
  s.started.ctx.sqlite.pragma('wal_checkpoint(TRUNCATE)')
  const bytes = Buffer.concat(
    fs
      .readdirSync(s.started.dataDir)
      .filter((name) => name.startsWith('backboard.db'))
      .map((name) => fs.readFileSync(path.join(s.started.dataDir, name))),
  )
  t.notOk(bytes.includes(CUSTOM_SECRET), 'the client secret is sealed')
  t.notOk(bytes.includes(token), 'the access token is sealed')
  t.notOk(bytes.includes(again.token), 'the new access token is sealed')

  const audit = await auditActions(s)
  t.equal(audit.length, 1)
  t.match(audit[0], { action: 'xero.connected', detail: { kind: 'custom', organisation: 'Corner Hardware Ltd' } })
  t.notOk(JSON.stringify(audit).includes(CUSTOM_SECRET))
})

t.test('a wrong secret is refused with xero_credentials', async (t) => {
  const s = await setup(t)
  const response = await as(s.started.app, s.owner, 'PUT', '/api/xero/connection', {
    kind: 'custom',
    clientId: CUSTOM_ID,
    clientSecret: 'wrong',
  })
  t.equal(response.statusCode, 400)
  t.equal(code(response), 'xero_credentials')
  t.equal((await view(s)).state, 'disconnected')
})

t.test('OAuth: the authorize URL carries an S256 challenge and state; the callback pins the tenant', async (t) => {
  const s = await setup(t)
  s.fake.addOauthApp(OAUTH_ID, [{ tenantId: 'tenant-a', tenantName: 'Acme Trading' }])
  const { url, answer } = await oauthConnect(s)
  const params = new URL(url).searchParams
  t.equal(params.get('code_challenge_method'), 'S256')
  t.match(params.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/)
  t.match(params.get('state'), /^[A-Za-z0-9_-]{20,}$/)
  t.equal(params.get('client_id'), OAUTH_ID)
  t.match(params.get('redirect_uri'), /^http:\/\/localhost(:\d+)?\/api\/xero\/callback$/)
  const scopes = (params.get('scope') ?? '').split(' ')
  t.ok(scopes.includes('offline_access'))
  t.ok(scopes.includes('accounting.reports.banksummary.read'))
  t.notOk(scopes.includes('accounting.invoices'), 'read-first: no write scope')

  t.equal(answer.statusCode, 302, answer.body)
  t.equal(answer.headers.location, '/xero')
  const exchange = s.fake.calls.find((c) => c.grant === 'authorization_code')
  t.ok(exchange?.codeVerifier, 'the code was exchanged with its verifier')
  t.equal(exchange?.clientSecret, null, 'PKCE: no secret')
  t.match(await view(s), { state: 'connected', kind: 'oauth', organisation: { id: 'tenant-a', name: 'Acme Trading' } })
  t.equal(sealedRefreshToken(s), s.fake.issuedRefreshTokens[0])

  // The state is single use: replaying the callback changes nothing.
  const replay = await as(s.started.app, s.owner, 'GET', `/api/xero/callback?code=x&state=${params.get('state')}`)
  t.equal(replay.headers.location, '/xero?error=xero_state')

  // Writes on: the invoice scope joins; the client id of the connection is reused.
  const writes = await as(s.started.app, s.owner, 'POST', '/api/xero/connection/authorize', { writes: true })
  t.equal(writes.statusCode, 200, writes.body)
  const writeUrl = new URL(bodyOf<{ url: string }>(writes).url)
  t.ok((writeUrl.searchParams.get('scope') ?? '').split(' ').includes('accounting.invoices'))
  t.equal(writeUrl.searchParams.get('client_id'), OAUTH_ID)
})

t.test('OAuth uses PUBLIC_URL for the redirect', async (t) => {
  const s = await setup(t, { PUBLIC_URL: 'https://shop.example.org' })
  const response = await as(s.started.app, s.owner, 'POST', '/api/xero/connection/authorize', {
    clientId: OAUTH_ID,
  })
  const url = new URL(bodyOf<{ url: string }>(response).url)
  t.equal(url.searchParams.get('redirect_uri'), 'https://shop.example.org/api/xero/callback')
  const none = await as(s.started.app, s.owner, 'POST', '/api/xero/connection/authorize', {})
  t.equal(code(none), 'xero_client_id_required')
})

t.test('a forged state does not connect', async (t) => {
  const s = await setup(t)
  s.fake.addOauthApp(OAUTH_ID, [{ tenantId: 'tenant-a', tenantName: 'Acme Trading' }])
  const started = await as(s.started.app, s.owner, 'POST', '/api/xero/connection/authorize', { clientId: OAUTH_ID })
  const { code: granted } = s.fake.approve(bodyOf<{ url: string }>(started).url)
  const forged = await as(s.started.app, s.owner, 'GET', `/api/xero/callback?code=${granted}&state=forged`)
  t.equal(forged.headers.location, '/xero?error=xero_state')
  t.equal((await view(s)).state, 'disconnected')
  t.equal(s.fake.calls.length, 0, 'no exchange without the right state')
})

t.test('several organisations: the owner chooses one', async (t) => {
  const s = await setup(t)
  s.fake.addOauthApp(OAUTH_ID, [
    { tenantId: 'tenant-a', tenantName: 'Acme Trading' },
    { tenantId: 'tenant-b', tenantName: 'Acme Holdings' },
  ])
  const { answer } = await oauthConnect(s)
  t.equal(answer.headers.location, '/xero')
  const choosing = await view(s)
  t.equal(choosing.state, 'choose_tenant')
  t.equal(choosing.organisation, null)
  t.same(choosing.tenants, [
    { id: 'tenant-a', name: 'Acme Trading' },
    { id: 'tenant-b', name: 'Acme Holdings' },
  ])
  const early = await xeroOf(s.started.ctx)
    .tokens.accessToken()
    .catch((e: { code: string }) => e.code)
  t.equal(early, 'xero_choose_tenant')
  const unknown = await as(s.started.app, s.owner, 'PUT', '/api/xero/connection/tenant', { tenantId: 'tenant-z' })
  t.equal(unknown.statusCode, 400)
  const chosen = await as(s.started.app, s.owner, 'PUT', '/api/xero/connection/tenant', { tenantId: 'tenant-b' })
  t.equal(chosen.statusCode, 200, chosen.body)
  t.match(bodyOf(chosen), { state: 'connected', organisation: { id: 'tenant-b', name: 'Acme Holdings' }, tenants: [] })
  t.equal((await xeroOf(s.started.ctx).tokens.accessToken()).tenantId, 'tenant-b')
  t.match(await auditActions(s), [{ action: 'xero.connected', detail: { organisation: 'Acme Holdings' } }])
})

async function oauthConnected(t: Test): Promise<Setup> {
  const s = await setup(t)
  s.fake.addOauthApp(OAUTH_ID, [{ tenantId: 'tenant-a', tenantName: 'Acme Trading' }])
  const { answer } = await oauthConnect(s)
  if (answer.headers.location !== '/xero') throw new Error(`callback: ${String(answer.headers.location)}`)
  return s
}

t.test('refresh is single-flight and the rotated token is stored before use', async (t) => {
  const s = await oauthConnected(t)
  const tokens = xeroOf(s.started.ctx).tokens
  const first = await tokens.accessToken()
  t.equal(refreshCalls(s.fake).length, 0, 'a fresh token is used as it is')

  s.started.clock.advance(31 * 60_000)
  const results = await Promise.all(Array.from({ length: 10 }, () => tokens.accessToken()))
  t.equal(refreshCalls(s.fake).length, 1, 'ten callers, one refresh')
  t.equal(new Set(results.map((r) => r.token)).size, 1)
  t.not(results[0]!.token, first.token)
  t.equal(refreshCalls(s.fake)[0]!.refreshToken, s.fake.issuedRefreshTokens[0])
  t.equal(sealedRefreshToken(s), s.fake.issuedRefreshTokens[1], 'the new refresh token is stored')

  // The next refresh presents the rotated token, not the spent one.
  s.started.clock.advance(31 * 60_000)
  await tokens.accessToken()
  t.equal(refreshCalls(s.fake).length, 2)
  t.equal(refreshCalls(s.fake)[1]!.refreshToken, s.fake.issuedRefreshTokens[1])
  t.equal(sealedRefreshToken(s), s.fake.issuedRefreshTokens[2])

  // A token Xero refused (401) is replaced at once, by one refresh for concurrent callers;
  // a caller holding a token already replaced gets the new one without another refresh.
  const current = await tokens.accessToken()
  const renewed = await Promise.all([tokens.accessToken(current.token), tokens.accessToken(current.token)])
  t.equal(refreshCalls(s.fake).length, 3)
  t.not(renewed[0].token, current.token)
  t.equal(renewed[1].token, renewed[0].token)
  t.equal((await tokens.accessToken(current.token)).token, renewed[0].token)
  t.equal(refreshCalls(s.fake).length, 3)
})

t.test('a lost refresh answer is retried with the same token within the grace', async (t) => {
  const s = await oauthConnected(t)
  const tokens = xeroOf(s.started.ctx).tokens
  s.started.clock.advance(31 * 60_000)
  s.fake.dropNextRefresh()
  const { token } = await tokens.accessToken()
  const calls = refreshCalls(s.fake)
  t.equal(calls.length, 2, 'sent twice')
  t.equal(calls[0]!.refreshToken, s.fake.issuedRefreshTokens[0])
  t.equal(calls[1]!.refreshToken, s.fake.issuedRefreshTokens[0], 'again with the old token')
  t.equal(sealedRefreshToken(s), s.fake.issuedRefreshTokens[2], 'the answer that arrived is kept')
  t.match(token, /^at_/)
  t.equal((await view(s)).state, 'connected')
})

t.test('invalid_grant asks the owner to reconnect', async (t) => {
  const s = await oauthConnected(t)
  s.fake.revokeAll()
  s.started.clock.advance(31 * 60_000)
  const failed = await xeroOf(s.started.ctx)
    .tokens.accessToken()
    .then(
      () => null,
      (e: { status: number; code: string }) => e,
    )
  t.match(failed, { status: 409, code: 'xero_reconnect' })
  t.match(await view(s), { state: 'reconnect', organisation: { id: 'tenant-a' } })
  const audit = await auditActions(s)
  t.match(audit[0], { action: 'xero.reconnect_needed', detail: { reason: 'invalid_grant' } })
  // No more refreshes once the owner must act.
  const before = refreshCalls(s.fake).length
  await xeroOf(s.started.ctx)
    .tokens.accessToken()
    .catch(() => null)
  t.equal(refreshCalls(s.fake).length, before)

  // Reconnecting (same app) brings it back.
  await oauthConnect(s, {})
  t.equal((await view(s)).state, 'connected')
})

t.test('disconnect revokes and forgets, even when Xero cannot be told', async (t) => {
  const s = await oauthConnected(t)
  const refresh = s.fake.issuedRefreshTokens[0]
  const response = await as(s.started.app, s.owner, 'DELETE', '/api/xero/connection')
  t.equal(response.statusCode, 200, response.body)
  t.equal(bodyOf<View>(response).state, 'disconnected')
  t.same(s.fake.revocations, [refresh])
  t.equal((s.started.ctx.sqlite.prepare('select count(*) as n from xero_connection').get() as { n: number }).n, 0)
  t.match(await auditActions(s), [{ action: 'xero.disconnected', detail: { revoked: true } }])

  // Xero unreachable: still forgotten.
  await oauthConnect(s)
  await s.fake.close()
  const offline = await as(s.started.app, s.owner, 'DELETE', '/api/xero/connection')
  t.equal(offline.statusCode, 200)
  t.equal((await view(s)).state, 'disconnected')
  t.match((await auditActions(s))[0], { action: 'xero.disconnected', detail: { revoked: false } })
})

t.test('staff get 403 on every Xero connection route', async (t) => {
  const s = await setup(t)
  const staff = await createMember(s.started.app, s.owner.cookie)
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/xero/connection'],
    ['PUT', '/api/xero/connection', { kind: 'custom', clientId: CUSTOM_ID, clientSecret: CUSTOM_SECRET }],
    ['POST', '/api/xero/connection/authorize', { clientId: OAUTH_ID }],
    ['GET', '/api/xero/callback?code=a&state=b'],
    ['PUT', '/api/xero/connection/tenant', { tenantId: 'tenant-a' }],
    ['DELETE', '/api/xero/connection'],
  ]
  for (const [method, url, payload] of routes) {
    const response = await as(s.started.app, staff, method as 'GET', url, payload)
    t.equal(response.statusCode, 403, `${method} ${url}`)
  }
  t.equal(s.fake.calls.length, 0)
})
