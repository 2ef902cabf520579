/**
 * Delivery through the durable outbox against the Telegram fake with its rate limits
 * enforced: per-chat, per-group and overall limits kept, 429 storms ridden out, long texts
 * split, edits and deletions reflected, and an outage plus a restart with neither loss nor
 * duplication, in both directions.
 */
import t from 'tap'
import { createMember } from '../helpers/app'
import { as, boardIdOf, eventually, historyOf, openDirect, send } from '../helpers/chat'
import { botMessagesIn, link, outboxDrained, setAway, startTelegramApp, type TelegramApp } from '../helpers/telegram'
import type { UserHandle } from '../helpers/telegram-fake'

const bounded = { timeout: 60_000 }

async function annaLinked(tg: TelegramApp) {
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till', username: 'anna' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  await setAway(tg.app, anna)
  await outboxDrained(tg.ctx)
  return { anna, handle }
}

/** Texts the bot sent to a chat, in order, without its own service replies. */
function mirroredTexts(tg: TelegramApp, handle: UserHandle): string[] {
  return tg.fake
    .botMessages(handle.chat.id)
    .map((m) => m.text ?? m.caption ?? '')
    .filter((text) => text.startsWith('Olive Owner'))
    .map((text) => text.split('\n').slice(1).join('\n'))
}

t.test('one chat: in order, one message a second, no 429 provoked', bounded, async (t) => {
  const tg = await startTelegramApp(t, { fake: { enforceRateLimits: true } })
  const { anna, handle } = await annaLinked(tg)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  const started = Date.now()
  for (let i = 1; i <= 6; i++) await send(tg.app, tg.owner, direct, `message ${i}`)
  t.ok(await outboxDrained(tg.ctx, 20_000))
  const took = Date.now() - started
  t.same(
    mirroredTexts(tg, handle),
    [1, 2, 3, 4, 5, 6].map((i) => `message ${i}`),
    'all six, in order, once each',
  )
  t.same(tg.fake.violations, [], 'Telegram saw no rate-limit violation')
  t.ok(took >= 5_000, `spaced about a second apart (${took} ms for six)`)
})

t.test('overall: a notice to 45 linked staff goes out within 30 messages a second', bounded, async (t) => {
  const tg = await startTelegramApp(t, { fake: { enforceRateLimits: true } })
  // 45 linked staff, made directly in the database: the test is about sending, not joining.
  const now = tg.clock.now()
  for (let i = 0; i < 45; i++) {
    const member = await tg.ctx.db
      .insertInto('member')
      .values({
        username: `staff${i}`,
        display_name: `Staff ${i}`,
        password_hash: null,
        role: 'staff',
        status: 'active',
        created_at: now,
        approved_at: now,
        approved_by: null,
        deactivated_at: null,
        invite_id: null,
        shift_status: 'away',
        shift_status_until: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await tg.ctx.db
      .insertInto('telegram_link')
      .values({
        member_id: member.id,
        telegram_user_id: 8000 + i,
        telegram_name: `Staff ${i}`,
        telegram_username: null,
        linked_at: now,
        last_conversation_id: null,
      })
      .execute()
    tg.fake.user({ id: 8000 + i, first_name: `Staff ${i}` })
  }
  const started = Date.now()
  const posted = await as(tg.app, tg.owner, 'POST', '/api/notices', {
    title: 'Stocktake Sunday',
    body: 'Everyone in at 8.',
    clientKey: 'notice-stocktake',
    mustAcknowledge: true,
  })
  t.equal(posted.statusCode, 201)
  t.ok(await outboxDrained(tg.ctx, 20_000))
  const took = Date.now() - started
  const sends = tg.fake.calls('sendMessage').filter((c) => String(c.params.text).includes('Stocktake Sunday'))
  t.equal(sends.length, 45, 'one each')
  t.equal(new Set(sends.map((c) => c.params.chat_id)).size, 45, 'to 45 different chats')
  t.same(tg.fake.violations, [], 'never more than 30 a second')
  const rate = (45 / took) * 1000
  t.ok(rate > 10, `${rate.toFixed(1)} messages/s overall`)
  t.comment(`45 notices delivered in ${took} ms (${rate.toFixed(1)}/s)`)
})

t.test('a 429 storm: retry_after honoured, nothing lost, nothing doubled, order kept', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle } = await annaLinked(tg)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  tg.fake.failNext(6, { status: 429, retryAfter: 1, method: 'sendMessage' })
  for (let i = 1; i <= 5; i++) await send(tg.app, tg.owner, direct, `storm ${i}`)
  t.ok(await outboxDrained(tg.ctx, 30_000))
  t.same(
    mirroredTexts(tg, handle),
    [1, 2, 3, 4, 5].map((i) => `storm ${i}`),
    'all five, in order, once each',
  )
  const rejected = tg.fake.calls('sendMessage').filter((c) => c.status === 429)
  t.equal(rejected.length, 6, 'six 429s were answered')
  for (let i = 1; i < rejected.length; i++) {
    const gap = (rejected[i]?.time ?? 0) - (rejected[i - 1]?.time ?? 0)
    t.ok(gap >= 950, `waited retry_after before trying again (${gap} ms)`)
  }
  const dead = await tg.ctx.db.selectFrom('outbox').select('id').where('state', '=', 'dead').execute()
  t.equal(dead.length, 0, 'no delivery gave up')
})

