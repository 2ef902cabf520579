/**
 * quick_check reads the whole file, so a start skips it only when the last run closed this
 * very file cleanly and nothing touched it since; any other start checks it (damaged-start
 * covers the refusal itself).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { consumeCleanClose, markClosedCleanly } from '../../server/db/database'
import { setupOwner } from '../helpers/app'

function tempDatabase(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-clean-close-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'backboard.db')
  fs.writeFileSync(file, Buffer.alloc(8192, 1))
  return file
}

t.test('consumeCleanClose() trusts only the file exactly as a clean close left it, once', async (t) => {
  const file = tempDatabase(t)
  t.notOk(consumeCleanClose(file), 'never closed cleanly: checked')

  markClosedCleanly(file)
  t.ok(consumeCleanClose(file), 'closed cleanly and untouched: trusted')
  t.notOk(consumeCleanClose(file), 'the stamp is used up: a crash of this run means a check next time')

  markClosedCleanly(file)
  const fd = fs.openSync(file, 'r+')
  fs.writeSync(fd, Buffer.from([0xa5]), 0, 1, 4096)
  fs.closeSync(fd)
  const later = new Date(Date.now() + 5_000)
  fs.utimesSync(file, later, later)
  t.notOk(consumeCleanClose(file), 'written to after the close: checked')

  markClosedCleanly(file)
  fs.writeFileSync(`${file}-wal`, Buffer.alloc(4096, 2))
  t.notOk(consumeCleanClose(file), 'a write-ahead log left beside it: checked')
})

t.test('the app stamps a clean close and uses the stamp up at the next start', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-clean-close-'))
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const stamp = path.join(dataDir, 'backboard.db.clean-close')
  const start = () => buildApp({ config: loadConfig({ DATA_DIR: dataDir }), logger: false })

  const first = await start()
  await setupOwner(first.app)
  t.notOk(fs.existsSync(stamp), 'no stamp while running')
  await first.app.close()
  t.ok(fs.existsSync(stamp), 'a clean close leaves the stamp')

  const second = await start()
  t.notOk(fs.existsSync(stamp), 'the next start uses it up')
  await second.app.close()
  t.ok(fs.existsSync(stamp))
})
