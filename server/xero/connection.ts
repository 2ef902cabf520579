/**
 * The shop's one Xero connection: a Custom Connection (client credentials) or the OAuth 2.0
 * code flow with PKCE, and the tokens every Xero call needs.
 *
 * OAuth apps: the client id (and, for a "web app", its secret) come in the authorize
 * request's body and are kept with the connection, so "Reconnect Xero" needs neither again.
 * Refresh tokens rotate: the new one is stored before the new access token is used, the
 * previous one is kept for Xero's 30-minute grace, and a refresh whose answer was lost is
 * sent again with the same token within that grace.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Actor } from '../auth/actor'
import { auditParty } from '../auth/actor'
import { recordAudit } from '../audit/service'
import type { XeroConnectionKind } from '../db/schema'
import type { AppContext } from '../shared/context'
import { AppError, badRequest, conflict } from '../shared/errors'
import type { SecretBox } from '../shared/secrets'
import {
  XeroIdentity,
  XeroIdentityError,
  XeroUnreachableError,
  type TokenSet,
  type XeroClient,
  type XeroTenant,
} from './identity'

export const READ_SCOPES = [
  'offline_access',
  'accounting.settings.read',
  'accounting.contacts.read',
  'accounting.invoices.read',
  'accounting.payments.read',
  'accounting.reports.banksummary.read',
  'accounting.reports.aged.read',
  // "Profit this month": the profit and loss report.
  'accounting.reports.profitandloss.read',
]
// Drafting invoices and bills, and attaching a bill's photo to it.
export const WRITE_SCOPES = ['accounting.invoices', 'accounting.attachments']

/** Xero keeps a rotated refresh token usable this long. */
export const REFRESH_GRACE_MS = 30 * 60_000
/** An access token this close to expiry is renewed first. */
const EXPIRY_MARGIN_MS = 60_000
const PENDING_MS = 10 * 60_000

export type XeroViewState = 'disconnected' | 'connected' | 'reconnect' | 'choose_tenant'

export interface XeroConnectionView {
  state: XeroViewState
  kind: XeroConnectionKind | null
  organisation: XeroTenant | null
  tenants: XeroTenant[]
  scopes: string[]
  callsLeftToday: number | null
}

const unavailable = () =>
  new AppError(503, 'xero_unavailable', 'Xero is not answering right now; try again in a minute.')
const reconnectNeeded = () =>
  conflict('xero_reconnect', 'Xero needs to be connected again: open More → Xero and choose Reconnect.')
const notConnected = () => conflict('xero_not_connected', 'Xero is not connected.')

const base64url = (bytes: Buffer) => bytes.toString('base64url')

/**
 * The access token for each call. `accessToken()` is single-flight: callers at the same
 * moment share one database read and at most one refresh.
 */
export class XeroTokens {
  private flight: Promise<{ token: string; tenantId: string }> | null = null

  constructor(private readonly connection: XeroConnection) {}

  /**
   * `rejected`: a token Xero just answered 401 to. Unless a concurrent refresh already
   * replaced it, a new one is fetched before answering.
   */
  async accessToken(rejected?: string): Promise<{ token: string; tenantId: string }> {
    const result = await (this.flight ?? this.start(rejected))
    if (rejected === undefined || result.token !== rejected) return result
    return this.flight ?? this.start(rejected)
  }

  private start(rejected: string | undefined): Promise<{ token: string; tenantId: string }> {
    const flight = this.connection.currentAccessToken(rejected).finally(() => {
      if (this.flight === flight) this.flight = null
    })
    this.flight = flight
    return flight
  }
}

export class XeroConnection {
  readonly identity: XeroIdentity
  readonly tokens: XeroTokens
  /** What the API client knows of the organisation's day budget (X-DayLimit-Remaining); null: nothing yet. */
  callsLeftToday: (tenantId: string) => number | null = () => null

  constructor(
    private readonly ctx: AppContext,
    private readonly secrets: SecretBox,
  ) {
    this.identity = new XeroIdentity(ctx.config.xeroIdentityBase, ctx.config.xeroApiBase, () => ctx.clock.now())
    this.tokens = new XeroTokens(this)
  }

  async view(): Promise<XeroConnectionView> {
    const row = await this.ctx.db.selectFrom('xero_connection').selectAll().executeTakeFirst()
    if (!row) {
      return { state: 'disconnected', kind: null, organisation: null, tenants: [], scopes: [], callsLeftToday: null }
    }
    const choosing = row.tenant_id === null
    return {
      state: choosing ? 'choose_tenant' : row.state,
      kind: row.kind,
      organisation: choosing ? null : { id: row.tenant_id!, name: row.tenant_name },
      tenants: choosing ? (JSON.parse(row.tenant_choices ?? '[]') as XeroTenant[]) : [],
      scopes: row.scopes.split(' ').filter(Boolean),
      callsLeftToday: choosing ? null : this.callsLeftToday(row.tenant_id!),
    }
  }

