/**
 * Presence and the one away rule. Online: a connected client with a visible page; idle:
 * connected but hidden; offline: no client. A member is *away* when they said so (off
 * shift or away) or when none of their clients has shown a visible page for AWAY_AFTER_MS.
 * Push and the Telegram mirror both ask `isAway`.
 */
import type { AppContext } from '../shared/context'
import { badRequest } from '../shared/errors'
import type { Actor } from '../auth/actor'
import type { PresencePort, PresenceView } from '../shared/ports'
import type { Presence, ShiftStatus } from './events'
import type { Hub } from './hub'

export const AWAY_AFTER_MS = 5 * 60_000
const SETTLE_MS = 1_500

export type { PresenceView }

export class PresenceTracker implements PresencePort {
  private readonly lastVisibleAt = new Map<number, number>()
  private readonly published = new Map<number, Presence>()
  private readonly timers = new Map<number, NodeJS.Timeout>()

  constructor(
    private readonly ctx: AppContext,
    private readonly hub: Hub,
  ) {
    hub.onConnectionChange((memberId) => this.changed(memberId))
    // A newcomer's page is open while they wait; nothing is told about them until they are
    // in, so approval (or reactivation) is when their presence has to be told.
    hub.addApplier((event) => {
      if (event.type !== 'member.approved' && event.type !== 'member.reactivated') return
      const memberId = (event.data as { member: { id: number } }).member.id
      if (this.hub.isConnected(memberId)) this.changed(memberId)
    })
  }

  presenceOf(memberId: number): Presence {
    if (this.hub.hasVisibleConnection(memberId)) return 'online'
    return this.hub.isConnected(memberId) ? 'idle' : 'offline'
  }

  /** The away rule (DESIGN.md). */
  isAway(member: { id: number; shift_status: ShiftStatus; shift_status_until: number | null }): boolean {
    const now = this.ctx.clock.now()
    const isStatusActive = member.shift_status_until === null || member.shift_status_until > now
    if (member.shift_status !== 'on_shift' && isStatusActive) return true
    if (this.hub.hasVisibleConnection(member.id)) return false
    const last = this.lastVisibleAt.get(member.id)
    return last === undefined || now - last > AWAY_AFTER_MS
  }

  private changed(memberId: number): void {
    if (this.hub.hasVisibleConnection(memberId) || this.published.get(memberId) === 'online') {
      this.lastVisibleAt.set(memberId, this.ctx.clock.now())
    }
    // Let a page reload or a quick tab switch settle before telling everyone.
    clearTimeout(this.timers.get(memberId))
    const timer = setTimeout(() => {
      this.timers.delete(memberId)
      void this.publish(memberId).catch((error: unknown) =>
        this.ctx.log.warn({ err: error }, 'presence publish failed'),
      )
    }, SETTLE_MS)
    timer.unref()
    this.timers.set(memberId, timer)
  }

  private async publish(memberId: number): Promise<void> {
    const presence = this.presenceOf(memberId)
    if (presence === 'online') this.lastVisibleAt.set(memberId, this.ctx.clock.now())
    if (this.published.get(memberId) === presence) return
    await this.ctx.write(async ({ trx, emit }) => {
      const member = await trx
        .selectFrom('member')
        .select(['id', 'status', 'shift_status', 'shift_status_until'])
        .where('id', '=', memberId)
        .executeTakeFirst()
      // Only what was told counts as published: a pending member's is told once approved.
      if (!member || member.status !== 'active') return
      this.published.set(memberId, presence)
      emit(
        'presence.changed',
        { kind: 'shop' },
        {
          memberId,
          presence,
          shiftStatus: member.shift_status,
          shiftStatusUntil: member.shift_status_until,
        },
      )
    })
  }

  async list(): Promise<PresenceView[]> {
    const rows = await this.ctx.db
      .selectFrom('member')
      .select(['id', 'shift_status', 'shift_status_until'])
      .where('status', '=', 'active')
      .execute()
    return rows.map((row) => ({
      memberId: row.id,
      presence: this.presenceOf(row.id),
      shiftStatus: row.shift_status,
      shiftStatusUntil: row.shift_status_until,
    }))
  }

  /** Sets the actor's own shift status, optionally until a time, after which it lapses. */
  async setShiftStatus(
    actor: Actor,
    shiftStatus: ShiftStatus,
    untilMinutes: number | null,
    /** To commit with a caller's change (ctx.write.within). */
    write = this.ctx.write,
  ): Promise<PresenceView> {
    if (untilMinutes !== null && (untilMinutes < 1 || untilMinutes > 14 * 24 * 60)) {
      throw badRequest('invalid_duration', 'Choose a duration between a minute and two weeks.')
    }
    return write(async ({ trx, now, emit }) => {
      const until = untilMinutes === null ? null : now + untilMinutes * 60_000
      await trx
        .updateTable('member')
        .set({ shift_status: shiftStatus, shift_status_until: until, shift_status_at: now })
        .where('id', '=', actor.member.id)
        .execute()
      const view = {
        memberId: actor.member.id,
        presence: this.presenceOf(actor.member.id),
        shiftStatus,
        shiftStatusUntil: until,
      }
      emit('presence.changed', { kind: 'shop' }, view)
      return view
    })
  }

  /** Returns lapsed shift statuses to "on shift"; run every minute. */
  async expireShiftStatuses(): Promise<number> {
    return this.ctx.write(async ({ trx, now, emit }) => {
      const lapsed = await trx
        .selectFrom('member')
        .select('id')
        .where('shift_status_until', 'is not', null)
        .where('shift_status_until', '<=', now)
        .execute()
      for (const { id } of lapsed) {
        await trx
          .updateTable('member')
          .set({ shift_status: 'on_shift', shift_status_until: null })
          .where('id', '=', id)
          .execute()
        emit(
          'presence.changed',
          { kind: 'shop' },
          { memberId: id, presence: this.presenceOf(id), shiftStatus: 'on_shift', shiftStatusUntil: null },
        )
      }
      return lapsed.length
    })
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
  }
}
