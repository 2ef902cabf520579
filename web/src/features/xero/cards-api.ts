/**
 * The Xero cards API: asking, sharing, refreshing and drafting. The types are the server's
 * own (type-only imports: nothing of the server reaches the bundle).
 */
import type { CardBody } from '../../../../server/shared/card-body'
import type { CardDraftView, CardFields } from '../../../../server/shared/events'
import type { XeroCardView } from '../../../../server/xero/assistant'
import type { BillDraftInput, InvoiceDraftInput, InvoiceLineInput } from '../../../../server/xero/drafts'
import { ApiError, request } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { conversations } from '../chat/store'

export type { BillDraftInput, CardBody, CardDraftView, CardFields, InvoiceDraftInput, InvoiceLineInput, XeroCardView }

/** Mirrors the status route's response (its schema is not exported). */
export interface XeroStatus {
  state: 'disconnected' | 'connected' | 'reconnect' | 'choose_tenant'
  organisation: { id: string; name: string } | null
  canWrite: boolean
}

type CardAnswer = { card: XeroCardView }

export const cardsApi = {
  status: () => request<XeroStatus>('GET', '/api/xero/status'),
  ask: (text: string) => request<CardAnswer>('POST', '/api/xero/ask', { text }),
  conversation: () => request<{ conversationId: number }>('GET', '/api/xero/conversation'),
  card: (id: number) => request<XeroCardView>('GET', `/api/xero/cards/${id}`),
  share: (id: number, conversationId: number, includePersonal: boolean) =>
    request<{ messageId: number }>('POST', `/api/xero/cards/${id}/share`, { conversationId, includePersonal }),
  refresh: (id: number) => request<CardAnswer>('POST', `/api/xero/cards/${id}/refresh`),
  confirm: (id: number) => request<CardAnswer>('POST', `/api/xero/cards/${id}/confirm`),
  draftInvoice: (input: InvoiceDraftInput) => request<CardAnswer>('POST', '/api/xero/drafts/invoice', input),
  draftBill: (input: BillDraftInput) => request<CardAnswer>('POST', '/api/xero/drafts/bill', input),
}

/** The member's own conversation with Xero: from the chat list when it is there, else made by the server. */
export async function xeroConversationId(): Promise<number> {
  const listed = conversations.value?.find((conversation) => conversation.kind === 'xero')
  if (listed) return listed.id
  return (await cardsApi.conversation()).conversationId
}

/**
 * What to show for a failed Xero call. Xero's own refusals ("Xero is busy; try again in
 * 40 s", not connected, the day's limit) say more than the app's generic 429 text.
 */
export function cardErrorMessage(error: unknown): string {
  if (error instanceof ApiError && error.code.startsWith('xero_')) return error.message
  return errorMessage(error)
}
