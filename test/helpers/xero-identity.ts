/**
 * A loopback fake of Xero's identity server (token, revocation, the authorize step) and of
 * `GET /connections`, for tests. Refresh tokens rotate like Xero's: a spent one stays
 * accepted for the grace period on the fake's clock. Calls to `/api.xro/2.0/...` are checked
 * like Xero checks them (a live bearer token, a tenant it was granted) and answered by the
 * test's `api` handler.
 */
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeTenant {
  tenantId: string
  tenantName: string
}

export interface TokenCall {
  grant: string
  clientId: string
  clientSecret: string | null
  refreshToken?: string
  code?: string
  codeVerifier?: string
  redirectUri?: string
}

interface RefreshState {
  clientId: string
  tenants: FakeTenant[]
  scopes: string
  /** When a newer token replaced it; null while current. */
  rotatedAt: number | null
  revoked: boolean
}

/** One accounting API call as the fake's `api` handler sees it (path after /api.xro/2.0/). */
export interface ApiCall {
  method: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: Buffer
  tenantId: string
}

export interface ApiAnswer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

export interface XeroIdentityFake {
  /** Answers accounting API calls; null (or a null answer): 404. */
  api: ((call: ApiCall) => ApiAnswer | null | Promise<ApiAnswer | null>) | null
  /** Every accounting API call, in order. */
  apiCalls: ApiCall[]
  /** The scopes a Custom Connection's token carries. */
  customScopes: string
  /** Base URL for XERO_IDENTITY_BASE and XERO_API_BASE. */
  url: string
  /** Token endpoint requests, in order. */
  calls: TokenCall[]
  revocations: string[]
  /** A Custom Connection's app: its secret and organisation. */
  addCustomApp(clientId: string, clientSecret: string, tenant?: FakeTenant): void
  /** An OAuth (PKCE) app, and the organisations its user will grant. */
  addOauthApp(clientId: string, tenants: FakeTenant[]): void
  /** The owner approves in Xero: checks the authorize URL and answers the callback's code and state. */
  approve(authorizeUrl: string): { code: string; state: string; redirectUri: string }
  /** Refresh tokens issued, oldest first. */
  issuedRefreshTokens: string[]
  /** Access tokens expire after this many seconds. */
  expiresIn: number
  /** The next refresh rotates, then drops the connection without answering. */
  dropNextRefresh(): void
  /** Every refresh token stops working (the owner disconnected the app in Xero). */
  revokeAll(): void
  close(): Promise<void>
}

export const GRACE_MS = 30 * 60_000

