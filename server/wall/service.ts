/**
 * Wall displays: pairing a screen without a keyboard, and the feed it shows.
 *
 * A new screen asks for a pairing: it gets a short code to show (and a QR code of the
 * pairing link) and a secret poll token it keeps. A manager enters or scans the code and
 * names the display; that creates a *display* member. The screen's next poll, which proves
 * it holds the poll token, creates the display's session and sets its cookie, once.
 * Revoking is deactivating the display member.
 */
import type { AppContext } from '../shared/context'
import { AppError, notFound } from '../shared/errors'
import { hashToken, randomToken, readableCode } from '../shared/tokens'
import { cleanName } from '../shared/names'
import { recordAudit } from '../audit/service'
import { auditParty, can, type Actor } from '../auth/actor'
import { SESSION_TTL_MS } from '../auth/service'
import { joinUrl, qrSvg } from '../auth/invites-service'
import { requireShop } from '../settings/service'
import { listPinned } from '../notices/service'
import { listMessages } from '../conversations/reading-service'
import { selectBoard } from '../conversations/repo'
import type { MessageView } from '../realtime/events'
import { listWallPages, type PageView } from '../pages/service'
import { onShiftNow, type DirectoryEntry } from '../directory/service'
import { wallTasks, type WallTasks } from './tasks'

const PAIRING_TTL_MS = 10 * 60_000

export interface PairingStart {
  code: string
  pollToken: string
  expiresAt: number
  pairUrl: string
  qrSvg: string
}

export async function startPairing(ctx: AppContext, origin: string): Promise<PairingStart> {
  await requireShop(ctx)
  const pollToken = randomToken()
  const { code, expiresAt } = await ctx.write(async ({ trx, now }) => {
    await trx.deleteFrom('display_pairing').where('expires_at', '<', now).where('claimed_at', 'is', null).execute()
    const code = readableCode(6)
    const expiresAt = now + PAIRING_TTL_MS
    await trx
      .insertInto('display_pairing')
      .values({ code, poll_hash: hashToken(pollToken), created_at: now, expires_at: expiresAt })
      .execute()
    return { code, expiresAt }
  })
  const pairUrl = `${origin}/pair/${code}`
  return { code, pollToken, expiresAt, pairUrl, qrSvg: await qrSvg(pairUrl) }
}

export type PollResult = { status: 'waiting'; expiresAt: number } | { status: 'paired'; token: string; name: string }

const expired = () => new AppError(410, 'pairing_expired', 'This pairing code has expired. A new one is shown.')

/** The screen's poll. Once claimed, creates the display's session and hands it over, once. */
export async function pollPairing(ctx: AppContext, pollToken: string): Promise<PollResult> {
  return ctx.write(async ({ trx, now }) => {
    const row = await trx
      .selectFrom('display_pairing')
      .selectAll()
      .where('poll_hash', '=', hashToken(pollToken))
      .executeTakeFirst()
    if (!row) throw expired()
    if (row.member_id === null) {
      if (row.expires_at <= now) throw expired()
      return { status: 'waiting' as const, expiresAt: row.expires_at }
    }
    await trx.deleteFrom('display_pairing').where('id', '=', row.id).execute()
    const member = await trx
      .selectFrom('member')
      .select(['display_name', 'status'])
      .where('id', '=', row.member_id)
      .executeTakeFirst()
    if (!member || member.status !== 'active') throw expired()
    const token = randomToken()
    await trx
      .insertInto('session')
      .values({
        member_id: row.member_id,
        token_hash: hashToken(token),
        created_at: now,
        last_seen_at: now,
        expires_at: now + SESSION_TTL_MS,
        user_agent: 'wall display',
        ip: '',
      })
      .execute()
    return { status: 'paired' as const, token, name: member.display_name }
  })
}

