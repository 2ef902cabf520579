/**
 * Backups taken at the same moment: one at a time, each under its own name, each verified
 * before it counts, and nothing half-written left behind.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { listBackups } from '../../server/backup/service'
import { restoreBackup, verifyBackup } from '../../server/backup/restore'
import { bodyOf, createMember, setupOwner, startApp, START_TIME } from '../helpers/app'
import { as, send, tinyPng, upload } from '../helpers/chat'
import { ManualClock } from '../../server/shared/clock'

interface SystemBackups {
  backups: { last: { name: string } | null; count: number; isStale: boolean }
}

function tempDir(t: Test, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Restores `backupPath` into a fresh folder, starts the app on it and reads what it holds. */
async function restoreAndOpen(t: Test, backupPath: string) {
  const target = tempDir(t, 'backboard-restored-')
  restoreBackup(backupPath, target)
  const restored = await buildApp({ config: loadConfig({ DATA_DIR: target }), logger: false })
  try {
    const setup = await restored.app.inject({ method: 'GET', url: '/api/setup' })
    const messages = await restored.ctx.db.selectFrom('message').select('body').execute()
    const files = await restored.ctx.db.selectFrom('file').select('sha256').execute()
    const blobs = files.filter((file) =>
      fs.existsSync(path.join(target, 'files', file.sha256.slice(0, 2), file.sha256)),
    ).length
    return {
      isSetupRequired: bodyOf<{ isSetupRequired: boolean }>(setup).isSetupRequired,
      bodies: messages.map((m) => m.body),
      files: files.length,
      blobs,
    }
  } finally {
    await restored.app.close()
  }
}

t.test('ten backups asked for at once: one at a time, unique names, every finished one restores', async (t) => {
  const started = await startApp()
  t.teardown(started.close)
  const { app, dataDir } = started
  const owner = await setupOwner(app)
  // Two owners, five taps each: the route allows six a minute per member.
  const partner = await createMember(app, owner.cookie, { role: 'owner' })
  const board = bodyOf<{ id: number }[]>(await as(app, owner, 'GET', '/api/conversations'))[0]!
  await send(app, owner, board.id, 'Delivery from the timber yard at ten')
  await upload(app, owner, tinyPng(8, 8), 'shelf.png', 'image/png')

  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) => as(app, i % 2 ? partner : owner, 'POST', '/api/system/backups')),
  )
  const statuses = responses.map((r) => r.statusCode)
  t.ok(
    statuses.every((s) => s === 201 || s === 409),
    `each got a backup or was told one is running: ${statuses.join(' ')}`,
  )
  t.ok(statuses.includes(201), 'one backup ran')
  for (const refused of responses.filter((r) => r.statusCode === 409)) {
    t.equal(bodyOf(refused).code, 'backup_running')
  }
  // The clock stands still: later backups fall in the same second and still get a name of their own.
  for (let i = 0; i < 2; i++) {
    const again = await as(app, i ? partner : owner, 'POST', '/api/system/backups')
    t.equal(again.statusCode, 201, again.body)
    responses.push(again)
  }

  const names = responses.filter((r) => r.statusCode === 201).map((r) => bodyOf<{ name: string }>(r).name)
  t.equal(new Set(names).size, names.length, `names are unique: ${names.join(', ')}`)
  const backupDir = path.join(dataDir, 'backups')
  const folders = fs.readdirSync(backupDir)
  t.same(
    folders.filter((name) => name.endsWith('.partial')),
    [],
    'no half-written folder is left',
  )
  t.same(
    listBackups(backupDir)
      .map((b) => b.name)
      .sort(),
    [...names].sort(),
    'exactly the finished backups are listed',
  )

  for (const name of names) {
    const restored = await restoreAndOpen(t, path.join(backupDir, name))
    t.equal(restored.isSetupRequired, false, `${name} restores to a set-up shop`)
    t.ok(restored.bodies.includes('Delivery from the timber yard at ten'), `${name} has the messages`)
    t.ok(restored.files > 0 && restored.blobs === restored.files, `${name} has the files (${restored.blobs})`)
  }
})

