import type { Role } from '../db/schema'

export const PERMISSIONS = [
  'members.manage',
  'board.post',
  'tasks.dispatch',
  'xero.read',
  'xero.write',
  'settings.manage',
  'customers.answer',
] as const
export type Permission = (typeof PERMISSIONS)[number]

export const ROLES: readonly Role[] = ['owner', 'manager', 'staff', 'display']

/** What each role has without any grant. Owners have everything; a display has nothing. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  manager: ['members.manage', 'board.post', 'tasks.dispatch'],
  staff: [],
  display: [],
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value)
}

/** A member's effective permissions: the role's own plus explicit grants. Displays get none. */
export function effectivePermissions(role: Role, granted: readonly string[]): Permission[] {
  if (role === 'display') return []
  const all = new Set<Permission>(ROLE_PERMISSIONS[role])
  for (const permission of granted) if (isPermission(permission)) all.add(permission)
  return PERMISSIONS.filter((p) => all.has(p))
}

/** Rank for "who may manage whom": a member manages only members ranked below them. */
export const ROLE_RANK: Record<Role, number> = { owner: 3, manager: 2, staff: 1, display: 1 }