/** A manager claims a code shown on a screen and names the display. */
export async function claimPairing(ctx: AppContext, actor: Actor, code: string, name: string) {
  const displayName = cleanName(name)
  if (!displayName) throw new AppError(400, 'invalid_name', 'Give the display a name, such as "Back room".')
  return ctx.write(async ({ trx, now, emit }) => {
    const row = await trx
      .selectFrom('display_pairing')
      .selectAll()
      .where('code', '=', code.replace(/[\s-]+/g, '').toUpperCase())
      .executeTakeFirst()
    if (!row || row.expires_at <= now || row.claimed_at !== null) {
      throw notFound(
        'pairing_not_found',
        'No screen shows that code. Check the code on the screen, or reload it for a new one.',
      )
    }
    const member = await trx
      .insertInto('member')
      .values({
        username: `display-${readableCode(8).toLowerCase()}`,
        display_name: displayName,
        password_hash: null,
        role: 'display',
        status: 'active',
        created_at: now,
        approved_at: now,
        approved_by: actor.member.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await trx
      .updateTable('display_pairing')
      .set({ claimed_at: now, member_id: member.id })
      .where('id', '=', row.id)
      .execute()
    await recordAudit(trx, now, {
      action: 'display.paired',
      actor: auditParty(actor),
      target: { id: member.id, name: displayName },
      ip: actor.ip,
    })
    emit(
      'member.joined',
      { kind: 'shop' },
      {
        member: {
          id: member.id,
          username: member.username,
          displayName,
          role: 'display',
          status: 'active',
          jobTitle: '',
          permissions: [],
        },
      },
    )
    return { id: member.id, name: displayName }
  })
}

export interface WallFeed {
  shop: { name: string; timezone: string }
  notices: MessageView[]
  recent: MessageView[]
  onShift: DirectoryEntry[]
  /** The join QR code, only while the shop shows it on the wall; never the code as text. */
  join: { qrSvg: string } | null
  pages: PageView[]
  /** The open tasks, on a display whose "Show tasks" is on; null everywhere else. */
  tasks: WallTasks | null
  generatedAt: number
}

/**
 * Everything the wall shows: only the board, pages marked for the wall and, on a display
 * set to show them, the unfinished tasks of open channels; never anything private.
 */
export async function wallFeed(ctx: AppContext, actor: Actor, origin: string): Promise<WallFeed> {
  const shop = await requireShop(ctx)
  const board = await selectBoard(ctx.db)
  const showsTasks = actor.member.role === 'display' && actor.member.wall_show_tasks === 1
  const [{ notices }, history, onShift, pages, settings, tasks] = await Promise.all([
    listPinned(ctx, actor),
    listMessages(ctx, actor, board.id, { limit: 30 }),
    onShiftNow(ctx),
    listWallPages(ctx),
    ctx.db.selectFrom('shop').select('wall_show_join_qr').executeTakeFirstOrThrow(),
    showsTasks ? wallTasks(ctx) : null,
  ])
  const pinnedIds = new Set(notices.map((n) => n.id))
  // A task posted on the board belongs in the tasks panel, not among the messages.
  const recent = history
    .filter((m) => m.deletedAt === null && m.kind !== 'system' && m.kind !== 'task' && !pinnedIds.has(m.id))
    .reverse()
    .slice(0, 12)
  // The join code admits newcomers: it goes to the wall screen (and to those who manage
  // members and see it anyway), as a QR image only, and only while the setting is on.
  const isJoinShown =
    settings.wall_show_join_qr === 1 && (actor.member.role === 'display' || can(actor, 'members.manage'))
  return {
    shop: { name: shop.name, timezone: shop.timezone },
    notices,
    recent,
    onShift,
    join: isJoinShown ? { qrSvg: await qrSvg(joinUrl(origin, shop.joinCode)) } : null,
    pages,
    tasks,
    generatedAt: ctx.clock.now(),
  }
}

export interface DisplayView {
  id: number
  name: string
  status: 'active' | 'deactivated'
  pairedAt: number
  lastSeenAt: number | null
  isOnline: boolean
  /** Whether it shows the open tasks. */
  showTasks: boolean
}

export async function listDisplays(ctx: AppContext): Promise<DisplayView[]> {
  const rows = await ctx.db
    .selectFrom('member as m')
    .leftJoin('session as s', 's.member_id', 'm.id')
    .select([
      'm.id',
      'm.display_name',
      'm.status',
      'm.created_at',
      'm.wall_show_tasks',
      (eb) => eb.fn.max('s.last_seen_at').as('last_seen'),
    ])
    .where('m.role', '=', 'display')
    .where('m.status', '!=', 'pending')
    .groupBy('m.id')
    .orderBy('m.display_name')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    name: row.display_name,
    status: row.status as 'active' | 'deactivated',
    pairedAt: row.created_at,
    lastSeenAt: row.last_seen === null ? null : Number(row.last_seen),
    isOnline: ctx.presence.presenceOf(row.id) !== 'offline',
    showTasks: row.wall_show_tasks === 1,
  }))
}

/**
 * Turns a display's tasks panel on or off (members.manage). Told as the display member's
 * update: the Displays page shows it, and the screen fetches its feed again.
 */
export async function setDisplayShowsTasks(
  ctx: AppContext,
  actor: Actor,
  id: number,
  showTasks: boolean,
): Promise<DisplayView> {
  await ctx.write(async ({ trx, now, emit }) => {
    const display = await trx
      .selectFrom('member')
      .selectAll()
      .where('id', '=', id)
      .where('role', '=', 'display')
      .where('status', '!=', 'pending')
      .executeTakeFirst()
    if (!display) throw notFound('display_not_found', 'No such display.')
    if ((display.wall_show_tasks === 1) === showTasks) return
    await trx
      .updateTable('member')
      .set({ wall_show_tasks: showTasks ? 1 : 0 })
      .where('id', '=', id)
      .execute()
    await recordAudit(trx, now, {
      action: 'member.updated',
      actor: auditParty(actor),
      target: { id, name: display.display_name },
      ip: actor.ip,
      detail: { fields: ['showTasks'], showTasks },
    })
    emit(
      'member.updated',
      { kind: 'shop' },
      {
        member: {
          id,
          username: display.username,
          displayName: display.display_name,
          role: 'display',
          status: display.status,
          jobTitle: display.job_title,
          permissions: [],
        },
      },
    )
  })
  const view = (await listDisplays(ctx)).find((display) => display.id === id)
  if (!view) throw notFound('display_not_found', 'No such display.')
  return view
}
