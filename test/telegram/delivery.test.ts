/**
 * Delivery through the durable outbox against the Telegram fake with its rate limits
 * enforced: per-chat, per-group and overall limits kept, 429 storms ridden out, long texts
 * split, edits and deletions reflected, and an outage plus a restart with neither loss nor
 * duplication, in both directions.
 */
import t from 'tap'
import { createMember } from '../helpers/app'
import { as, eventsAfter, historyOf, lastEventId, openDirect, send } from '../helpers/chat'
import {
  botMessagesIn,
  link,
  outboxDrained,
  outboxRowsFor,
  setAway,
  startTelegramApp,
  storedOffset,
  until,
  type TelegramApp,
} from '../helpers/telegram'
import type { UserHandle } from '../helpers/telegram-fake'

const bounded = { timeout: 60_000 }

async function annaLinked(tg: TelegramApp) {
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till', username: 'anna' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  await setAway(tg.app, anna)
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
  await outboxDrained(tg.ctx, 20_000)
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
  await outboxDrained(tg.ctx, 20_000)
  const took = Date.now() - started
  const sends = tg.fake.calls('sendMessage').filter((c) => String(c.params.text).includes('Stocktake Sunday'))
  t.equal(sends.length, 45, 'one each')
  t.equal(new Set(sends.map((c) => c.params.chat_id)).size, 45, 'to 45 different chats')
  t.same(tg.fake.violations, [], 'never more than 30 a second')
  // How fast is for the benchmark (npm run bench:telegram); here only that the limits held.
  t.comment(`45 notices delivered in ${took} ms (${((45 / took) * 1000).toFixed(1)}/s)`)
})

t.test('a 429 storm: retry_after honoured, nothing lost, nothing doubled, order kept', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle } = await annaLinked(tg)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  tg.fake.failNext(6, { status: 429, retryAfter: 1, method: 'sendMessage' })
  for (let i = 1; i <= 5; i++) await send(tg.app, tg.owner, direct, `storm ${i}`)
  await outboxDrained(tg.ctx, 30_000)
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

t.test(
  'outage and restart: queued, then delivered once, in order; what came in meanwhile arrives',
  bounded,
  async (t) => {
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
    // Each of the four was tried, found Telegram out of reach and put back for later.
    const queued = async () =>
      tg.ctx.db
        .selectFrom('outbox')
        .select(['state', 'attempts', 'next_attempt_at', 'created_at'])
        .where('channel', '=', 'telegram')
        .where('state', 'in', ['pending', 'sending'])
        .execute()
    await until('the four deliveries to be tried and put back', async () => {
      const rows = await queued()
      return rows.length === 4 && rows.every((row) => row.state === 'pending' && row.next_attempt_at > row.created_at)
    })
    t.ok(
      (await queued()).every((row) => row.attempts === 0),
      'an unreachable Telegram does not use up attempts (nothing dies in a long outage)',
    )

    await tg.restart()
    tg.fake.setOutage(false)
    const recovering = Date.now()
    await outboxDrained(tg.ctx, 30_000)
    t.comment(`recovered in ${Date.now() - recovering} ms after Telegram came back`)
    t.same(
      mirroredTexts(tg, handle),
      ['before the outage', 'during 1', 'during 2', 'during 3', 'during 4'],
      'nothing lost, nothing twice, in order',
    )
    await until(
      "Anna's messages to arrive",
      async () => {
        const bodies = (await historyOf(tg.app, tg.owner, direct)).map((m) => m.body)
        return bodies.includes('reply during the outage') && bodies.includes('plain during the outage')
      },
      10_000,
    )
    // Another restart: the app asks Telegram from the position it stored, and sends nothing again.
    const offset = await storedOffset(tg.ctx)
    const polls = tg.fake.calls('getUpdates').length
    await tg.restart()
    await until('the restarted app to poll', () => tg.fake.calls('getUpdates').length > polls)
    t.equal(Number(tg.fake.calls('getUpdates')[polls]?.params.offset), offset, 'polls from the stored offset')
    await outboxDrained(tg.ctx)
    const bodies = (await historyOf(tg.app, tg.owner, direct)).map((m) => m.body)
    t.equal(bodies.filter((b) => b === 'reply during the outage').length, 1, 'applied once')
    t.equal(bodies.filter((b) => b === 'plain during the outage').length, 1, 'applied once')
    t.equal(mirroredTexts(tg, handle).length, 5, 'sent once')
    const status = (await as(tg.app, tg.owner, 'GET', '/api/telegram/bot')).json() as { status: { state: string } }
    t.equal(status.status.state, 'ok')
  },
)