  /** A Custom Connection: client credentials, then its one organisation. */
  async connectCustom(actor: Actor, clientId: string, clientSecret: string): Promise<XeroConnectionView> {
    const client = { clientId: clientId.trim(), clientSecret: clientSecret.trim() }
    let tokens: TokenSet
    try {
      tokens = await this.identity.clientCredentials(client)
    } catch (error) {
      if (error instanceof XeroIdentityError && (error.error === 'invalid_client' || error.status === 401)) {
        throw badRequest('xero_credentials', 'Xero did not accept this client id and secret.')
      }
      throw this.translate(error)
    }
    const tenants = await this.tenantsOf(tokens.accessToken)
    const tenant = tenants[0]
    if (!tenant) throw badRequest('xero_no_organisation', 'This Custom Connection is not linked to an organisation.')
    await this.store(actor, 'custom', client, tokens, tenants.length === 1 ? tenant : null, tenants)
    return this.view()
  }

  /** Starts the OAuth flow: the URL the owner's browser opens. */
  async authorize(
    actor: Actor,
    origin: string,
    input: { clientId?: string; clientSecret?: string; writes?: boolean },
  ): Promise<string> {
    let client: XeroClient | null = input.clientId
      ? { clientId: input.clientId.trim(), clientSecret: input.clientSecret?.trim() || null }
      : null
    if (!client) {
      const row = await this.ctx.db
        .selectFrom('xero_connection')
        .select(['kind', 'client_id', 'client_secret'])
        .executeTakeFirst()
      if (row?.kind === 'oauth') client = { clientId: row.client_id, clientSecret: this.open(row.client_secret) }
    }
    if (!client) throw badRequest('xero_client_id_required', "Enter your Xero app's client id.")
    const state = base64url(randomBytes(24))
    const verifier = base64url(randomBytes(48))
    const challenge = base64url(createHash('sha256').update(verifier).digest())
    const redirectUri = `${origin}/api/xero/callback`
    const scopes = [...READ_SCOPES, ...(input.writes ? WRITE_SCOPES : [])].join(' ')
    const now = this.ctx.clock.now()
    const pending = {
      id: 1,
      state,
      code_verifier: this.secrets.encrypt(verifier),
      redirect_uri: redirectUri,
      client_id: client.clientId,
      client_secret: client.clientSecret ? this.secrets.encrypt(client.clientSecret) : null,
      scopes,
      member_id: actor.member.id,
      expires_at: now + PENDING_MS,
    }
    await this.ctx.db
      .insertInto('xero_oauth_pending')
      .values(pending)
      .onConflict((oc) => oc.column('id').doUpdateSet(pending))
      .execute()
    return this.identity.authorizeUrl({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: redirectUri,
      scope: scopes,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })
  }

  /**
   * Xero sent the owner's browser back. Answers the error code to show on the Xero page, or
   * null when connected (or the organisation is to be chosen).
   */
  async callback(actor: Actor, query: { code?: string; state?: string; error?: string }): Promise<string | null> {
    const pending = await this.ctx.db.selectFrom('xero_oauth_pending').selectAll().executeTakeFirst()
    if (!pending || !query.state || query.state !== pending.state) return 'xero_state'
    await this.ctx.db.deleteFrom('xero_oauth_pending').execute()
    if (pending.member_id !== actor.member.id || pending.expires_at < this.ctx.clock.now()) return 'xero_state'
    if (query.error || !query.code) return query.error === 'access_denied' ? 'xero_denied' : 'xero_failed'
    const client = { clientId: pending.client_id, clientSecret: this.open(pending.client_secret) }
    let tokens: TokenSet
    let tenants: XeroTenant[]
    try {
      const verifier = this.secrets.decrypt(pending.code_verifier)
      tokens = await this.identity.exchangeCode(client, query.code, verifier, pending.redirect_uri)
      tenants = await this.tenantsOf(tokens.accessToken)
    } catch (error) {
      this.ctx.log.warn({ error: (error as Error).message }, 'the Xero authorisation could not be completed')
      return 'xero_failed'
    }
    if (!tenants[0]) return 'xero_no_organisation'
    await this.store(actor, 'oauth', client, tokens, tenants.length === 1 ? tenants[0] : null, tenants)
    return null
  }

