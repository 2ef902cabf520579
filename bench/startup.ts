/**
 * Start-up: `node dist/server.js` to the first 200 from /healthz, with an empty data folder
 * (first start: the database is created and migrated) and with a database holding 100,000
 * indexed messages, after a clean stop and after a crash. Three runs each; the median is
 * the figure. Needs `npm run build` first.
 *
 *   npm run bench:startup            # BENCH_MESSAGES=100000 BENCH_RUNS=3 by default
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openDatabase } from '../server/db/database'
import { root, seed, sleep } from './seed'

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const PORT = Number(process.env.BENCH_PORT ?? 18_431)
const BUDGET_MS = 1_500
const SERVER = process.env.BENCH_SERVER ?? path.join(root, 'dist/server.js')

const WORDS =
  'freezer delivery rota shift till float milk bread order customer invoice oven clean fridge label stock shelf morning evening closing opening'.split(
    ' ',
  )

/** Members, a channel and `count` messages, each in the search index, in one transaction. */
async function seedMessages(dataDir: string, count: number): Promise<void> {
  const { channelId } = await seed(dataDir, 5)
  const { db, sqlite } = openDatabase(path.join(dataDir, 'backboard.db'))
  const start = Date.now() - count * 60_000
  const insertMessage = sqlite.prepare(
    "insert into message (conversation_id, author_id, kind, body, created_at) values (?, ?, 'text', ?, ?)",
  )
  const insertIndex = sqlite.prepare("insert into message_fts (rowid, title, body, names) values (?, '', ?, '')")
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const words = Array.from({ length: 12 }, (_, j) => WORDS[(i * 7 + j * 13) % WORDS.length])
      const body = `${words.join(' ')} #${i}`
      const { lastInsertRowid } = insertMessage.run(channelId, (i % 5) + 1, body, start + i * 60_000)
      insertIndex.run(lastInsertRowid, body)
    }
  })()
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
  await db.destroy()
}

/** Milliseconds from spawning the server to its first 200 from /healthz; then stops it. */
async function timeStart(dataDir: string): Promise<number> {
  const started = performance.now()
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`)
      try {
        const response = await fetch(`http://127.0.0.1:${PORT}/healthz`)
        if (response.status === 200) return performance.now() - started
      } catch {
        // Not listening yet.
      }
      if (performance.now() - started > 30_000) throw new Error('the server did not answer in 30 s')
      await sleep(5)
    }
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function main(): Promise<void> {
  if (!fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run npm run build first`)
  const folders: string[] = []
  const tempFolder = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-startup-'))
    folders.push(dir)
    return dir
  }
  try {
    const empty: number[] = []
    // Each run a new folder: the first start of a new box, database created and migrated.
    for (let i = 0; i < RUNS; i++) empty.push(await timeStart(tempFolder()))

    const full = tempFolder()
    const seeding = performance.now()
    await seedMessages(full, MESSAGES)
    const size = fs.statSync(path.join(full, 'backboard.db')).size
    console.log(
      `seeded ${MESSAGES.toLocaleString('en')} messages in ${((performance.now() - seeding) / 1000).toFixed(1)} s (${(size / 1e6).toFixed(1)} MB)`,
    )
    // After a crash (or a new file) the start runs quick_check over the whole file; after a
    // clean stop it trusts the file (see consumeCleanClose). Both, alternately.
    const stamp = path.join(full, 'backboard.db.clean-close')
    const checked: number[] = []
    const loaded: number[] = []
    for (let i = 0; i < RUNS; i++) {
      fs.rmSync(stamp, { force: true })
      checked.push(await timeStart(full))
      loaded.push(await timeStart(full))
    }

    const line = (what: string, runs: number[]) => {
      const figure = median(runs)
      const verdict = figure <= BUDGET_MS ? 'within' : 'OVER'
      console.log(
        `${what}: median ${figure.toFixed(0)} ms (runs ${runs.map((ms) => ms.toFixed(0)).join(', ')}; ${verdict} ${BUDGET_MS} ms)`,
      )
    }
    console.log(`node ${process.version}, ${os.cpus().length} cores, ${SERVER}`)
    console.log(
      `load average ${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    )
    line('empty data folder (first start)', empty)
    line(`${MESSAGES.toLocaleString('en')} messages, after a clean stop`, loaded)
    line(`${MESSAGES.toLocaleString('en')} messages, after a crash (quick_check)`, checked)
  } finally {
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
