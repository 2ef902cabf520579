/**
 * The API of conversations, messages, notices, files, search and presence, typed from the
 * server's own schemas. Uploads go through XMLHttpRequest because fetch cannot report
 * upload progress.
 */
import type { Static } from 'typebox'
import type {
  AttachmentInputSchema,
  ConversationDetailSchema,
  ConversationListItemSchema,
  ConversationSchema,
  MessageRevisionSchema,
  MyAcksSchema,
  SearchHitSchema,
} from '../../../../server/conversations/schemas'
import type {
  AttachmentView,
  MessageView as ServerMessageView,
  NoticeView,
  PersonRef,
  Presence,
  ReactionView,
  ShiftStatus,
} from '../../../../server/realtime/events'
import { ApiError, query, request } from '../../lib/api'
import { t } from '../../lib/i18n'

export type { AttachmentView, NoticeView, PersonRef, Presence, ReactionView, ShiftStatus }
/**
 * A message as the web app holds it. `guest` and `via` came with the Telegram bridge, and
 * `isRemovedByManager` later: messages cached offline before lack them, so they may be
 * missing (read them as null or false).
 */
export type MessageView = Omit<ServerMessageView, 'guest' | 'via' | 'isRemovedByManager'> & {
  guest?: ServerMessageView['guest'] | undefined
  via?: ServerMessageView['via'] | undefined
  isRemovedByManager?: boolean | undefined
}
export type ConversationItem = Static<typeof ConversationListItemSchema>
export type Conversation = Static<typeof ConversationSchema>
export type ConversationDetail = Static<typeof ConversationDetailSchema>
/** A page of history: its messages (with each kind's field) and the reader's acknowledgements. */
export interface History {
  messages: ServerMessageView[]
  acknowledged: MyAcks
}
export type MyAcks = Static<typeof MyAcksSchema>
export type SearchHit = Static<typeof SearchHitSchema>
export type MessageRevision = Static<typeof MessageRevisionSchema>
export type AttachmentInput = Static<typeof AttachmentInputSchema>

export interface SendInput {
  body: string
  clientKey: string
  replyToId?: number
  attachments?: AttachmentInput[]
  isInternal?: boolean
}

export interface NoticeInput {
  title: string
  body: string
  clientKey: string
  isUrgent?: boolean
  mustAcknowledge?: boolean
  acknowledgeBy?: number | null
  expiresAt?: number | null
  attachments?: AttachmentInput[]
}

export interface NoticePatch {
  title?: string
  body?: string
  isUrgent?: boolean
  mustAcknowledge?: boolean
  acknowledgeBy?: number | null
  expiresAt?: number | null
  isPinned?: boolean
  moveToTop?: boolean
}

export interface AckResult {
  messageId: number
  memberId: number
  at: number
  ackCount: number
  ackTotal: number
}

export interface AckReport {
  acknowledged: (PersonRef & { at: number })[]
  missing: PersonRef[]
}

export interface PresenceEntry {
  memberId: number
  presence: Presence
  shiftStatus: ShiftStatus
  shiftStatusUntil: number | null
}

export interface HistoryQuery {
  beforeId?: number | undefined
  afterId?: number | undefined
  aroundId?: number | undefined
  limit?: number | undefined
}

export interface SearchQuery {
  q: string
  conversationId?: number | undefined
  authorId?: number | undefined
  hasAttachment?: boolean | undefined
  from?: number | undefined
  to?: number | undefined
  limit?: number | undefined
}

export interface UploadedFile {
  id: number
  name: string
  mime: string
  kind: 'image' | 'video' | 'audio' | 'file'
  size: number
  width: number | null
  height: number | null
  url: string
}

type Ok = { ok: true }

