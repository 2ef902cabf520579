/**
 * npm run bench:customers — customers writing to the shop's bot all at once, through the Bot
 * API fake on 127.0.0.1 (the app in this process, listening on loopback):
 * --customers distinct Telegram users (200) each send --messages texts (5), queued as fast
 * as the fake takes them, while one signed-in staff socket (the owner, who answers
 * customers) is open. Reports the customer messages stored per second (all of them / the
 * time until the last one is in the database) and the latency from the fake queueing a
 * message to the staff socket receiving its message.created event, p50/p95/p99.
 * Also counts the bot's sends meanwhile (welcome texts) and the Telegram rate-limit violations
 * the fake saw. Stops after --max-seconds (120) whatever happened. Flags also: --json,
 * --verbose (the distinct texts the bot sent)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { buildApp } from '../server/app'
import { loadConfig } from '../server/config'
import type { MessageView } from '../server/shared/events'
import { hashToken, randomToken } from '../server/shared/tokens'
import { startTelegramFake } from '../test/helpers/telegram-fake'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const CUSTOMERS = flag('customers', 200)
const MESSAGES = flag('messages', 5)
const MAX_MS = flag('max-seconds', 120) * 1000
const TOTAL = CUSTOMERS * MESSAGES
const TOKEN = '7000001:AAHbackboardBenchTokenForTheFakeBotApi_x'
const FIRST_USER_ID = 500_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Whatever goes wrong, the bench ends by itself.
const started = Date.now()
const watchdog = setTimeout(() => {
  console.error(`bench:customers: gave up after ${MAX_MS / 1000} s`)
  process.exit(1)
}, MAX_MS)
watchdog.unref()

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

const round1 = (ms: number) => Math.round(ms * 10) / 10

const fake = await startTelegramFake({ token: TOKEN, botUsername: 'bench_bot', botFirstName: 'Bench Shop' })
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-bench-customers-'))
const { app, ctx } = await buildApp({
  config: loadConfig({ DATA_DIR: dataDir, TELEGRAM_API_ROOT: fake.apiRoot }),
  logger: false,
  webRoot: null,
  rateLimits: false,
})
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as AddressInfo

// The owner and a session are written directly: the owner may answer customers.
const now = Date.now()
await ctx.db
  .insertInto('shop')
  .values({ id: 1, name: 'Bench', timezone: 'UTC', join_code: 'BENCHJOIN', auto_approve: 0, setup_at: now })
  .execute()
const owner = await ctx.db
  .insertInto('member')
  .values({
    username: 'owner',
    display_name: 'Owner',
    password_hash: null,
    role: 'owner',
    status: 'active',
    created_at: now,
    approved_at: now,
  })
  .returning('id')
  .executeTakeFirstOrThrow()
const ownerToken = randomToken()
await ctx.db
  .insertInto('session')
  .values({
    member_id: owner.id,
    token_hash: hashToken(ownerToken),
    created_at: now,
    last_seen_at: now,
    expires_at: now + 86_400_000,
    user_agent: 'bench',
    ip: '127.0.0.1',
  })
  .execute()
const cookie = `bb_session=${ownerToken}`
const request = async (method: 'PATCH' | 'PUT', url: string, payload: object) => {
  const response = await app.inject({ method, url, headers: { cookie }, payload })
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`)
}
await request('PUT', '/api/telegram/bot', { token: TOKEN })
await request('PATCH', '/api/settings', { customersEnabled: true })
await request('PATCH', '/api/customers/settings', { ratePerMinute: 600 })

// Each text carries its own key, so the socket can tell which queued message an event is.
const queuedAt = new Map<string, number>()
const latencies: number[] = []
let lastEventAt = 0
const KEY = /\bbench-(\d+)-(\d+)\b/
const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
  headers: { cookie, origin: `http://127.0.0.1:${port}` },
})
ws.on('message', (raw: Buffer) => {
  const at = performance.now()
  const frame = JSON.parse(raw.toString('utf8')) as { kind: string; type?: string; data?: { message?: MessageView } }
  if (frame.kind !== 'event' || frame.type !== 'message.created') return
  const message = frame.data?.message
  if (message?.customer?.direction !== 'in') return
  const key = KEY.exec(message.body)?.[0]
  const start = key === undefined ? undefined : queuedAt.get(key)
  if (key === undefined || start === undefined) return
  queuedAt.delete(key)
  latencies.push(at - start)
  lastEventAt = at
})
await new Promise<void>((resolve, reject) => {
  const onFrame = (raw: Buffer) => {
    if ((JSON.parse(raw.toString('utf8')) as { kind: string }).kind !== 'caught-up') return
    ws.off('message', onFrame)
    resolve()
  }
  ws.on('message', onFrame)
  ws.once('error', reject)
})

const stored = async () =>
  Number(
    (
      await ctx.db
        .selectFrom('customer_message')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('direction', '=', 'in')
        .executeTakeFirst()
    )?.n ?? 0,
  )

const users = Array.from({ length: CUSTOMERS }, (_, i) =>
  fake.user({ id: FIRST_USER_ID + i, first_name: `Customer ${i + 1}` }),
)
// Round by round (everyone's first message, then everyone's second …), as many customers
// writing at once would arrive; the loop yields between rounds so the fake keeps serving.
const sendStarted = performance.now()
for (let n = 0; n < MESSAGES; n++) {
  for (let i = 0; i < CUSTOMERS; i++) {
    const key = `bench-${i}-${n}`
    ;(users[i] as (typeof users)[number]).text(`Hello, is the order ready? ${key}`)
    queuedAt.set(key, performance.now())
  }
  await new Promise((resolve) => setImmediate(resolve))
}
const queuedMs = performance.now() - sendStarted

// Stored: the count in the database, looked at every 20 ms (cheap next to the writes).
let storedCount = 0
while (storedCount < TOTAL && Date.now() - started < MAX_MS - 5000) {
  storedCount = await stored()
  if (storedCount < TOTAL) await sleep(20)
}
const storedMs = performance.now() - sendStarted
// The last events may still be on their way to the socket.
const deadline = Date.now() + 5000
while (latencies.length < storedCount && Date.now() < deadline) await sleep(10)

const violations = fake.violations.length
const violationRules = [...new Set(fake.violations.map((v) => `${v.rule} (${v.method})`))].join(', ')
const sentTexts = fake.calls('sendMessage').map((c) => String(c.params.text ?? '').slice(0, 40))
const botSends = fake.calls('sendMessage').length
ws.terminate()
await app.close()
await fake.stop()
fs.rmSync(dataDir, { recursive: true, force: true })

latencies.sort((a, b) => a - b)
const result = {
  customers: CUSTOMERS,
  messages_each: MESSAGES,
  messages_stored: storedCount,
  events_received: latencies.length,
  queue_ms: round1(queuedMs),
  stored_ms: Math.round(storedMs),
  stored_per_s: round1((storedCount / storedMs) * 1000),
  last_event_ms: Math.round(lastEventAt - sendStarted),
  latency_p50_ms: round1(percentile(latencies, 50)),
  latency_p95_ms: round1(percentile(latencies, 95)),
  latency_p99_ms: round1(percentile(latencies, 99)),
  bot_sends: botSends,
  rate_limit_violations: violations,
}
if (args.includes('--json')) console.log(JSON.stringify(result))
else {
  console.table([
    {
      measure: `${CUSTOMERS} customers × ${MESSAGES} texts`,
      stored: `${storedCount}/${TOTAL}`,
      per_s: result.stored_per_s,
      all_stored_ms: result.stored_ms,
    },
  ])
  console.table([
    {
      measure: 'Queued in the fake → message.created on the staff socket',
      events: latencies.length,
      p50_ms: result.latency_p50_ms,
      p95_ms: result.latency_p95_ms,
      p99_ms: result.latency_p99_ms,
    },
  ])
  console.log(
    `Bot sends meanwhile: ${botSends} (rate-limit violations seen by the fake: ${violations}); ` +
      `all ${TOTAL} texts queued in ${result.queue_ms} ms`,
  )
  if (violations > 0) console.log(`Violations: ${violationRules}`)
  if (args.includes('--verbose')) console.log([...new Set(sentTexts)])
}
if (storedCount < TOTAL || latencies.length < TOTAL) {
  console.error(`bench:customers: ${storedCount} stored, ${latencies.length} events of ${TOTAL}`)
  process.exit(1)
}
process.exit(0)
