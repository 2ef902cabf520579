/**
 * Who is who: a member links their Telegram account with a one-time code (made in the app,
 * sent back as /start in Telegram); the link goes when they unlink on either side or are
 * deactivated. Only a linked, active member reaches shop data from Telegram.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { notFound } from '../shared/errors'
import type { StoredEvent } from '../shared/events'
import type { WriteContext } from '../shared/write'
import type { Actor } from '../auth/actor'
import { recordAudit } from '../audit/service'
import { effectivePermissions } from '../auth/permissions'
import { selectPermissions } from '../auth/repo'
import type { DB, TelegramMirror } from '../db/schema'
import type { Bridge } from './bridge'
import type { TgUser } from './client'
import type { Mirror } from './mirror'

export const CODE_TTL_MS = 15 * 60_000

export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex')
}

/** The member behind a Telegram link, as services see a signed-in member; null if not active staff. */
export async function actorFor(db: Kysely<DB>, memberId: number): Promise<Actor | null> {
  const member = await db
    .selectFrom('member')
    .selectAll()
    .where('id', '=', memberId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!member || member.role === 'display') return null
  const grants = (await selectPermissions(db, [member.id])).get(member.id) ?? []
  return { member, permissions: effectivePermissions(member.role, grants), sessionId: 0, ip: 'telegram' }
}

/** A one-time code as stored (by its hash), whether or not it has expired. */
export function findCode(w: WriteContext, code: string, kind: 'member' | 'group') {
  return w.trx
    .selectFrom('telegram_code')
    .selectAll()
    .where('code_hash', '=', hashCode(code))
    .where('kind', '=', kind)
    .executeTakeFirst()
}

/** The active member a Telegram account is linked to, if any. */
export function linkOf(db: Kysely<DB>, telegramUserId: number) {
  return db
    .selectFrom('telegram_link as l')
    .innerJoin('member as m', 'm.id', 'l.member_id')
    .select(['l.member_id', 'l.last_conversation_id', 'm.display_name'])
    .where('l.telegram_user_id', '=', telegramUserId)
    .where('m.status', '=', 'active')
    .executeTakeFirst()
}

export function fullName(user: TgUser): string {
  return [user.first_name, user.last_name].filter(Boolean).join(' ').slice(0, 80) || 'Telegram user'
}

export class Linking {
  constructor(
    private readonly bridge: Bridge,
    private readonly mirror: Mirror,
  ) {}

  private get ctx() {
    return this.bridge.ctx
  }

  /** A deactivated member's Telegram account stops counting as staff, in the same transaction. */
  register(): void {
    this.ctx.write.onStored(async (w, events) => {
      for (const event of events) {
        if (event.type !== 'member.deactivated') continue
        const { memberId } = (event as StoredEvent<'member.deactivated'>).data
        await this.removeLink(w, memberId, 'deactivation')
        await w.trx.deleteFrom('telegram_code').where('member_id', '=', memberId).execute()
      }
    })
  }

  /** The member's link and mirror setting, for Account → Telegram. */
  async me(actor: Actor) {
    const link = await this.ctx.db
      .selectFrom('telegram_link')
      .selectAll()
      .where('member_id', '=', actor.member.id)
      .executeTakeFirst()
    const member = await this.ctx.db
      .selectFrom('member')
      .select('telegram_mirror')
      .where('id', '=', actor.member.id)
      .executeTakeFirstOrThrow()
    return {
      isAvailable: this.bridge.bot !== null,
      botUsername: this.bridge.bot?.username ?? null,
      link: link
        ? { telegramName: link.telegram_name, telegramUsername: link.telegram_username, linkedAt: link.linked_at }
        : null,
      mirror: member.telegram_mirror,
    }
  }

  /** A new one-time code of a kind for a member (their previous one of that kind is void). */
  async newCode(
    kind: 'member' | 'group',
    memberId: number,
    conversationId: number | null,
  ): Promise<{ code: string; expiresAt: number }> {
    // 24 characters from [A-Za-z0-9_-]: what a t.me start parameter allows (at most 64).
    const code = randomBytes(18).toString('base64url')
    const expiresAt = this.ctx.clock.now() + CODE_TTL_MS
    await this.ctx.write(async (w) => {
      await w.trx.deleteFrom('telegram_code').where('expires_at', '<', w.now).execute()
      await w.trx.deleteFrom('telegram_code').where('member_id', '=', memberId).where('kind', '=', kind).execute()
      await w.trx
        .insertInto('telegram_code')
        .values({
          code_hash: hashCode(code),
          kind,
          member_id: memberId,
          conversation_id: conversationId,
          created_at: w.now,
          expires_at: expiresAt,
        })
        .execute()
    })
    return { code, expiresAt }
  }

