/** The shop's own settings: name, timezone, join code and approval policy. */
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import type { AppContext } from '../shared/context'
import { badRequest, conflict } from '../shared/errors'
import { readableCode } from '../shared/tokens'
import { recordAudit } from '../audit/service'
import type { Actor } from '../auth/actor'
import { auditParty } from '../auth/actor'
import { selectShop, updateShop } from './repo'

export interface ShopView {
  name: string
  timezone: string
  autoApprove: boolean
}

export interface ShopSettingsView extends ShopView {
  joinCode: string
}

export const JOIN_CODE_LENGTH = 8

export function isValidTimezone(timezone: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(timezone) && timezone !== 'UTC') return false
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone })
    return true
  } catch {
    return false
  }
}

export function assertTimezone(timezone: string): void {
  if (!isValidTimezone(timezone)) {
    throw badRequest('invalid_timezone', 'Choose a timezone from the list, such as Europe/London.')
  }
}

/** Pass the transaction as `db` when inside ctx.write(): the one connection is busy with it. */
export async function getShop(ctx: AppContext, db: Kysely<DB> = ctx.db): Promise<ShopSettingsView | null> {
  const row = await selectShop(db)
  if (!row) return null
  return { name: row.name, timezone: row.timezone, autoApprove: row.auto_approve === 1, joinCode: row.join_code }
}

export async function requireShop(ctx: AppContext, db: Kysely<DB> = ctx.db): Promise<ShopSettingsView> {
  const shop = await getShop(ctx, db)
  if (!shop) throw conflict('setup_required', 'Backboard has not been set up yet.')
  return shop
}

export function newJoinCode(): string {
  return readableCode(JOIN_CODE_LENGTH)
}

export interface ShopPatch {
  name?: string | undefined
  timezone?: string | undefined
  autoApprove?: boolean | undefined
}

/** Changes shop settings; every changed field is audited with its old and new value. */
export async function updateSettings(ctx: AppContext, actor: Actor, patch: ShopPatch): Promise<ShopSettingsView> {
  if (patch.timezone !== undefined) assertTimezone(patch.timezone)
  if (patch.name !== undefined && patch.name.trim() === '') throw badRequest('invalid_name', 'The shop needs a name.')
  return ctx.write(async ({ trx, now, emit }) => {
    const before = await selectShop(trx)
    if (!before) throw conflict('setup_required', 'Backboard has not been set up yet.')
    const changes: Record<string, { from: unknown; to: unknown }> = {}
    const next = { name: before.name, timezone: before.timezone, auto_approve: before.auto_approve }
    if (patch.name !== undefined && patch.name.trim() !== before.name) {
      changes.name = { from: before.name, to: patch.name.trim() }
      next.name = patch.name.trim()
    }
    if (patch.timezone !== undefined && patch.timezone !== before.timezone) {
      changes.timezone = { from: before.timezone, to: patch.timezone }
      next.timezone = patch.timezone
    }
    if (patch.autoApprove !== undefined && (patch.autoApprove ? 1 : 0) !== before.auto_approve) {
      changes.autoApprove = { from: before.auto_approve === 1, to: patch.autoApprove }
      next.auto_approve = patch.autoApprove ? 1 : 0
    }
    if (Object.keys(changes).length > 0) {
      await updateShop(trx, next)
      await recordAudit(trx, now, {
        action: 'settings.changed',
        actor: auditParty(actor),
        ip: actor.ip,
        detail: changes,
      })
      if (changes.name || changes.timezone)
        emit('shop.updated', { kind: 'shop' }, { name: next.name, timezone: next.timezone })
    }
    return {
      name: next.name,
      timezone: next.timezone,
      autoApprove: next.auto_approve === 1,
      joinCode: before.join_code,
    }
  })
}

export async function rotateJoinCode(ctx: AppContext, actor: Actor): Promise<string> {
  return ctx.write(async ({ trx, now }) => {
    const code = newJoinCode()
    await updateShop(trx, { join_code: code })
    await recordAudit(trx, now, { action: 'join_code.rotated', actor: auditParty(actor), ip: actor.ip })
    return code
  })
}