t.test('a folder left by an interrupted backup is removed at start', async (t) => {
  const dataDir = tempDir(t, 'backboard-partial-')
  const stale = path.join(dataDir, 'backups', 'backboard-20261130-030000Z-daily.partial')
  fs.mkdirSync(stale, { recursive: true })
  fs.writeFileSync(path.join(stale, 'backboard.db'), '')
  const { app } = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir }),
    logger: false,
    clock: new ManualClock(START_TIME),
  })
  t.teardown(() => app.close())
  t.notOk(fs.existsSync(stale), 'the .partial folder is gone')
})

t.test('an empty or cut-short backup is not listed, not the last backup and does not postpone the next', async (t) => {
  const started = await startApp()
  t.teardown(started.close)
  const { app, dataDir, clock } = started
  const owner = await setupOwner(app)
  const good = await as(app, owner, 'POST', '/api/system/backups')
  t.equal(good.statusCode, 201)
  const goodName = bodyOf<{ name: string }>(good).name
  const backupDir = path.join(dataDir, 'backups')
  const goodDb = path.join(backupDir, goodName, 'backboard.db')
  const goodBytes = fs.statSync(goodDb).size

  // What two backups at once used to leave: a manifest, an empty database and a hot journal.
  clock.advance(3_600_000)
  const empty = path.join(backupDir, 'backboard-20261201-100000Z-manual')
  fs.mkdirSync(empty)
  fs.writeFileSync(path.join(empty, 'backboard.db'), '')
  fs.writeFileSync(path.join(empty, 'backboard.db-journal'), 'x'.repeat(512))
  fs.writeFileSync(
    path.join(empty, 'manifest.json'),
    JSON.stringify({ name: path.basename(empty), createdAt: clock.now(), reason: 'manual', databaseBytes: 0 }),
  )
  // And a copy cut short: half the file the manifest speaks of.
  const cut = path.join(backupDir, 'backboard-20261201-100001Z-manual')
  fs.mkdirSync(cut)
  fs.writeFileSync(path.join(cut, 'backboard.db'), fs.readFileSync(goodDb).subarray(0, goodBytes / 2))
  fs.writeFileSync(
    path.join(cut, 'manifest.json'),
    JSON.stringify({
      name: path.basename(cut),
      createdAt: clock.now() + 1000,
      reason: 'manual',
      databaseBytes: goodBytes,
    }),
  )

  t.same(
    listBackups(backupDir).map((b) => b.name),
    [goodName],
    'only the sound backup is listed',
  )
  const system = bodyOf<SystemBackups>(await as(app, owner, 'GET', '/api/system'))
  t.equal(system.backups.last?.name, goodName, 'the System page reports the sound one as the last backup')
  t.equal(system.backups.count, 1)
  // A day after the sound one, the next daily backup is due, whatever the broken ones say.
  clock.advance(2 * 86_400_000)
  const later = bodyOf<SystemBackups>(await as(app, owner, 'GET', '/api/system'))
  t.equal(later.backups.isStale, true, 'the broken backups do not count as recent')
})

t.test('verification finds a cut-short copy, a missing table and an unfinished write', async (t) => {
  const dir = tempDir(t, 'backboard-verify-')
  const sound = path.join(dir, 'sound.db')
  const db = new SQLite(sound)
  for (const table of ['kysely_migration', 'shop', 'member', 'audit', 'event', 'message']) {
    db.exec(`create table ${table} (id integer primary key, body text)`)
    db.prepare(`insert into ${table} (body) values (?)`).run('x'.repeat(3000))
  }
  db.close()
  t.same(verifyBackup(sound, ['message']), [], 'a sound copy passes')

  t.match(verifyBackup(sound, ['message', 'session']), [/tables missing: session/], 'a missing table is found')

  const cut = path.join(dir, 'cut.db')
  const bytes = fs.readFileSync(sound)
  fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 4096))
  t.not(verifyBackup(cut, ['message']).length, 0, 'a copy cut short is found')

  const empty = path.join(dir, 'empty.db')
  fs.writeFileSync(empty, '')
  t.not(verifyBackup(empty, ['message']).length, 0, 'an empty file is found')

  const journaled = path.join(dir, 'journaled.db')
  fs.copyFileSync(sound, journaled)
  fs.writeFileSync(`${journaled}-journal`, 'x'.repeat(512))
  t.not(verifyBackup(journaled, ['message']).length, 0, 'an unfinished write is found')
})
