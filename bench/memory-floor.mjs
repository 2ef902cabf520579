// Run only by `npm run bench:memory -- --floor`: the smallest server built on Backboard's
// stack, to measure what the runtime itself holds. One Fastify instance with one route
// (/healthz, which reads the database), one better-sqlite3 database in WAL mode, the same
// quiet-time collection as the real server (server/shared/idle-memory.ts: V8's compacting
// "last resort" collection once nothing has been asked for 30 s), and nothing else.
// Whatever this process holds idle, Backboard cannot hold less on the same Node binary.
// BENCH_MODULES names the folder whose node_modules has a better-sqlite3 compiled for the
// Node that runs this (scripts/bench-node24.sh compiles one for Node 24 in a scratch folder).
import { createRequire } from 'node:module'
import path from 'node:path'
import v8 from 'node:v8'
import { setTimeout } from 'node:timers'
import vm from 'node:vm'

const fromRepo = createRequire(new URL('../package.json', import.meta.url))
const fromModules = process.env.BENCH_MODULES
  ? createRequire(path.join(process.env.BENCH_MODULES, 'package.json'))
  : fromRepo
const Fastify = fromRepo('fastify')
const Database = fromModules('better-sqlite3')

const db = new Database(path.join(process.env.DATA_DIR ?? '.', 'floor.sqlite'))
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
const one = db.prepare('SELECT 1 AS ok')

const app = Fastify({ logger: false })
app.get('/healthz', async () => ({ ok: one.get().ok === 1 }))
await app.listen({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' })

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')
const major = Number(process.versions.v8.split('.')[0]) >= 12
setTimeout(() => (major ? gc({ type: 'major', execution: 'sync', flavor: 'last-resort' }) : gc()), 30_000).unref()

process.once('SIGTERM', () => {
  void app.close().then(() => db.close())
})
