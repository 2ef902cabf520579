/**
 * The Telegram bridge end to end against the Bot API fake on 127.0.0.1: connecting a bot,
 * linking staff, mirroring when away, replies back, the acknowledge button, strangers.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { bodyOf, createMember, listen } from '../helpers/app'
import { openSocket } from '../helpers/socket'
import { as, boardIdOf, historyOf, openDirect, send } from '../helpers/chat'
import { BOT_TOKEN, botMessagesIn, link, outboxDrained, setAway, startTelegramApp, until } from '../helpers/telegram'

const bounded = { timeout: 30_000 }

t.test('the owner connects a bot: checked with getMe, token sealed, never returned', bounded, async (t) => {
  const tg = await startTelegramApp(t, { isUnconnected: true })
  const staff = await createMember(tg.app, tg.owner.cookie)
  const bad = await as(tg.app, tg.owner, 'PUT', '/api/telegram/bot', { token: 'not a token' })
  t.equal(bad.statusCode, 400)
  t.equal(bodyOf(bad).code, 'telegram_token_invalid')
  const refused = await as(tg.app, tg.owner, 'PUT', '/api/telegram/bot', {
    token: '7000001:AAHwrongTokenThatTelegramRefuses_xxxxxxx',
  })
  t.equal(refused.statusCode, 400, 'a token Telegram refuses is a 400')
  t.equal(bodyOf(refused).code, 'telegram_token_invalid')
  const forbidden = await as(tg.app, staff, 'PUT', '/api/telegram/bot', { token: BOT_TOKEN })
  t.equal(forbidden.statusCode, 403, 'staff cannot connect a bot')

  const ok = await as(tg.app, tg.owner, 'PUT', '/api/telegram/bot', { token: BOT_TOKEN })
  t.equal(ok.statusCode, 200)
  const status = bodyOf<{ isConfigured: boolean; bot: { username: string; name: string } }>(ok)
  t.equal(status.isConfigured, true)
  t.equal(status.bot.username, 'corner_shop_bot')
  t.equal(status.bot.name, 'Corner Shop')
  t.notOk(ok.body.includes(BOT_TOKEN), 'the token is not in the answer')
  const again = await as(tg.app, tg.owner, 'GET', '/api/telegram/bot')
  t.notOk(again.body.includes(BOT_TOKEN))
  const db = fs.readFileSync(path.join(tg.dataDir, 'backboard.db'))
  tg.ctx.sqlite.pragma('wal_checkpoint(TRUNCATE)')
  t.notOk(
    Buffer.concat([db, fs.readFileSync(path.join(tg.dataDir, 'backboard.db'))]).includes(
      BOT_TOKEN.split(':')[1] as string,
    ),
    'the token is not stored in the clear',
  )
  t.equal((fs.statSync(path.join(tg.dataDir, 'secret.key')).mode & 0o777).toString(8), '600')
  await until('the commands to be registered', () => tg.fake.calls('setMyCommands').length > 0, 3000)
  const commands = [...tg.fake.commands.values()][0]?.map((c) => c.command)
  t.same(
    commands,
    ['board', 'tasks', 'next', 'mine', 'done', 'report', 'xero', 'here', 'away', 'mute', 'help'],
    'commands registered with setMyCommands',
  )
  await until('long polling started', () => tg.fake.calls('getUpdates').length > 0, 3000)
  const system = await as(tg.app, tg.owner, 'GET', '/api/system')
  t.match(system.body, /corner_shop_bot/, 'the system page names the bot')
})

t.test('linking: a one-time code opens the bot, the bot confirms, unlink from either side', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const code = await as(tg.app, anna, 'POST', '/api/telegram/me/link-code', {})
  const { url, code: value } = bodyOf<{ url: string; code: string }>(code)
  t.match(url, /^https:\/\/t\.me\/corner_shop_bot\?start=[A-Za-z0-9_-]+$/)
  t.ok(value.length <= 64)
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna', username: 'anna_t' })
  handle.start(value)
  const [confirmation] = await botMessagesIn(tg.fake, handle.chat.id, 1)
  t.match(confirmation?.text, /Linked to Anna Till/)
  const me = bodyOf<{ link: { telegramUsername: string }; mirror: string }>(
    await as(tg.app, anna, 'GET', '/api/telegram/me'),
  )
  t.equal(me.link.telegramUsername, 'anna_t')
  t.equal(me.mirror, 'away', 'mirror when away by default')
  const directory = await as(tg.app, tg.owner, 'GET', '/api/directory')
  t.match(directory.body, /"isTelegramLinked":true/, 'the directory shows the Telegram marker')

  // The code is one-time: someone else using it gets nothing.
  const mallory = tg.fake.user({ id: 6666, first_name: 'Mallory' })
  mallory.start(value)
  const [refusal] = await botMessagesIn(tg.fake, mallory.chat.id, 1)
  t.match(refusal?.text, /expired or was already used/)
  t.notMatch(refusal?.text, /Anna|Corner/)

  // Unlink from Telegram.
  handle.command('unlink')
  await botMessagesIn(tg.fake, handle.chat.id, 2)
  t.equal(bodyOf<{ link: unknown }>(await as(tg.app, anna, 'GET', '/api/telegram/me')).link, null)

  // Link again, then unlink from the app: the bot says so.
  const second = bodyOf<{ code: string }>(await as(tg.app, anna, 'POST', '/api/telegram/me/link-code', {}))
  handle.start(second.code)
  await botMessagesIn(tg.fake, handle.chat.id, 3)
  t.equal((await as(tg.app, anna, 'DELETE', '/api/telegram/me/link')).statusCode, 200)
  const messages = await botMessagesIn(tg.fake, handle.chat.id, 4)
  t.match(messages.at(-1)?.text, /no longer linked/)

  // Expired codes do not link.
  const third = bodyOf<{ code: string }>(await as(tg.app, anna, 'POST', '/api/telegram/me/link-code', {}))
  tg.clock.advance(16 * 60_000)
  handle.start(third.code)
  const after = await botMessagesIn(tg.fake, handle.chat.id, 5)
  t.match(after.at(-1)?.text, /expired/)
  t.equal(bodyOf<{ link: unknown }>(await as(tg.app, anna, 'GET', '/api/telegram/me')).link, null)
})

t.test('deactivating a member unlinks them; the bot then treats them as a stranger', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const bob = await createMember(tg.app, tg.owner.cookie, { displayName: 'Bob Stock' })
  const handle = tg.fake.user({ id: 5002, first_name: 'Bob' })
  await link(tg, bob, handle)
  const deactivated = await as(tg.app, tg.owner, 'POST', `/api/members/${bob.id}/deactivate`)
  t.equal(deactivated.statusCode, 200)
  const rows = await tg.ctx.db.selectFrom('telegram_link').selectAll().execute()
  t.equal(rows.length, 0, 'the link is gone')
  const changed = await tg.ctx.db
    .selectFrom('event')
    .select('payload')
    .where('type', '=', 'telegram.link_changed')
    .orderBy('id', 'desc')
    .executeTakeFirst()
  t.same(JSON.parse(changed?.payload ?? '{}'), { memberId: bob.id, isLinked: false }, 'and clients are told')
  handle.text('/board')
  const messages = await botMessagesIn(tg.fake, handle.chat.id, 2)
  t.match(messages.at(-1)?.text, /only talks to staff who linked/)
})

t.test('a stranger gets a polite answer and no shop data', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const staff = await createMember(tg.app, tg.owner.cookie)
  const board = await boardIdOf(tg.app, tg.owner)
  await send(tg.app, tg.owner, board, 'Secret: the safe code is 4711')
  void staff
  const eve = tg.fake.user({ id: 9001, first_name: 'Eve' })
  eve.text('hello, what is new in the shop?')
  eve.command('board')
  eve.photo(Buffer.from('ffd8ffe000104a464946', 'hex'))
  const [answer] = await botMessagesIn(tg.fake, eve.chat.id, 1)
  t.match(answer?.text, /only talks to staff/)
  await outboxDrained(tg.ctx)
  const all = tg.fake.botMessages(eve.chat.id)
  t.equal(all.length, 1, 'one answer, not one per message')
  t.notMatch(JSON.stringify(all), /Corner Hardware|4711|Olive/, 'no shop data')
  t.equal(tg.fake.calls('getFile').length, 0, 'nothing downloaded from strangers')
  const history = await historyOf(tg.app, tg.owner, board)
  t.equal(history.length, 1, 'nothing posted')
})

t.test('mirror when away, not when present; replies come back as the member', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till', username: 'anna' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  const before = tg.fake.botMessages(handle.chat.id).length

  // Present (on shift and a visible page): nothing mirrored. Use the "always"/"never" switch to
  // stand in for a visible page: "never" must hold even when away.
  await as(tg.app, anna, 'PUT', '/api/me/status', { shiftStatus: 'on_shift', untilMinutes: null })
  await as(tg.app, anna, 'PUT', '/api/telegram/me/mirror', { mirror: 'never' })
  await setAway(tg.app, anna)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  await send(tg.app, tg.owner, direct, 'Not mirrored: Anna said never')
  await outboxDrained(tg.ctx)
  t.equal(tg.fake.botMessages(handle.chat.id).length, before, 'mirror "never" sends nothing')

  await as(tg.app, anna, 'PUT', '/api/telegram/me/mirror', { mirror: 'away' })
  const sent = await send(tg.app, tg.owner, direct, 'Can you bring the <b>keys</b> & lock up?')
  const messages = await botMessagesIn(tg.fake, handle.chat.id, before + 1)
  const mirrored = messages.at(-1)
  t.match(mirrored?.text, /Olive Owner/, 'says who')
  t.match(mirrored?.text, /direct message/, 'says where')
  t.match(mirrored?.text, /Can you bring the <b>keys<\/b> & lock up\?/, 'the text, escaped so it shows as typed')
  const markup = JSON.stringify(mirrored?.reply_markup)
  t.match(markup, /Open in app/)
  t.match(markup, new RegExp(`https://shop.example.org/chat/${direct}\\?at=${sent.id}`), 'links to the message')

  // Reply in Telegram: it lands in the same conversation as Anna, as a reply.
  handle.reply(mirrored as { message_id: number }, 'On my way 🔑')
  await until(
    'the reply to arrive',
    async () => (await historyOf(tg.app, tg.owner, direct)).some((m) => m.body === 'On my way 🔑'),
    8000,
  )
  const answer = (await historyOf(tg.app, tg.owner, direct)).find((m) => m.body === 'On my way 🔑')
  t.equal(answer?.author?.id, anna.id, 'posted as Anna')
  t.equal(answer?.replyTo?.id, sent.id, 'as a reply to the mirrored message')
  t.equal(answer?.via, 'telegram')

  // A plain message goes to the conversation mirrored last, and the bot says where.
  handle.text('Also: the alarm code changed?')
  await until(
    'the plain message to arrive',
    async () => (await historyOf(tg.app, tg.owner, direct)).some((m) => m.body === 'Also: the alarm code changed?'),
    8000,
  )
  const confirmations = await botMessagesIn(tg.fake, handle.chat.id, before + 2)
  t.match(confirmations.at(-1)?.text, /Sent to Olive Owner/)

  // Back at the shop: /here, and the app open on her phone. Nothing more is mirrored.
  handle.command('here')
  await until(
    '/here to set Anna on shift',
    async () => {
      const row = await tg.ctx.db
        .selectFrom('member')
        .select('shift_status')
        .where('id', '=', anna.id)
        .executeTakeFirst()
      return row?.shift_status === 'on_shift'
    },
    5000,
  )
  const base = await listen(tg.app)
  const socket = await openSocket(base, anna.cookie, { origin: 'https://shop.example.org' })
  t.teardown(() => socket.close())
  await until('Anna to be online', () => tg.ctx.presence.presenceOf(anna.id) === 'online', 3000)
  await outboxDrained(tg.ctx)
  const count = tg.fake.botMessages(handle.chat.id).length
  await send(tg.app, tg.owner, direct, 'Present now: stays in the app')
  await outboxDrained(tg.ctx)
  t.equal(tg.fake.botMessages(handle.chat.id).length, count, 'not mirrored while present')
  await as(tg.app, anna, 'PUT', '/api/telegram/me/mirror', { mirror: 'always' })
  await send(tg.app, tg.owner, direct, 'Always: mirrored even while present')
  const always = await botMessagesIn(tg.fake, handle.chat.id, count + 1)
  t.match(always.at(-1)?.text, /Always: mirrored/, 'mirror "always" ignores presence')
})

t.test('notices come with an Acknowledge button that records the acknowledgement', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  const bob = await createMember(tg.app, tg.owner.cookie, { displayName: 'Bob Stock' })
  const bobHandle = tg.fake.user({ id: 5002, first_name: 'Bob' })
  await link(tg, anna, handle)
  await link(tg, bob, bobHandle)
  await setAway(tg.app, anna)
  const before = tg.fake.botMessages(handle.chat.id).length
  const posted = await as(tg.app, tg.owner, 'POST', '/api/notices', {
    title: 'Fire drill',
    body: 'At 3 pm, everyone out by the back door.',
    clientKey: 'notice-fire-drill',
    mustAcknowledge: true,
    isUrgent: true,
  })
  t.equal(posted.statusCode, 201)
  const noticeId = bodyOf<{ id: number }>(posted).id
  const messages = await botMessagesIn(tg.fake, handle.chat.id, before + 1)
  const notice = messages.at(-1) as {
    message_id: number
    text: string
    reply_markup: { inline_keyboard: { text: string; callback_data?: string }[][] }
  }
  t.match(notice.text, /Urgent/)
  t.match(notice.text, /Fire drill/)
  t.match(notice.text, /Olive Owner · Board/)
  const button = notice.reply_markup.inline_keyboard[0]?.[0]
  t.equal(button?.text, 'Acknowledge')
  t.match(button?.callback_data, /^a:[A-Za-z0-9_-]{22}$/, 'callback data is an opaque token')

  // Someone else sending Anna's button data (copied, guessed) acknowledges nothing, for anyone.
  const offset = tg.fake.sent.length
  tg.fake.userSends({
    callback_query: { id: 'cq-bob', from: bobHandle.user, chat_instance: '1', data: button?.callback_data as string },
  } as never)
  await tg.fake.waitForCall('answerCallbackQuery', { since: offset, timeoutMs: 5000 })
  t.match(JSON.stringify(tg.fake.sent.at(-1)?.params), /not for you/, 'Bob is told the button is not his')
  const report1 = bodyOf<{ acknowledged: unknown[] }>(
    await as(tg.app, tg.owner, 'GET', `/api/notices/${noticeId}/acknowledgements`),
  )
  t.equal(report1.acknowledged.length, 0, 'no acknowledgement recorded')

  const pressed = handle.press(notice, button?.callback_data as string)
  const queryId = pressed.callbackQuery?.id as string
  await until('the press is answered', () => tg.fake.callbackAnswers.has(queryId), 5000)
  t.match(JSON.stringify(tg.fake.callbackAnswers.get(queryId)), /Acknowledged/)
  const report = bodyOf<{ acknowledged: { id: number }[] }>(
    await as(tg.app, tg.owner, 'GET', `/api/notices/${noticeId}/acknowledgements`),
  )
  t.same(
    report.acknowledged.map((a) => a.id),
    [anna.id],
    'the acknowledgement is recorded for Anna',
  )
  await until(
    'the button turns into "Acknowledged ✓"',
    () => {
      const current = tg.fake.messages(handle.chat.id).find((m) => m.message_id === notice.message_id)
      return JSON.stringify(current?.reply_markup ?? {}).includes('Acknowledged ✓')
    },
    8000,
  )
})

t.test('mentions in a channel are mirrored; with nowhere to go the bot asks where', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till', username: 'anna' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  await setAway(tg.app, anna)
  await outboxDrained(tg.ctx)

  // Nothing mirrored yet and nowhere she can write: the bot says how to answer.
  handle.text('Is the delivery today?')
  const first = await botMessagesIn(tg.fake, handle.chat.id, 2)
  t.match(first.at(-1)?.text, /Reply to one of my messages/)

  // With a channel to write in, the bot asks where, and the choice posts it there.
  const channel = await as(tg.app, tg.owner, 'POST', '/api/conversations', {
    kind: 'channel',
    name: 'floor',
    isPrivate: false,
    memberIds: [anna.id],
  })
  const floor = bodyOf<{ id: number }>(channel).id
  handle.text('Is the delivery today?')
  const asked = await botMessagesIn(tg.fake, handle.chat.id, 3)
  const question = asked.at(-1) as {
    message_id: number
    text: string
    reply_markup: { inline_keyboard: { text: string; callback_data: string }[][] }
  }
  t.match(question.text, /Where should this go/)
  const choices = question.reply_markup.inline_keyboard.map((row) => row[0]?.text)
  t.same(choices, ['#floor'], 'offers where she can write (not the board: staff do not post notices)')
  const pressed = handle.press(question, question.reply_markup.inline_keyboard[0]?.[0]?.callback_data as string)
  await until('the press to be answered', () => tg.fake.callbackAnswers.has(pressed.callbackQuery?.id as string), 5000)
  t.match(JSON.stringify(tg.fake.callbackAnswers.get(pressed.callbackQuery?.id as string)), /Sent to #floor/)
  await until(
    'posted where she chose',
    async () => (await historyOf(tg.app, tg.owner, floor)).some((m) => m.body === 'Is the delivery today?'),
    8000,
  )

  // A mention in a channel comes with where it was said.
  const sent = await send(tg.app, tg.owner, floor, '@anna can you check the till roll?')
  await outboxDrained(tg.ctx)
  const mirrored = tg.fake.botMessages(handle.chat.id)
  const mention = mirrored.find((m) => (m.text ?? '').includes('till roll'))
  t.match(mention?.text, /Olive Owner in #floor/, 'who and where')
  t.match(JSON.stringify(mention?.reply_markup), new RegExp(`/chat/${floor}\\?at=${sent.id}`))
  // Messages without a mention in the same channel are not mirrored.
  await send(tg.app, tg.owner, floor, 'general chatter, no mention')
  await outboxDrained(tg.ctx)
  t.notOk(
    tg.fake.botMessages(handle.chat.id).some((m) => (m.text ?? '').includes('general chatter')),
    'only what concerns her',
  )
  // Now a plain message goes to #floor.
  handle.text('Done, two rolls left')
  await until(
    'a plain message goes to the conversation mirrored last',
    async () => (await historyOf(tg.app, tg.owner, floor)).some((m) => m.body === 'Done, two rolls left'),
    8000,
  )
  handle.command('help')
  await until(
    '/help explains the commands',
    () => tg.fake.botMessages(handle.chat.id).some((m) => /\/board – pinned notices/.test(m.text ?? '')),
    8000,
  )
})
