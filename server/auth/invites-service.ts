/**
 * Joining: invite links (expiry, maximum uses, role) and the shop-wide join code, both
 * shown as QR codes. Newcomers wait as pending until a manager approves them, unless the
 * shop approves automatically.
 */
import type { AppContext } from '../shared/context'
import { AppError, badRequest, conflict, forbidden, notFound } from '../shared/errors'
import { hashToken, randomToken, readableCode } from '../shared/tokens'
import { recordAudit } from '../audit/service'
import { requireShop } from '../settings/service'
import type { Invite, Role } from '../db/schema'
import { auditParty, can, memberParty, type Actor } from './actor'
import { hashPassword } from './passwords'
import { ROLE_RANK } from './permissions'
import * as repo from './repo'
import {
  assertDisplayName,
  assertPassword,
  assertUsername,
  SESSION_TTL_MS,
  type RequestMeta,
  type SignedIn,
} from './service'
import { assertNameFree } from './members-service'
import { toMemberSummary } from './views'

const INVITE_CODE_LENGTH = 12

export interface InviteView {
  id: number
  code: string
  url: string
  role: Role
  createdAt: number
  expiresAt: number
  maxUses: number
  uses: number
  isUsable: boolean
  revokedAt: number | null
}

export function joinUrl(origin: string, code: string): string {
  return `${origin}/join/${encodeURIComponent(code)}`
}

export async function qrSvg(text: string): Promise<string> {
  // Loaded when an invite is first shown, not at start: most requests never draw one.
  const { default: QRCode } = await import('qrcode')
  return QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })
}

function toInviteView(invite: Invite, origin: string, now: number): InviteView {
  return {
    id: invite.id,
    code: invite.code,
    url: joinUrl(origin, invite.code),
    role: invite.role,
    createdAt: invite.created_at,
    expiresAt: invite.expires_at,
    maxUses: invite.max_uses,
    uses: invite.uses,
    isUsable: invite.revoked_at === null && invite.expires_at > now && invite.uses < invite.max_uses,
    revokedAt: invite.revoked_at,
  }
}

export interface NewInvite {
  role: 'staff' | 'manager'
  expiresInHours: number
  maxUses: number
}

export async function createInvite(
  ctx: AppContext,
  actor: Actor,
  input: NewInvite,
  origin: string,
): Promise<InviteView & { qrSvg: string }> {
  if (!can(actor, 'members.manage')) throw forbidden()
  if (actor.member.role !== 'owner' && ROLE_RANK[input.role] >= ROLE_RANK[actor.member.role]) {
    throw forbidden('outranked', 'Only an owner can invite managers.')
  }
  const invite = await ctx.write(async ({ trx, now }) => {
    const created = await repo.insertInvite(trx, {
      code: readableCode(INVITE_CODE_LENGTH),
      role: input.role,
      created_by: actor.member.id,
      created_at: now,
      expires_at: now + input.expiresInHours * 3_600_000,
      max_uses: input.maxUses,
    })
    await recordAudit(trx, now, {
      action: 'invite.created',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { inviteId: created.id, role: input.role, maxUses: input.maxUses, expiresInHours: input.expiresInHours },
    })
    return created
  })
  const view = toInviteView(invite, origin, ctx.clock.now())
  return { ...view, qrSvg: await qrSvg(view.url) }
}

export async function listInvites(ctx: AppContext, actor: Actor, origin: string): Promise<InviteView[]> {
  if (!can(actor, 'members.manage')) throw forbidden()
  const now = ctx.clock.now()
  return (await repo.selectInvites(ctx.db)).map((invite) => toInviteView(invite, origin, now))
}

/**
 * The rule of createInvite, for what is done with an invite afterwards: below an owner, a
 * member handles only invites for a role below their own, or invites they made themselves.
 */
function assertMayHandle(actor: Actor, invite: Pick<Invite, 'role' | 'created_by'>): void {
  if (actor.member.role === 'owner' || invite.created_by === actor.member.id) return
  if (ROLE_RANK[invite.role] >= ROLE_RANK[actor.member.role]) {
    throw forbidden('outranked', 'Only an owner can handle invites for managers.')
  }
}

export async function getInviteQr(ctx: AppContext, actor: Actor, id: number, origin: string): Promise<string> {
  if (!can(actor, 'members.manage')) throw forbidden()
  const invite = await ctx.db.selectFrom('invite').selectAll().where('id', '=', id).executeTakeFirst()
  if (!invite) throw notFound('invite_not_found', 'No such invite.')
  assertMayHandle(actor, invite)
  return qrSvg(joinUrl(origin, invite.code))
}

/** Revokes an invite link: by its maker, by an owner, or by a member who outranks its role. */
export async function revokeInvite(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  if (!can(actor, 'members.manage')) throw forbidden()
  await ctx.write(async ({ trx, now }) => {
    const invite = await trx.selectFrom('invite').selectAll().where('id', '=', id).executeTakeFirst()
    if (!invite) throw notFound('invite_not_found', 'No such invite, or it was already revoked.')
    assertMayHandle(actor, invite)
    if (!(await repo.revokeInvite(trx, id, now)))
      throw notFound('invite_not_found', 'No such invite, or it was already revoked.')
    await recordAudit(trx, now, {
      action: 'invite.revoked',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { inviteId: id },
    })
  })
}

