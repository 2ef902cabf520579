/**
 * The data folder and what is in it are private to the service's user, whatever the umask
 * of the shell or unit that started it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { ManualClock } from '../../server/shared/clock'
import { bodyOf, setupOwner, START_TIME } from '../helpers/app'
import { as, tinyPng, upload } from '../helpers/chat'

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8)

// A permissive umask, as a shell outside systemd usually has.
const umask = process.umask(0o022)
t.teardown(() => process.umask(umask))

async function start(dataDir: string) {
  const built = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir }),
    logger: false,
    clock: new ManualClock(START_TIME),
  })
  await built.app.ready()
  return built
}

t.test('a new data folder, its database, files and backups are readable by the owner only', async (t) => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-modes-'))
  t.teardown(() => fs.rmSync(parent, { recursive: true, force: true }))
  const dataDir = path.join(parent, 'data')
  const { app } = await start(dataDir)
  t.teardown(() => app.close())
  const owner = await setupOwner(app)
  const file = await upload(app, owner, tinyPng(8, 8), 'shelf.png', 'image/png')
  const backup = await as(app, owner, 'POST', '/api/system/backups')
  t.equal(backup.statusCode, 201)

  t.equal(modeOf(dataDir), '700', 'the data folder')
  const db = path.join(dataDir, 'backboard.db')
  for (const name of [db, `${db}-wal`, `${db}-shm`, path.join(dataDir, 'secret.key')]) {
    t.equal(modeOf(name), '600', path.basename(name))
  }
  const files = path.join(dataDir, 'files')
  t.equal(modeOf(files), '700', 'the files folder')
  const sha = fs.readdirSync(files).find((name) => name !== 'tmp')!
  t.equal(modeOf(path.join(files, sha)), '700', 'a folder of stored files')
  const blob = path.join(files, sha, fs.readdirSync(path.join(files, sha))[0]!)
  t.equal(modeOf(blob), '600', `a stored file (${file.name})`)

  const backups = path.join(dataDir, 'backups')
  const folder = path.join(backups, bodyOf<{ name: string }>(backup).name)
  t.equal(modeOf(backups), '700', 'the backups folder')
  t.equal(modeOf(folder), '700', 'a backup')
  for (const name of ['backboard.db', 'manifest.json', 'secret.key']) {
    t.equal(modeOf(path.join(folder, name)), '600', `${name} in the backup`)
  }
})

t.test('looser modes left from before are tightened at start', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-loose-'))
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const first = await start(dataDir)
  await first.app.close()
  const db = path.join(dataDir, 'backboard.db')
  fs.chmodSync(dataDir, 0o755)
  fs.chmodSync(db, 0o644)

  const again = await start(dataDir)
  t.teardown(() => again.app.close())
  t.equal(modeOf(dataDir), '700', 'the data folder')
  t.equal(modeOf(db), '600', 'the database')
  for (const name of [`${db}-wal`, `${db}-shm`]) t.equal(modeOf(name), '600', path.basename(name))
})
