/**
 * npm run bench: fan-out latency, sustained throughput and memory of the real server.
 *
 * Starts dist/server.js on 127.0.0.1 with a temporary DATA_DIR seeded with members and
 * sessions, connects WebSocket clients as distinct members of one channel, posts messages
 * over HTTP from several senders, and measures:
 *  - post → delivered-to-every-client latency (p50/p95/p99) at a target rate;
 *  - sustained messages per second (posted, persisted and delivered to every client);
 *  - server RSS idle and under load;
 *  - the raw better-sqlite3 rate of inserting an equivalent row, and the product's
 *    throughput as a ratio of it.
 * Flags: --clients N (200), --rate R (50), --seconds S (10), --sustained-clients N (10), --json
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import SQLite from 'better-sqlite3'
import WebSocket from 'ws'
import { root, seed, sleep, startServer, type Seeded } from './seed'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const asJson = args.includes('--json')
const CLIENTS = flag('clients', 200)
const RATE = flag('rate', 50)
const SECONDS = flag('seconds', 10)
const SUSTAINED_CLIENTS = flag('sustained-clients', 10)
const SENDERS = 10

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round((kb / 1024) * 10) / 10
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

interface Tracker {
  /** client key → [start time, clients still to receive] */
  pending: Map<string, { start: number; remaining: number }>
  latencies: number[]
  delivered: number
}

async function connectClients(port: number, tokens: string[], tracker: Tracker): Promise<WebSocket[]> {
  const sockets: WebSocket[] = []
  await Promise.all(
    tokens.map(
      (token) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
            headers: { cookie: `bb_session=${token}`, origin: `http://127.0.0.1:${port}` },
          })
          ws.on('message', (raw) => {
            const text = raw.toString()
            if (!text.includes('"message.created"')) return
            const key = /"clientKey":"([^"]+)"/.exec(text)?.[1]
            const entry = key ? tracker.pending.get(key) : undefined
            if (!entry || !key) return
            entry.remaining -= 1
            if (entry.remaining === 0) {
              tracker.latencies.push(performance.now() - entry.start)
              tracker.delivered += 1
              tracker.pending.delete(key)
            }
          })
          ws.once('open', () => {
            sockets.push(ws)
            resolve()
          })
          ws.once('error', reject)
        }),
    ),
  )
  return sockets
}

let sequence = 0
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

async function post(port: number, token: string, channelId: number, tracker: Tracker, clients: number): Promise<void> {
  const clientKey = `bench-${process.pid}-${++sequence}`
  const body = JSON.stringify({
    body: `Delivery from the bench, number ${sequence}: the van is at the back door.`,
    clientKey,
  })
  tracker.pending.set(clientKey, { start: performance.now(), remaining: clients })
  await new Promise<void>((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: `/api/conversations/${channelId}/messages`,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          cookie: `bb_session=${token}`,
          origin: `http://127.0.0.1:${port}`,
        },
      },
      (response) => {
        response.resume()
        response.on('end', () =>
          response.statusCode === 201 ? resolve() : reject(new Error(`post failed: ${response.statusCode}`)),
        )
      },
    )
    request.on('error', reject)
    request.end(body)
  })
}

/** Posts at a fixed rate for `seconds`, then waits for deliveries. */
async function runAtRate(
  port: number,
  seeded: Seeded,
  tracker: Tracker,
  clients: number,
  rate: number,
  seconds: number,
) {
  const total = rate * seconds
  const started = performance.now()
  const inflight: Promise<void>[] = []
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait)
    inflight.push(post(port, seeded.tokens[i % SENDERS] as string, seeded.channelId, tracker, clients))
  }
  await Promise.all(inflight)
  await waitDrained(tracker)
}

/** Posts as fast as `concurrency` senders allow for `seconds`. */
async function runFlatOut(
  port: number,
  seeded: Seeded,
  tracker: Tracker,
  clients: number,
  seconds: number,
  concurrency: number,
) {
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  let posted = 0
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        await post(port, seeded.tokens[worker % SENDERS] as string, seeded.channelId, tracker, clients)
        posted++
      }
    }),
  )
  await waitDrained(tracker)
  const elapsed = (performance.now() - started) / 1000
  return { posted, elapsed }
}

async function waitDrained(tracker: Tracker): Promise<void> {
  for (let i = 0; i < 200 && tracker.pending.size > 0; i++) await sleep(50)
}

