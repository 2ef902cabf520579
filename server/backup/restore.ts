/** Restoring a backup: check it, set the current data aside, put the backup in its place. */
import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'

export class RestoreError extends Error {}

/** Runs SQLite's integrity_check on a backup; returns the problems found (empty when sound). */
export function checkBackup(databaseFile: string): string[] {
  if (!fs.existsSync(databaseFile)) return [`${databaseFile} does not exist`]
  let db: SQLite.Database | null = null
  try {
    db = new SQLite(databaseFile, { readonly: true, fileMustExist: true })
    const rows = db.pragma('integrity_check') as { integrity_check: string }[]
    return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok')
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
  const problems = checkBackup(source)
  if (problems.length) throw new RestoreError(`The backup is damaged: ${problems.slice(0, 5).join('; ')}`)
  const aside = path.join(dataDir, `replaced-${new Date(now).toISOString().replace(/[:.]/g, '-')}`)
  fs.mkdirSync(aside, { recursive: true })
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
  const files = path.join(backupDir, 'files')
  if (fs.existsSync(files)) fs.cpSync(files, path.join(dataDir, 'files'), { recursive: true })
  if (hasKey) {
    fs.copyFileSync(path.join(backupDir, 'secret.key'), path.join(dataDir, 'secret.key'))
    fs.chmodSync(path.join(dataDir, 'secret.key'), 0o600)
  }
  return aside
}
