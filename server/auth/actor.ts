import type { Member } from '../db/schema'
import type { Permission } from './permissions'

/** The signed-in member making a request, as services see them. */
export interface Actor {
  member: Member
  permissions: readonly Permission[]
  sessionId: number
  ip: string
}

export function can(actor: Actor, permission: Permission): boolean {
  return actor.permissions.includes(permission)
}

export function auditParty(actor: Actor): { id: number; name: string } {
  return { id: actor.member.id, name: `${actor.member.display_name} (@${actor.member.username})` }
}

export function memberParty(member: Pick<Member, 'id' | 'display_name' | 'username'>): { id: number; name: string } {
  return { id: member.id, name: `${member.display_name} (@${member.username})` }
}
