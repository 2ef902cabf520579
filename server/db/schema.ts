/** Table types for Kysely. snake_case singular tables; times are epoch milliseconds. */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

export type Role = 'owner' | 'manager' | 'staff' | 'display'
export type MemberStatus = 'pending' | 'active' | 'deactivated'

export interface ShopTable {
  id: number
  name: string
  timezone: string
  join_code: string
  auto_approve: number
  setup_at: number
}

export interface MemberTable {
  id: Generated<number>
  username: string
  display_name: string
  password_hash: string | null
  role: Role
  status: MemberStatus
  job_title: Generated<string>
  phone: Generated<string>
  created_at: number
  approved_at: number | null
  approved_by: number | null
  deactivated_at: number | null
  invite_id: number | null
}

export interface MemberPermissionTable {
  member_id: number
  permission: string
  granted_by: number | null
  granted_at: number
}

export interface SessionTable {
  id: Generated<number>
  member_id: number
  token_hash: string
  created_at: number
  last_seen_at: number
  expires_at: number
  user_agent: string
  ip: string
}

export interface TrustedDeviceTable {
  id: Generated<number>
  member_id: number
  token_hash: string
  created_at: number
  last_used_at: number
}

export interface InviteTable {
  id: Generated<number>
  code: string
  role: Role
  created_by: number
  created_at: number
  expires_at: number
  max_uses: number
  uses: Generated<number>
  revoked_at: number | null
}

export interface AuditTable {
  id: Generated<number>
  at: number
  actor_id: number | null
  actor_name: string
  action: string
  target_id: number | null
  target_name: string
  ip: string
  detail: string
}

export type AudienceKind = 'shop' | 'member' | 'managers' | 'conversation'

export interface EventTable {
  id: Generated<number>
  type: string
  audience_kind: AudienceKind
  audience_id: number | null
  payload: string
  created_at: number
}

export interface DB {
  shop: ShopTable
  member: MemberTable
  member_permission: MemberPermissionTable
  session: SessionTable
  trusted_device: TrustedDeviceTable
  invite: InviteTable
  audit: AuditTable
  event: EventTable
}

export type Member = Selectable<MemberTable>
export type NewMember = Insertable<MemberTable>
export type MemberUpdate = Updateable<MemberTable>
export type Session = Selectable<SessionTable>
export type Invite = Selectable<InviteTable>
export type Shop = Selectable<ShopTable>
