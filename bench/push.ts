/**
 * npm run bench:push — Web Push fan-out on loopback: one message to a channel of 100 away
 * members, each with a subscribed device, through the real sender (encryption, VAPID) and
 * the outbox to a local HTTPS push service. Reports the time until every push has arrived
 * and the outbox's deliveries per second. Flags: --subscriptions N (100), --rounds N (5), --json
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../server/app'
import { loadConfig } from '../server/config'
import { hashToken, randomToken } from '../server/shared/tokens'
import { makeSubscription, startPushEndpoint } from '../test/helpers/push-endpoint'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const SUBSCRIPTIONS = flag('subscriptions', 100)
const ROUNDS = flag('rounds', 5)

const endpoint = await startPushEndpoint()
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-bench-push-'))
const { app, ctx } = await buildApp({
  config: loadConfig({ DATA_DIR: dataDir }),
  logger: false,
  pushAgent: endpoint.agent,
  pushEndpoints: { allowEndpoint: endpoint.allows },
  outboxPollMs: 50,
})
await app.ready()
const now = Date.now()
await ctx.db
  .insertInto('shop')
  .values({ id: 1, name: 'Bench', timezone: 'UTC', join_code: 'BENCHJOIN', auto_approve: 0, setup_at: now })
  .execute()
const channel = await ctx.db
  .insertInto('conversation')
  .values({
    kind: 'channel',
    name: 'everyone',
    topic: '',
    is_private: 0,
    direct_key: null,
    created_by: null,
    created_at: now,
  })
  .returning('id')
  .executeTakeFirstOrThrow()
let senderToken = ''
for (let i = 0; i <= SUBSCRIPTIONS; i++) {
  const member = await ctx.db
    .insertInto('member')
    .values({
      username: `push${i}`,
      display_name: `Member ${i}`,
      password_hash: null,
      role: i === 0 ? 'owner' : 'staff',
      status: 'active',
      created_at: now,
      push_level: 'all',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const token = randomToken()
  const session = await ctx.db
    .insertInto('session')
    .values({
      member_id: member.id,
      token_hash: hashToken(token),
      created_at: now,
      last_seen_at: now,
      expires_at: now + 86_400_000,
      user_agent: 'bench',
      ip: '',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await ctx.db
    .insertInto('conversation_member')
    .values({ conversation_id: channel.id, member_id: member.id, joined_at: now })
    .execute()
  if (i === 0) {
    senderToken = token
    continue
  }
  const subscription = makeSubscription(endpoint.origin)
  await ctx.db
    .insertInto('push_subscription')
    .values({
      member_id: member.id,
      session_id: session.id,
      endpoint: subscription.endpoint,
      p256dh: subscription.keys.p256dh,
      auth: subscription.keys.auth,
      created_at: now,
    })
    .execute()
}
// Restart so the push service sees the subscriptions that were written behind its back.
await app.close()
const again = await buildApp({
  config: loadConfig({ DATA_DIR: dataDir }),
  logger: false,
  pushAgent: endpoint.agent,
  pushEndpoints: { allowEndpoint: endpoint.allows },
  outboxPollMs: 50,
})
await again.app.ready()

const timings: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  const before = endpoint.requests.length
  const started = performance.now()
  const response = await again.app.inject({
    method: 'POST',
    url: `/api/conversations/${channel.id}/messages`,
    headers: { cookie: `bb_session=${senderToken}` },
    payload: {
      body: `Round ${round}: the delivery van is here, who can help unload?`,
      clientKey: `bench-push-${round}-key`,
    },
  })
  if (response.statusCode !== 201) throw new Error(`send failed: ${response.statusCode} ${response.body}`)
  while (endpoint.requests.length < before + SUBSCRIPTIONS) await new Promise((resolve) => setTimeout(resolve, 5))
  timings.push(performance.now() - started)
}
await again.app.close()
await endpoint.stop()
fs.rmSync(dataDir, { recursive: true, force: true })

const sorted = [...timings].sort((a, b) => a - b)
const median = sorted[Math.floor(sorted.length / 2)] as number
const result = {
  subscriptions: SUBSCRIPTIONS,
  rounds: ROUNDS,
  fanout_median_ms: Math.round(median),
  fanout_max_ms: Math.round(sorted.at(-1) as number),
  outbox_pushes_per_s: Math.round((SUBSCRIPTIONS / median) * 1000),
}
if (args.includes('--json')) console.log(JSON.stringify(result))
else console.table([result])
