/** Queries for members, sessions, devices and invites. No rules here: see the services. */
import { sql, type Kysely } from 'kysely'
import type { DB, Member, MemberStatus, MemberUpdate, NewMember, Role } from '../db/schema'

export function selectMemberById(db: Kysely<DB>, id: number) {
  return db.selectFrom('member').selectAll().where('id', '=', id).executeTakeFirst()
}

export function selectMemberByUsername(db: Kysely<DB>, username: string) {
  // The column is COLLATE NOCASE, so this matches regardless of case.
  return db.selectFrom('member').selectAll().where('username', '=', username).executeTakeFirst()
}

export async function insertMember(db: Kysely<DB>, member: NewMember): Promise<Member> {
  return db.insertInto('member').values(member).returningAll().executeTakeFirstOrThrow()
}

export async function updateMember(db: Kysely<DB>, id: number, patch: MemberUpdate): Promise<void> {
  await db.updateTable('member').set(patch).where('id', '=', id).execute()
}

export async function deleteMember(db: Kysely<DB>, id: number): Promise<void> {
  await db.deleteFrom('member').where('id', '=', id).execute()
}

export interface MemberFilter {
  statuses?: readonly MemberStatus[]
  roles?: readonly Role[]
}

export function selectMembers(db: Kysely<DB>, filter: MemberFilter = {}) {
  let q = db.selectFrom('member').selectAll()
  if (filter.statuses) q = q.where('status', 'in', filter.statuses)
  if (filter.roles) q = q.where('role', 'in', filter.roles)
  return q.orderBy('display_name').orderBy('id').execute()
}

export async function countActiveOwners(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('member')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function selectPermissions(db: Kysely<DB>, memberIds: readonly number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>()
  if (memberIds.length === 0) return map
  const rows = await db
    .selectFrom('member_permission')
    .select(['member_id', 'permission'])
    .where('member_id', 'in', memberIds)
    .execute()
  for (const row of rows) map.set(row.member_id, [...(map.get(row.member_id) ?? []), row.permission])
  return map
}

export async function replacePermissions(
  db: Kysely<DB>,
  memberId: number,
  permissions: readonly string[],
  grantedBy: number,
  now: number,
): Promise<void> {
  await db.deleteFrom('member_permission').where('member_id', '=', memberId).execute()
  if (permissions.length === 0) return
  await db
    .insertInto('member_permission')
    .values(
      permissions.map((permission) => ({ member_id: memberId, permission, granted_by: grantedBy, granted_at: now })),
    )
    .execute()
}

// Sessions

export function insertSession(
  db: Kysely<DB>,
  row: {
    member_id: number
    token_hash: string
    created_at: number
    expires_at: number
    user_agent: string
    ip: string
  },
) {
  return db
    .insertInto('session')
    .values({ ...row, last_seen_at: row.created_at })
    .returning('id')
    .executeTakeFirstOrThrow()
}

export async function touchSession(
  db: Kysely<DB>,
  id: number,
  now: number,
  expiresAt: number,
  ip: string,
): Promise<void> {
  await db.updateTable('session').set({ last_seen_at: now, expires_at: expiresAt, ip }).where('id', '=', id).execute()
}

export function selectSessionsOfMember(db: Kysely<DB>, memberId: number) {
  return db
    .selectFrom('session')
    .selectAll()
    .where('member_id', '=', memberId)
    .orderBy('last_seen_at', 'desc')
    .execute()
}

/** Deletes sessions of a member, all or only those listed, except `keep`; returns the ids. */
export async function deleteSessions(
  db: Kysely<DB>,
  memberId: number,
  options: { only?: readonly number[]; keep?: number } = {},
): Promise<number[]> {
  let q = db.deleteFrom('session').where('member_id', '=', memberId)
  if (options.only) q = q.where('id', 'in', options.only.length ? options.only : [-1])
  if (options.keep !== undefined) q = q.where('id', '!=', options.keep)
  const rows = await q.returning('id').execute()
  return rows.map((row) => row.id)
}

export async function deleteExpiredSessions(db: Kysely<DB>, now: number): Promise<void> {
  await db.deleteFrom('session').where('expires_at', '<', now).execute()
}

// Trusted devices (see throttle.ts)

export function selectTrustedDevice(db: Kysely<DB>, tokenHash: string) {
  return db.selectFrom('trusted_device').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
}

export async function insertTrustedDevice(
  db: Kysely<DB>,
  memberId: number,
  tokenHash: string,
  now: number,
): Promise<void> {
  await db
    .insertInto('trusted_device')
    .values({ member_id: memberId, token_hash: tokenHash, created_at: now, last_used_at: now })
    .execute()
}

export async function deleteTrustedDevices(db: Kysely<DB>, memberId: number): Promise<void> {
  await db.deleteFrom('trusted_device').where('member_id', '=', memberId).execute()
}

// Invites

export function selectInviteByCode(db: Kysely<DB>, code: string) {
  return db.selectFrom('invite').selectAll().where('code', '=', code).executeTakeFirst()
}

export function selectInvites(db: Kysely<DB>) {
  return db.selectFrom('invite').selectAll().orderBy('id', 'desc').limit(200).execute()
}

export function insertInvite(
  db: Kysely<DB>,
  row: { code: string; role: Role; created_by: number; created_at: number; expires_at: number; max_uses: number },
) {
  return db.insertInto('invite').values(row).returningAll().executeTakeFirstOrThrow()
}

/** Counts one use, only if the invite still has uses left; returns whether it did. */
export async function useInvite(db: Kysely<DB>, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('invite')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .whereRef('uses', '<', 'max_uses')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function revokeInvite(db: Kysely<DB>, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('invite')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** A session with its member and the member's granted permissions, in one query (every request does this). */
export async function selectSessionWithMember(db: Kysely<DB>, tokenHash: string) {
  const row = await db
    .selectFrom('session as s')
    .innerJoin('member as m', 'm.id', 's.member_id')
    .selectAll('m')
    .select([
      's.id as session_id',
      's.created_at as session_created_at',
      's.last_seen_at as session_last_seen_at',
      's.expires_at as session_expires_at',
      's.user_agent as session_user_agent',
      's.ip as session_ip',
      's.token_hash as session_token_hash',
      (eb) =>
        eb
          .selectFrom('member_permission as p')
          .select(sql<string>`group_concat(p.permission)`.as('granted'))
          .whereRef('p.member_id', '=', 'm.id')
          .as('granted'),
    ])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst()
  if (!row) return undefined
  const {
    session_id,
    session_created_at,
    session_last_seen_at,
    session_expires_at,
    session_user_agent,
    session_ip,
    session_token_hash,
    granted,
    ...member
  } = row
  return {
    member,
    session: {
      id: session_id,
      member_id: member.id,
      token_hash: session_token_hash,
      created_at: session_created_at,
      last_seen_at: session_last_seen_at,
      expires_at: session_expires_at,
      user_agent: session_user_agent,
      ip: session_ip,
    },
    granted: granted ? String(granted).split(',') : [],
  }
}
