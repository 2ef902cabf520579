/**
 * npm run bench:memory — the real server's memory idle and with idle clients connected.
 *
 * Starts dist/server.js on an empty data folder (seeded only with members and their
 * sessions), waits for /healthz, samples VmRSS from /proc for a few seconds, then opens
 * --clients signed-in WebSocket clients (200) and samples again. The server runs with
 * --expose-gc and bench/memory-probe.mjs, which reports process.memoryUsage() and V8's heap
 * spaces over IPC, so each phase has a breakdown before and after a full GC.
 * BENCH_NODE runs the server on another Node binary; BENCH_SERVER on another build.
 * Phases: just started, idle after --settle more seconds (45: the server gives memory back
 * after 30 s without activity, checked every 10 s), and with the clients.
 * --floor measures bench/memory-floor.mjs instead, a one-route Fastify and better-sqlite3
 * server with the same quiet-time collection: the least any server on this stack and this
 * Node binary holds, to read Backboard's figures against (idle phases only).
 * Flags: --clients N (200), --seconds S (5), --settle S (45), --floor, --json
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { root, seed, sleep, startServer } from './seed'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const CLIENTS = flag('clients', 200)
const SECONDS = flag('seconds', 5)
const asJson = args.includes('--json')
const SETTLE_SECONDS = flag('settle', 45)
const FLOOR = args.includes('--floor')

interface ProbeAnswer {
  usage: NodeJS.MemoryUsage
  spaces: Record<string, number>
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  return Math.round((kb / 1024) * 10) / 10
}

function ask(child: ChildProcess, request: 'sample' | 'gc'): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as ProbeAnswer))
    child.send(request)
  })
}

/** The median of VmRSS sampled every 250 ms for SECONDS, and a breakdown before and after GC. */
async function measure(child: ChildProcess, phase: string) {
  const pid = child.pid as number
  const samples: number[] = []
  for (let i = 0; i < SECONDS * 4; i++) {
    samples.push(rssMb(pid))
    await sleep(250)
  }
  samples.sort((a, b) => a - b)
  const before = await ask(child, 'sample')
  const after = await ask(child, 'gc')
  await sleep(500)
  const breakdown = (answer: ProbeAnswer) => ({
    heap_used_mb: mb(answer.usage.heapUsed),
    heap_total_mb: mb(answer.usage.heapTotal),
    external_mb: mb(answer.usage.external),
    array_buffers_mb: mb(answer.usage.arrayBuffers),
    // Compiled machine code; bytecode lives in the old space and counts as heap.
    code_mb: mb((answer.spaces.code_space ?? 0) + (answer.spaces.code_large_object_space ?? 0)),
  })
  return {
    phase,
    rss_mb: samples[Math.floor(samples.length / 2)] as number,
    rss_after_gc_mb: rssMb(pid),
    ...breakdown(before),
    ...Object.fromEntries(Object.entries(breakdown(after)).map(([key, value]) => [`${key}_after_gc`, value])),
  }
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-bench-memory-'))
  const port = 20000 + Math.floor(Math.random() * 2000)
  const seeded = FLOOR ? { tokens: [] } : await seed(dataDir, CLIENTS)
  const probe = path.join(root, 'bench/memory-probe.mjs')
  // BENCH_NODE_FLAGS tries V8 or Node flags on the server ("--max-semi-space-size=1").
  const extra = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const server = await startServer(dataDir, port, {
    nodeArgs: [...extra, '--expose-gc', `--import=${probe}`],
    ipc: true,
    ...(FLOOR && {
      script: path.join(root, 'bench/memory-floor.mjs'),
      // better-sqlite3 from beside the server under test: built for the Node that runs it.
      env: { BENCH_MODULES: process.env.BENCH_SERVER ? path.dirname(path.dirname(process.env.BENCH_SERVER)) : root },
    }),
  })
  const rows = []
  const sockets: WebSocket[] = []
  try {
    await sleep(1000)
    rows.push(await measure(server, 'started'))
    // The server gives back what start-up left in the heap once it has been quiet 30 s
    // (server/shared/idle-memory.ts): what an idle appliance holds is measured after.
    await sleep(SETTLE_SECONDS * 1000)
    rows.push(await measure(server, 'idle'))
    if (!FLOOR) {
      for (const token of seeded.tokens) {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
          headers: { cookie: `bb_session=${token}`, origin: `http://127.0.0.1:${port}` },
        })
        await new Promise((resolve, reject) => {
          ws.once('open', resolve)
          ws.once('error', reject)
        })
        sockets.push(ws)
      }
      await sleep(2000) // presence events from the connections settle first
      rows.push(await measure(server, `${CLIENTS} clients`))
    }
  } finally {
    for (const ws of sockets) ws.terminate()
    server.kill('SIGTERM')
    await new Promise((resolve) => server.once('exit', resolve))
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  const version = process.env.BENCH_NODE
    ? execFileSync(process.env.BENCH_NODE, ['-v']).toString().trim()
    : process.version
  if (asJson) for (const row of rows) console.log(JSON.stringify({ node: version, ...row }))
  else {
    console.table(rows)
    console.log(`server on Node ${version}, ${os.cpus().length} cores`)
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
