/**
 * The server's "who may manage whom" rule, mirrored so the UI offers only what the
 * server would allow. The server checks again on every request.
 */
import { PERMISSIONS, ROLE_PERMISSIONS, ROLE_RANK, type Permission } from '../../../../server/auth/permissions'
import type { Me, MemberDetail, Role } from '../../lib/api'

export { PERMISSIONS, type Permission }

export function roleDefaults(role: Role): ReadonlySet<Permission> {
  return new Set(role === 'display' ? [] : ROLE_PERMISSIONS[role])
}

export function canManage(actor: Me['member'], target: Pick<MemberDetail, 'id' | 'role'>): boolean {
  if (!actor.permissions.includes('members.manage')) return false
  if (actor.role === 'owner') return true
  return ROLE_RANK[target.role] < ROLE_RANK[actor.role]
}

/** Roles the actor may give: owners any but display; others only below their own rank. */
export function assignableRoles(actor: Me['member']): Role[] {
  const roles: Role[] = ['owner', 'manager', 'staff']
  if (actor.role === 'owner') return roles
  return roles.filter((role) => ROLE_RANK[role] < ROLE_RANK[actor.role])
}

/** Roles an invite may carry for this actor. */
export function invitableRoles(actor: Me['member']): ('staff' | 'manager')[] {
  return actor.role === 'owner' ? ['staff', 'manager'] : ['staff']
}
