/**
 * The customers API: the inbox, one customer's card, their settings, their Xero contact and
 * what staff do with their messages.
 */
import type {
  CustomerFilter,
  CustomerListItem,
  CustomerSettingsView,
  CustomerStatus,
  CustomerView,
} from '../../../../server/customers/service'
import { query, request } from '../../lib/api'

export type { CustomerFilter, CustomerListItem, CustomerSettingsView, CustomerStatus, CustomerView }

export interface CustomerCounts {
  open: number
  mine: number
  unassigned: number
  waiting: number
  solved: number
  unread: number
}

/** A Xero contact a customer can be linked to (their /balance). */
export interface XeroContactRef {
  id: string
  name: string
}

export interface MakeTaskInput {
  title: string
  priority?: number
  queueId?: number
  conversationId?: number
  notifyCustomer?: boolean
  clientKey: string
}

export const customersApi = {
  list: (filter: CustomerFilter, q: string) =>
    request<{ items: CustomerListItem[] }>('GET', '/api/customers' + query({ filter, q: q.trim() || undefined })),
  counts: () => request<CustomerCounts>('GET', '/api/customers/counts'),
  get: (conversationId: number) => request<CustomerView>('GET', `/api/customers/${conversationId}`),
  setStatus: (conversationId: number, status: CustomerStatus) =>
    request<unknown>('POST', `/api/conversations/${conversationId}/status`, { status }),
  assign: (conversationId: number, memberId: number | null) =>
    request<unknown>('POST', `/api/conversations/${conversationId}/assign`, { memberId }),
  block: (conversationId: number, isBlocked: boolean) =>
    request<unknown>('POST', `/api/customers/${conversationId}/${isBlocked ? 'block' : 'unblock'}`),
  setTags: (conversationId: number, tags: string[]) =>
    request<CustomerView>('PUT', `/api/customers/${conversationId}/tags`, { tags }),
  addParticipant: (conversationId: number, memberId: number) =>
    request<CustomerView>('POST', `/api/customers/${conversationId}/participants`, { memberId }),
  removeParticipant: (conversationId: number, memberId: number) =>
    request<CustomerView>('DELETE', `/api/customers/${conversationId}/participants/${memberId}`),
  erase: (conversationId: number) => request<CustomerView>('POST', `/api/customers/${conversationId}/erase`),
  settings: () => request<CustomerSettingsView>('GET', '/api/customers/settings'),
  updateSettings: (patch: Partial<CustomerSettingsView>) =>
    request<CustomerSettingsView>('PATCH', '/api/customers/settings', patch),
  link: (source: string) =>
    request<{ url: string | null; botUsername: string | null }>(
      'GET',
      '/api/customers/link' + query({ source: source.trim() || undefined }),
    ),
  makeTask: (conversationId: number, messageId: number, input: MakeTaskInput) =>
    request<{ taskId: number; conversationId: number }>(
      'POST',
      `/api/customers/${conversationId}/messages/${messageId}/task`,
      input,
    ),
  share: (conversationId: number, messageId: number, channelId: number, note?: string) =>
    request<unknown>('POST', `/api/customers/${conversationId}/messages/${messageId}/share`, {
      conversationId: channelId,
      ...(note ? { note } : {}),
    }),
  xeroContacts: (q: string) =>
    request<{ contacts: XeroContactRef[] }>('GET', '/api/xero/contacts' + query({ q: q.trim() })),
  /** Links the customer to a Xero contact, or unlinks them with null; answers the customer's record. */
  linkXeroContact: (conversationId: number, contact: XeroContactRef | null) =>
    request<CustomerView>(
      'PUT',
      `/api/customers/${conversationId}/xero-contact`,
      contact ? { contactId: contact.id, contactName: contact.name } : { contactId: null },
    ),
}
