/**
 * The audit log: an append-only record of security-relevant actions. Writes happen in the
 * caller's transaction so an action and its record commit together.
 */
import { csvCell } from '../shared/csv'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import type { Database } from '../db/database'
import { insertAudit, selectAudit, type AuditQuery } from './repo'

export const AUDIT_ACTIONS = [
  'setup.completed',
  'login.succeeded',
  'login.failed',
  'logout',
  'password.changed',
  'sessions.revoked',
  'invite.created',
  'invite.revoked',
  'invite.used',
  'join_code.rotated',
  'join.requested',
  'member.approved',
  'member.rejected',
  'member.updated',
  'member.role_changed',
  'member.permissions_changed',
  'member.deactivated',
  'member.reactivated',
  'settings.changed',
  'display.paired',
  'member.erased',
  'data.exported',
  'telegram.connected',
  'telegram.disconnected',
  'telegram.linked',
  'telegram.unlinked',
  'telegram.group_linked',
  'telegram.group_unlinked',
  'message.edited',
  'message.removed',
  'page.edited',
  'task.details_revealed',
  'task.queue_created',
  'task.queue_updated',
  'task.profile_changed',
  'task.settings_changed',
  'customer.blocked',
  'customer.unblocked',
  'customer.erased',
  'customers.settings_changed',
  'task.schedule_changed',
  'task.category_changed',
  'page.deleted',
  'xero.connected',
  'xero.disconnected',
  'xero.reconnect_needed',
  'xero.asked',
  'xero.shared',
  'xero.refreshed',
  'xero.denied',
  'xero.draft_previewed',
  'xero.draft_created',
  'xero.settings_changed',
  'xero.customer_linked',
  'xero.balance_asked',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export interface AuditParty {
  id: number
  name: string
}

export interface AuditEntry {
  action: AuditAction
  actor: AuditParty | null
  target?: AuditParty | null
  ip: string
  detail?: Record<string, unknown>
}

export async function recordAudit(db: Kysely<DB>, at: number, entry: AuditEntry): Promise<void> {
  await insertAudit(db, {
    at,
    actorId: entry.actor?.id ?? null,
    actorName: entry.actor?.name ?? '',
    action: entry.action,
    targetId: entry.target?.id ?? null,
    targetName: entry.target?.name ?? '',
    ip: entry.ip,
    detail: JSON.stringify(entry.detail ?? {}),
  })
}

export interface AuditView {
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

export async function listAudit(db: Database, query: AuditQuery): Promise<AuditView[]> {
  const rows = await selectAudit(db, query)
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    targetId: row.target_id,
    targetName: row.target_name,
    ip: row.ip,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  }))
}

/** CSV with times in ISO 8601 UTC and in the shop's timezone. */
export function auditToCsv(rows: AuditView[], timezone: string): string {
  const local = new Intl.DateTimeFormat('sv-SE', {
    timeZone: timezone,
    dateStyle: 'short',
    timeStyle: 'medium',
  })
  const header = [
    'id',
    'time_utc',
    `time_${timezone}`,
    'action',
    'actor_id',
    'actor',
    'target_id',
    'target',
    'ip',
    'detail',
  ]
  const lines = [header.map(csvCell).join(',')]
  for (const row of rows) {
    lines.push(
      [
        String(row.id),
        new Date(row.at).toISOString(),
        local.format(row.at),
        row.action,
        row.actorId === null ? '' : String(row.actorId),
        row.actorName,
        row.targetId === null ? '' : String(row.targetId),
        row.targetName,
        row.ip,
        JSON.stringify(row.detail),
      ]
        .map(csvCell)
        .join(','),
    )
  }
  return lines.join('\r\n') + '\r\n'
}
