/**
 * npm run bench:telegram — the Telegram bridge against the Bot API fake on loopback, with
 * Telegram's rate limits enforced (a violation would be answered 429 and counted):
 *   1. fan-out: one must-acknowledge notice to N linked, away members (messages/s overall),
 *      then twenty of them press Acknowledge (time until Telegram gets the answer);
 *   2. one chat: ten direct messages to one member (Telegram allows about one a second);
 *   3. outage: Telegram unreachable for --outage seconds while a notice is posted; the time
 *      from Telegram answering again until every queued message is delivered;
 *   4. inbound: M messages from linked members, applied (offset committed) per second.
 * The long-poll timeout is the production one (25 s). Flags: --members N (100),
 * --outage S (20), --inbound M (200), --json
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildApp } from '../server/app'
import { loadConfig } from '../server/config'
import { hashToken, randomToken } from '../server/shared/tokens'
import { startTelegramFake } from '../test/helpers/telegram-fake'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const MEMBERS = flag('members', 100)
const OUTAGE_S = flag('outage', 20)
const INBOUND = flag('inbound', 200)
const TOKEN = '7000001:AAHbackboardBenchTokenForTheFakeBotApi_x'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await sleep(5)
  }
}

const fake = await startTelegramFake({ token: TOKEN, botUsername: 'bench_bot', enforceRateLimits: true })
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-bench-telegram-'))
const { app, ctx } = await buildApp({
  config: loadConfig({ DATA_DIR: dataDir, TELEGRAM_API_ROOT: fake.apiRoot, PUBLIC_URL: 'https://shop.example.org' }),
  logger: false,
})
await app.ready()
const now = Date.now()
await ctx.db
  .insertInto('shop')
  .values({ id: 1, name: 'Bench', timezone: 'UTC', join_code: 'BENCHJOIN', auto_approve: 0, setup_at: now })
  .execute()
const ownerToken = randomToken()
const handles = []
for (let i = 0; i <= MEMBERS; i++) {
  const member = await ctx.db
    .insertInto('member')
    .values({
      username: `tg${i}`,
      display_name: `Member ${i}`,
      password_hash: null,
      role: i === 0 ? 'owner' : 'staff',
      status: 'active',
      created_at: now,
      shift_status: 'away',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  if (i === 0) {
    await ctx.db
      .insertInto('session')
      .values({
        member_id: member.id,
        token_hash: hashToken(ownerToken),
        created_at: now,
        last_seen_at: now,
        expires_at: now + 86_400_000,
        user_agent: 'bench',
        ip: '',
      })
      .execute()
    continue
  }
  await ctx.db
    .insertInto('telegram_link')
    .values({
      member_id: member.id,
      telegram_user_id: 100_000 + i,
      telegram_name: `Member ${i}`,
      telegram_username: null,
      linked_at: now,
      last_conversation_id: null,
    })
    .execute()
  handles.push({ memberId: member.id, handle: fake.user({ id: 100_000 + i, first_name: `Member ${i}` }) })
}
const cookie = `bb_session=${ownerToken}`
const request = async (method: 'POST' | 'PUT', url: string, payload: object) => {
  const response = await app.inject({ method, url, headers: { cookie }, payload })
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`)
  return response.json() as { id: number }
}
await request('PUT', '/api/telegram/bot', { token: TOKEN })
const sends = () => fake.calls('sendMessage').filter((c) => c.status === 200).length
const pending = async () =>
  Number(
    (
      await ctx.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('channel', '=', 'telegram')
        .where('state', 'in', ['pending', 'sending'])
        .executeTakeFirst()
    )?.n ?? 0,
  )

// 1. Fan-out.
let before = sends()
let started = performance.now()
await request('POST', '/api/notices', {
  title: 'Stocktake on Sunday',
  body: 'Everyone in at 8, please. Coffee is on the shop.',
  clientKey: 'bench-notice-1',
  mustAcknowledge: true,
})
await until(() => sends() >= before + MEMBERS, 120_000)
const fanoutMs = performance.now() - started

// 1b. Acknowledge buttons: press to answer (Telegram wants an answer within seconds).
const pressLatencies: number[] = []
for (const { handle } of handles.slice(0, 20)) {
  const notice = fake.botMessages(handle.chat.id).find((m) => (m.text ?? '').includes('Stocktake'))
  const data = notice?.reply_markup?.inline_keyboard[0]?.[0]?.callback_data as string
  const pressedAt = Date.now()
  const { callbackQuery } = handle.press(notice as { message_id: number }, data)
  await until(() => fake.callbackAnswers.has(callbackQuery?.id as string), 10_000)
  const answered = fake.calls('answerCallbackQuery').find((c) => c.params.callback_query_id === callbackQuery?.id)
  pressLatencies.push((answered?.time ?? Date.now()) - pressedAt)
}
pressLatencies.sort((a, b) => a - b)

// 2. One chat.
const first = handles[0] as (typeof handles)[number]
const direct = await request('POST', '/api/conversations', { kind: 'direct', memberIds: [first.memberId] })
before = fake.botMessages(first.handle.chat.id).length
started = performance.now()
for (let i = 0; i < 10; i++) {
  await request('POST', `/api/conversations/${direct.id}/messages`, { body: `direct ${i}`, clientKey: `bench-dm-${i}` })
}
await until(() => fake.botMessages(first.handle.chat.id).length >= before + 10, 60_000)
const oneChatMs = performance.now() - started

// 3. Outage.
fake.setOutage(true)
before = sends()
await request('POST', '/api/notices', {
  title: 'Power cut',
  body: 'The freezers are on the generator.',
  clientKey: 'bench-notice-2',
  isUrgent: true,
})
await sleep(OUTAGE_S * 1000)
fake.setOutage(false)
const back = performance.now()
await until(() => sends() > before, 600_000)
const firstAfterMs = performance.now() - back
await until(async () => sends() >= before + MEMBERS && (await pending()) === 0, 600_000)
const drainedMs = performance.now() - back

// 4. Inbound: replies into the direct conversation and the board notice's members.
const applied = async () =>
  Number(
    (
      await ctx.db
        .selectFrom('message')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('origin_chat_id', 'is not', null)
        .executeTakeFirst()
    )?.n ?? 0,
  )
started = performance.now()
for (let i = 0; i < INBOUND; i++) {
  const { handle } = handles[i % handles.length] as (typeof handles)[number]
  // A reply to the mirrored notice: a comment under it on the board.
  const notice = fake.botMessages(handle.chat.id).find((m) => (m.text ?? '').includes('Stocktake'))
  handle.reply(notice as { message_id: number }, `reply ${i}`)
}
await until(async () => (await applied()) >= INBOUND, 120_000)
const inboundMs = performance.now() - started

const violations = fake.violations.length
await app.close()
await fake.stop()
fs.rmSync(dataDir, { recursive: true, force: true })

const result = {
  members: MEMBERS,
  fanout_ms: Math.round(fanoutMs),
  fanout_msgs_per_s: Number(((MEMBERS / fanoutMs) * 1000).toFixed(1)),
  ack_answer_p50_ms: pressLatencies[Math.floor(pressLatencies.length / 2)],
  ack_answer_max_ms: pressLatencies.at(-1),
  one_chat_10_msgs_ms: Math.round(oneChatMs),
  outage_s: OUTAGE_S,
  recovery_first_ms: Math.round(firstAfterMs),
  recovery_drained_ms: Math.round(drainedMs),
  inbound_updates_per_s: Number(((INBOUND / inboundMs) * 1000).toFixed(1)),
  rate_limit_violations: violations,
}
if (args.includes('--json')) console.log(JSON.stringify(result))
else console.table([result])
process.exit(0)