export async function startXeroIdentity(now: () => number): Promise<XeroIdentityFake> {
  const customApps = new Map<string, { secret: string; tenant: FakeTenant }>()
  const oauthApps = new Map<string, FakeTenant[]>()
  const codes = new Map<
    string,
    { clientId: string; challenge: string; redirectUri: string; scopes: string; used: boolean }
  >()
  const refreshTokens = new Map<string, RefreshState>()
  const accessTokens = new Map<string, { tenants: FakeTenant[]; expiresAt: number }>()
  let dropNext = false

  const token = () => randomBytes(18).toString('hex')

  function issue(clientId: string, tenants: FakeTenant[], scopes: string, withRefresh: boolean) {
    const access = `at_${token()}`
    accessTokens.set(access, { tenants, expiresAt: now() + fake.expiresIn * 1000 })
    const body: Record<string, unknown> = {
      access_token: access,
      expires_in: fake.expiresIn,
      token_type: 'Bearer',
      scope: scopes,
    }
    if (withRefresh) {
      const refresh = `rt_${token()}`
      refreshTokens.set(refresh, { clientId, tenants, scopes, rotatedAt: null, revoked: false })
      fake.issuedRefreshTokens.push(refresh)
      body.refresh_token = refresh
    }
    return body
  }

  function handleToken(form: URLSearchParams, authorization: string | undefined): { status: number; body: unknown } {
    let clientId = form.get('client_id') ?? ''
    let clientSecret: string | null = null
    if (authorization?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString().split(':')
      clientId = decodeURIComponent(id ?? '')
      clientSecret = decodeURIComponent(secret ?? '')
    }
    const grant = form.get('grant_type') ?? ''
    const call: TokenCall = { grant, clientId, clientSecret }
    fake.calls.push(call)
    const invalidGrant = { status: 400, body: { error: 'invalid_grant' } }
    if (grant === 'client_credentials') {
      const app = customApps.get(clientId)
      if (!app || app.secret !== clientSecret) return { status: 400, body: { error: 'invalid_client' } }
      return {
        status: 200,
        body: issue(clientId, [app.tenant], fake.customScopes, false),
      }
    }
    if (!oauthApps.has(clientId)) return { status: 400, body: { error: 'invalid_client' } }
    if (grant === 'authorization_code') {
      call.code = form.get('code') ?? ''
      call.codeVerifier = form.get('code_verifier') ?? ''
      call.redirectUri = form.get('redirect_uri') ?? ''
      const pending = codes.get(call.code)
      if (!pending || pending.used || pending.clientId !== clientId) return invalidGrant
      pending.used = true
      const challenge = createHash('sha256').update(call.codeVerifier).digest('base64url')
      if (challenge !== pending.challenge || call.redirectUri !== pending.redirectUri) return invalidGrant
      return { status: 200, body: issue(clientId, oauthApps.get(clientId)!, pending.scopes, true) }
    }
    if (grant === 'refresh_token') {
      call.refreshToken = form.get('refresh_token') ?? ''
      const state = refreshTokens.get(call.refreshToken)
      if (!state || state.revoked || state.clientId !== clientId) return invalidGrant
      if (state.rotatedAt !== null && now() - state.rotatedAt > GRACE_MS) return invalidGrant
      state.rotatedAt ??= now()
      return { status: 200, body: issue(clientId, state.tenants, state.scopes, true) }
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } }
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake')
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' })
        response.end(JSON.stringify(body))
      }
      if (request.method === 'POST' && url.pathname === '/connect/token') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString())
        const answer = handleToken(form, request.headers.authorization)
        if (form.get('grant_type') === 'refresh_token' && dropNext) {
          dropNext = false
          request.socket.destroy()
          return
        }
        return send(answer.status, answer.body)
      }
      if (request.method === 'POST' && url.pathname === '/connect/revocation') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString())
        const revoked = form.get('token') ?? ''
        fake.revocations.push(revoked)
        const state = refreshTokens.get(revoked)
        if (state) state.revoked = true
        return send(200, {})
      }
      if (request.method === 'GET' && url.pathname === '/connections') {
        const bearer = (request.headers.authorization ?? '').replace(/^Bearer /, '')
        const access = accessTokens.get(bearer)
        if (!access || access.expiresAt < now()) return send(401, { Title: 'Unauthorized' })
        return send(
          200,
          access.tenants.map((t, i) => ({
            id: `conn-${i}`,
            authEventId: 'event',
            tenantId: t.tenantId,
            tenantType: 'ORGANISATION',
            tenantName: t.tenantName,
            createdDateUtc: '2026-12-01T09:00:00.0000000',
            updatedDateUtc: '2026-12-01T09:00:00.0000000',
          })),
        )
      }
      if (url.pathname.startsWith('/api.xro/2.0/')) {
        const bearer = (request.headers.authorization ?? '').replace(/^Bearer /, '')
        const access = accessTokens.get(bearer)
        if (!access || access.expiresAt < now()) return send(401, { Title: 'Unauthorized' })
        const tenantId = String(request.headers['xero-tenant-id'] ?? '')
        if (!access.tenants.some((t) => t.tenantId === tenantId)) return send(403, { Title: 'Forbidden' })
        const call: ApiCall = {
          method: request.method ?? 'GET',
          path: url.pathname.slice('/api.xro/2.0/'.length),
          query: url.searchParams,
          headers: request.headers,
          body: Buffer.concat(chunks),
          tenantId,
        }
        fake.apiCalls.push(call)
        void Promise.resolve(fake.api?.(call) ?? null).then((answer) => {
          if (!answer) return send(404, { Title: 'Not Found' })
          response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
          response.end(JSON.stringify(answer.body))
        })
        return
      }
      send(404, { error: 'not_found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const fake: XeroIdentityFake = {
    url: `http://127.0.0.1:${port}`,
    api: null,
    apiCalls: [],
    customScopes: 'accounting.invoices.read accounting.contacts.read',
    calls: [],
    revocations: [],
    issuedRefreshTokens: [],
    expiresIn: 1800,
    addCustomApp(clientId, clientSecret, tenant = { tenantId: 'tenant-custom', tenantName: 'Corner Hardware Ltd' }) {
      customApps.set(clientId, { secret: clientSecret, tenant })
    },
    addOauthApp(clientId, tenants) {
      oauthApps.set(clientId, tenants)
    },
    approve(authorizeUrl) {
      const url = new URL(authorizeUrl)
      const p = url.searchParams
      if (url.pathname !== '/connect/authorize') throw new Error(`unexpected authorize path ${url.pathname}`)
      if (p.get('response_type') !== 'code') throw new Error('response_type must be code')
      if (p.get('code_challenge_method') !== 'S256') throw new Error('code_challenge_method must be S256')
      const clientId = p.get('client_id') ?? ''
      if (!oauthApps.has(clientId)) throw new Error(`unknown client ${clientId}`)
      const code = `code_${token()}`
      const redirectUri = p.get('redirect_uri') ?? ''
      codes.set(code, {
        clientId,
        challenge: p.get('code_challenge') ?? '',
        redirectUri,
        scopes: p.get('scope') ?? '',
        used: false,
      })
      return { code, state: p.get('state') ?? '', redirectUri }
    },
    dropNextRefresh() {
      dropNext = true
    },
    revokeAll() {
      for (const state of refreshTokens.values()) state.revoked = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return fake
}
