/**
 * The typed API client. Every call sends and receives JSON with the session cookie and
 * throws an ApiError carrying the server's stable `{code, message}` on failure.
 */
import type { Static } from 'typebox'
import type {
  InviteSchema,
  JoinBody,
  JoinCodeSchema,
  JoinInfoSchema,
  MeResponse,
  MemberDetailSchema,
  NewInviteBody,
  PasswordBody,
  ProfileBody,
  SessionSchema,
  SetupBody,
  SetupStatus,
  LoginBody,
} from '../../../server/auth/schemas'
import type { AuditAction } from '../../../server/audit/service'
import type { Permission } from '../../../server/auth/permissions'
import { t } from './i18n'
import { noteAnswer } from './offline'

export type Me = Static<typeof MeResponse>
export type MemberDetail = Static<typeof MemberDetailSchema>
export type Role = MemberDetail['role']
export type MemberStatus = MemberDetail['status']
export type Session = Static<typeof SessionSchema>
export type Invite = Static<typeof InviteSchema>
export type NewInvite = Static<typeof NewInviteBody>
export type JoinCode = Static<typeof JoinCodeSchema>
export type JoinInfo = Static<typeof JoinInfoSchema>
export type SetupInput = Static<typeof SetupBody>
export type LoginInput = Static<typeof LoginBody>
export type JoinInput = Static<typeof JoinBody>
export type ProfilePatch = Static<typeof ProfileBody>
/** The access body's permission list is built from a runtime array, so its static type is lost. */
export interface AccessPatch {
  role?: Role
  permissions?: Permission[]
}
export type PasswordChange = Static<typeof PasswordBody>
export type { AuditAction }

/** Mirrors the settings route's response (its schema is not exported). */
export interface ShopSettings {
  name: string
  timezone: string
  autoApprove: boolean
}

export interface AuditEntry {
  id: number
  at: number
  actorId: number | null
  actorName: string
  action: string
  targetId: number | null
  targetName: string
  ip: string
  detail: Record<string, unknown>
}

export interface AuditQuery {
  action?: string | undefined
  from?: number | undefined
  to?: number | undefined
  beforeId?: number | undefined
  limit?: number | undefined
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

let onSessionLost: (() => void) | null = null

/** Called when a request made with a session finds that the session is gone. */
export function setSessionLostHandler(handler: (() => void) | null): void {
  onSessionLost = handler
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** A JSON request with the session cookie; throws ApiError (status 0, code 'network' when unreachable). */
export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'network', t('error.network'))
  }
  noteAnswer(response)
  const text = await response.text()
  let data: unknown = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (!response.ok) {
    const error = data as { code?: unknown; message?: unknown; details?: unknown } | null
    const code = typeof error?.code === 'string' ? error.code : 'http_' + response.status
    const message = typeof error?.message === 'string' ? error.message : t('error.unexpected')
    // 'unauthorized' means no valid session; other 401 codes (wrong password) do not.
    if (response.status === 401 && code === 'unauthorized') onSessionLost?.()
    throw new ApiError(response.status, code, message, error?.details)
  }
  return data as T
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text ? '?' + text : ''
}

type Ok = { ok: true }

export const api = {
  setupStatus: () => request<Static<typeof SetupStatus>>('GET', '/api/setup'),
  setup: (input: SetupInput) => request<Me>('POST', '/api/setup', input),
  login: (input: LoginInput) => request<Me>('POST', '/api/auth/login', input),
  logout: () => request<Ok>('POST', '/api/auth/logout'),
  me: () => request<Me>('GET', '/api/me'),
  changePassword: (input: PasswordChange) => request<Ok>('POST', '/api/me/password', input),
  sessions: () => request<Session[]>('GET', '/api/me/sessions'),
  endSession: (id: number) => request<Ok>('DELETE', `/api/me/sessions/${id}`),
  endOtherSessions: () => request<{ ended: number }>('POST', '/api/me/sessions/revoke-others'),

  members: (status?: MemberStatus) => request<MemberDetail[]>('GET', '/api/members' + query({ status })),
  member: (id: number) => request<MemberDetail>('GET', `/api/members/${id}`),
  updateProfile: (id: number, patch: ProfilePatch) => request<MemberDetail>('PATCH', `/api/members/${id}`, patch),
  updateAccess: (id: number, patch: AccessPatch) => request<MemberDetail>('PUT', `/api/members/${id}/access`, patch),
  approve: (id: number) => request<MemberDetail>('POST', `/api/members/${id}/approve`),
  reject: (id: number) => request<Ok>('POST', `/api/members/${id}/reject`),
  deactivate: (id: number) => request<MemberDetail>('POST', `/api/members/${id}/deactivate`),
  reactivate: (id: number) => request<MemberDetail>('POST', `/api/members/${id}/reactivate`),

  invites: () => request<Invite[]>('GET', '/api/invites'),
  createInvite: (input: NewInvite) => request<Invite & { qrSvg: string }>('POST', '/api/invites', input),
  inviteQr: (id: number) => request<{ qrSvg: string }>('GET', `/api/invites/${id}/qr`),
  revokeInvite: (id: number) => request<Ok>('DELETE', `/api/invites/${id}`),
  joinCode: () => request<JoinCode>('GET', '/api/join-code'),
  rotateJoinCode: () => request<JoinCode>('POST', '/api/join-code/rotate'),
  joinInfo: (code: string) => request<JoinInfo>('GET', `/api/join/${encodeURIComponent(code)}`),
  join: (input: JoinInput) => request<{ status: MemberStatus }>('POST', '/api/join', input),

  settings: () => request<ShopSettings>('GET', '/api/settings'),
  updateSettings: (patch: Partial<ShopSettings>) => request<ShopSettings>('PATCH', '/api/settings', patch),

  audit: (q: AuditQuery) => request<AuditEntry[]>('GET', '/api/audit' + query({ ...q })),
  auditCsvUrl: (q: AuditQuery) => '/api/audit.csv' + query({ action: q.action, from: q.from, to: q.to }),
}