  /** Pins the organisation the owner chose among several. */
  async chooseTenant(actor: Actor, tenantId: string): Promise<XeroConnectionView> {
    const row = await this.ctx.db.selectFrom('xero_connection').selectAll().executeTakeFirst()
    if (!row) throw notConnected()
    const choices = JSON.parse(row.tenant_choices ?? '[]') as XeroTenant[]
    const tenant = choices.find((t) => t.id === tenantId)
    if (!tenant) throw badRequest('xero_unknown_tenant', 'Choose one of the organisations Xero offered.')
    await this.ctx.write(async (w) => {
      await w.trx
        .updateTable('xero_connection')
        .set({ tenant_id: tenant.id, tenant_name: tenant.name, tenant_choices: null })
        .execute()
      await recordAudit(w.trx, w.now, {
        action: 'xero.connected',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { kind: row.kind, organisation: tenant.name, tenantId: tenant.id, scopes: row.scopes },
      })
    })
    return this.view()
  }

  /** Revokes the refresh token (when there is one) and forgets everything, even if Xero cannot be told. */
  async disconnect(actor: Actor): Promise<void> {
    const row = await this.ctx.db.selectFrom('xero_connection').selectAll().executeTakeFirst()
    let isRevoked = false
    if (row?.refresh_token) {
      try {
        const client = { clientId: row.client_id, clientSecret: this.open(row.client_secret) }
        await this.identity.revoke(client, this.secrets.decrypt(row.refresh_token))
        isRevoked = true
      } catch (error) {
        this.ctx.log.warn(
          { error: (error as Error).message },
          'Xero did not confirm the revocation; forgetting the tokens anyway',
        )
      }
    }
    await this.ctx.write(async (w) => {
      await w.trx.deleteFrom('xero_connection').execute()
      await w.trx.deleteFrom('xero_oauth_pending').execute()
      if (row) {
        await recordAudit(w.trx, w.now, {
          action: 'xero.disconnected',
          actor: auditParty(actor),
          ip: actor.ip,
          detail: { kind: row.kind, organisation: row.tenant_name, revoked: isRevoked },
        })
      }
    })
  }

  /** Through XeroTokens only, which makes it single-flight. */
  async currentAccessToken(rejected?: string): Promise<{ token: string; tenantId: string }> {
    const row = await this.ctx.db.selectFrom('xero_connection').selectAll().executeTakeFirst()
    if (!row) throw notConnected()
    if (row.state === 'reconnect') throw reconnectNeeded()
    if (row.tenant_id === null) throw conflict('xero_choose_tenant', 'Choose which Xero organisation to use first.')
    const now = this.ctx.clock.now()
    if (row.access_expires_at - EXPIRY_MARGIN_MS > now) {
      const token = this.unsealOrReconnect(row.access_token)
      if (token !== rejected) return { token, tenantId: row.tenant_id }
    }
    const client = { clientId: row.client_id, clientSecret: this.open(row.client_secret) }
    if (row.kind === 'custom') {
      let tokens: TokenSet
      try {
        tokens = await this.identity.clientCredentials(client)
      } catch (error) {
        if (error instanceof XeroIdentityError && error.error === 'invalid_client') {
          await this.needsReconnect('invalid_client')
          throw reconnectNeeded()
        }
        throw this.translate(error)
      }
      await this.ctx.db
        .updateTable('xero_connection')
        .set({ access_token: this.secrets.encrypt(tokens.accessToken), access_expires_at: tokens.expiresAt })
        .execute()
      return { token: tokens.accessToken, tenantId: row.tenant_id }
    }
    if (!row.refresh_token) {
      await this.needsReconnect('no_refresh_token')
      throw reconnectNeeded()
    }
    const current = this.unsealOrReconnect(row.refresh_token)
    let tokens: TokenSet
    try {
      tokens = await this.refreshWithin(client, current, now)
    } catch (error) {
      if (!(error instanceof XeroIdentityError && error.error === 'invalid_grant')) throw this.translate(error)
      // The previous token, while Xero still honours it, before asking the owner.
      const previous =
        row.previous_refresh_token && (row.previous_refresh_until ?? 0) > now
          ? this.open(row.previous_refresh_token)
          : null
      try {
        if (!previous) throw error
        tokens = await this.identity.refresh(client, previous)
      } catch (second) {
        if (second instanceof XeroIdentityError && second.error === 'invalid_grant') {
          await this.needsReconnect('invalid_grant')
          throw reconnectNeeded()
        }
        throw this.translate(second)
      }
    }
    // Stored before the access token is handed out: the old refresh token is spent.
    const rotated = tokens.refreshToken ?? current
    await this.ctx.db
      .updateTable('xero_connection')
      .set({
        access_token: this.secrets.encrypt(tokens.accessToken),
        access_expires_at: tokens.expiresAt,
        refresh_token: this.secrets.encrypt(rotated),
        ...(rotated === current
          ? {}
          : { previous_refresh_token: row.refresh_token, previous_refresh_until: now + REFRESH_GRACE_MS }),
        ...(tokens.scopes ? { scopes: tokens.scopes } : {}),
      })
      .execute()
    return { token: tokens.accessToken, tenantId: row.tenant_id }
  }

