/**
 * npm run bench:tasks — tasks under contention, over real HTTP on 127.0.0.1 (the app in this
 * process, per-route rate limits off, every member on their own kept-alive connection):
 *   1. take: --takers members (50) press Take on the same task at once, for --rounds rounds
 *      (40); the latency of every press (the winner's 200 and everyone else's 409), p50/p99;
 *   2. next: --workers members (20), each holding at most one task, pull --tasks queued tasks
 *      (1,000) from one pull queue, each doing Next → done → Next until Next answers 204;
 *      tasks handed out per second, and the latency of Next.
 * Each round and phase checks its outcome (one winner per round; every task handed out
 * exactly once) and stops after --max-seconds (120) per phase. Flags also: --json
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { buildApp } from '../server/app'
import { loadConfig } from '../server/config'
import { hashToken, randomToken } from '../server/shared/tokens'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const TAKERS = flag('takers', 50)
const ROUNDS = flag('rounds', 40)
const WORKERS = flag('workers', 20)
const TASKS = flag('tasks', 1000)
const MAX_MS = flag('max-seconds', 120) * 1000

interface Answer {
  status: number
  body: Record<string, unknown> | null
  ms: number
}

/** A member's phone: one kept-alive connection, so presses race instead of queueing for sockets. */
class Phone {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  constructor(
    readonly port: number,
    readonly memberId: number,
    readonly cookie: string,
  ) {}

  request(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Answer> {
    const data = payload === undefined ? undefined : JSON.stringify(payload)
    const started = performance.now()
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: url,
          method,
          agent: this.agent,
          headers: {
            cookie: this.cookie,
            ...(data === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            resolve({
              status: response.statusCode ?? 0,
              body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
              ms: performance.now() - started,
            })
          })
        },
      )
      request.on('error', reject)
      request.end(data)
    })
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

const round1 = (ms: number) => Math.round(ms * 10) / 10

