/** Members: listing, profiles, roles and permissions, approval, deactivation. */
import type { Kysely } from 'kysely'
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import { badRequest, conflict, forbidden, notFound } from '../shared/errors'
import { cleanName, nameKey } from '../shared/names'
import { recordAudit } from '../audit/service'
import type { DB, Member, MemberStatus, Role } from '../db/schema'
import { auditParty, can, memberParty, type Actor } from './actor'
import { isPermission, PERMISSIONS, ROLE_RANK, type Permission } from './permissions'
import * as repo from './repo'
import { assertDisplayName } from './service'
import { toMemberDetail, toMemberSummary, type MemberDetail } from './views'

async function loadDetail(db: Kysely<DB>, member: Member): Promise<MemberDetail> {
  const granted = (await repo.selectPermissions(db, [member.id])).get(member.id) ?? []
  return toMemberDetail(member, granted)
}

async function requireMember(db: Kysely<DB>, id: number): Promise<Member> {
  const member = await repo.selectMemberById(db, id)
  if (!member) throw notFound('member_not_found', 'No such member.')
  return member
}

/**
 * Refuses a display name that looks like the name of another active person: equal once
 * case, accents, spacing, punctuation and look-alike letters are folded away ("Olivia
 * Owner", "olivia-owner" and "Оlivia 0wner" with a Cyrillic О are one name). Runs inside
 * the write transaction that stores the name, so two people cannot take it at once.
 * Wall displays are left out: nobody mistakes a message for one of theirs.
 */
export async function assertNameFree(db: Kysely<DB>, displayName: string, exceptId: number | null): Promise<void> {
  const key = nameKey(displayName)
  if (key === '') return
  const others = await db
    .selectFrom('member')
    .select(['id', 'display_name'])
    .where('status', '=', 'active')
    .where('role', '!=', 'display')
    .execute()
  if (others.some((other) => other.id !== exceptId && nameKey(other.display_name) === key)) {
    throw conflict('name_taken', 'Someone in the shop already goes by that name, or one that looks just like it.')
  }
}

/** A member may manage another only with members.manage and a higher role (owners manage all). */
function assertCanManage(actor: Actor, target: Member): void {
  if (!can(actor, 'members.manage')) throw forbidden()
  if (actor.member.role === 'owner') return
  if (ROLE_RANK[target.role] >= ROLE_RANK[actor.member.role]) {
    throw forbidden('outranked', 'Only an owner can change a member of your rank or above.')
  }
}

/**
 * A wall display shows the board and who is on shift, all from the wall feed; member
 * records (phone numbers among them) are not for a screen anyone in the shop can read.
 */
function assertNotDisplay(actor: Actor): void {
  if (actor.member.role === 'display') {
    throw forbidden('read_only', 'Member details are not shown on wall displays.')
  }
}

/**
 * Everyone active sees the active members; members with members.manage also see pending
 * and deactivated ones.
 */
export async function listMembers(ctx: AppContext, actor: Actor, status?: MemberStatus): Promise<MemberDetail[]> {
  assertNotDisplay(actor)
  const isManager = can(actor, 'members.manage')
  if (status && status !== 'active' && !isManager) throw forbidden()
  const statuses: MemberStatus[] = status ? [status] : isManager ? ['pending', 'active', 'deactivated'] : ['active']
  const rows = await repo.selectMembers(ctx.db, { statuses })
  const permissions = await repo.selectPermissions(
    ctx.db,
    rows.map((row) => row.id),
  )
  return rows.map((row) => {
    const detail = toMemberDetail(row, permissions.get(row.id) ?? [])
    return isManager || row.id === actor.member.id ? detail : { ...detail, grantedPermissions: [] }
  })
}

export async function getMember(ctx: AppContext, actor: Actor, id: number): Promise<MemberDetail> {
  assertNotDisplay(actor)
  const member = await requireMember(ctx.db, id)
  if (member.status !== 'active' && !can(actor, 'members.manage') && member.id !== actor.member.id) {
    throw notFound('member_not_found', 'No such member.')
  }
  return loadDetail(ctx.db, member)
}

export interface ProfilePatch {
  displayName?: string | undefined
  jobTitle?: string | undefined
  phone?: string | undefined
}

const PHONE_PATTERN = /^[+0-9 ()\-.]{0,32}$/

/** Members edit their own profile; managers edit the profiles of those they manage. */
export async function updateProfile(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: ProfilePatch,
): Promise<MemberDetail> {
  assertNotDisplay(actor)
  if (patch.phone !== undefined && !PHONE_PATTERN.test(patch.phone)) {
    throw badRequest('invalid_phone', 'A phone number has digits, spaces and + ( ) - only.')
  }
  const displayName = patch.displayName === undefined ? undefined : assertDisplayName(patch.displayName)
  return ctx.write(async (w) => {
    const target = await requireMember(w.trx, id)
    if (target.id !== actor.member.id) assertCanManage(actor, target)
    if (displayName !== undefined && target.role !== 'display') await assertNameFree(w.trx, displayName, target.id)
    const change: Partial<Pick<Member, 'display_name' | 'job_title' | 'phone'>> = {}
    if (displayName !== undefined) change.display_name = displayName
    if (patch.jobTitle !== undefined) change.job_title = cleanName(patch.jobTitle)
    if (patch.phone !== undefined) change.phone = patch.phone.trim()
    if (Object.keys(change).length === 0) return loadDetail(w.trx, target)
    await repo.updateMember(w.trx, id, change)
    const updated = { ...target, ...change }
    await recordAudit(w.trx, w.now, {
      action: 'member.updated',
      actor: auditParty(actor),
      target: memberParty(updated),
      ip: actor.ip,
      detail: { fields: Object.keys(change) },
    })
    return emitUpdated(w, updated)
  })
}

