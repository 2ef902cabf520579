/**
 * Backups while the app serves: SQLite's online backup API copies a consistent snapshot of
 * the database, and the content-addressed files folder is linked (or copied) beside it.
 * Kept with a retention policy: the newest 7 daily and 4 weekly backups, plus the newest 3
 * taken before an upgrade.
 */
import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import type { AppContext } from '../shared/context'
import { conflict } from '../shared/errors'
import { verifyBackup } from './restore'

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

/**
 * Backup folders with a backup under way in this process. Two copies at once trample each
 * other (one name, one database file), so every backup (asked for, daily, before an
 * upgrade, from the CLI) goes through takeBackup, which refuses a second until the first is
 * done. A backup from another process (the CLI beside the server) still gets its own name.
 */
const running = new Set<string>()

/** Whether a backup into `backupDir` is under way in this process. */
export function isBackupRunning(backupDir: string): boolean {
  return running.has(path.resolve(backupDir))
}

/**
 * Takes a backup now; the database keeps serving reads and writes meanwhile. One at a
 * time per backup folder: while one runs, another throws 409 `backup_running`. The copy
 * is verified before it gets its final name, so a listed backup is a sound one.
 */
export async function takeBackup(options: BackupOptions): Promise<BackupInfo> {
  const key = path.resolve(options.backupDir)
  if (running.has(key)) throw conflict('backup_running', 'A backup is already running. Wait for it to finish.')
  running.add(key)
  try {
    return await copyAndVerify(options)
  } finally {
    running.delete(key)
  }
}

async function copyAndVerify(options: BackupOptions): Promise<BackupInfo> {
  fs.mkdirSync(options.backupDir, { recursive: true, mode: 0o700 })
  const { name, workDir } = reserveName(options.backupDir, `backboard-${stamp(options.now)}-${options.reason}`)
  try {
    const databaseFile = path.join(workDir, 'backboard.db')
    await options.sqlite.backup(databaseFile)
    fs.chmodSync(databaseFile, 0o600)
    selfContained(databaseFile)
    const problems = verifyBackup(databaseFile, tableNames(options.sqlite))
    if (problems.length) throw new Error(`the backup copy failed verification: ${problems.slice(0, 5).join('; ')}`)
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
    fs.writeFileSync(path.join(workDir, MANIFEST), JSON.stringify(info, null, 2), { mode: 0o600 })
    // Only a complete, verified backup gets its final name.
    const finalDir = path.join(options.backupDir, name)
    fs.renameSync(workDir, finalDir)
    return { ...info, path: finalDir }
  } catch (error) {
    fs.rmSync(workDir, { recursive: true, force: true })
    throw error
  }
}

/**
 * A name no other backup has: the time and reason, then -2, -3... when a backup of the same
 * second exists. Creating the `.partial` folder claims the name, also against another
 * process (the CLI) choosing at the same moment.
 */
function reserveName(backupDir: string, base: string): { name: string; workDir: string } {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`
    const workDir = path.join(backupDir, `${name}.partial`)
    if (fs.existsSync(path.join(backupDir, name))) continue
    try {
      fs.mkdirSync(workDir, { mode: 0o700 })
      return { name, workDir }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}

/** The copy inherits WAL mode; a rollback-journal file stands alone, without -wal or -shm beside it. */
function selfContained(databaseFile: string): void {
  const copy = new SQLite(databaseFile, { fileMustExist: true })
  try {
    copy.pragma('journal_mode = DELETE')
  } finally {
    copy.close()
  }
}

function tableNames(sqlite: SQLite.Database): string[] {
  const rows = sqlite.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]
  return rows.map((row) => row.name)
}

/**
 * Removes `.partial` folders left by a backup that was interrupted (a crash, a power cut):
 * they are never complete and would stay for ever. Called at start, before any backup runs.
 */
export function removeInterruptedBackups(backupDir: string): string[] {
  if (!fs.existsSync(backupDir) || isBackupRunning(backupDir)) return []
  const removed: string[] = []
  for (const entry of fs.readdirSync(backupDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.endsWith('.partial')) continue
    fs.rmSync(path.join(backupDir, entry.name), { recursive: true, force: true })
    removed.push(entry.name)
  }
  return removed
}

/**
 * The backups in `backupDir`, newest first. Only those whose database is there, whole and
 * of the size the manifest recorded count: an empty or truncated copy is not offered, does
 * not show as the last backup and does not postpone the next daily one.
 */
export function listBackups(backupDir: string): BackupInfo[] {
  if (!fs.existsSync(backupDir)) return []
  const backups: BackupInfo[] = []
  for (const entry of fs.readdirSync(backupDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.endsWith('.partial')) continue
    const folder = path.join(backupDir, entry.name)
    const manifest = path.join(folder, MANIFEST)
    if (!fs.existsSync(manifest)) continue
    try {
      const info = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Omit<BackupInfo, 'path'>
      if (!looksComplete(path.join(folder, 'backboard.db'), info.databaseBytes)) continue
      backups.push({ ...info, path: folder })
    } catch {
      // An unreadable manifest is not a backup we can offer.
    }
  }
  return backups.sort((a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name))
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

/** Cheap checks for listing (the full verification ran before the backup got its name). */
function looksComplete(databaseFile: string, recordedBytes: number): boolean {
  // A journal beside the copy means a write to it never finished.
  if (fs.existsSync(`${databaseFile}-journal`)) return false
  let size: number
  try {
    size = fs.statSync(databaseFile).size
  } catch {
    return false
  }
  if (size === 0 || size !== recordedBytes) return false
  const head = Buffer.alloc(SQLITE_HEADER.length)
  const fd = fs.openSync(databaseFile, 'r')
  try {
    fs.readSync(fd, head, 0, head.length, 0)
  } finally {
    fs.closeSync(fd)
  }
  return head.equals(SQLITE_HEADER)
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