t.test('polling that fails for 10 minutes shows as failing to owners, not before', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  tg.fake.setOutage(true, 'bad-gateway')
  let failingSince = 0
  await until('a failed poll to be recorded', async () => {
    const row = await tg.ctx.db.selectFrom('telegram_bot').select('failing_since').executeTakeFirst()
    failingSince = row?.failing_since ?? 0
    return failingSince > 0
  })
  const telegramState = async () => {
    const system = (await as(tg.app, tg.owner, 'GET', '/api/system')).json() as {
      integrations: { name: string; state: string; detail: string }[]
    }
    return system.integrations.find((i) => i.name === 'Telegram')
  }
  tg.clock.set(failingSince + 9 * 60_000)
  t.equal((await telegramState())?.state, 'ok', 'nine minutes of failures: not yet failing')
  tg.clock.set(failingSince + 11 * 60_000)
  const eleven = await telegramState()
  t.equal(eleven?.state, 'failing', 'eleven minutes: failing')
  t.match(eleven?.detail, /has not answered for 11 min/)
  tg.clock.set(failingSince + 3 * 3_600_000)
  t.match((await telegramState())?.detail, /has not answered for 3 h/)
  tg.fake.setOutage(false)
  await until(
    'the status to be ok again once Telegram answers',
    async () => {
      const again = (await as(tg.app, tg.owner, 'GET', '/api/telegram/bot')).json() as { status: { state: string } }
      return again.status.state === 'ok'
    },
    15_000,
  )
})

t.test('long texts are split; edits and deletions in the app reach Telegram', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle } = await annaLinked(tg)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  const long = '😀'.repeat(3000)
  await send(tg.app, tg.owner, direct, long)
  await outboxDrained(tg.ctx, 15_000)
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
  await until('the edit to show in Telegram', () =>
    (tg.fake.messages(handle.chat.id).find((m) => m.message_id === mirrored.message_id)?.text ?? '').includes(
      'Delivery at 11',
    ),
  )
  const deleted = await as(tg.app, tg.owner, 'DELETE', `/api/messages/${message.id}`)
  t.equal(deleted.statusCode, 200)
  await until(
    'the deletion to show in Telegram',
    () => !tg.fake.botMessages(handle.chat.id).some((m) => m.message_id === mirrored.message_id),
  )
})

