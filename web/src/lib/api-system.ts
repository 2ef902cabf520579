/**
 * API calls of the owner's operations pages: system status, backups, failed deliveries,
 * the full settings, erasing a former member and the app version. Types come from the
 * server's own modules, so a change there shows up here at compile time.
 */
import type { systemStatus } from '../../../server/system/service'
import type { ShopView } from '../../../server/settings/service'
import { api, request, type MemberDetail } from './api'

export type SystemStatus = Awaited<ReturnType<typeof systemStatus>>
export type IntegrationStatus = SystemStatus['integrations'][number]
export type OutboxCounts = SystemStatus['outbox'][number]
export type DeadLetter = SystemStatus['deadLetters'][number]
/** Every shop setting the settings page edits. */
export type ShopSettingsFull = ShopView

type Ok = { ok: true }

/** Where "Export everything" downloads from: a plain link, so the browser streams the archive to disk. */
export const EXPORT_URL = '/api/export'

export const systemApi = {
  status: () => request<SystemStatus>('GET', '/api/system'),
  backUpNow: () => request<{ name: string }>('POST', '/api/system/backups'),
  retryDelivery: (id: number) => request<Ok>('POST', `/api/system/outbox/${id}/retry`),
  settings: () => request<ShopSettingsFull>('GET', '/api/settings'),
  updateSettings: (patch: Partial<ShopSettingsFull>) => request<ShopSettingsFull>('PATCH', '/api/settings', patch),
  eraseMember: (id: number) => request<MemberDetail>('POST', `/api/members/${id}/erase`),
}

let versionRequest: Promise<string | null> | null = null

/** The server's version, asked once per page load; null when the server cannot be reached. */
export function appVersion(): Promise<string | null> {
  versionRequest ??= api.setupStatus().then(
    (status) => status.version,
    () => {
      versionRequest = null
      return null
    },
  )
  return versionRequest
}