t.test('outage and restart: queued, then delivered once; updates applied once', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle } = await annaLinked(tg)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  await send(tg.app, tg.owner, direct, 'before the outage')
  await botMessagesIn(tg.fake, handle.chat.id, 2)

  tg.fake.setOutage(true)
  for (let i = 1; i <= 4; i++) await send(tg.app, tg.owner, direct, `during ${i}`)
  // Anna writes while the bot cannot reach Telegram: Telegram keeps her messages.
  const before = tg.fake.botMessages(handle.chat.id).at(-1)
  handle.reply(before as { message_id: number }, 'reply during the outage')
  handle.text('plain during the outage')
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const queued = await tg.ctx.db
    .selectFrom('outbox')
    .select('id')
    .where('channel', '=', 'telegram')
    .where('state', 'in', ['pending', 'sending'])
    .execute()
  t.equal(queued.length, 4, 'four deliveries wait in the outbox')
  const attempts = await tg.ctx.db
    .selectFrom('outbox')
    .select('attempts')
    .where('channel', '=', 'telegram')
    .where('state', '=', 'pending')
    .execute()
  t.ok(
    attempts.every((row) => row.attempts === 0),
    'an unreachable Telegram does not use up attempts (nothing dies in a long outage)',
  )

  await tg.restart()
  tg.fake.setOutage(false)
  const recovering = Date.now()
  t.ok(await outboxDrained(tg.ctx, 30_000), 'the queue drains after the outage')
  const recovery = Date.now() - recovering
  t.comment(`recovered in ${recovery} ms after Telegram came back`)
  t.same(
    mirroredTexts(tg, handle),
    ['before the outage', 'during 1', 'during 2', 'during 3', 'during 4'],
    'nothing lost, nothing twice, in order',
  )
  t.ok(
    await eventually(async () => {
      const bodies = (await historyOf(tg.app, tg.owner, direct)).map((m) => m.body)
      return bodies.includes('reply during the outage') && bodies.includes('plain during the outage')
    }, 10_000),
    "Anna's messages arrive",
  )
  // Another restart: nothing is applied or sent again.
  await tg.restart()
  await new Promise((resolve) => setTimeout(resolve, 2500))
  const bodies = (await historyOf(tg.app, tg.owner, direct)).map((m) => m.body)
  t.equal(bodies.filter((b) => b === 'reply during the outage').length, 1, 'applied once')
  t.equal(bodies.filter((b) => b === 'plain during the outage').length, 1, 'applied once')
  t.equal(mirroredTexts(tg, handle).length, 5, 'sent once')
  const status = (await as(tg.app, tg.owner, 'GET', '/api/telegram/bot')).json() as { status: { state: string } }
  t.equal(status.status.state, 'ok')
})

t.test('polling that fails for long shows as failing to owners', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  tg.fake.setOutage(true, 'bad-gateway')
  await eventually(async () => {
    const row = await tg.ctx.db.selectFrom('telegram_bot').select('failing_since').executeTakeFirst()
    return row?.failing_since !== null && row?.failing_since !== undefined
  }, 8000)
  tg.clock.advance(3 * 3_600_000)
  const system = (await as(tg.app, tg.owner, 'GET', '/api/system')).json() as {
    integrations: { name: string; state: string; detail: string }[]
  }
  const telegram = system.integrations.find((i) => i.name === 'Telegram')
  t.equal(telegram?.state, 'failing')
  t.match(telegram?.detail, /has not answered for 3 h/)
  tg.fake.setOutage(false)
  t.ok(
    await eventually(async () => {
      const again = (await as(tg.app, tg.owner, 'GET', '/api/telegram/bot')).json() as { status: { state: string } }
      return again.status.state === 'ok'
    }, 15_000),
    'back to ok when Telegram answers',
  )
})