/** The ceiling: better-sqlite3 inserting an equivalent message row, one transaction per row. */
function sqliteCeiling(dataDir: string): number {
  const file = path.join(dataDir, 'ceiling.db')
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.exec(`create table message (id integer primary key autoincrement, conversation_id integer not null, author_id integer,
    kind text not null, body text not null, reply_to_id integer, client_key text, created_at integer not null, edited_at integer,
    deleted_at integer, deleted_by integer, has_attachment integer not null default 0, system_data text)`)
  const insert = sqlite.prepare(
    'insert into message (conversation_id, author_id, kind, body, client_key, created_at) values (?, ?, ?, ?, ?, ?)',
  )
  const once = sqlite.transaction((i: number) =>
    insert.run(2, 1, 'text', `Delivery from the bench, number ${i}: the van is at the back door.`, `k${i}`, Date.now()),
  )
  const n = 20_000
  const start = performance.now()
  for (let i = 0; i < n; i++) once(i)
  const rate = n / ((performance.now() - start) / 1000)
  sqlite.close()
  return Math.round(rate)
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'dist/server.js'))) {
    spawnSync(process.execPath, [path.join(root, 'scripts/build-server.mjs')], { stdio: 'inherit', cwd: root })
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-bench-'))
  const port = 18000 + Math.floor(Math.random() * 2000)
  const members = Math.max(CLIENTS, SUSTAINED_CLIENTS, SENDERS)
  const seeded = await seed(dataDir, members)
  const server = await startServer(dataDir, port)
  const pid = server.pid as number
  const results: Record<string, number | string>[] = []
  try {
    await sleep(1500)
    const rssIdle = rssMb(pid)

    // 1. Fan-out latency: CLIENTS clients, RATE messages per second.
    const fanout: Tracker = { pending: new Map(), latencies: [], delivered: 0 }
    const sockets = await connectClients(port, seeded.tokens.slice(0, CLIENTS), fanout)
    await sleep(3000) // presence events from the connections settle first
    let rssLoad = rssMb(pid)
    const sampler = setInterval(() => (rssLoad = Math.max(rssLoad, rssMb(pid))), 200)
    await runAtRate(port, seeded, fanout, CLIENTS, RATE, SECONDS)
    clearInterval(sampler)
    const sorted = [...fanout.latencies].sort((a, b) => a - b)
    const ceiling = sqliteCeiling(dataDir)
    const achievedRate = fanout.delivered / SECONDS
    results.push({
      load: 'fan-out',
      clients: CLIENTS,
      rate_target: RATE,
      p50_ms: round(percentile(sorted, 50)),
      p95_ms: round(percentile(sorted, 95)),
      p99_ms: round(percentile(sorted, 99)),
      msgs_per_s: round(achievedRate),
      rss_idle_mb: rssIdle,
      rss_load_mb: rssLoad,
      sqlite_rows_per_s: ceiling,
      ratio_to_sqlite: round(achievedRate / ceiling, 4),
    })
    for (const ws of sockets) ws.close()
    await sleep(2500)

    // 2. Sustained throughput: SUSTAINED_CLIENTS clients, senders as fast as they can.
    const sustained: Tracker = { pending: new Map(), latencies: [], delivered: 0 }
    const few = await connectClients(port, seeded.tokens.slice(0, SUSTAINED_CLIENTS), sustained)
    await sleep(2500)
    let rssLoad2 = rssMb(pid)
    const sampler2 = setInterval(() => (rssLoad2 = Math.max(rssLoad2, rssMb(pid))), 200)
    const cpuBefore = cpuSeconds(pid)
    const { elapsed } = await runFlatOut(port, seeded, sustained, SUSTAINED_CLIENTS, SECONDS, 32)
    const serverCpu = (cpuSeconds(pid) - cpuBefore) / elapsed
    clearInterval(sampler2)
    const sorted2 = [...sustained.latencies].sort((a, b) => a - b)
    const rate2 = sustained.delivered / elapsed
    results.push({
      load: 'sustained',
      clients: SUSTAINED_CLIENTS,
      rate_target: 'max',
      p50_ms: round(percentile(sorted2, 50)),
      p95_ms: round(percentile(sorted2, 95)),
      p99_ms: round(percentile(sorted2, 99)),
      msgs_per_s: round(rate2),
      rss_idle_mb: rssIdle,
      rss_load_mb: rssLoad2,
      sqlite_rows_per_s: ceiling,
      ratio_to_sqlite: round(rate2 / ceiling, 4),
      // The load generator shares this machine: how busy the server itself was, and the
      // rate one fully busy core would reach at the same cost per message.
      server_cpu_share: round(serverCpu, 2),
      msgs_per_s_per_server_core: round(rate2 / Math.max(serverCpu, 0.01)),
    })
    for (const ws of few) ws.close()
  } finally {
    server.kill('SIGTERM')
    await new Promise((resolve) => server.once('exit', resolve))
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  if (asJson) {
    for (const row of results) console.log(JSON.stringify(row))
  } else {
    console.table(results)
    console.log(`Node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`)
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
