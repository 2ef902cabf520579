/** Damages a real SQLite file the way a failing SD card does: one page of a table overwritten. */
import fs from 'node:fs'
import SQLite from 'better-sqlite3'

/**
 * Overwrites the first page of `table`'s b-tree with garbage, leaving the file header intact,
 * so the file still opens as a database and only SQLite's own checks find the damage.
 */
export function corruptTablePage(file: string, table: string): void {
  const sqlite = new SQLite(file)
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number
  const row = sqlite.prepare("select rootpage from sqlite_master where type = 'table' and name = ?").get(table) as
    { rootpage: number } | undefined
  sqlite.close()
  if (!row) throw new Error(`no table ${table} in ${file}`)
  const fd = fs.openSync(file, 'r+')
  fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (row.rootpage - 1) * pageSize)
  fs.closeSync(fd)
}