t.test('commands: /board, /away, /here, /mute; reminders until acknowledged, then none', bounded, async (t) => {
  const tg = await startTelegramApp(t, { jobIntervalMs: 200 })
  const { anna, handle } = await annaLinked(tg)
  // Bob never acknowledges, so reminders go on after Anna's: the job keeps running for the notice.
  const bob = await createMember(tg.app, tg.owner.cookie, { displayName: 'Bob Stock', username: 'bob' })
  const posted = await as(tg.app, tg.owner, 'POST', '/api/notices', {
    title: 'Till float',
    body: 'Count it twice.',
    clientKey: 'notice-float',
    mustAcknowledge: true,
  })
  t.equal(posted.statusCode, 201)
  const noticeId = (posted.json() as { id: number }).id
  await outboxDrained(tg.ctx)
  const count = tg.fake.botMessages(handle.chat.id).length
  handle.command('board')
  const listed = await botMessagesIn(tg.fake, handle.chat.id, count + 2)
  t.match(listed.at(-2)?.text, /1 pinned on the board/)
  t.match(listed.at(-1)?.text, /Till float/)
  t.match(JSON.stringify(listed.at(-1)?.reply_markup), /Acknowledge/)

  // A reminder comes while it is not acknowledged, with the button.
  const beforeReminder = await lastEventId(tg.ctx)
  tg.clock.advance(241 * 60_000)
  await until('a reminder in Telegram', () =>
    tg.fake.botMessages(handle.chat.id).some((m) => /Reminder: Till float/.test(m.text ?? '')),
  )
  const [firstReminder] = await eventsAfter(tg.ctx, beforeReminder, 'notice.reminder')
  t.ok(
    (await outboxRowsFor(tg.ctx, handle.chat.id)).some(
      (r) => r.idempotency_key === `tg:reminder:${firstReminder?.id}:5001`,
    ),
    'the reminder was queued for Anna under its event',
  )
  const reminder = tg.fake.botMessages(handle.chat.id).find((m) => /Reminder: Till float/.test(m.text ?? ''))
  const ackData = reminder?.reply_markup?.inline_keyboard.flat().find((b) => b.text === 'Acknowledge')?.callback_data
  t.ok(ackData, 'the reminder carries the Acknowledge button')
  const pressed = handle.press(reminder as { message_id: number }, ackData as string)
  await until('the press to be answered', () => tg.fake.callbackAnswers.has(pressed.callbackQuery?.id as string))
  const report = (await as(tg.app, tg.owner, 'GET', `/api/notices/${noticeId}/acknowledgements`)).json() as {
    acknowledged: { id: number }[]
  }
  t.same(
    report.acknowledged.map((a) => a.id),
    [anna.id],
    'Anna acknowledged from the reminder',
  )

  // The next reminder round: Bob is still reminded, Anna is not, and nothing is queued for her chat.
  const afterAck = await lastEventId(tg.ctx)
  tg.clock.advance(241 * 60_000)
  let next: { id: number; data: Record<string, unknown> } | undefined
  await until('the next reminder round', async () => {
    next = (await eventsAfter(tg.ctx, afterAck, 'notice.reminder'))[0]
    return next !== undefined
  })
  t.same(next?.data.missingMemberIds, [bob.id], 'only Bob is still missing')
  t.notOk(
    (await outboxRowsFor(tg.ctx, handle.chat.id)).some((r) => r.idempotency_key.startsWith(`tg:reminder:${next?.id}:`)),
    'no reminder for Anna once she acknowledged',
  )

  const shiftStatus = async () =>
    (await tg.ctx.db.selectFrom('member').select('shift_status').where('id', '=', anna.id).executeTakeFirst())
      ?.shift_status
  handle.command('here')
  await until('/here to set Anna on shift', async () => (await shiftStatus()) === 'on_shift')
  handle.command('away')
  await until('/away to set Anna away', async () => (await shiftStatus()) === 'away')

  const direct = await openDirect(tg.app, tg.owner, [anna])
  const first = await send(tg.app, tg.owner, direct, 'first')
  await outboxDrained(tg.ctx)
  t.ok(
    (await outboxRowsFor(tg.ctx, handle.chat.id)).some((r) => r.payload.messageId === first.id),
    'before /mute the conversation is mirrored',
  )
  handle.command('mute')
  await until('the mute to be confirmed', () =>
    tg.fake.botMessages(handle.chat.id).some((m) => /muted for 8 hours/.test(m.text ?? '')),
  )
  // Deliveries are queued in the message's own transaction: none queued means none will go.
  const muted = await send(tg.app, tg.owner, direct, 'while muted')
  t.notOk(
    (await outboxRowsFor(tg.ctx, handle.chat.id)).some((r) => r.payload.messageId === muted.id),
    'a muted conversation stays quiet',
  )
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
  await until(
    'what came after to arrive (not held up)',
    async () => (await historyOf(tg.app, tg.owner, direct)).some((m) => m.body === 'and this text after it'),
    20_000,
  )
  t.equal(tg.fake.calls('getFile').length, 3, 'tried three times')
  await outboxDrained(tg.ctx)
  t.ok(
    tg.fake.botMessages(handle.chat.id).some((m) => /could not take that message in/.test(m.text ?? '')),
    'the sender is told',
  )
})
