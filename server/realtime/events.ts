/**
 * Every event a client can receive, as one typed map shared by server and web.
 * Names are `noun.verb`. Events with an id come from the ordered event log and can be
 * resumed; live-only signals (typing) have none.
 */
import type { AudienceKind } from '../db/schema'

export interface MemberSummary {
  id: number
  username: string
  displayName: string
  role: 'owner' | 'manager' | 'staff' | 'display'
  status: 'pending' | 'active' | 'deactivated'
  jobTitle: string
  permissions: string[]
}

export interface EventMap {
  /** A newcomer asked to join and waits for approval (to managers). */
  'member.requested': { member: MemberSummary }
  /** Someone became an active member (to the shop). */
  'member.joined': { member: MemberSummary }
  /** Your own join request was approved (to the newcomer). */
  'member.approved': { member: MemberSummary }
  'member.rejected': { memberId: number }
  'member.updated': { member: MemberSummary }
  'member.deactivated': { memberId: number }
  'member.reactivated': { member: MemberSummary }
  'session.revoked': { memberId: number; sessionIds: number[] }
  'shop.updated': { name: string; timezone: string }
}

export type EventType = keyof EventMap

/** Who may receive an event; the hub filters every event through this. */
export type Audience =
  | { kind: 'shop' }
  | { kind: 'member'; id: number }
  | { kind: 'managers' }
  | { kind: 'conversation'; id: number }

export interface NewEvent<T extends EventType = EventType> {
  type: T
  audience: Audience
  data: EventMap[T]
}

export interface StoredEvent<T extends EventType = EventType> extends NewEvent<T> {
  id: number
  at: number
}

/** What travels over /ws from server to client. */
export type ServerFrame =
  | { kind: 'hello'; lastEventId: number; version: string }
  | { kind: 'event'; id: number; type: EventType; data: unknown; at: number }
  | { kind: 'caught-up'; lastEventId: number }
  | { kind: 'resync'; lastEventId: number }
  | { kind: 'signed-out'; reason: 'deactivated' | 'session-revoked' }
  | { kind: 'pong' }

/** What a client may send. */
export type ClientFrame = { kind: 'ping' } | { kind: 'visibility'; visible: boolean }

export function audienceColumns(audience: Audience): { audience_kind: AudienceKind; audience_id: number | null } {
  return {
    audience_kind: audience.kind,
    audience_id: audience.kind === 'member' || audience.kind === 'conversation' ? audience.id : null,
  }
}

export function audienceFromColumns(kind: AudienceKind, id: number | null): Audience {
  if (kind === 'member' || kind === 'conversation') return { kind, id: id ?? 0 }
  return { kind }
}
