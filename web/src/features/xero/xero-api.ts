/**
 * The Xero connection's HTTP API: connecting (a Custom Connection or the OAuth flow), the
 * organisation, the shop's Xero settings and the call budget, and the member's own Xero
 * conversation. Shapes mirror the server's routes in server/xero/.
 */
import type { XeroConnectionView } from '../../../../server/xero/connection'
import { request } from '../../lib/api'

export type XeroConnection = XeroConnectionView
export type XeroState = XeroConnectionView['state']

/** What members who may ask Xero learn of the connection (the Reconnect banner). */
export interface XeroStatus {
  state: XeroState
  organisation: { id: string; name: string } | null
  canWrite: boolean
}

/** Xero's limits for the organisation as the client counts them. */
export interface XeroUsage {
  callsToday: number
  remainingToday: number
  remainingThisMinute: number
  inFlight: number
  /** Until when Xero asked for a pause (a 429); null when it did not. */
  heldUntil: number | null
}

export interface XeroSettings {
  /** The channel paid and overdue invoices are posted to; null: no alerts. */
  alertsConversationId: number | null
  /** The hour of the daily digest in shop time (0–23); null: no digest. */
  digestHour: number | null
  /** Customers linked to a Xero contact may ask their balance in Telegram. */
  customerBalance: boolean
  /** Staff with xero.write may draft invoices and bills. */
  writes: boolean
}

export interface AuthorizeInput {
  clientId?: string
  clientSecret?: string
  writes?: boolean
}

export const xeroApi = {
  connection: () => request<XeroConnection>('GET', '/api/xero/connection'),
  connectCustom: (clientId: string, clientSecret: string) =>
    request<XeroConnection>('PUT', '/api/xero/connection', { kind: 'custom', clientId, clientSecret }),
  authorize: (input: AuthorizeInput) => request<{ url: string }>('POST', '/api/xero/connection/authorize', input),
  chooseTenant: (tenantId: string) => request<XeroConnection>('PUT', '/api/xero/connection/tenant', { tenantId }),
  disconnect: () => request<XeroConnection>('DELETE', '/api/xero/connection'),
  status: () => request<XeroStatus>('GET', '/api/xero/status'),
  usage: () => request<XeroUsage>('GET', '/api/xero/usage'),
  settings: () => request<XeroSettings>('GET', '/api/xero/settings'),
  updateSettings: (settings: XeroSettings) => request<XeroSettings>('PUT', '/api/xero/settings', settings),
  conversation: () => request<{ conversationId: number }>('GET', '/api/xero/conversation'),
}

/** Where Xero sends the owner's browser back: the app registered in Xero must name exactly this. */
export function callbackUrl(origin: string): string {
  return `${origin}/api/xero/callback`
}
