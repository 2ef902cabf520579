/**
 * Backups while the app serves: SQLite's online backup API copies a consistent snapshot of
 * the database, and the content-addressed files folder is linked (or copied) beside it.
 * Kept with a retention policy: the newest 7 daily and 4 weekly backups, plus the newest 3
 * taken before an upgrade.
 */
import fs from 'node:fs'
import path from 'node:path'
import type SQLite from 'better-sqlite3'
import type { AppContext } from '../shared/context'

export type BackupReason = 'daily' | 'manual' | 'pre-migration'

export interface BackupInfo {
  name: string
  path: string
  createdAt: number
  reason: BackupReason
  databaseBytes: number
  fileCount: number
}

const MANIFEST = 'manifest.json'

function stamp(time: number): string {
  return new Date(time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-')
}

/** Copies every file of `from` into `to`, hard-linking where the filesystem allows. */
function linkTree(from: string, to: string): number {
  if (!fs.existsSync(from)) return 0
  let count = 0
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.name === 'tmp') continue
    const source = path.join(from, entry.name)
    const target = path.join(to, entry.name)
    if (entry.isDirectory()) {
      fs.mkdirSync(target, { recursive: true })
      count += linkTree(source, target)
    } else if (entry.isFile()) {
      try {
        fs.linkSync(source, target)
      } catch {
        fs.copyFileSync(source, target)
      }
      count++
    }
  }
  return count
}

export interface BackupOptions {
  sqlite: SQLite.Database
  dataDir: string
  backupDir: string
  reason: BackupReason
  now: number
  version: string
}

/** Takes a backup now; the database keeps serving reads and writes meanwhile. */
export async function takeBackup(options: BackupOptions): Promise<BackupInfo> {
  const name = `backboard-${stamp(options.now)}-${options.reason}`
  const finalDir = path.join(options.backupDir, name)
  const workDir = `${finalDir}.partial`
  fs.rmSync(workDir, { recursive: true, force: true })
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 })
  const databaseFile = path.join(workDir, 'backboard.db')
  await options.sqlite.backup(databaseFile)
  const fileCount = linkTree(path.join(options.dataDir, 'files'), path.join(workDir, 'files'))
  // The key that decrypts secrets stored in the database belongs with it.
  const secretKey = path.join(options.dataDir, 'secret.key')
  if (fs.existsSync(secretKey)) {
    fs.copyFileSync(secretKey, path.join(workDir, 'secret.key'))
    fs.chmodSync(path.join(workDir, 'secret.key'), 0o600)
  }
  const info = {
    name,
    createdAt: options.now,
    reason: options.reason,
    version: options.version,
    databaseBytes: fs.statSync(databaseFile).size,
    fileCount,
  }
  fs.writeFileSync(path.join(workDir, MANIFEST), JSON.stringify(info, null, 2))
  // Only a complete backup gets its final name.
  fs.renameSync(workDir, finalDir)
  return { ...info, path: finalDir }
}

export function listBackups(backupDir: string): BackupInfo[] {
  if (!fs.existsSync(backupDir)) return []
  const backups: BackupInfo[] = []
  for (const entry of fs.readdirSync(backupDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.endsWith('.partial')) continue
    const manifest = path.join(backupDir, entry.name, MANIFEST)
    if (!fs.existsSync(manifest)) continue
    try {
      const info = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Omit<BackupInfo, 'path'>
      backups.push({ ...info, path: path.join(backupDir, entry.name) })
    } catch {
      // An unreadable manifest is not a backup we can offer.
    }
  }
  return backups.sort((a, b) => b.createdAt - a.createdAt)
}

/** Which backups to keep: newest 7 days with a daily backup, newest 4 weeks, 3 pre-migration, all manual from the last 30 days. */
export function backupsToPrune(backups: readonly BackupInfo[], now: number): BackupInfo[] {
  const keep = new Set<string>()
  const days = new Set<string>()
  const weeks = new Set<string>()
  let preMigration = 0
  for (const backup of [...backups].sort((a, b) => b.createdAt - a.createdAt)) {
    const date = new Date(backup.createdAt)
    const day = date.toISOString().slice(0, 10)
    const week = `${date.getUTCFullYear()}-${Math.floor((backup.createdAt / 86_400_000 + 3) / 7)}`
    if (backup.reason === 'pre-migration') {
      if (preMigration++ < 3) keep.add(backup.name)
      continue
    }
    if (backup.reason === 'manual' && now - backup.createdAt < 30 * 86_400_000) keep.add(backup.name)
    if (days.size < 7 && !days.has(day)) {
      days.add(day)
      keep.add(backup.name)
    }
    if (weeks.size < 4 && !weeks.has(week)) {
      weeks.add(week)
      keep.add(backup.name)
    }
  }
  return backups.filter((b) => !keep.has(b.name))
}

export function pruneBackups(backupDir: string, now: number): string[] {
  const pruned = backupsToPrune(listBackups(backupDir), now)
  for (const backup of pruned) fs.rmSync(backup.path, { recursive: true, force: true })
  return pruned.map((b) => b.name)
}

/** A backup of the running app now, then the retention policy. */
export async function backUpAndPrune(
  ctx: AppContext,
  reason: BackupReason,
): Promise<{ backup: BackupInfo; pruned: string[] }> {
  const backup = await takeBackup({
    sqlite: ctx.sqlite,
    dataDir: ctx.config.dataDir,
    backupDir: ctx.config.backupDir,
    reason,
    now: ctx.clock.now(),
    version: ctx.version,
  })
  return { backup, pruned: pruneBackups(ctx.config.backupDir, ctx.clock.now()) }
}
