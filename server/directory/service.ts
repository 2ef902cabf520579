/** The staff directory: every active member with photo, role, phone and shift status. */
import type { AppContext } from '../shared/context'
import { AppError, forbidden, notFound } from '../shared/errors'
import { can, type Actor } from '../auth/actor'
import type { Readable } from 'node:stream'
import { openStoredFile, storeUpload, type OpenedFile, type UploadCheck } from '../files/service'
import type { Presence, ShiftStatus } from '../realtime/events'
import { ROLE_RANK } from '../auth/permissions'

const MAX_AVATAR_BYTES = 2 * 1024 * 1024
/** Someone who said "on shift" this long ago without being seen since is not shown as on shift. */
const ON_SHIFT_FRESH_MS = 16 * 3_600_000

export interface DirectoryEntry {
  id: number
  username: string
  displayName: string
  role: 'owner' | 'manager' | 'staff'
  jobTitle: string
  phone: string
  avatarUrl: string | null
  shiftStatus: ShiftStatus
  shiftStatusUntil: number | null
  presence: Presence
  isOnShift: boolean
  isTelegramLinked: boolean
}

export async function listDirectory(ctx: AppContext, actor: Actor): Promise<DirectoryEntry[]> {
  if (actor.member.role === 'display') throw forbidden('read_only', 'The directory is not shown on wall displays.')
  return entries(ctx)
}

async function entries(ctx: AppContext): Promise<DirectoryEntry[]> {
  const now = ctx.clock.now()
  const rows = await ctx.db
    .selectFrom('member')
    .select([
      'id',
      'username',
      'display_name',
      'role',
      'job_title',
      'phone',
      'avatar_file_id',
      'shift_status',
      'shift_status_until',
      'shift_status_at',
    ])
    .where('status', '=', 'active')
    .where('role', '!=', 'display')
    .orderBy('display_name')
    .execute()
  const linked = new Set(
    (await ctx.db.selectFrom('telegram_link').select('member_id').execute()).map((row) => row.member_id),
  )
  return rows.map((row) => {
    const lapsed = row.shift_status_until !== null && row.shift_status_until <= now
    const shiftStatus: ShiftStatus = lapsed ? 'on_shift' : row.shift_status
    const presence = ctx.presence.presenceOf(row.id)
    const saidOnShiftRecently = row.shift_status_at !== null && now - row.shift_status_at < ON_SHIFT_FRESH_MS
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      role: row.role as DirectoryEntry['role'],
      jobTitle: row.job_title,
      phone: row.phone,
      avatarUrl: row.avatar_file_id === null ? null : `/api/members/${row.id}/avatar?v=${row.avatar_file_id}`,
      shiftStatus,
      shiftStatusUntil: lapsed ? null : row.shift_status_until,
      presence,
      isOnShift: shiftStatus === 'on_shift' && (presence !== 'offline' || saidOnShiftRecently),
      isTelegramLinked: linked.has(row.id),
    }
  })
}

/** Who is on shift right now, for the wall. */
export async function onShiftNow(ctx: AppContext): Promise<DirectoryEntry[]> {
  return (await entries(ctx)).filter((entry) => entry.isOnShift).map((entry) => ({ ...entry, phone: '' }))
}

/** Sets a member's photo (their own, or anyone's for a manager). The phone crops and shrinks it first. */
/** Your own photo, or (with members.manage) the photo of someone ranked below you; owners anyone's. */
async function assertMayEdit(ctx: AppContext, actor: Actor, memberId: number): Promise<void> {
  if (memberId === actor.member.id) return
  if (!can(actor, 'members.manage')) throw forbidden()
  const target = await ctx.db.selectFrom('member').select('role').where('id', '=', memberId).executeTakeFirst()
  if (target && actor.member.role !== 'owner' && ROLE_RANK[target.role] >= ROLE_RANK[actor.member.role]) {
    throw forbidden('outranked', 'Only an owner can change the photo of a member of your rank or above.')
  }
}

const AVATAR_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp'])
/** Larger than any phone camera; the phone shrinks a photo before it sends it anyway. */
const MAX_AVATAR_SIDE = 10_000

function assertAvatarImage(upload: UploadCheck): void {
  const isTooBig =
    upload.size > MAX_AVATAR_BYTES || (upload.width ?? 0) > MAX_AVATAR_SIDE || (upload.height ?? 0) > MAX_AVATAR_SIDE
  const isEmpty = upload.width === 0 || upload.height === 0
  if (!AVATAR_TYPES.has(upload.mime) || isTooBig || isEmpty) {
    throw new AppError(400, 'invalid_image', 'A profile photo must be a JPEG, PNG or WebP image of at most 2 MB.')
  }
}

/**
 * Sets a member's photo. The image is checked (type, size, dimensions) before it is stored,
 * so a refused photo leaves nothing behind.
 */
export async function setAvatar(
  ctx: AppContext,
  actor: Actor,
  memberId: number,
  body: Readable,
  declaredLength?: number,
) {
  await assertMayEdit(ctx, actor, memberId).catch((error: unknown) => {
    body.resume()
    throw error
  })
  if (declaredLength !== undefined && declaredLength > MAX_AVATAR_BYTES) {
    body.resume()
    throw new AppError(413, 'file_too_large', 'A profile photo can be at most 2 MB.')
  }
  const target = await ctx.db
    .selectFrom('member')
    .select('id')
    .where('id', '=', memberId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!target) {
    body.resume()
    throw notFound('member_not_found', 'No such member.')
  }
  // Refused from what the bytes are, before anything is kept on disk or in the database.
  const file = await storeUpload(ctx, actor, body, {
    name: 'avatar',
    declaredLength,
    maxBytes: MAX_AVATAR_BYTES,
    accept: assertAvatarImage,
  })
  await ctx.write(async ({ trx, emit }) => {
    const member = await trx
      .selectFrom('member')
      .selectAll()
      .where('id', '=', memberId)
      .where('status', '=', 'active')
      .executeTakeFirst()
    if (!member) throw notFound('member_not_found', 'No such member.')
    await trx.updateTable('member').set({ avatar_file_id: file.id }).where('id', '=', memberId).execute()
    emit('directory.changed', { kind: 'shop' }, { memberId })
  })
  return { avatarUrl: `/api/members/${memberId}/avatar?v=${file.id}` }
}

export async function removeAvatar(ctx: AppContext, actor: Actor, memberId: number): Promise<void> {
  await assertMayEdit(ctx, actor, memberId)
  await ctx.write(async ({ trx, emit }) => {
    await trx.updateTable('member').set({ avatar_file_id: null }).where('id', '=', memberId).execute()
    emit('directory.changed', { kind: 'shop' }, { memberId })
  })
}

/** Any active member may see photos of active members; a wall display, of those it shows as on shift. */
export async function openAvatar(ctx: AppContext, actor: Actor, memberId: number): Promise<OpenedFile> {
  if (actor.member.role === 'display' && !(await onShiftNow(ctx)).some((entry) => entry.id === memberId)) {
    throw notFound('avatar_not_found', 'No photo.')
  }
  const row = await ctx.db
    .selectFrom('member')
    .select(['avatar_file_id', 'status', 'role'])
    .where('id', '=', memberId)
    .executeTakeFirst()
  if (!row || row.status !== 'active' || row.avatar_file_id === null) throw notFound('avatar_not_found', 'No photo.')
  return openStoredFile(ctx, row.avatar_file_id)
}
