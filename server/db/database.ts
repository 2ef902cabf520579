import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect, type MigrationResultSet } from 'kysely'
import { migrations } from './migrations/index'
import type { DB } from './schema'

export type Database = Kysely<DB>

export interface OpenedDatabase {
  db: Database
  sqlite: SQLite.Database
}

/** Opens (creating if needed) the SQLite file and sets the pragmas this appliance relies on. */
export function openDatabase(file: string): OpenedDatabase {
  if (file !== ':memory:') makePrivate(file)
  const sqlite = new SQLite(file)
  // WAL lets readers (backups, the event reader) run while a write is in progress.
  sqlite.pragma('journal_mode = WAL')
  // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the
  // last few commits, never corrupt the file. It saves an fsync per commit on SD cards.
  sqlite.pragma('synchronous = NORMAL')
  // SQLite ships with foreign keys off for compatibility; we want them enforced.
  sqlite.pragma('foreign_keys = ON')
  // A backup or a script holding a lock makes writers wait instead of failing at once.
  sqlite.pragma('busy_timeout = 5000')
  // Keep the WAL from growing without bound on a busy day (pages; about 4 MB).
  sqlite.pragma('wal_autocheckpoint = 1000')
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  return { db, sqlite }
}

/**
 * The database holds password hashes, messages and phone numbers: its folder is 0700 and
 * the file 0600 whatever the umask, and looser modes left by an earlier start are
 * tightened. SQLite gives the -wal and -shm files the database file's mode.
 */
function makePrivate(file: string): void {
  const dir = path.dirname(file)
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  restrict(dir, 0o700)
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600))
  for (const name of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (fs.existsSync(name)) restrict(name, 0o600)
  }
}

/** Takes group and other permissions away, unless the path belongs to another user (a mounted volume's root). */
function restrict(target: string, mode: number): void {
  if ((fs.statSync(target).mode & 0o077) === 0) return
  try {
    fs.chmodSync(target, mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error
  }
}

/**
 * Kysely prepares every query afresh; preparing costs as much as running a small query.
 * The same SQL text always gets the same prepared statement back. Kysely runs one query
 * at a time on this connection and never iterates a statement, so reuse is safe.
 */
function withStatementCache(sqlite: SQLite.Database, limit = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>()
  const prepare = sqlite.prepare.bind(sqlite)
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver)
      return (source: string) => {
        let statement = cache.get(source)
        if (!statement) {
          statement = prepare(source)
          if (cache.size >= limit) cache.delete(cache.keys().next().value as string)
          cache.set(source, statement)
        }
        return statement
      }
    },
  })
}

/** Names of migrations not yet applied, and whether any had been applied before. */
export async function pendingMigrations(db: Database): Promise<{ pending: string[]; hasApplied: boolean }> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const all = await migrator.getMigrations()
  return {
    pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
    hasApplied: all.some((m) => m.executedAt !== undefined),
  }
}

/** Beside the database after a clean close: the file's size and modification time then. */
function cleanCloseStamp(file: string): string {
  return `${file}.clean-close`
}

function fileState(file: string): string {
  const stat = fs.statSync(file, { bigint: true })
  return JSON.stringify({ size: String(stat.size), mtimeNs: String(stat.mtimeNs) })
}

/**
 * Records that this process closed the database cleanly (WAL folded in, file closed), so the
 * next start can trust the file as it is now. Call after the last connection is closed.
 */
export function markClosedCleanly(file: string): void {
  if (!fs.existsSync(file)) return
  fs.writeFileSync(cleanCloseStamp(file), fileState(file), { mode: 0o600 })
}

/**
 * Whether the last run closed this very file cleanly and nothing has written to it since
 * (no WAL left, same size and modification time). The stamp is used up: a crash of the run
 * starting now makes the next start check the file. Call before opening the database.
 */
export function consumeCleanClose(file: string): boolean {
  const stamp = cleanCloseStamp(file)
  if (!fs.existsSync(stamp)) return false
  const recorded = fs.readFileSync(stamp, 'utf8')
  fs.rmSync(stamp, { force: true })
  const wal = `${file}-wal`
  if (!fs.existsSync(file) || (fs.existsSync(wal) && fs.statSync(wal).size > 0)) return false
  return recorded === fileState(file)
}

/** PRAGMA quick_check: the problems found, or an empty list when the file is sound. */
export function quickCheck(sqlite: SQLite.Database): string[] {
  try {
    const rows = sqlite.pragma('quick_check') as { quick_check: string }[]
    return rows.map((row) => row.quick_check).filter((result) => result !== 'ok')
  } catch (error) {
    // A damaged page can stop the check itself ("database disk image is malformed").
    return [error instanceof Error ? error.message : String(error)]
  }
}

/** Applies pending migrations in order; throws with the failing migration's name. */
export async function migrateToLatest(db: Database): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  })
  const result = await migrator.migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    const reason = result.error instanceof Error ? result.error.message : String(result.error)
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${reason}`)
  }
  return result
}
