/**
 * npm run bench: fan-out latency, the highest rate held, and memory of the real server.
 *
 * Starts dist/server.js on 127.0.0.1 with a temporary DATA_DIR seeded with members and
 * sessions, connects --clients WebSocket clients (200) as distinct members of one channel,
 * and posts 100-byte messages over HTTP from five senders:
 *  1. at --rate (50/s) for --seconds (10): the latency of every delivery (post → one
 *     client has the message), p50/p95/p99;
 *  2. a ramp: --ramp-seconds (5) at each rate from 100/s upwards; a rate is held when the
 *     senders kept the pace and every message reached every client by the end of the step
 *     plus one second. The highest rate held is reported, and the server's share of a core.
 * Also: server RSS idle and under load, and the raw better-sqlite3 rate of inserting an
 * equivalent row. BENCH_NODE_ARGS passes flags to the server (e.g. --cpu-prof).
 * Flags: --clients N (200), --rate R (50), --seconds S (10) after --warmup S (5) untimed,
 * --ramp-seconds S (5), --ramp "100,200,…" (rates to try), --client-threads N (2: the
 * clients run in worker threads of the load generator), --ws-clients (clients read with the
 * `ws` library rather than lean frame reading; see bench/clients-worker.mjs), --json
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import SQLite from 'better-sqlite3'
import { Worker } from 'node:worker_threads'
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
const RAMP_SECONDS = flag('ramp-seconds', 5)
const rampArg = args.indexOf('--ramp')
const RAMP =
  rampArg >= 0
    ? (args[rampArg + 1] ?? '').split(',').map(Number)
    : [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 1600]
const SENDERS = 5
/** Untimed seconds at --rate before the timed ones. */
const WARMUP_SECONDS = flag('warmup', 5)
/** Worker threads the clients are spread over. */
const CLIENT_THREADS = flag('client-threads', 2)
/** Clients read through the `ws` library instead of lean frame reading (clients-worker.mjs). */
const USE_WS = args.includes('--ws-clients')
/** How long after a ramp step ends its last deliveries may still arrive. */
const GRACE_MS = 1000

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

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

/**
 * The benchmark's clients, spread over worker threads (bench/clients-worker.mjs) so that the
 * load generator reading 200 frames of one message in a row does not count as delivery time.
 * Each phase (the fixed rate, each ramp step) starts afresh: `begin` tells every worker when a
 * message was posted; a message is delivered when every worker has it on all its clients.
 */
class ClientPool {
  /** Posted messages not yet at every client: workers still waiting for each. */
  readonly pending = new Map<string, number>()
  failed = 0

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (message: { type: string; key?: string }) => {
        if (message.type !== 'done' || message.key === undefined) return
        const left = (this.pending.get(message.key) ?? 1) - 1
        if (left <= 0) this.pending.delete(message.key)
        else this.pending.set(message.key, left)
      })
    }
  }

  static async start(port: number, tokens: string[], threads: number): Promise<ClientPool> {
    const shares = Array.from({ length: threads }, (_, i) => tokens.filter((_, n) => n % threads === i))
    const workers = await Promise.all(
      shares.map(
        (share) =>
          new Promise<Worker>((resolve, reject) => {
            const worker = new Worker(path.join(root, 'bench/clients-worker.mjs'), {
              workerData: { port, tokens: share, useWs: USE_WS },
            })
            worker.once('error', reject)
            worker.once('message', () => resolve(worker))
          }),
      ),
    )
    return new ClientPool(workers)
  }

  begin(key: string): void {
    const at = performance.timeOrigin + performance.now()
    this.pending.set(key, this.workers.length)
    for (const worker of this.workers) worker.postMessage({ type: 'start', key, at })
  }

  /** Ends a phase: every delivery's latency, sorted; what was still missing is forgotten. */
  async collect(): Promise<{ sorted: Float64Array; undelivered: number; failed: number }> {
    const answers = await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<Float64Array>((resolve) => {
            const listen = (message: { type: string; samples?: Float64Array }) => {
              if (message.type !== 'samples') return
              worker.off('message', listen)
              resolve(message.samples ?? new Float64Array())
            }
            worker.on('message', listen)
            worker.postMessage({ type: 'collect' })
          }),
      ),
    )
    const all = new Float64Array(answers.reduce((n, a) => n + a.length, 0))
    let at = 0
    for (const answer of answers) {
      all.set(answer, at)
      at += answer.length
    }
    const result = { sorted: all.sort(), undelivered: this.pending.size, failed: this.failed }
    this.pending.clear()
    this.failed = 0
    return result
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }
}

let sequence = 0
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

async function post(port: number, token: string, channelId: number, pool: ClientPool): Promise<void> {
  const clientKey = `bench-${process.pid}-${++sequence}`
  // About 100 bytes of text, like a short message in a shop.
  const body = JSON.stringify({
    body: `Delivery from the bench, number ${sequence}: the van is at the back door, bring the trolley.`,
    clientKey,
  })
  pool.begin(clientKey)
  await new Promise<void>((resolve) => {
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
        response.on('end', () => {
          if (response.statusCode !== 201) pool.failed++
          resolve()
        })
      },
    )
    request.on('error', () => {
      pool.failed++
      resolve()
    })
    request.end(body)
  })
}

/** Posts at a fixed rate for `seconds`; returns how far behind schedule the senders fell. */
async function runAtRate(port: number, seeded: Seeded, pool: ClientPool, rate: number, seconds: number) {
  const total = Math.round(rate * seconds)
  const started = performance.now()
  const inflight: Promise<void>[] = []
  let worstLagMs = 0
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    else worstLagMs = Math.max(worstLagMs, -wait)
    inflight.push(post(port, seeded.tokens[i % SENDERS] as string, seeded.channelId, pool))
  }
  await Promise.all(inflight)
  return { worstLagMs, endedAt: started + seconds * 1000 }
}

