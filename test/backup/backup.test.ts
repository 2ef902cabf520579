import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { backupsToPrune, listBackups, takeBackup, type BackupInfo } from '../../server/backup/service'
import { checkBackup, restoreBackup, RestoreError } from '../../server/backup/restore'
import { startApp, setupOwner } from '../helpers/app'

const DAY = 86_400_000

t.test('a backup taken during a stream of writes restores to a consistent state', async (t) => {
  const started = await startApp()
  t.teardown(started.close)
  const owner = await setupOwner(started.app)
  const board = await started.app.inject({
    method: 'GET',
    url: '/api/conversations',
    headers: { cookie: owner.cookie },
  })
  const boardId = (board.json() as { id: number }[])[0]!.id
  const sqlite = new SQLite(path.join(started.dataDir, 'backboard.db'))
  t.teardown(() => sqlite.close())

  let isWriting = true
  let acknowledged = 0
  const writer = (async () => {
    for (let i = 0; isWriting && i < 2000; i++) {
      const response = await started.app.inject({
        method: 'POST',
        url: `/api/conversations/${boardId}/messages`,
        headers: { cookie: owner.cookie },
        payload: { body: `stock count ${i}`, clientKey: `stream-${String(i).padStart(6, '0')}` },
      })
      if (response.statusCode === 201) acknowledged++
    }
  })()
  const backups: BackupInfo[] = []
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 150))
    backups.push(
      await takeBackup({
        sqlite,
        dataDir: started.dataDir,
        backupDir: path.join(started.dataDir, 'backups'),
        reason: 'manual',
        now: started.clock.now() + i * 1000,
        version: 'test',
      }),
    )
  }
  isWriting = false
  await writer
  t.ok(acknowledged > 0, `messages were written during the backups (${acknowledged})`)

  for (const backup of backups) {
    const file = path.join(backup.path, 'backboard.db')
    t.same(checkBackup(file), [], `${backup.name} passes integrity_check`)
    t.ok(fs.existsSync(path.join(backup.path, 'secret.key')), 'the key for secrets at rest is in the backup')
    const copy = new SQLite(file, { readonly: true })
    const messages = copy
      .prepare('select count(*) n, max(id) last from message where conversation_id = ?')
      .get(boardId) as { n: number; last: number }
    const conversation = copy.prepare('select last_message_id from conversation where id = ?').get(boardId) as {
      last_message_id: number
    }
    const events = copy.prepare("select count(*) n from event where type = 'message.created'").get() as { n: number }
    const indexed = copy.prepare('select count(*) n from message_fts').get() as { n: number }
    copy.close()
    // Each message commits with its event, its search entry and the conversation's pointer.
    t.equal(events.n, messages.n, 'one event per message')
    t.equal(indexed.n, messages.n, 'one search entry per message')
    t.equal(conversation.last_message_id, messages.last ?? 0, 'the conversation points at its last message')
  }

  // Restoring the last backup into a new folder gives a working app.
  const target = fs.mkdtempSync(path.join(path.dirname(started.dataDir), 'backboard-restore-'))
  t.teardown(() => fs.rmSync(target, { recursive: true, force: true }))
  const aside = restoreBackup(backups.at(-1)!.path, target)
  t.ok(fs.existsSync(aside))
  const restored = await buildApp({ config: loadConfig({ DATA_DIR: target }), logger: false, clock: started.clock })
  t.teardown(() => restored.app.close())
  const login = await restored.app.inject({ method: 'GET', url: '/api/setup' })
  t.same(login.json(), { isSetupRequired: false, version: restored.ctx.version })
})

t.test('restore refuses a damaged backup and changes nothing', async (t) => {
  const dir = t.testdir({ backup: { 'backboard.db': 'this is not a database file at all, not even close' }, data: {} })
  fs.writeFileSync(path.join(dir, 'data', 'backboard.db'), 'current')
  let error: unknown = null
  try {
    restoreBackup(path.join(dir, 'backup'), path.join(dir, 'data'))
  } catch (caught) {
    error = caught
  }
  t.ok(error instanceof RestoreError, `refused: ${String(error)}`)
  t.equal(fs.readFileSync(path.join(dir, 'data', 'backboard.db'), 'utf8'), 'current')
})

t.test('retention keeps 7 daily and 4 weekly backups and the last 3 taken before upgrades', async (t) => {
  const now = Date.UTC(2026, 11, 31, 4, 0)
  const backups: BackupInfo[] = []
  for (let day = 0; day < 60; day++) {
    backups.push({
      name: `daily-${day}`,
      path: '',
      createdAt: now - day * DAY,
      reason: 'daily',
      databaseBytes: 1,
      fileCount: 0,
    })
  }
  for (let i = 0; i < 5; i++) {
    backups.push({
      name: `pre-${i}`,
      path: '',
      createdAt: now - i * 10 * DAY,
      reason: 'pre-migration',
      databaseBytes: 1,
      fileCount: 0,
    })
  }
  const pruned = new Set(backupsToPrune(backups, now).map((b) => b.name))
  const kept = backups.filter((b) => !pruned.has(b.name)).map((b) => b.name)
  for (let day = 0; day < 7; day++) t.ok(kept.includes(`daily-${day}`), `keeps day ${day}`)
  t.ok(kept.includes('pre-0') && kept.includes('pre-1') && kept.includes('pre-2'))
  t.notOk(kept.includes('pre-3'))
  const dailyKept = kept.filter((name) => name.startsWith('daily-')).length
  t.ok(dailyKept >= 7 && dailyKept <= 11, `7 daily plus up to 4 weekly (${dailyKept})`)
  t.notOk(kept.includes('daily-59'))
})

t.test('an upgrade takes a backup before it migrates', async (t) => {
  const started = await startApp()
  t.teardown(started.close)
  await setupOwner(started.app)
  await started.app.close()
  // Pretend the newest migration has not run yet.
  const sqlite = new SQLite(path.join(started.dataDir, 'backboard.db'))
  const last = sqlite.prepare('select name from kysely_migration order by name desc limit 1').get() as { name: string }
  sqlite.prepare('delete from kysely_migration where name = ?').run(last.name)
  sqlite.close()
  // Undo that migration's schema so it can run again.
  const { migrations } = await import('../../server/db/migrations/index')
  const { openDatabase } = await import('../../server/db/database')
  const opened = openDatabase(path.join(started.dataDir, 'backboard.db'))
  await migrations[last.name]!.down!(opened.db)
  await opened.db.destroy()

  const again = await buildApp({
    config: loadConfig({ DATA_DIR: started.dataDir }),
    logger: false,
    clock: started.clock,
  })
  t.teardown(() => again.app.close())
  const backups = listBackups(path.join(started.dataDir, 'backups'))
  t.equal(backups.length, 1)
  t.equal(backups[0]?.reason, 'pre-migration')
  const setup = await again.app.inject({ method: 'GET', url: '/api/setup' })
  t.equal((setup.json() as { isSetupRequired: boolean }).isSetupRequired, false, 'the data survived the upgrade')
})