export const chatApi = {
  conversations: () => request<ConversationItem[]>('GET', '/api/conversations'),
  joinable: () => request<Conversation[]>('GET', '/api/conversations/joinable'),
  openDirect: (memberIds: number[]) =>
    request<Conversation>('POST', '/api/conversations', { kind: 'direct', memberIds }),
  createChannel: (input: { name: string; topic: string; isPrivate: boolean; memberIds: number[] }) =>
    request<Conversation>('POST', '/api/conversations', { kind: 'channel', ...input }),
  conversation: (id: number) => request<ConversationDetail>('GET', `/api/conversations/${id}`),
  join: (id: number) => request<Conversation>('POST', `/api/conversations/${id}/join`),
  leave: (id: number) => request<Ok>('POST', `/api/conversations/${id}/leave`),
  addMembers: (id: number, memberIds: number[]) =>
    request<{ added: number[] }>('POST', `/api/conversations/${id}/members`, { memberIds }),
  history: (id: number, q: HistoryQuery = {}) =>
    request<History>('GET', `/api/conversations/${id}/messages` + query({ ...q })),
  send: (id: number, input: SendInput) => request<MessageView>('POST', `/api/conversations/${id}/messages`, input),
  markRead: (id: number, lastReadId: number) => request<Ok>('POST', `/api/conversations/${id}/read`, { lastReadId }),
  readAll: () => request<{ conversations: number }>('POST', '/api/conversations/read-all'),
  edit: (messageId: number, body: string) => request<MessageView>('PATCH', `/api/messages/${messageId}`, { body }),
  remove: (messageId: number) => request<Ok>('DELETE', `/api/messages/${messageId}`),
  revisions: (messageId: number) => request<MessageRevision[]>('GET', `/api/messages/${messageId}/history`),
  react: (messageId: number, emoji: string, isOn: boolean) =>
    request<ReactionView[]>('POST', `/api/messages/${messageId}/reactions`, { emoji, isOn }),
  search: (q: SearchQuery) =>
    request<SearchHit[]>(
      'GET',
      '/api/search' +
        query({ ...q, hasAttachment: q.hasAttachment === undefined ? undefined : String(q.hasAttachment) }),
    ),

  notices: () => request<{ notices: MessageView[]; acknowledged: MyAcks }>('GET', '/api/notices'),
  postNotice: (input: NoticeInput) => request<MessageView>('POST', '/api/notices', input),
  patchNotice: (id: number, patch: NoticePatch) => request<MessageView>('PATCH', `/api/notices/${id}`, patch),
  acknowledge: (id: number) => request<AckResult>('POST', `/api/notices/${id}/acknowledge`),
  ackReport: (id: number) => request<AckReport>('GET', `/api/notices/${id}/acknowledgements`),

  presence: () => request<PresenceEntry[]>('GET', '/api/presence'),
  setStatus: (shiftStatus: ShiftStatus, untilMinutes: number | null) =>
    request<PresenceEntry>('PUT', '/api/me/status', { shiftStatus, untilMinutes }),
}

/** A fresh idempotency key for a send: 32 hex digits (randomUUID needs https, this does not). */
export function newClientKey(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export interface UploadOptions {
  name: string
  isRecordedAudio?: boolean
  onProgress?: (fraction: number) => void
  signal?: AbortSignal
}

/** Uploads a file as the raw request body, reporting progress; throws ApiError like request(). */
export function uploadFile(blob: Blob, options: UploadOptions): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    const params = query({ name: options.name, recorded: options.isRecordedAudio ? 'audio' : undefined })
    xhr.open('POST', '/api/files' + params)
    xhr.setRequestHeader('content-type', blob.type || 'application/octet-stream')
    xhr.setRequestHeader('accept', 'application/json')
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total)
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', t('error.network')))
    xhr.onabort = () => reject(new ApiError(0, 'aborted', t('chat.uploadCancelled')))
    xhr.onload = () => {
      const data = parseJson(xhr.responseText)
      if (xhr.status >= 200 && xhr.status < 300 && data) {
        resolve(data as unknown as UploadedFile)
        return
      }
      const code = typeof data?.code === 'string' ? data.code : 'http_' + xhr.status
      const message = typeof data?.message === 'string' ? data.message : t('error.unexpected')
      reject(new ApiError(xhr.status, code, message, data?.details))
    }
    options.signal?.addEventListener('abort', () => xhr.abort())
    xhr.send(blob)
  })
}

function parseJson(text: string): { code?: unknown; message?: unknown; details?: unknown } | null {
  try {
    return JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown } | null
  } catch {
    return null
  }
}

/** A clear message for a failed upload; 413 gets its own words. */
export function uploadErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'file_too_large') {
      const limit = (error.details as { limitMb?: number } | undefined)?.limitMb
      return limit ? t('chat.fileTooLargeLimit', { mb: limit }) : t('chat.fileTooLarge')
    }
    if (error.code === 'quota_exceeded') return t('chat.quotaExceeded')
    if (error.status === 429) return t('error.rateLimited')
    return error.message
  }
  return t('error.unexpected')
}

/** Whether a failed request is worth retrying later (no connection, server busy or down). */
export function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500)
}
