import type { Member } from '../db/schema'
import type { MemberSummary } from '../realtime/events'
import { effectivePermissions } from './permissions'

export function toMemberSummary(member: Member, granted: readonly string[]): MemberSummary {
  return {
    id: member.id,
    username: member.username,
    displayName: member.display_name,
    role: member.role,
    status: member.status,
    jobTitle: member.job_title,
    permissions: effectivePermissions(member.role, granted),
  }
}

export interface MemberDetail extends MemberSummary {
  phone: string
  grantedPermissions: string[]
  createdAt: number
  approvedAt: number | null
  deactivatedAt: number | null
}

export function toMemberDetail(member: Member, granted: readonly string[]): MemberDetail {
  return {
    ...toMemberSummary(member, granted),
    phone: member.phone,
    grantedPermissions: [...granted].sort(),
    createdAt: member.created_at,
    approvedAt: member.approved_at,
    deactivatedAt: member.deactivated_at,
  }
}
