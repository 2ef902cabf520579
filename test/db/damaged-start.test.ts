/**
 * The README promises: at start Backboard runs quick_check and refuses to start on a damaged
 * database, saying which command restores a backup. Run as a real process, as an owner would.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { createMember, setupOwner, startApp } from '../helpers/app'
import { corruptTablePage } from '../helpers/corrupt'

const root = path.resolve(import.meta.dirname, '../..')

function runServer(dataDir: string): Promise<{ code: number | null; stderr: string; isListening: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], {
      // Port 1 is never free to us: if start got as far as listening it would fail there,
      // with another message. The damage must stop it before.
      env: { ...process.env, DATA_DIR: dataDir, PORT: '1', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('exit', (code) => resolve({ code, stderr, isListening: /EACCES|EADDRINUSE/.test(stderr) }))
  })
}

t.test('start refuses a damaged database, names the restore command and changes nothing', async (t) => {
  const started = await startApp()
  const owner = await setupOwner(started.app)
  for (let i = 0; i < 20; i++) await createMember(started.app, owner.cookie)
  await started.app.close()
  const file = path.join(started.dataDir, 'backboard.db')
  t.teardown(() => fs.rmSync(started.dataDir, { recursive: true, force: true }))
  corruptTablePage(file, 'member')
  const damaged = fs.readFileSync(file)

  const run = await runServer(started.dataDir)
  t.not(run.code, 0, 'the process exits with an error')
  t.notOk(run.isListening, 'it never got as far as listening')
  t.match(run.stderr, /database is damaged/, 'it says the database is damaged')
  t.match(run.stderr, /restore <backup folder>/, 'and names the command that restores a backup')
  t.ok(fs.readFileSync(file).equals(damaged), 'the damaged file is left as it was, for the restore')
})
