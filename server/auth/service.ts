/**
 * Setup, sign-in, sessions and the signed-in member's own account.
 * Session tokens are 128-bit random values; only their SHA-256 is stored.
 */
import type { AppContext } from '../shared/context'
import { AppError, badRequest, conflict, notFound, tooMany, unauthorized } from '../shared/errors'
import { hashToken, randomToken } from '../shared/tokens'
import { cleanName } from '../shared/names'
import { recordAudit } from '../audit/service'
import { assertTimezone, newJoinCode } from '../settings/service'
import type { Member, Session } from '../db/schema'
import { auditParty, memberParty, type Actor } from './actor'
import { decoy, hashPassword, MAX_PASSWORD_LENGTH, passwordProblem, verifyPassword } from './passwords'
import { effectivePermissions, type Permission } from './permissions'
import * as repo from './repo'
import type { LoginThrottle } from './throttle'
import { toMemberDetail, type MemberDetail } from './views'

export const SESSION_TTL_MS = 30 * 24 * 60 * 60_000
const SESSION_TOUCH_MS = 60_000

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/i

export interface RequestMeta {
  ip: string
  userAgent: string
}

export interface SignedIn {
  token: string
  sessionId: number
  member: Member
}

/**
 * Usernames the product gives out itself: `former-<id>` to an erased member, `display-…`
 * to a wall screen. Nobody may take one, or an erase or a pairing could run into it.
 */
export const RESERVED_USERNAME_PATTERN = /^(former|display)-/i

export function assertUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw badRequest(
      'invalid_username',
      'A username is 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
    )
  }
  if (RESERVED_USERNAME_PATTERN.test(username)) {
    throw badRequest('username_reserved', 'Usernames starting with "former-" or "display-" are kept for Backboard.')
  }
}

export function assertPassword(password: string, username?: string): void {
  if (password.length > MAX_PASSWORD_LENGTH) throw badRequest('password_too_long', 'That password is too long.')
  const problem = passwordProblem(password, username)
  if (problem === 'password_too_short') throw badRequest(problem, 'A password needs at least 8 characters.')
  if (problem === 'password_too_common') {
    throw badRequest(problem, 'That password is too easy to guess. Try a short sentence instead.')
  }
}

/** A display name as stored: without invisible characters, and not empty once they are gone. */
export function assertDisplayName(name: string): string {
  const cleaned = cleanName(name)
  if (cleaned.length === 0) throw badRequest('invalid_display_name', 'Enter the name colleagues know you by.')
  return cleaned
}

export async function isSetupDone(ctx: AppContext): Promise<boolean> {
  const row = await ctx.db.selectFrom('shop').select('id').where('id', '=', 1).executeTakeFirst()
  return row !== undefined
}

export interface SetupInput {
  shopName: string
  timezone: string
  displayName: string
  username: string
  password: string
}

/** First-run setup. Succeeds exactly once: the shop row has a fixed primary key and the
 *  check and insert run in one transaction. */
