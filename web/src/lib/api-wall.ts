/**
 * API calls of the wall screen, displays, the staff directory and info pages. Types come
 * from the server's own service modules, so a change there shows up here at compile time.
 */
import type { MessageView } from '../../../server/realtime/events'
import type { DirectoryEntry } from '../../../server/directory/service'
import type { PageSummary, PageView, RevisionSummary, RevisionView } from '../../../server/pages/service'
import type { DisplayView, PairingStart, WallFeed } from '../../../server/wall/service'
import type { WallTask, WallTasks } from '../../../server/wall/tasks'
import { ApiError, request, type MemberDetail } from './api'
import { t } from './i18n'

export type { DirectoryEntry, DisplayView, MessageView, PageSummary, PageView, PairingStart, RevisionSummary }
export type { RevisionView, WallFeed, WallTask, WallTasks }

export type PollAnswer = { status: 'waiting'; expiresAt?: number } | { status: 'paired'; name?: string }

export interface UploadedFile {
  id: number
  name: string
  mime: string
  kind: string
  size: number
  url: string
}

export interface PageInput {
  title: string
  section: string
  body: string
  showOnWall: boolean
}

export interface ProfileInput {
  displayName?: string
  jobTitle?: string
  phone?: string
}

/** Sends raw bytes (a file or a photo) as the request body; answers like request(). */
async function sendBytes<T>(method: 'POST' | 'PUT', path: string, body: Blob, contentType: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': contentType },
      body,
    })
  } catch {
    throw new ApiError(0, 'network', t('error.network'))
  }
  const data = (await response.json().catch(() => null)) as { code?: unknown; message?: unknown } | null
  if (!response.ok) {
    const code = typeof data?.code === 'string' ? data.code : 'http_' + response.status
    const message = typeof data?.message === 'string' ? data.message : t('error.unexpected')
    throw new ApiError(response.status, code, message)
  }
  return data as T
}

type Ok = { ok: true }

export const wallApi = {
  startPairing: () => request<PairingStart>('POST', '/api/wall/pairings'),
  pollPairing: (pollToken: string) => request<PollAnswer>('POST', '/api/wall/pairings/poll', { pollToken }),
  claimPairing: (code: string, name: string) =>
    request<{ id: number; name: string }>('POST', '/api/wall/pairings/claim', { code, name }),
  displays: () => request<DisplayView[]>('GET', '/api/displays'),
  revokeDisplay: (id: number) => request<MemberDetail>('POST', `/api/members/${id}/deactivate`),
  setDisplayShowsTasks: (id: number, showTasks: boolean) =>
    request<DisplayView>('PATCH', `/api/displays/${id}`, { showTasks }),
  feed: () => request<WallFeed>('GET', '/api/wall'),

  directory: () => request<DirectoryEntry[]>('GET', '/api/directory'),
  updateProfile: (id: number, patch: ProfileInput) => request<MemberDetail>('PATCH', `/api/members/${id}`, patch),
  setAvatar: (id: number, photo: Blob) =>
    sendBytes<{ avatarUrl: string }>('PUT', `/api/members/${id}/avatar`, photo, 'image/jpeg'),
  removeAvatar: (id: number) => request<Ok>('DELETE', `/api/members/${id}/avatar`),

  pages: () => request<PageSummary[]>('GET', '/api/pages'),
  page: (id: number) => request<PageView>('GET', `/api/pages/${id}`),
  createPage: (input: PageInput) => request<PageView>('POST', '/api/pages', input),
  updatePage: (id: number, patch: Partial<PageInput> & { position?: number }) =>
    request<PageView>('PATCH', `/api/pages/${id}`, patch),
  deletePage: (id: number) => request<Ok>('DELETE', `/api/pages/${id}`),
  revisions: (id: number) => request<RevisionSummary[]>('GET', `/api/pages/${id}/revisions`),
  revision: (id: number, revisionId: number) =>
    request<RevisionView>('GET', `/api/pages/${id}/revisions/${revisionId}`),
  restoreRevision: (id: number, revisionId: number) =>
    request<PageView>('POST', `/api/pages/${id}/revisions/${revisionId}/restore`),
  uploadFile: (file: Blob, name: string) =>
    sendBytes<UploadedFile>(
      'POST',
      `/api/files?name=${encodeURIComponent(name)}`,
      file,
      file.type || 'application/octet-stream',
    ),
}