  async unlink(actor: Actor): Promise<void> {
    await this.ctx.write(async (w) => {
      const link = await w.trx
        .selectFrom('telegram_link')
        .selectAll()
        .where('member_id', '=', actor.member.id)
        .executeTakeFirst()
      if (!link) throw notFound('telegram_not_linked', 'Your account is not linked to Telegram.')
      await this.removeLink(w, actor.member.id, 'app')
      if (this.bridge.bot) {
        await this.mirror.queueReply(
          w,
          link.telegram_user_id,
          `unlink:${actor.member.id}:${w.now}`,
          'This Telegram account is no longer linked to Backboard. You will not get messages here any more.',
        )
      }
    })
  }

  /** Removes a member's link in a write (from the app, from Telegram, or on deactivation). */
  async removeLink(w: WriteContext, memberId: number, from: string): Promise<void> {
    const link = await w.trx
      .selectFrom('telegram_link')
      .selectAll()
      .where('member_id', '=', memberId)
      .executeTakeFirst()
    if (!link) return
    await w.trx.deleteFrom('telegram_link').where('member_id', '=', memberId).execute()
    await w.trx.deleteFrom('telegram_action').where('member_id', '=', memberId).execute()
    const member = await w.trx
      .selectFrom('member')
      .select(['id', 'display_name', 'username'])
      .where('id', '=', memberId)
      .executeTakeFirst()
    await recordAudit(w.trx, w.now, {
      action: 'telegram.unlinked',
      actor: member ? { id: member.id, name: `${member.display_name} (@${member.username})` } : null,
      ip: from,
      detail: { telegram: link.telegram_username ? `@${link.telegram_username}` : link.telegram_name },
    })
    w.emit('telegram.link_changed', { kind: 'member', id: memberId }, { memberId, isLinked: false })
    w.emit('directory.changed', { kind: 'shop' }, { memberId })
  }

  /**
   * Links the Telegram account `from` to the member whose code this is (in the update's
   * transaction); false when the code has expired, was used, or its member may not link.
   */
  async linkMember(w: WriteContext, code: string, from: TgUser): Promise<{ displayName: string } | null> {
    const row = await findCode(w, code, 'member')
    const member = row
      ? await w.trx
          .selectFrom('member')
          .select(['id', 'display_name', 'username', 'status', 'role'])
          .where('id', '=', row.member_id)
          .executeTakeFirst()
      : undefined
    if (!row || row.expires_at <= w.now || !member || member.status !== 'active' || member.role === 'display') {
      return null
    }
    const other = await w.trx
      .selectFrom('telegram_link')
      .select('member_id')
      .where('telegram_user_id', '=', from.id)
      .executeTakeFirst()
    if (other && other.member_id !== member.id) await this.removeLink(w, other.member_id, 'telegram')
    await w.trx.deleteFrom('telegram_code').where('code_hash', '=', row.code_hash).execute()
    await w.trx.deleteFrom('telegram_link').where('member_id', '=', member.id).execute()
    await w.trx
      .insertInto('telegram_link')
      .values({
        member_id: member.id,
        telegram_user_id: from.id,
        telegram_name: fullName(from),
        telegram_username: from.username ?? null,
        linked_at: w.now,
        last_conversation_id: null,
      })
      .execute()
    await recordAudit(w.trx, w.now, {
      action: 'telegram.linked',
      actor: { id: member.id, name: `${member.display_name} (@${member.username})` },
      ip: 'telegram',
      detail: { telegram: from.username ? `@${from.username}` : fullName(from) },
    })
    w.emit('telegram.link_changed', { kind: 'member', id: member.id }, { memberId: member.id, isLinked: true })
    w.emit('directory.changed', { kind: 'shop' }, { memberId: member.id })
    return { displayName: member.display_name }
  }

  async setMirror(actor: Actor, mirror: TelegramMirror) {
    await this.ctx.db.updateTable('member').set({ telegram_mirror: mirror }).where('id', '=', actor.member.id).execute()
    return this.me(actor)
  }
}