t.test('long texts are split; edits and deletions in the app reach Telegram', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle } = await annaLinked(tg)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  const long = '😀'.repeat(3000)
  await send(tg.app, tg.owner, direct, long)
  t.ok(await outboxDrained(tg.ctx, 15_000))
  const parts = tg.fake.botMessages(handle.chat.id).slice(-2)
  t.ok(
    parts.every((m) => (m.text ?? '').length <= 4096),
    'each part within 4,096',
  )
  const joined = parts
    .map((m) => m.text ?? '')
    .join('')
    .replace(/^Olive Owner · direct message\n/, '')
  t.equal(joined, long, 'the parts make the whole text')

  const message = await send(tg.app, tg.owner, direct, 'Delivery at 10')
  await outboxDrained(tg.ctx)
  const mirrored = tg.fake.botMessages(handle.chat.id).at(-1) as { message_id: number }
  const edited = await as(tg.app, tg.owner, 'PATCH', `/api/messages/${message.id}`, { body: 'Delivery at 11' })
  t.equal(edited.statusCode, 200)
  t.ok(
    await eventually(
      () =>
        (tg.fake.messages(handle.chat.id).find((m) => m.message_id === mirrored.message_id)?.text ?? '').includes(
          'Delivery at 11',
        ),
      8000,
    ),
    'the edit shows in Telegram',
  )
  const deleted = await as(tg.app, tg.owner, 'DELETE', `/api/messages/${message.id}`)
  t.equal(deleted.statusCode, 200)
  t.ok(
    await eventually(
      () => !tg.fake.botMessages(handle.chat.id).some((m) => m.message_id === mirrored.message_id),
      8000,
    ),
    'the deletion shows in Telegram',
  )
})

t.test('commands: /board, /away, /here, /mute; reminders until acknowledged', bounded, async (t) => {
  const tg = await startTelegramApp(t, { jobIntervalMs: 200 })
  const { anna, handle } = await annaLinked(tg)
  const board = await boardIdOf(tg.app, tg.owner)
  await as(tg.app, tg.owner, 'POST', '/api/notices', {
    title: 'Till float',
    body: 'Count it twice.',
    clientKey: 'notice-float',
    mustAcknowledge: true,
  })
  await outboxDrained(tg.ctx)
  const count = tg.fake.botMessages(handle.chat.id).length
  handle.command('board')
  const listed = await botMessagesIn(tg.fake, handle.chat.id, count + 2)
  t.match(listed.at(-2)?.text, /1 pinned on the board/)
  t.match(listed.at(-1)?.text, /Till float/)
  t.match(JSON.stringify(listed.at(-1)?.reply_markup), /Acknowledge/)

  // A reminder comes while it is not acknowledged.
  tg.clock.advance(241 * 60_000)
  const reminded = await eventually(
    () => tg.fake.botMessages(handle.chat.id).some((m) => /Reminder: Till float/.test(m.text ?? '')),
    8000,
  )
  t.ok(reminded, 'a reminder with the notice')

  handle.command('here')
  await eventually(async () => {
    const row = await tg.ctx.db.selectFrom('member').select('shift_status').where('id', '=', anna.id).executeTakeFirst()
    return row?.shift_status === 'on_shift'
  })
  handle.command('away')
  await eventually(async () => {
    const row = await tg.ctx.db.selectFrom('member').select('shift_status').where('id', '=', anna.id).executeTakeFirst()
    return row?.shift_status === 'away'
  })
  t.pass('/here and /away set the status the app shows')

  const direct = await openDirect(tg.app, tg.owner, [anna])
  await send(tg.app, tg.owner, direct, 'first')
  await outboxDrained(tg.ctx)
  handle.command('mute')
  await eventually(() => tg.fake.botMessages(handle.chat.id).some((m) => /muted for 8 hours/.test(m.text ?? '')), 8000)
  await send(tg.app, tg.owner, direct, 'while muted')
  await outboxDrained(tg.ctx)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.notOk(mirroredTexts(tg, handle).includes('while muted'), 'a muted conversation stays quiet')
  void board
})

t.test('an update whose file cannot be fetched is skipped after three tries, with a word', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle } = await annaLinked(tg)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  await send(tg.app, tg.owner, direct, 'send me the photo')
  await outboxDrained(tg.ctx)
  tg.fake.failNext(3, { status: 400, description: 'Bad Request: wrong file_id', method: 'getFile' })
  handle.photo(Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex'))
  handle.text('and this text after it')
  t.ok(
    await eventually(
      async () => (await historyOf(tg.app, tg.owner, direct)).some((m) => m.body === 'and this text after it'),
      20_000,
    ),
    'what came after is not held up',
  )
  t.equal(tg.fake.calls('getFile').length, 3, 'tried three times')
  await outboxDrained(tg.ctx)
  t.ok(
    tg.fake.botMessages(handle.chat.id).some((m) => /could not take that message in/.test(m.text ?? '')),
    'the sender is told',
  )
})
