/**
 * Kills the server with SIGKILL in the middle of a stream of writes, restarts it, and
 * checks that the database opens cleanly, every acknowledged write is there, and every
 * queued delivery is made; a delivery is repeated only if it was in flight at the moment
 * of the kill, and then under the same idempotency key, so the receiver can tell.
 */
import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'

const fixture = path.resolve(import.meta.dirname, '../fixtures/crash-server.ts')

/** Starts the server on a free port (port 0) and resolves with it and the port it got. */
function start(dataDir: string, deliveryLog: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fixture, [], {
    env: { ...process.env, DATA_DIR: dataDir, DELIVERY_LOG: deliveryLog, LOG_LEVEL: 'silent' },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: (message as { port: number }).port }))
    child.once('exit', (code) => reject(new Error(`server exited early (${code})`)))
  })
}

async function write(port: number, key: string): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/test/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    })
    return response.status === 200
  } catch {
    return false
  }
}

t.test('SIGKILL during a stream of writes loses no acknowledged write and no queued delivery', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-crash-'))
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const deliveryLog = path.join(dataDir, 'deliveries.log')
  const { child: first, port } = await start(dataDir, deliveryLog)
  const acknowledged: string[] = []
  let killed = false
  const killAt = 150 + Math.floor(Math.random() * 150)
  const writers = Array.from({ length: 4 }, async (_, worker) => {
    for (let i = 0; i < 400 && !killed; i++) {
      const key = `w${worker}-${i}`
      if (await write(port, key)) acknowledged.push(key)
      if (!killed && acknowledged.length >= killAt) {
        killed = true
        first.kill('SIGKILL')
      }
    }
  })
  await Promise.all(writers)
  await new Promise((resolve) =>
    first.exitCode !== null || first.signalCode !== null ? resolve(null) : first.once('exit', resolve),
  )
  t.equal(first.signalCode, 'SIGKILL', `killed after ${acknowledged.length} acknowledged writes`)

  const { child: second } = await start(dataDir, deliveryLog)
  t.teardown(() => second.kill('SIGTERM'))

  // Every queued delivery is made after the restart.
  const deadline = Date.now() + 20_000
  let delivered: string[] = []
  while (Date.now() < deadline) {
    delivered = fs.existsSync(deliveryLog) ? fs.readFileSync(deliveryLog, 'utf8').split('\n').filter(Boolean) : []
    if (acknowledged.every((key) => delivered.includes(key))) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const missing = acknowledged.filter((key) => !delivered.includes(key))
  t.same(missing, [], 'every acknowledged write was delivered')
  const repeats = delivered.length - new Set(delivered).size
  t.ok(repeats <= 4, `at most the deliveries in flight at the kill were repeated (${repeats}), each under its own key`)

  second.kill('SIGTERM')
  await new Promise((resolve) => second.once('exit', resolve))
  const db = new SQLite(path.join(dataDir, 'backboard.db'), { readonly: true })
  t.teardown(() => db.close())
  t.same(db.pragma('integrity_check'), [{ integrity_check: 'ok' }], 'the database is intact')
  const rows = db.prepare("select action from audit where action like 'crash.%'").all() as { action: string }[]
  const stored = new Set(rows.map((row) => row.action.slice('crash.'.length)))
  t.same(
    acknowledged.filter((key) => !stored.has(key)),
    [],
    'every acknowledged write is in the database',
  )
  const outbox = db.prepare("select state, count(*) n from outbox where channel = 'crash-test' group by state").all()
  t.same(outbox, [{ state: 'done', n: stored.size }], 'the outbox is drained, every item done once')
})