function expect(answer: Answer, status: number, what: string): Record<string, unknown> {
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`)
  return answer.body ?? {}
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-bench-tasks-'))
const { app, ctx } = await buildApp({
  config: loadConfig({ DATA_DIR: dataDir }),
  logger: false,
  webRoot: null,
  rateLimits: false,
})
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as AddressInfo

// Members and sessions are written directly: hashing a password per member would only slow the setup.
const now = Date.now()
await ctx.db
  .insertInto('shop')
  .values({ id: 1, name: 'Bench', timezone: 'UTC', join_code: 'BENCHJOIN', auto_approve: 0, setup_at: now })
  .execute()
const phones: Phone[] = []
for (let i = 0; i <= Math.max(TAKERS, WORKERS); i++) {
  const member = await ctx.db
    .insertInto('member')
    .values({
      username: `task${i}`,
      display_name: `Member ${i}`,
      password_hash: null,
      role: i === 0 ? 'owner' : 'staff',
      status: 'active',
      created_at: now,
      approved_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const token = randomToken()
  await ctx.db
    .insertInto('session')
    .values({
      member_id: member.id,
      token_hash: hashToken(token),
      created_at: now,
      last_seen_at: now,
      expires_at: now + 86_400_000,
      user_agent: 'bench',
      ip: '127.0.0.1',
    })
    .execute()
  phones.push(new Phone(port, member.id, `bb_session=${token}`))
}
const [owner, ...members] = phones as [Phone, ...Phone[]]
const takers = members.slice(0, TAKERS)
const workers = members.slice(0, WORKERS)
await Promise.all(phones.map(async (phone) => expect(await phone.request('GET', '/api/me'), 200, 'sign-in')))

let keyCounter = 0
const postTask = async (input: Record<string, unknown>) =>
  expect(
    await owner.request('POST', '/api/tasks', { clientKey: `bench-task-${++keyCounter}`, ...input }),
    201,
    'post a task',
  ).id as number

// 1. Take: everyone at once on one task, round after round.
const floor = expect(
  await owner.request('POST', '/api/conversations', {
    kind: 'channel',
    name: 'floor',
    isPrivate: false,
    memberIds: takers.map((phone) => phone.memberId),
  }),
  201,
  'channel',
).id as number
const takeMs: number[] = []
const winnerMs: number[] = []
let rounds = 0
const takeStarted = performance.now()
while (rounds < ROUNDS && performance.now() - takeStarted < MAX_MS) {
  const taskId = await postTask({ title: `Round ${rounds + 1}`, conversationId: floor, privateDetails: '0400 000 000' })
  const answers = await Promise.all(takers.map((phone) => phone.request('POST', `/api/tasks/${taskId}/take`)))
  const winners = answers.flatMap((answer, i) => (answer.status === 200 ? [i] : []))
  const refused = answers.filter((answer) => answer.status === 409 && answer.body?.code === 'task_taken').length
  if (winners.length !== 1 || refused !== answers.length - 1) {
    throw new Error(`round ${rounds + 1}: ${winners.length} winners, ${refused} told task_taken`)
  }
  const winner = winners[0] as number
  for (const answer of answers) takeMs.push(answer.ms)
  winnerMs.push((answers[winner] as Answer).ms)
  // The winner finishes, so each round starts with everyone free to take.
  expect(await (takers[winner] as Phone).request('POST', `/api/tasks/${taskId}/done`, {}), 200, 'done')
  rounds++
}
takeMs.sort((a, b) => a - b)
winnerMs.sort((a, b) => a - b)

// 2. Next: a pull queue of TASKS tasks drained by WORKERS members.
const queue = expect(
  await owner.request('POST', '/api/task-queues', { name: 'Deliveries', mode: 'pull' }),
  201,
  'queue',
).id as number
for (let i = 0; i < TASKS; i++) {
  await postTask({ title: `Delivery ${i + 1}`, queueId: queue, priority: i % 101 })
}
const nextMs: number[] = []
const handedOut = new Map<number, number>()
const nextStarted = performance.now()
await Promise.all(
  workers.map(async (phone) => {
    while (performance.now() - nextStarted < MAX_MS) {
      const answer = await phone.request('POST', '/api/tasks/next', { queueId: queue })
      nextMs.push(answer.ms)
      if (answer.status === 204) return
      const taskId = expect(answer, 200, 'next').id as number
      if (handedOut.has(taskId)) throw new Error(`task ${taskId} was handed out twice`)
      handedOut.set(taskId, phone.memberId)
      expect(await phone.request('POST', `/api/tasks/${taskId}/done`, { note: 'Delivered' }), 200, 'done')
    }
  }),
)
const nextElapsedMs = performance.now() - nextStarted
if (handedOut.size !== TASKS) throw new Error(`${handedOut.size} of ${TASKS} tasks handed out in time`)
nextMs.sort((a, b) => a - b)

for (const phone of phones) phone.agent.destroy()
await app.close()
fs.rmSync(dataDir, { recursive: true, force: true })

const result = {
  take_takers: TAKERS,
  take_rounds: rounds,
  take_p50_ms: round1(percentile(takeMs, 50)),
  take_p99_ms: round1(percentile(takeMs, 99)),
  take_winner_p50_ms: round1(percentile(winnerMs, 50)),
  next_workers: WORKERS,
  next_tasks: TASKS,
  next_tasks_per_s: round1((TASKS / nextElapsedMs) * 1000),
  next_p50_ms: round1(percentile(nextMs, 50)),
  next_p99_ms: round1(percentile(nextMs, 99)),
}
if (args.includes('--json')) console.log(JSON.stringify(result))
else {
  console.table([
    { measure: `Take, ${TAKERS} at once (${rounds} rounds)`, p50_ms: result.take_p50_ms, p99_ms: result.take_p99_ms },
    { measure: 'Take, the winner', p50_ms: result.take_winner_p50_ms, p99_ms: round1(percentile(winnerMs, 99)) },
    { measure: `Next, ${WORKERS} workers`, p50_ms: result.next_p50_ms, p99_ms: result.next_p99_ms },
  ])
  console.log(
    `Next throughput: ${result.next_tasks_per_s} tasks/s (${TASKS} tasks, ${WORKERS} workers, Next → done → Next)`,
  )
}
process.exit(0)