  /** A refresh whose answer was lost is sent again with the same token while Xero's grace lasts. */
  private async refreshWithin(client: XeroClient, refreshToken: string, startedAt: number): Promise<TokenSet> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.identity.refresh(client, refreshToken)
      } catch (error) {
        const isLost = error instanceof XeroUnreachableError
        if (!isLost || attempt >= 3 || this.ctx.clock.now() - startedAt >= REFRESH_GRACE_MS) throw error
        this.ctx.log.warn({ attempt }, 'the Xero token refresh got no answer; trying again with the same token')
      }
    }
  }

  private async store(
    actor: Actor,
    kind: XeroConnectionKind,
    client: XeroClient,
    tokens: TokenSet,
    tenant: XeroTenant | null,
    tenants: XeroTenant[],
  ): Promise<void> {
    const values = {
      id: 1,
      kind,
      client_id: client.clientId,
      client_secret: client.clientSecret ? this.secrets.encrypt(client.clientSecret) : null,
      tenant_id: tenant?.id ?? null,
      tenant_name: tenant?.name ?? '',
      tenant_choices: tenant ? null : JSON.stringify(tenants),
      scopes: tokens.scopes,
      state: 'connected' as const,
      access_token: this.secrets.encrypt(tokens.accessToken),
      access_expires_at: tokens.expiresAt,
      refresh_token: tokens.refreshToken ? this.secrets.encrypt(tokens.refreshToken) : null,
      previous_refresh_token: null,
      previous_refresh_until: null,
      connected_by: actor.member.id,
      connected_at: this.ctx.clock.now(),
    }
    await this.ctx.write(async (w) => {
      await w.trx
        .insertInto('xero_connection')
        .values(values)
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .execute()
      // A connection is complete once its organisation is pinned; choosing audits it then.
      if (tenant) {
        await recordAudit(w.trx, w.now, {
          action: 'xero.connected',
          actor: auditParty(actor),
          ip: actor.ip,
          detail: { kind, organisation: tenant.name, tenantId: tenant.id, scopes: tokens.scopes },
        })
      }
    })
  }

  private async tenantsOf(accessToken: string): Promise<XeroTenant[]> {
    try {
      return await this.identity.connections(accessToken)
    } catch (error) {
      throw this.translate(error)
    }
  }

  private async needsReconnect(reason: string): Promise<void> {
    await this.ctx.write(async (w) => {
      const changed = await w.trx
        .updateTable('xero_connection')
        .set({ state: 'reconnect' })
        .where('state', '=', 'connected')
        .executeTakeFirst()
      if (Number(changed.numUpdatedRows) > 0) {
        await recordAudit(w.trx, w.now, { action: 'xero.reconnect_needed', actor: null, ip: '', detail: { reason } })
      }
    })
  }

  private translate(error: unknown): Error {
    if (error instanceof AppError) return error
    if (error instanceof XeroUnreachableError || error instanceof XeroIdentityError) {
      this.ctx.log.warn({ error: error.message }, 'Xero identity request failed')
      return unavailable()
    }
    return error as Error
  }

  private open(sealed: string | null): string | null {
    return sealed === null ? null : this.secrets.decrypt(sealed)
  }

  private unsealOrReconnect(sealed: string): string {
    try {
      return this.secrets.decrypt(sealed)
    } catch {
      this.ctx.log.error('the Xero tokens cannot be decrypted with DATA_DIR/secret.key; connect Xero again')
      throw reconnectNeeded()
    }
  }
}

const perApp = new WeakMap<AppContext, XeroConnection>()

/** The app's Xero connection (created by registerXeroRoutes); its `tokens` give every call its access token. */
export function xeroOf(ctx: AppContext): XeroConnection {
  const connection = perApp.get(ctx)
  if (!connection) throw new Error('registerXeroRoutes has not run')
  return connection
}

export function attachXero(ctx: AppContext, connection: XeroConnection): void {
  perApp.set(ctx, connection)
}
