/**
 * The Xero cards API: asking, sharing, refreshing and drafting. The card on a message comes
 * typed from the shared event contract; the asker's own view of a card mirrors the card
 * routes' schema (importing it would pull the server's Xero code into the web app's types).
 */
import type { CardBody } from '../../../../server/shared/card-body'
import type { CardDraftView, CardFields, PersonRef } from '../../../../server/shared/events'
import { ApiError, request } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { conversations } from '../chat/store'

export type { CardBody, CardDraftView, CardFields }

/** A card as its asker (or anyone with `xero.read`) gets it: nothing hidden. */
export interface XeroCardView {
  id: number
  question: string
  topic: string
  body: CardBody
  organisation: string
  asOf: number
  askedBy: PersonRef | null
  hasPersonalDetails: boolean
  draft: CardDraftView | null
}

export interface InvoiceLineInput {
  description?: string
  itemCode?: string
  quantity: number
  unitAmount: number
}

export interface InvoiceDraftInput {
  contact: string
  lines: InvoiceLineInput[]
  reference?: string
}

export interface BillDraftInput {
  supplier: string
  amount: number
  /** YYYY-MM-DD */
  date?: string
  reference?: string
  fileId: number
}

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