async function emitUpdated(w: WriteContext, member: Member): Promise<MemberDetail> {
  const detail = await loadDetail(w.trx, member)
  w.emit('member.updated', { kind: 'shop' }, { member: toMemberSummary(member, detail.grantedPermissions) })
  return detail
}

export interface AccessPatch {
  role?: Role | undefined
  permissions?: string[] | undefined
}

/** Changes a member's role and/or granted permissions. There is always one active owner. */
export async function updateAccess(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: AccessPatch,
): Promise<MemberDetail> {
  if (patch.permissions) {
    const unknown = patch.permissions.filter((p) => !isPermission(p))
    if (unknown.length) throw badRequest('invalid_permission', `Unknown permission: ${unknown.join(', ')}.`)
  }
  return ctx.write(async (w) => {
    const target = await requireMember(w.trx, id)
    if (target.id === actor.member.id)
      throw forbidden('cannot_change_own_access', 'Ask another manager or owner to change your access.')
    assertCanManage(actor, target)
    if (target.role === 'display') throw badRequest('display_access_fixed', 'A wall display is always read-only.')
    let updated = target
    if (patch.role !== undefined && patch.role !== target.role) {
      if (patch.role === 'display')
        throw badRequest('invalid_role', 'Pair a wall display from the wall screen instead.')
      if (actor.member.role !== 'owner' && ROLE_RANK[patch.role] >= ROLE_RANK[actor.member.role]) {
        throw forbidden('outranked', 'Only an owner can give that role.')
      }
      if (target.role === 'owner' && target.status === 'active' && (await repo.countActiveOwners(w.trx)) <= 1) {
        throw conflict('last_owner', 'The shop needs at least one owner. Make someone else owner first.')
      }
      await repo.updateMember(w.trx, id, { role: patch.role })
      await recordAudit(w.trx, w.now, {
        action: 'member.role_changed',
        actor: auditParty(actor),
        target: memberParty(target),
        ip: actor.ip,
        detail: { from: target.role, to: patch.role },
      })
      updated = { ...target, role: patch.role }
    }
    if (patch.permissions !== undefined) {
      const wanted = [...new Set(patch.permissions)].filter(isPermission)
      const before = (await repo.selectPermissions(w.trx, [id])).get(id) ?? []
      const changed = [...new Set([...wanted, ...before])].filter(
        (p) => wanted.includes(p as Permission) !== before.includes(p),
      )
      // You can only hand out (or take away) what you hold yourself.
      const beyond = changed.filter((p) => !actor.permissions.includes(p as Permission))
      if (beyond.length) throw forbidden('permission_not_held', `You cannot grant or remove ${beyond.join(', ')}.`)
      if (changed.length) {
        await repo.replacePermissions(
          w.trx,
          id,
          PERMISSIONS.filter((p) => wanted.includes(p)),
          actor.member.id,
          w.now,
        )
        await recordAudit(w.trx, w.now, {
          action: 'member.permissions_changed',
          actor: auditParty(actor),
          target: memberParty(target),
          ip: actor.ip,
          detail: { from: before.sort(), to: [...wanted].sort() },
        })
      }
    }
    return emitUpdated(w, updated)
  })
}

export async function approveMember(ctx: AppContext, actor: Actor, id: number): Promise<MemberDetail> {
  return ctx.write(async (w) => {
    const target = await requireMember(w.trx, id)
    assertCanManage(actor, target)
    if (target.status !== 'pending') throw conflict('not_pending', 'That request has already been handled.')
    await assertNameFree(w.trx, target.display_name, target.id)
    await repo.updateMember(w.trx, id, { status: 'active', approved_at: w.now, approved_by: actor.member.id })
    const member: Member = { ...target, status: 'active', approved_at: w.now, approved_by: actor.member.id }
    await recordAudit(w.trx, w.now, {
      action: 'member.approved',
      actor: auditParty(actor),
      target: memberParty(member),
      ip: actor.ip,
    })
    const detail = await loadDetail(w.trx, member)
    const summary = toMemberSummary(member, detail.grantedPermissions)
    w.emit('member.approved', { kind: 'member', id }, { member: summary })
    w.emit('member.joined', { kind: 'shop' }, { member: summary })
    return detail
  })
}

