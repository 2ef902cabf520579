/** Table types of the Xero connection. Every token and secret is sealed with DATA_DIR/secret.key. */

export type XeroConnectionKind = 'custom' | 'oauth'
export type XeroConnectionState = 'connected' | 'reconnect'

/** The one connection (id 1); no row: not connected. */
export interface XeroConnectionTable {
  id: number
  kind: XeroConnectionKind
  client_id: string
  /** Sealed; always for a Custom Connection, for OAuth only when the app has a secret (web app). */
  client_secret: string | null
  /** Null while the owner chooses among several organisations. */
  tenant_id: string | null
  tenant_name: string
  /** JSON [{ id, name }] while choosing; null once pinned. */
  tenant_choices: string | null
  /** Space-separated, as Xero granted them. */
  scopes: string
  state: XeroConnectionState
  access_token: string
  access_expires_at: number
  /** Sealed; null for a Custom Connection (it has none: client credentials again instead). */
  refresh_token: string | null
  /** Sealed; the token before the last rotation, still accepted by Xero until `previous_refresh_until`. */
  previous_refresh_token: string | null
  previous_refresh_until: number | null
  connected_by: number | null
  connected_at: number
}

/** The OAuth round trip between authorize and callback (id 1: one at a time). */
export interface XeroOauthPendingTable {
  id: number
  state: string
  /** Sealed PKCE verifier. */
  code_verifier: string
  redirect_uri: string
  client_id: string
  client_secret: string | null
  scopes: string
  member_id: number
  expires_at: number
}