export async function completeSetup(ctx: AppContext, input: SetupInput, meta: RequestMeta): Promise<SignedIn> {
  const shopName = input.shopName.trim()
  if (!shopName) throw badRequest('invalid_name', 'The shop needs a name.')
  assertTimezone(input.timezone)
  const displayName = assertDisplayName(input.displayName)
  assertUsername(input.username)
  assertPassword(input.password, input.username)
  if (await isSetupDone(ctx)) throw conflict('setup_done', 'Backboard is already set up. Sign in instead.')
  const passwordHash = await hashPassword(input.password)
  try {
    return await ctx.write(async ({ trx, now }) => {
      const existing = await trx.selectFrom('shop').select('id').executeTakeFirst()
      if (existing) throw conflict('setup_done', 'Backboard is already set up. Sign in instead.')
      await trx
        .insertInto('shop')
        .values({
          id: 1,
          name: shopName,
          timezone: input.timezone,
          join_code: newJoinCode(),
          auto_approve: 0,
          setup_at: now,
        })
        .execute()
      const member = await repo.insertMember(trx, {
        username: input.username,
        display_name: displayName,
        password_hash: passwordHash,
        role: 'owner',
        status: 'active',
        created_at: now,
        approved_at: now,
      })
      const token = randomToken()
      const session = await repo.insertSession(trx, {
        member_id: member.id,
        token_hash: hashToken(token),
        created_at: now,
        expires_at: now + SESSION_TTL_MS,
        user_agent: meta.userAgent,
        ip: meta.ip,
      })
      await recordAudit(trx, now, {
        action: 'setup.completed',
        actor: memberParty(member),
        target: memberParty(member),
        ip: meta.ip,
        detail: { shopName, timezone: input.timezone },
      })
      return { token, sessionId: session.id, member }
    })
  } catch (error) {
    if (error instanceof AppError) throw error
    // A concurrent setup won the race on the shop's primary key.
    if (error instanceof Error && /UNIQUE|PRIMARY KEY/i.test(error.message)) {
      throw conflict('setup_done', 'Backboard is already set up. Sign in instead.')
    }
    throw error
  }
}

export interface LoginInput {
  username: string
  password: string
  deviceToken: string | null
}

export interface LoginResult extends SignedIn {
  /** Set when this device was not yet trusted for this member: store it in a long-lived cookie. */
  newDeviceToken: string | null
}

export async function login(
  ctx: AppContext,
  throttle: LoginThrottle,
  input: LoginInput,
  meta: RequestMeta,
): Promise<LoginResult> {
  const username = input.username.trim()
  const device = input.deviceToken ? await repo.selectTrustedDevice(ctx.db, hashToken(input.deviceToken)) : undefined
  const member = await repo.selectMemberByUsername(ctx.db, username)
  const isTrustedDevice = device !== undefined && member !== undefined && device.member_id === member.id
  const key = { ip: meta.ip, username, isTrustedDevice }
  const wait = throttle.retryAfter(key)
  if (wait > 0) throw tooMany('too_many_attempts', 'Too many attempts. Wait a little and try again.', wait)

  const hash = member?.password_hash ?? (await decoy())
  const isValid = input.password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(input.password, hash))
  // A deactivated account fails exactly like a wrong password (same answer, same work):
  // anything else would confirm to whoever holds the password that it is right.
  const isDeactivated = member?.status === 'deactivated'
  if (!member || !member.password_hash || !isValid || isDeactivated) {
    throttle.recordFailure(key)
    await ctx.write(async ({ trx, now }) => {
      await recordAudit(trx, now, {
        action: 'login.failed',
        actor: null,
        target: member ? memberParty(member) : null,
        ip: meta.ip,
        detail: member ? (isDeactivated ? { deactivated: true } : {}) : { username: username.slice(0, 64) },
      })
    })
    throw unauthorized('invalid_credentials', 'That username and password do not match.')
  }
  throttle.recordSuccess(key)
  return ctx.write(async ({ trx, now }) => {
    const token = randomToken()
    const session = await repo.insertSession(trx, {
      member_id: member.id,
      token_hash: hashToken(token),
      created_at: now,
      expires_at: now + SESSION_TTL_MS,
      user_agent: meta.userAgent,
      ip: meta.ip,
    })
    let newDeviceToken: string | null = null
    if (!isTrustedDevice) {
      newDeviceToken = randomToken(24)
      await repo.insertTrustedDevice(trx, member.id, hashToken(newDeviceToken), now)
    }
    await recordAudit(trx, now, { action: 'login.succeeded', actor: memberParty(member), ip: meta.ip })
    return { token, sessionId: session.id, member, newDeviceToken }
  })
}

export interface ResolvedSession {
  member: Member
  session: Session
  permissions: Permission[]
}