/** Whether every message reached every client by `deadline`. */
async function waitDrained(pool: ClientPool, deadline: number): Promise<boolean> {
  while (pool.pending.size > 0 && performance.now() < deadline) await sleep(10)
  return pool.pending.size === 0 && performance.now() <= deadline + 10
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
  if (!process.env.BENCH_SERVER && !fs.existsSync(path.join(root, 'dist/server.js'))) {
    spawnSync(process.execPath, [path.join(root, 'scripts/build-server.mjs')], { stdio: 'inherit', cwd: root })
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-bench-'))
  const port = 18000 + Math.floor(Math.random() * 2000)
  const seeded = await seed(dataDir, Math.max(CLIENTS, SENDERS))
  const server = await startServer(dataDir, port)
  const pid = server.pid as number
  const results: Record<string, number | string>[] = []
  let pool: ClientPool | null = null
  try {
    await sleep(1500)
    const rssIdle = rssMb(pid)

    // 1. Fan-out latency at a fixed rate.
    pool = await ClientPool.start(port, seeded.tokens.slice(0, CLIENTS), CLIENT_THREADS)
    await sleep(3000) // presence events from the connections settle first
    let rssLoad = rssMb(pid)
    const sampler = setInterval(() => (rssLoad = Math.max(rssLoad, rssMb(pid))), 200)
    if (WARMUP_SECONDS > 0) {
      // Untimed: the server's code is compiled and its caches warm, as on any shop's afternoon.
      const warm = await runAtRate(port, seeded, pool, RATE, WARMUP_SECONDS)
      await waitDrained(pool, warm.endedAt + 10_000)
      await pool.collect()
    }
    const cpuFixed = cpuSeconds(pid)
    const fixed = await runAtRate(port, seeded, pool, RATE, SECONDS)
    await waitDrained(pool, fixed.endedAt + 10_000)
    const { sorted, undelivered, failed } = await pool.collect()
    results.push({
      load: 'fan-out',
      clients: CLIENTS,
      rate: RATE,
      p50_ms: round(percentile(sorted, 50)),
      p95_ms: round(percentile(sorted, 95)),
      p99_ms: round(percentile(sorted, 99)),
      deliveries: sorted.length,
      undelivered,
      failed_posts: failed,
      // The server's CPU per message (stored, indexed, sent to every client): the figure
      // least disturbed by other work on a shared machine.
      server_cpu_ms_per_msg: round(((cpuSeconds(pid) - cpuFixed) * 1000) / (RATE * SECONDS), 2),
      rss_idle_mb: rssIdle,
      rss_load_mb: rssLoad,
    })

    if (!asJson) console.error(JSON.stringify(results.at(-1)))

    // 2. The ramp: each rate in turn until one is not held.
    let held = 0
    for (const rate of RAMP) {
      const cpuBefore = cpuSeconds(pid)
      const loadBefore = process.cpuUsage()
      const step = await runAtRate(port, seeded, pool, rate, RAMP_SECONDS)
      const drained = await waitDrained(pool, step.endedAt + GRACE_MS)
      const serverCpu = (cpuSeconds(pid) - cpuBefore) / (RAMP_SECONDS + GRACE_MS / 1000)
      const loadCpu = process.cpuUsage(loadBefore)
      const generatorCpu = (loadCpu.user + loadCpu.system) / 1e6 / (RAMP_SECONDS + GRACE_MS / 1000)
      // The senders may start up to 10% of the step late (a busy shared machine) and still count.
      const collected = await pool.collect()
      const isHeld = drained && collected.failed === 0 && step.worstLagMs < RAMP_SECONDS * 100
      const stepSorted = collected.sorted
      results.push({
        load: 'ramp',
        clients: CLIENTS,
        rate,
        p50_ms: round(percentile(stepSorted, 50)),
        p95_ms: round(percentile(stepSorted, 95)),
        p99_ms: round(percentile(stepSorted, 99)),
        deliveries: stepSorted.length,
        undelivered: collected.undelivered,
        failed_posts: collected.failed,
        sender_lag_ms: round(step.worstLagMs),
        server_cpu_share: round(serverCpu, 2),
        // The load generator (senders and every client thread) shares the machine's cores.
        generator_cpu_share: round(generatorCpu, 2),
        server_cpu_ms_per_msg: round(((cpuSeconds(pid) - cpuBefore) * 1000) / (rate * RAMP_SECONDS), 2),
        held: isHeld ? 'yes' : 'no',
        rss_load_mb: rssMb(pid),
      })
      if (!asJson) console.error(JSON.stringify(results.at(-1)))
      if (!isHeld) break
      held = rate
      await sleep(500)
    }
    clearInterval(sampler)
    const ceiling = sqliteCeiling(dataDir)
    results.push({
      load: 'summary',
      clients: CLIENTS,
      highest_rate_held: held,
      sqlite_rows_per_s: ceiling,
      ratio_to_sqlite: round(held / ceiling, 4),
    })
  } finally {
    await pool?.close()
    server.kill('SIGTERM')
    await new Promise((resolve) => server.once('exit', resolve))
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  if (asJson) {
    for (const row of results) console.log(JSON.stringify(row))
  } else {
    console.table(results)
    console.log(
      `Node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, load ${os.loadavg()[0]}`,
    )
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
