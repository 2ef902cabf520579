import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { createHash } from 'node:crypto'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { backupsToPrune, listBackups, takeBackup, type BackupInfo } from '../../server/backup/service'
import { checkBackup, restoreBackup, RestoreError } from '../../server/backup/restore'
import { createMember, setupOwner, startApp } from '../helpers/app'
import { corruptTablePage } from '../helpers/corrupt'

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
  t.same(login.json(), { isSetupRequired: false, hasSession: false, version: restored.ctx.version })
})

/** A real backup of a shop with some members in it, and the data folder it came from. */
async function realBackup(t: Test) {
  const started = await startApp()
  t.teardown(started.close)
  const owner = await setupOwner(started.app)
  for (let i = 0; i < 20; i++) await createMember(started.app, owner.cookie)
  const backup = await takeBackup({
    sqlite: started.ctx.sqlite,
    dataDir: started.dataDir,
    backupDir: path.join(started.dataDir, 'backups'),
    reason: 'manual',
    now: started.clock.now(),
    version: 'test',
  })
  return { started, backup }
}

/** Every file under `dir` with a hash of its bytes, to tell whether anything changed. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    files[path.relative(dir, file)] = createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  }
  return files
}

t.test('restore refuses a real backup with one damaged page and changes nothing', async (t) => {
  const { backup } = await realBackup(t)
  // A page of the member table overwritten, as a failing SD card does: the file still opens.
  corruptTablePage(path.join(backup.path, 'backboard.db'), 'member')
  const target = t.testdir({ 'backboard.db': 'the data the shop has now', files: { 'a.jpg': 'photo' } })
  const before = snapshot(target)
  let error: unknown = null
  try {
    restoreBackup(backup.path, target)
  } catch (caught) {
    error = caught
  }
  t.ok(error instanceof RestoreError, `refused: ${String(error)}`)
  t.match(String(error), /damaged/)
  t.same(snapshot(target), before, 'the data folder is exactly as it was')
  t.same(
    fs.readdirSync(target).filter((name) => name.startsWith('replaced-')),
    [],
    'and nothing was moved aside',
  )
})

t.test('restore moves the data it replaces aside, whole, under replaced-<time>', async (t) => {
  const { backup } = await realBackup(t)
  const target = t.testdir({ 'backboard.db': 'the data the shop has now', files: { 'a.jpg': 'photo' } })
  const before = snapshot(target)
  const aside = restoreBackup(backup.path, target, Date.UTC(2026, 11, 2, 10, 30))
  t.equal(path.basename(aside), 'replaced-2026-12-02T10-30-00-000Z')
  t.same(snapshot(aside), before, 'what was there is kept, byte for byte')
  t.same(checkBackup(path.join(target, 'backboard.db')), [], 'the restored database is sound')
  const restored = new SQLite(path.join(target, 'backboard.db'), { readonly: true })
  t.teardown(() => restored.close())
  const members = restored.prepare('select count(*) n from member').get() as { n: number }
  t.equal(members.n, 21, 'and holds the members of the backup')
})

t.test(
  'retention keeps exactly 7 daily, 4 weekly, manual ones for 30 days and the last 3 before upgrades',
  async (t) => {
    // Thursday 31 December 2026, 04:00 UTC; weeks start on Monday.
    const now = Date.UTC(2026, 11, 31, 4, 0)
    const backups: BackupInfo[] = []
    const add = (name: string, reason: BackupInfo['reason'], createdAt: number) =>
      backups.push({ name, path: '', createdAt, reason, databaseBytes: 1, fileCount: 0 })
    for (let day = 0; day < 60; day++) add(`daily-${day}`, 'daily', now - day * DAY)
    for (let i = 0; i < 5; i++) add(`pre-${i}`, 'pre-migration', now - i * 10 * DAY)
    // Manual backups an hour after that day's daily one.
    for (const day of [10, 29, 31]) add(`manual-${day}`, 'manual', now - day * DAY + 3_600_000)

    const pruned = new Set(backupsToPrune(backups, now).map((b) => b.name))
    const kept = backups.filter((b) => !pruned.has(b.name)).map((b) => b.name)
    t.same(kept.sort(), [
      // The newest backup of each of the last 7 days (Thursday 31st back to Friday 25th).
      'daily-0',
      'daily-1',
      'daily-11', // the newest of the week of 14 December (Sunday 20th)
      'daily-18', // the newest of the week of 7 December (Sunday 13th)
      'daily-2',
      'daily-3',
      'daily-4', // also the newest of the week of 21 December
      'daily-5',
      'daily-6',
      'manual-10', // manual, 10 days old
      'manual-29', // manual, 29 days old; manual-31 is past 30 days
      'pre-0',
      'pre-1',
      'pre-2',
    ])
  },
)

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
