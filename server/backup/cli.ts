/**
 * `node dist/server.js backup` and `node dist/server.js restore <folder>`: the same code the
 * server runs, usable from a shell, a cron job or scripts/backup and scripts/restore.
 */
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { exportArchive } from '../export/service'
import type { Config } from '../config'
import { openDatabase, migrateToLatest } from '../db/database'
import { listBackups, pruneBackups, takeBackup } from './service'
import { restoreBackup, RestoreError } from './restore'

async function isServerRunning(config: Config): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${config.port}/healthz`, { signal: AbortSignal.timeout(1500) })
    return response.ok
  } catch {
    return false
  }
}

export async function runCli(command: string, args: string[], config: Config, version: string): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`)
  if (command === 'backup') {
    const { db, sqlite } = openDatabase(path.join(config.dataDir, 'backboard.db'))
    await migrateToLatest(db)
    const backup = await takeBackup({
      sqlite,
      dataDir: config.dataDir,
      backupDir: config.backupDir,
      reason: 'manual',
      now: Date.now(),
      version,
    })
    const pruned = pruneBackups(config.backupDir, Date.now())
    await db.destroy()
    out(`Backup written to ${backup.path} (${backup.databaseBytes} bytes of database, ${backup.fileCount} files).`)
    if (pruned.length) out(`Removed old backups: ${pruned.join(', ')}`)
    return 0
  }
  if (command === 'backups') {
    for (const backup of listBackups(config.backupDir))
      out(`${backup.path}  ${new Date(backup.createdAt).toISOString()}  ${backup.reason}`)
    return 0
  }
  if (command === 'restore') {
    const folder = args[0]
    if (!folder) {
      process.stderr.write('Usage: restore <backup folder>   (see `backups` for the list)\n')
      return 2
    }
    if (await isServerRunning(config)) {
      process.stderr.write('Backboard is running. Stop it first (e.g. sudo systemctl stop backboard), then restore.\n')
      return 1
    }
    try {
      const aside = restoreBackup(path.resolve(folder), config.dataDir)
      out(`Restored ${folder}. The data it replaced is kept in ${aside}.`)
      return 0
    } catch (error) {
      if (error instanceof RestoreError) {
        process.stderr.write(`${error.message}\nNothing was changed.\n`)
        return 1
      }
      throw error
    }
  }
  if (command === 'export') {
    const target = path.resolve(args[0] ?? `backboard-export-${new Date().toISOString().slice(0, 10)}.tar.gz`)
    const { buildApp } = await import('../app')
    const { app, ctx } = await buildApp({ config, logger: false })
    const archive = await exportArchive(ctx, null)
    await pipeline(archive, fs.createWriteStream(target, { mode: 0o600 }))
    await app.close()
    out(`Exported everything to ${target}.`)
    return 0
  }
  process.stderr.write(`Unknown command "${command}". Commands: backup, backups, restore <folder>, export [file].\n`)
  return 2
}
