/** Restoring a backup: check it, set the current data aside, put the backup in its place. */
import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'

export class RestoreError extends Error {}

/** Tables every Backboard database has, whatever its version: a copy without them is not a backup. */
export const CORE_TABLES = ['kysely_migration', 'shop', 'member', 'audit', 'event'] as const

/** Runs SQLite's integrity_check on a backup; returns the problems found (empty when sound). */
export function checkBackup(databaseFile: string): string[] {
  return verifyBackup(databaseFile, [])
}

/**
 * Verifies a backup's database: a whole file (its size is its page count times its page
 * size, and not zero), no unfinished write beside it, integrity_check clean, and every
 * table of `expectedTables` (besides the core ones when any is expected) present. Returns
 * the problems found, empty when the copy is sound.
 */
export function verifyBackup(databaseFile: string, expectedTables: readonly string[]): string[] {
  if (!fs.existsSync(databaseFile)) return [`${databaseFile} does not exist`]
  if (fs.existsSync(`${databaseFile}-journal`)) return ['a write to the copy never finished (hot journal)']
  const size = fs.statSync(databaseFile).size
  if (size === 0) return ['the database file is empty']
  let db: SQLite.Database | null = null
  try {
    db = new SQLite(databaseFile, { readonly: true, fileMustExist: true })
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .filter((r) => r !== 'ok')
    const pageSize = db.pragma('page_size', { simple: true }) as number
    const pageCount = db.pragma('page_count', { simple: true }) as number
    if (pageSize * pageCount !== size) problems.push(`the file has ${size} bytes, its pages ${pageSize * pageCount}`)
    if (expectedTables.length) {
      const present = new Set(
        (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map(
          (row) => row.name,
        ),
      )
      const missing = [...new Set([...CORE_TABLES, ...expectedTables])].filter((name) => !present.has(name))
      if (missing.length) problems.push(`tables missing: ${missing.join(', ')}`)
    }
    return problems
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)]
  } finally {
    db?.close()
  }
}

/**
 * Replaces DATA_DIR's database and files with those of `backupDir`. The server must be
 * stopped. The replaced data is moved to DATA_DIR/replaced-<time>, never deleted.
 */
export function restoreBackup(backupDir: string, dataDir: string, now = Date.now()): string {
  const source = path.join(backupDir, 'backboard.db')
  const problems = verifyBackup(source, CORE_TABLES)
  if (problems.length) throw new RestoreError(`The backup is damaged: ${problems.slice(0, 5).join('; ')}`)
  const aside = path.join(dataDir, `replaced-${new Date(now).toISOString().replace(/[:.]/g, '-')}`)
  fs.mkdirSync(aside, { recursive: true, mode: 0o700 })
  const hasKey = fs.existsSync(path.join(backupDir, 'secret.key'))
  for (const name of [
    'backboard.db',
    'backboard.db-wal',
    'backboard.db-shm',
    'files',
    ...(hasKey ? ['secret.key'] : []),
  ]) {
    const current = path.join(dataDir, name)
    if (fs.existsSync(current)) fs.renameSync(current, path.join(aside, name))
  }
  fs.copyFileSync(source, path.join(dataDir, 'backboard.db'))
  fs.chmodSync(path.join(dataDir, 'backboard.db'), 0o600)
  const files = path.join(backupDir, 'files')
  if (fs.existsSync(files)) fs.cpSync(files, path.join(dataDir, 'files'), { recursive: true })
  if (hasKey) {
    fs.copyFileSync(path.join(backupDir, 'secret.key'), path.join(dataDir, 'secret.key'))
    fs.chmodSync(path.join(dataDir, 'secret.key'), 0o600)
  }
  return aside
}