/** Rejecting a join request removes it: the person never became a member. */
export async function rejectMember(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  await ctx.write(async (w) => {
    const target = await requireMember(w.trx, id)
    assertCanManage(actor, target)
    if (target.status !== 'pending') throw conflict('not_pending', 'That request has already been handled.')
    await repo.deleteMember(w.trx, id)
    await recordAudit(w.trx, w.now, {
      action: 'member.rejected',
      actor: auditParty(actor),
      target: memberParty(target),
      ip: actor.ip,
    })
    w.emit('member.rejected', { kind: 'managers' }, { memberId: id })
    w.emit('member.rejected', { kind: 'member', id }, { memberId: id })
    w.afterCommit(() => ctx.hub.closeMember(id, 'deactivated'))
  })
}

/** Ends every session and open socket of the member at once; their messages stay theirs. */
export async function deactivateMember(ctx: AppContext, actor: Actor, id: number): Promise<MemberDetail> {
  return ctx.write(async (w) => {
    const target = await requireMember(w.trx, id)
    if (target.id === actor.member.id)
      throw forbidden('cannot_deactivate_self', 'Ask another manager or owner to do that.')
    assertCanManage(actor, target)
    if (target.status === 'deactivated') throw conflict('already_deactivated', 'That member is already deactivated.')
    if (target.role === 'owner' && target.status === 'active' && (await repo.countActiveOwners(w.trx)) <= 1) {
      throw conflict('last_owner', 'The shop needs at least one owner.')
    }
    await repo.updateMember(w.trx, id, { status: 'deactivated', deactivated_at: w.now })
    const sessions = await repo.deleteSessions(w.trx, id)
    await repo.deleteTrustedDevices(w.trx, id)
    const member: Member = { ...target, status: 'deactivated', deactivated_at: w.now }
    await recordAudit(w.trx, w.now, {
      action: 'member.deactivated',
      actor: auditParty(actor),
      target: memberParty(member),
      ip: actor.ip,
      detail: { endedSessions: sessions.length },
    })
    w.emit('member.deactivated', { kind: 'shop' }, { memberId: id })
    w.afterCommit(() => ctx.hub.closeMember(id, 'deactivated'))
    return loadDetail(w.trx, member)
  })
}

export async function reactivateMember(ctx: AppContext, actor: Actor, id: number): Promise<MemberDetail> {
  return ctx.write(async (w) => {
    const target = await requireMember(w.trx, id)
    assertCanManage(actor, target)
    if (target.status !== 'deactivated') throw conflict('not_deactivated', 'That member is not deactivated.')
    if (target.password_hash === null && target.role !== 'display') {
      throw conflict('member_erased', 'This person’s data was erased. Invite them again instead.')
    }
    if (target.role !== 'display') await assertNameFree(w.trx, target.display_name, target.id)
    await repo.updateMember(w.trx, id, { status: 'active', deactivated_at: null })
    const member: Member = { ...target, status: 'active', deactivated_at: null }
    await recordAudit(w.trx, w.now, {
      action: 'member.reactivated',
      actor: auditParty(actor),
      target: memberParty(member),
      ip: actor.ip,
    })
    const detail = await loadDetail(w.trx, member)
    w.emit('member.reactivated', { kind: 'shop' }, { member: toMemberSummary(member, detail.grantedPermissions) })
    return detail
  })
}

/**
 * The username an erased member gets: `former-<id>`, which nobody can choose (see
 * assertUsername). Someone who took it before it was reserved keeps it, and the erased
 * member gets the next free `former-<id>-<n>`, so an erase never fails on a name.
 */
async function formerUsername(db: Kysely<DB>, id: number): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `former-${id}` : `former-${id}-${n}`
    // The column compares without case, as sign-in does.
    const holder = await db.selectFrom('member').select('id').where('username', '=', candidate).executeTakeFirst()
    if (!holder || holder.id === id) return candidate
  }
}

/**
 * Erases a departed member's personal data on request (owners only, after deactivation):
 * name, username, job title, phone, photo, password and devices. Their messages stay, shown
 * as from a former member, so the shop's records remain readable.
 */
export async function eraseMember(ctx: AppContext, actor: Actor, id: number): Promise<MemberDetail> {
  if (actor.member.role !== 'owner') throw forbidden('owner_only', 'Only an owner can erase personal data.')
  return ctx.write(async (w) => {
    const target = await requireMember(w.trx, id)
    if (target.status !== 'deactivated') {
      throw conflict('not_deactivated', 'Deactivate the member first; erasing cannot be undone.')
    }
    const erased: Partial<Member> = {
      username: await formerUsername(w.trx, id),
      display_name: `Former member ${id}`,
      job_title: '',
      phone: '',
      password_hash: null,
      avatar_file_id: null,
      shift_status: 'off_shift',
      shift_status_until: null,
    }
    await repo.updateMember(w.trx, id, erased)
    await repo.deleteSessions(w.trx, id)
    await repo.deleteTrustedDevices(w.trx, id)
    await w.trx.deleteFrom('member_permission').where('member_id', '=', id).execute()
    const member = { ...target, ...erased } as Member
    await recordAudit(w.trx, w.now, {
      action: 'member.erased',
      actor: auditParty(actor),
      target: { id, name: `Former member ${id}` },
      ip: actor.ip,
    })
    return emitUpdated(w, member)
  })
}
