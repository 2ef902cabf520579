/** The shop's own settings: name, timezone, join code and approval policy. */
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import type { AppContext } from '../shared/context'
import { badRequest, conflict } from '../shared/errors'
import { readableCode } from '../shared/tokens'
import { recordAudit } from '../audit/service'
import type { Actor } from '../auth/actor'
import { auditParty } from '../auth/actor'
import type { Updateable } from 'kysely'
import type { ShopTable } from '../db/schema'
import { selectShop, updateShop } from './repo'

export interface ShopView {
  name: string
  timezone: string
  autoApprove: boolean
  /** Largest upload, in MB. */
  maxFileMb: number
  /** Storage each member may use for uploads, in MB. */
  memberQuotaMb: number
  /** How often unacknowledged notices are re-announced, in minutes. */
  reminderIntervalMinutes: number
  /** Whether the wall shows the join QR code for newcomers. */
  wallShowJoinQr: boolean
  /** Messages older than this many days are deleted (null: kept forever). */
  retentionDays: number | null
  /** Contact for push services (an email address or https URL), sent with every push. */
  pushContact: string
  /** Customers may write to the shop's Telegram bot (off until the owner turns it on). */
  customersEnabled: boolean
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
function toView(row: NonNullable<Awaited<ReturnType<typeof selectShop>>>): ShopSettingsView {
  return {
    name: row.name,
    timezone: row.timezone,
    autoApprove: row.auto_approve === 1,
    maxFileMb: row.max_file_mb,
    memberQuotaMb: row.member_quota_mb,
    reminderIntervalMinutes: row.reminder_interval_minutes,
    wallShowJoinQr: row.wall_show_join_qr === 1,
    retentionDays: row.retention_days,
    pushContact: row.push_contact,
    customersEnabled: row.customers_enabled === 1,
    joinCode: row.join_code,
  }
}

export async function getShop(ctx: AppContext, db: Kysely<DB> = ctx.db): Promise<ShopSettingsView | null> {
  const row = await selectShop(db)
  return row ? toView(row) : null
}

export async function requireShop(ctx: AppContext, db: Kysely<DB> = ctx.db): Promise<ShopSettingsView> {
  const shop = await getShop(ctx, db)
  if (!shop) throw conflict('setup_required', 'Backboard has not been set up yet.')
  return shop
}

export function newJoinCode(): string {
  return readableCode(JOIN_CODE_LENGTH)
}

export type ShopPatch = { [K in keyof ShopView]?: ShopView[K] | undefined }

type Column = keyof Updateable<ShopTable>

/** Each setting: its column, how it is stored, and what values make sense. */
const FIELDS: {
  [K in keyof ShopView]: { column: Column; toDb: (value: ShopView[K]) => unknown; check?: (value: ShopView[K]) => void }
} = {
  name: {
    column: 'name',
    toDb: (value) => value.trim(),
    check: (value) => {
      if (value.trim() === '') throw badRequest('invalid_name', 'The shop needs a name.')
    },
  },
  timezone: { column: 'timezone', toDb: (value) => value, check: assertTimezone },
  autoApprove: { column: 'auto_approve', toDb: (value) => (value ? 1 : 0) },
  maxFileMb: { column: 'max_file_mb', toDb: (value) => value },
  memberQuotaMb: { column: 'member_quota_mb', toDb: (value) => value },
  reminderIntervalMinutes: { column: 'reminder_interval_minutes', toDb: (value) => value },
  wallShowJoinQr: { column: 'wall_show_join_qr', toDb: (value) => (value ? 1 : 0) },
  retentionDays: { column: 'retention_days', toDb: (value) => value },
  customersEnabled: { column: 'customers_enabled', toDb: (value) => (value ? 1 : 0) },
  pushContact: {
    column: 'push_contact',
    toDb: (value) => value.trim(),
    check: (value) => {
      if (value.trim() !== '' && !/^(mailto:)?[^@\s]+@[^@\s]+$|^https:\/\/\S+$/.test(value.trim())) {
        throw badRequest('invalid_contact', 'Give an email address or an https:// address.')
      }
    },
  },
}

/** Changes shop settings; every changed field is audited with its old and new value. */
export async function updateSettings(ctx: AppContext, actor: Actor, patch: ShopPatch): Promise<ShopSettingsView> {
  const keys = (Object.keys(patch) as (keyof ShopView)[]).filter((key) => patch[key] !== undefined && key in FIELDS)
  for (const key of keys) (FIELDS[key].check as ((value: unknown) => void) | undefined)?.(patch[key])
  return ctx.write(async ({ trx, now, emit }) => {
    const row = await selectShop(trx)
    if (!row) throw conflict('setup_required', 'Backboard has not been set up yet.')
    const before = toView(row)
    const changes: Record<string, { from: unknown; to: unknown }> = {}
    const update: Record<string, unknown> = {}
    for (const key of keys) {
      const field = FIELDS[key] as { column: Column; toDb: (value: unknown) => unknown }
      const value = field.toDb(patch[key])
      if (value === row[field.column as keyof typeof row]) continue
      changes[key] = { from: before[key], to: patch[key] }
      update[field.column] = value
    }
    if (Object.keys(changes).length === 0) return before
    await updateShop(trx, update as Updateable<ShopTable>)
    await recordAudit(trx, now, { action: 'settings.changed', actor: auditParty(actor), ip: actor.ip, detail: changes })
    const after = toView({ ...row, ...update } as typeof row)
    if (changes.name || changes.timezone)
      emit('shop.updated', { kind: 'shop' }, { name: after.name, timezone: after.timezone })
    return after
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