/** Looks up a session token; extends it when in use. Returns null when unknown or expired. */
export async function resolveSession(ctx: AppContext, token: string, ip: string): Promise<ResolvedSession | null> {
  if (token.length < 16 || token.length > 64) return null
  const found = await repo.selectSessionWithMember(ctx.db, hashToken(token))
  if (!found) return null
  const { member, session, granted } = found
  const now = ctx.clock.now()
  if (session.expires_at <= now) return null
  if (member.status === 'deactivated') return null
  if (now - session.last_seen_at > SESSION_TOUCH_MS) {
    await repo.touchSession(ctx.db, session.id, now, now + SESSION_TTL_MS, ip)
  }
  return { member, session, permissions: effectivePermissions(member.role, granted) }
}

export async function logout(ctx: AppContext, actor: Actor): Promise<void> {
  await ctx.write(async ({ trx, now, emit }) => {
    const ids = await repo.deleteSessions(trx, actor.member.id, { only: [actor.sessionId] })
    await recordAudit(trx, now, { action: 'logout', actor: auditParty(actor), ip: actor.ip })
    emit('session.revoked', { kind: 'member', id: actor.member.id }, { memberId: actor.member.id, sessionIds: ids })
  })
}

export interface SessionView {
  id: number
  isCurrent: boolean
  createdAt: number
  lastSeenAt: number
  userAgent: string
  ip: string
}

export async function listSessions(ctx: AppContext, actor: Actor): Promise<SessionView[]> {
  const rows = await repo.selectSessionsOfMember(ctx.db, actor.member.id)
  return rows.map((row) => ({
    id: row.id,
    isCurrent: row.id === actor.sessionId,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    userAgent: row.user_agent,
    ip: row.ip,
  }))
}

/** Signs out one session, or all except the current one when `sessionId` is 'others'. */
export async function revokeSessions(ctx: AppContext, actor: Actor, which: number | 'others'): Promise<number> {
  return ctx.write(async ({ trx, now, emit }) => {
    const ids =
      which === 'others'
        ? await repo.deleteSessions(trx, actor.member.id, { keep: actor.sessionId })
        : await repo.deleteSessions(trx, actor.member.id, { only: [which] })
    if (which !== 'others' && ids.length === 0) throw notFound('session_not_found', 'That session has already ended.')
    if (ids.length > 0) {
      await recordAudit(trx, now, {
        action: 'sessions.revoked',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: { count: ids.length },
      })
      emit('session.revoked', { kind: 'member', id: actor.member.id }, { memberId: actor.member.id, sessionIds: ids })
    }
    return ids.length
  })
}

export async function changePassword(
  ctx: AppContext,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const hash = actor.member.password_hash
  if (
    !hash ||
    input.currentPassword.length > MAX_PASSWORD_LENGTH ||
    !(await verifyPassword(input.currentPassword, hash))
  ) {
    throw badRequest('wrong_password', 'Your current password is not right.')
  }
  assertPassword(input.newPassword, actor.member.username)
  const newHash = await hashPassword(input.newPassword)
  await ctx.write(async ({ trx, now, emit }) => {
    await repo.updateMember(trx, actor.member.id, { password_hash: newHash })
    // A changed password ends every other session: that is usually why people change it.
    const ids = await repo.deleteSessions(trx, actor.member.id, { keep: actor.sessionId })
    await recordAudit(trx, now, {
      action: 'password.changed',
      actor: auditParty(actor),
      ip: actor.ip,
      detail: { endedSessions: ids.length },
    })
    if (ids.length)
      emit('session.revoked', { kind: 'member', id: actor.member.id }, { memberId: actor.member.id, sessionIds: ids })
  })
}

export async function getMe(ctx: AppContext, actor: Actor): Promise<MemberDetail> {
  const granted = (await repo.selectPermissions(ctx.db, [actor.member.id])).get(actor.member.id) ?? []
  return toMemberDetail(actor.member, granted)
}
