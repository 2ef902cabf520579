import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema'

export interface AuditRow {
  at: number
  actorId: number | null
  actorName: string
  action: string
  targetId: number | null
  targetName: string
  ip: string
  detail: string
}

export async function insertAudit(db: Kysely<DB>, row: AuditRow): Promise<void> {
  await db
    .insertInto('audit')
    .values({
      at: row.at,
      actor_id: row.actorId,
      actor_name: row.actorName,
      action: row.action,
      target_id: row.targetId,
      target_name: row.targetName,
      ip: row.ip,
      detail: row.detail,
    })
    .execute()
}

export interface AuditQuery {
  action?: string | undefined
  actorId?: number | undefined
  targetId?: number | undefined
  from?: number | undefined
  to?: number | undefined
  beforeId?: number | undefined
  limit: number
}

export function selectAudit(db: Kysely<DB>, query: AuditQuery) {
  let q = db.selectFrom('audit').selectAll()
  if (query.action) {
    // SQLite's LIKE has no escape character unless told, and `_` is common in actions.
    const prefix = `${query.action.replace(/[%_\\]/g, '\\$&')}%`
    q = q.where(sql<boolean>`action like ${prefix} escape '\\'`)
  }
  if (query.actorId !== undefined) q = q.where('actor_id', '=', query.actorId)
  if (query.targetId !== undefined) q = q.where('target_id', '=', query.targetId)
  if (query.from !== undefined) q = q.where('at', '>=', query.from)
  if (query.to !== undefined) q = q.where('at', '<', query.to)
  if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId)
  return q.orderBy('id', 'desc').limit(query.limit).execute()
}
