/**
 * SIGTERM: the server finishes requests in flight, closes WebSockets, checkpoints the WAL
 * into the database file and exits cleanly.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import WebSocket from 'ws'

const root = path.resolve(import.meta.dirname, '../..')

/**
 * A port the system just handed out for port 0. main.ts refuses PORT=0 on purpose (a
 * server needs a known address), so the port is asked of the system instead of guessed.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

t.test('SIGTERM finishes in-flight requests, closes sockets and checkpoints the WAL', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-shutdown-'))
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/main.ts')], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  // Whatever happens to the test, the server it started does not outlive it.
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  const setup = await fetch(`${base}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      shopName: 'Deli',
      timezone: 'UTC',
      displayName: 'Olive',
      username: 'olive',
      password: 'pickles in the jar',
    }),
  })
  t.equal(setup.status, 201)
  const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0] as string
  t.ok(fs.statSync(path.join(dataDir, 'backboard.db-wal')).size > 0, 'writes sit in the WAL while running')

  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { cookie, origin: base } })
  await new Promise((resolve) => socket.once('open', resolve))
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))

  // A sign-in takes a few hundred milliseconds of password hashing: still in flight at SIGTERM.
  const inFlight = fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'olive', password: 'pickles in the jar' }),
  })
  await new Promise((resolve) => setTimeout(resolve, 30))
  child.kill('SIGTERM')

  t.equal((await inFlight).status, 200, 'the request in flight was answered')
  t.ok([1001, 1005].includes(await closed), 'the socket was closed by the server')
  t.equal(await exited, 0, `the process exited cleanly ${stderr.slice(0, 500)}`)
  const wal = path.join(dataDir, 'backboard.db-wal')
  t.ok(!fs.existsSync(wal) || fs.statSync(wal).size === 0, 'the WAL was checkpointed into the database')
})
