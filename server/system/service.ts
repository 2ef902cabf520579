/** The owner's view of the appliance: health, storage, backups, integrations, deliveries. */
import fs from 'node:fs'
import path from 'node:path'
import type { AppContext } from '../shared/context'
import type { IntegrationStatus } from '../shared/ports'
import { listBackups } from '../backup/service'

export const LOW_DISK_BYTES = 1024 ** 3
export const STALE_BACKUP_MS = 2 * 86_400_000
const startedAt = Date.now()

// Declared with the context's ports; integrations report it, the System page shows it.
export type { IntegrationStatus }

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}

export function databaseBytes(ctx: AppContext): { bytes: number; walBytes: number } {
  const file = path.join(ctx.config.dataDir, 'backboard.db')
  return { bytes: fileSize(file), walBytes: fileSize(`${file}-wal`) }
}

export function diskSpace(dir: string): { freeBytes: number; totalBytes: number } {
  const stats = fs.statfsSync(dir)
  return { freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize }
}

export function lastBackup(ctx: AppContext) {
  const backups = listBackups(ctx.config.backupDir)
  const last = backups[0] ?? null
  return {
    last: last && {
      name: last.name,
      createdAt: last.createdAt,
      reason: last.reason,
      databaseBytes: last.databaseBytes,
    },
    count: backups.length,
    directory: ctx.config.backupDir,
    isStale: !last || ctx.clock.now() - last.createdAt > STALE_BACKUP_MS,
  }
}

/** Integrations report here as they are set up (push, Telegram, Xero); none is by default. */
export function integrations(ctx: AppContext): IntegrationStatus[] {
  return [...ctx.integrations.values()].map((report) => report())
}

export async function systemStatus(ctx: AppContext) {
  const disk = ctx.diskSpace(ctx.config.dataDir)
  return {
    version: ctx.version,
    node: process.version,
    startedAt,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    memoryRssBytes: process.memoryUsage.rss(),
    database: databaseBytes(ctx),
    disk: { ...disk, isLow: disk.freeBytes < LOW_DISK_BYTES },
    backups: lastBackup(ctx),
    integrations: integrations(ctx),
    outbox: await ctx.outbox.counts(),
    deadLetters: await ctx.outbox.deadLetters(20),
    connections: ctx.hub.size,
  }
}
