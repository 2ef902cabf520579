import type { Generated } from 'kysely'

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

export interface XeroSettingsTable {
  id: number
  alerts_conversation_id: number | null
  digest_hour: number | null
  customer_balance: Generated<number>
  writes: Generated<number>
  last_poll_at: number | null
  last_digest_day: string | null
}

export type XeroDraftKind = 'invoice' | 'bill'
export type XeroDraftState = 'preview' | 'created' | 'failed'

/** One answer from Xero (or a draft to create there); `body` is the card as JSON. */
export interface XeroCardTable {
  id: Generated<number>
  member_id: number | null
  question: string
  topic: string
  body: string
  organisation: string
  tenant_id: string
  as_of: number
  created_at: number
  draft_kind: XeroDraftKind | null
  draft_state: XeroDraftState | null
  draft_payload: string | null
  draft_file_id: number | null
  draft_key: string | null
  draft_xero_id: string | null
  draft_xero_url: string | null
  draft_error: string | null
}

/** A card posted as a message: the snapshot that conversation sees. */
export interface CardMessageTable {
  message_id: number
  card_id: number
  shared_by: number | null
  shared_at: number | null
  include_personal: number
  body: string
  as_of: number
}

export interface XeroQuestionTable {
  message_id: number
  member_id: number
  text: string
  created_at: number
  answered_at: number | null
}

export interface XeroAlertSeenTable {
  invoice_id: string
  kind: 'paid' | 'overdue'
  at: number
}
