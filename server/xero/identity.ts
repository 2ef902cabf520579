/**
 * Xero's identity server (token, revocation) and the organisations a token may reach
 * (`GET /connections`), with plain fetch. Tokens pass through here and are never logged.
 */

export interface TokenSet {
  accessToken: string
  /** Epoch milliseconds, from the answer's `expires_in`. */
  expiresAt: number
  refreshToken: string | null
  scopes: string
}

export interface XeroTenant {
  id: string
  name: string
}

/** The client the token endpoint authenticates: Basic auth with a secret, else client_id in the form (PKCE). */
export interface XeroClient {
  clientId: string
  clientSecret: string | null
}

/** Xero answered with an OAuth error (`invalid_client`, `invalid_grant`...). */
export class XeroIdentityError extends Error {
  constructor(
    readonly error: string,
    readonly status: number,
  ) {
    super(`Xero identity answered ${status} ${error}`)
    this.name = 'XeroIdentityError'
  }
}

/** No usable answer reached us (network, timeout, a broken body): the request may or may not have happened. */
export class XeroUnreachableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'XeroUnreachableError'
  }
}

const TIMEOUT_MS = 15_000
export const DEFAULT_IDENTITY_BASE = 'https://identity.xero.com'
export const DEFAULT_API_BASE = 'https://api.xero.com'
/** Where the owner's browser signs in; XERO_IDENTITY_BASE replaces it with `{identity}/connect/authorize`. */
const XERO_AUTHORIZE_URL = 'https://login.xero.com/identity/connect/authorize'

const trimSlash = (url: string) => url.replace(/\/+$/, '')

export class XeroIdentity {
  readonly identityBase: string
  readonly apiBase: string

  constructor(
    identityBase: string | null,
    apiBase: string | null,
    private readonly now: () => number,
  ) {
    this.identityBase = trimSlash(identityBase ?? DEFAULT_IDENTITY_BASE)
    this.apiBase = trimSlash(apiBase ?? DEFAULT_API_BASE)
  }

  authorizeUrl(params: Record<string, string>): string {
    const base =
      this.identityBase === DEFAULT_IDENTITY_BASE ? XERO_AUTHORIZE_URL : `${this.identityBase}/connect/authorize`
    return `${base}?${new URLSearchParams(params).toString()}`
  }

  /** A Custom Connection's token: no refresh token, asked again when it expires. */
  clientCredentials(client: XeroClient): Promise<TokenSet> {
    return this.token(client, { grant_type: 'client_credentials' })
  }

  exchangeCode(client: XeroClient, code: string, codeVerifier: string, redirectUri: string): Promise<TokenSet> {
    return this.token(client, {
      grant_type: 'authorization_code',
      code,
      code_verifier: codeVerifier,
      redirect_uri: redirectUri,
    })
  }

  refresh(client: XeroClient, refreshToken: string): Promise<TokenSet> {
    return this.token(client, { grant_type: 'refresh_token', refresh_token: refreshToken })
  }

  async revoke(client: XeroClient, refreshToken: string): Promise<void> {
    const response = await this.post('/connect/revocation', client, { token: refreshToken })
    if (!response.ok) throw new XeroIdentityError(await errorOf(response), response.status)
  }

  /** The organisations the token reaches; a Custom Connection has exactly one. */
  async connections(accessToken: string): Promise<XeroTenant[]> {
    let response: Response
    try {
      response = await fetch(`${this.apiBase}/connections`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (error) {
      throw new XeroUnreachableError(`Xero could not be reached: ${(error as Error).name}`)
    }
    if (response.status === 401 || response.status === 403) throw new XeroIdentityError('unauthorized', response.status)
    if (!response.ok) throw new XeroUnreachableError(`Xero /connections answered ${response.status}`)
    const body = (await response.json().catch(() => null)) as unknown
    if (!Array.isArray(body)) throw new XeroUnreachableError('Xero /connections answered something unexpected')
    return body
      .filter((c: { tenantType?: string }) => c && (c.tenantType ?? 'ORGANISATION') === 'ORGANISATION')
      .map((c: { tenantId: string; tenantName?: string | null }) => ({
        id: String(c.tenantId),
        name: c.tenantName ?? '',
      }))
  }

  private async token(client: XeroClient, form: Record<string, string>): Promise<TokenSet> {
    const sentAt = this.now()
    const response = await this.post('/connect/token', client, form)
    if (!response.ok) throw new XeroIdentityError(await errorOf(response), response.status)
    const body = (await response.json().catch(() => {
      throw new XeroUnreachableError('Xero answered the token request with something unreadable')
    })) as { access_token?: string; expires_in?: number; refresh_token?: string; scope?: string }
    if (typeof body.access_token !== 'string') throw new XeroUnreachableError('Xero answered without an access token')
    return {
      accessToken: body.access_token,
      // From when the request left: the token cannot have been issued earlier.
      expiresAt: sentAt + (body.expires_in ?? 1800) * 1000,
      refreshToken: body.refresh_token ?? null,
      scopes: body.scope ?? '',
    }
  }

  private async post(path: string, client: XeroClient, form: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    }
    const fields = { ...form }
    if (client.clientSecret) {
      const basic = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`
    } else {
      fields.client_id = client.clientId
    }
    try {
      return await fetch(`${this.identityBase}${path}`, {
        method: 'POST',
        headers,
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (error) {
      throw new XeroUnreachableError(`Xero could not be reached: ${(error as Error).name}`)
    }
  }
}

async function errorOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: unknown } | null
  return typeof body?.error === 'string' ? body.error : `http_${response.status}`
}