export interface JoinCodeView {
  code: string
  url: string
  qrSvg: string
}

export async function getJoinCode(ctx: AppContext, actor: Actor, origin: string): Promise<JoinCodeView> {
  if (!can(actor, 'members.manage')) throw forbidden()
  const shop = await requireShop(ctx)
  const url = joinUrl(origin, shop.joinCode)
  return { code: shop.joinCode, url, qrSvg: await qrSvg(url) }
}

export interface JoinInfo {
  shopName: string
  role: Role
  via: 'invite' | 'join_code'
}

const invalidCode = () => notFound('invalid_join_code', 'That join link is not valid. Ask a manager for a new one.')
const expiredCode = () =>
  new AppError(410, 'join_link_expired', 'That join link has expired. Ask a manager for a new one.')
/** Told apart from expiry: the person holding it was not late, the places ran out. */
const usedUpCode = () =>
  new AppError(
    410,
    'join_link_used_up',
    'That join link has been used up: as many people have joined with it as it was made for. Ask a manager for a new one.',
  )

/** What a join link leads to, for the join page. Does not reveal anything else. */
export async function describeJoinCode(ctx: AppContext, code: string): Promise<JoinInfo> {
  const shop = await requireShop(ctx)
  if (code.toUpperCase() === shop.joinCode) return { shopName: shop.name, role: 'staff', via: 'join_code' }
  const invite = await repo.selectInviteByCode(ctx.db, code.toUpperCase())
  if (!invite) throw invalidCode()
  const now = ctx.clock.now()
  if (invite.revoked_at !== null || invite.expires_at <= now) throw expiredCode()
  if (invite.uses >= invite.max_uses) throw usedUpCode()
  return { shopName: shop.name, role: invite.role, via: 'invite' }
}

export interface JoinInput {
  code: string
  displayName: string
  username: string
  password: string
}

export interface JoinResult extends SignedIn {
  status: 'pending' | 'active'
}

export async function join(ctx: AppContext, input: JoinInput, meta: RequestMeta): Promise<JoinResult> {
  const displayName = assertDisplayName(input.displayName)
  assertUsername(input.username)
  assertPassword(input.password, input.username)
  await describeJoinCode(ctx, input.code)
  if (await repo.selectMemberByUsername(ctx.db, input.username)) {
    throw conflict('username_taken', 'That username is taken. Try another.')
  }
  const passwordHash = await hashPassword(input.password)
  try {
    return await ctx.write(async (w) => {
      // Through the transaction: a query on ctx.db here would wait for itself forever.
      const shop = await requireShop(ctx, w.trx)
      const code = input.code.toUpperCase()
      let role: Role = 'staff'
      let inviteId: number | null = null
      if (code !== shop.joinCode) {
        const invite = await repo.selectInviteByCode(w.trx, code)
        if (!invite) throw invalidCode()
        // Counts the use atomically, so an invite for one person admits one person.
        if (!(await repo.useInvite(w.trx, invite.id, w.now))) {
          const isLate = invite.revoked_at !== null || invite.expires_at <= w.now
          throw isLate ? expiredCode() : usedUpCode()
        }
        role = invite.role
        inviteId = invite.id
      }
      await assertNameFree(w.trx, displayName, null)
      const status = shop.autoApprove ? 'active' : 'pending'
      const member = await repo.insertMember(w.trx, {
        username: input.username,
        display_name: displayName,
        password_hash: passwordHash,
        role,
        status,
        created_at: w.now,
        approved_at: status === 'active' ? w.now : null,
        invite_id: inviteId,
      })
      const token = randomToken()
      const session = await repo.insertSession(w.trx, {
        member_id: member.id,
        token_hash: hashToken(token),
        created_at: w.now,
        expires_at: w.now + SESSION_TTL_MS,
        user_agent: meta.userAgent,
        ip: meta.ip,
      })
      const party = memberParty(member)
      const via = inviteId === null ? 'join_code' : 'invite'
      if (inviteId !== null) {
        await recordAudit(w.trx, w.now, {
          action: 'invite.used',
          actor: party,
          target: party,
          ip: meta.ip,
          detail: { inviteId },
        })
      }
      await recordAudit(w.trx, w.now, {
        action: status === 'active' ? 'member.approved' : 'join.requested',
        actor: party,
        target: party,
        ip: meta.ip,
        detail: { via, role, automatic: status === 'active' },
      })
      const summary = toMemberSummary(member, [])
      if (status === 'active') w.emit('member.joined', { kind: 'shop' }, { member: summary })
      else w.emit('member.requested', { kind: 'managers' }, { member: summary })
      return { token, sessionId: session.id, member, status }
    })
  } catch (error) {
    if (error instanceof Error && /UNIQUE constraint failed: member\.username/.test(error.message)) {
      throw conflict('username_taken', 'That username is taken. Try another.')
    }
    throw error
  }
}

export function assertJoinCodeShape(code: string): void {
  if (!/^[A-Za-z0-9]{4,32}$/.test(code)) throw badRequest('invalid_join_code', 'That join link is not valid.')
}
