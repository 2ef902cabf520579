/**
 * The Telegram fake behaves like api.telegram.org as seen through node-telegram-bot-api itself.
 * Loopback only; every test is bounded by a short tap timeout.
 */
import t, { type Test } from 'tap'
import type TelegramBotType from 'node-telegram-bot-api'
import { startTelegramFake } from '../helpers/telegram-fake'

// Opt in to the library's future behaviour so it does not print deprecation warnings.
process.env.NTBA_FIX_319 = '1'
process.env.NTBA_FIX_350 = '1'
const { default: TelegramBot } = await import('node-telegram-bot-api')

const TOKEN = '123456789:AAFakeTokenForTests_abcdefghijklmnop'
const bounded = () => ({ timeout: 8000 })

/** A tiny but valid PNG header (IHDR says 640x480): enough for the fake and for file-type. */
const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d4948445200000280000001e00806000000', 'hex'),
  Buffer.from('deadbeef', 'hex'),
])
const OGG = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(60, 7), Buffer.from([0, 1, 2, 255, 254, 0x0d, 0x0a])])

interface ApiFailure {
  code: string
  message: string
  response?: {
    statusCode: number
    body: { ok: boolean; error_code: number; description: string; parameters?: { retry_after?: number } }
  }
}

async function setup(t: Test, opts: { enforceRateLimits?: boolean; now?: () => number } = {}) {
  const fake = await startTelegramFake({ token: TOKEN, botUsername: 'backboard_test_bot', ...opts })
  t.teardown(() => fake.stop())
  const bot = new TelegramBot(TOKEN, { polling: false, baseApiUrl: fake.apiRoot })
  const alice = fake.user({ id: 5001, first_name: 'Alice', username: 'alice' })
  return { fake, bot, alice }
}

async function failure(p: Promise<unknown>): Promise<ApiFailure> {
  try {
    await p
  } catch (e) {
    return e as ApiFailure
  }
  throw new Error('expected the call to fail')
}

function download(url: string): Promise<Buffer> {
  return fetch(url).then(async (r) => Buffer.from(await r.arrayBuffer()))
}

function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

t.test('getMe describes the bot', bounded(), async (t) => {
  const { bot } = await setup(t)
  const me = await bot.getMe()
  t.match(me, { id: 123456789, is_bot: true, username: 'backboard_test_bot', can_read_all_group_messages: false })
})

t.test('wrong token is 401 Unauthorized, unknown method 404 Not Found', bounded(), async (t) => {
  const { fake } = await setup(t)
  const wrong = new TelegramBot('123456789:wrong', { polling: false, baseApiUrl: fake.apiRoot })
  const err = await failure(wrong.getMe())
  t.equal(err.code, 'ETELEGRAM')
  t.same(err.response?.body, { ok: false, error_code: 401, description: 'Unauthorized' })
  t.equal(err.response?.statusCode, 401)
  const res = await fetch(`${fake.apiRoot}/bot${TOKEN}/sendTelepathy`, { method: 'POST' })
  t.equal(res.status, 404)
  t.same(await res.json(), { ok: false, error_code: 404, description: 'Not Found' })
})

t.test(
  'parameters arrive as JSON, query string or urlencoded; method names are case-insensitive',
  bounded(),
  async (t) => {
    const { fake, alice } = await setup(t)
    const viaJson = await fetch(`${fake.apiRoot}/bot${TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        chat_id: alice.chat.id,
        text: 'json',
        reply_markup: { inline_keyboard: [[{ text: 'ok', callback_data: 'ok' }]] },
      }),
    }).then((r) => r.json())
    t.match(viaJson, {
      ok: true,
      result: { text: 'json', reply_markup: { inline_keyboard: [[{ callback_data: 'ok' }]] } },
    })
    const viaQuery = await fetch(`${fake.apiRoot}/bot${TOKEN}/SENDMESSAGE?chat_id=${alice.chat.id}&text=query`)
    t.match(await viaQuery.json(), { ok: true, result: { text: 'query', chat: { id: 5001, type: 'private' } } })
    t.equal(fake.calls('sendMessage').length, 2)
  },
)

t.test('sendMessage, editMessageText and deleteMessage round trip', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  const hello = alice.text('hello bot')
  const sent = await bot.sendMessage(alice.chat.id, '<b>Hi</b> Alice &amp; co', {
    parse_mode: 'HTML',
    reply_parameters: { message_id: hello.message?.message_id as number },
    reply_markup: { inline_keyboard: [[{ text: 'Open', callback_data: 'open:1' }]] },
  })
  t.match(sent, {
    message_id: 2,
    from: { id: 123456789, is_bot: true },
    chat: { id: 5001, type: 'private', first_name: 'Alice', username: 'alice' },
    text: 'Hi Alice & co',
    entities: [{ type: 'bold', offset: 0, length: 2 }],
    reply_to_message: { message_id: 1, text: 'hello bot' },
    reply_markup: { inline_keyboard: [[{ text: 'Open', callback_data: 'open:1' }]] },
  })
  t.type(sent.date, 'number')
  t.ok(Math.abs(sent.date - Date.now() / 1000) < 5, 'date is in unix seconds')

  const edited = await bot.editMessageText('Hi again', { chat_id: alice.chat.id, message_id: sent.message_id })
  t.ok(typeof edited === 'object' && edited.text === 'Hi again' && edited.edit_date, 'edit returns the edited message')
  t.equal(fake.chats.get(5001)?.messages.get(2)?.history.length, 1)
  t.notOk((edited as TelegramBotType.Message).reply_markup, 'an edit without reply_markup removes the keyboard')

  const same = await failure(bot.editMessageText('Hi again', { chat_id: alice.chat.id, message_id: sent.message_id }))
  t.match(same.response?.body.description, /^Bad Request: message is not modified/)

  t.equal(await bot.deleteMessage(alice.chat.id, sent.message_id), true)
  t.equal(fake.chats.get(5001)?.messages.get(2)?.deleted, true)
  t.same(
    fake.messages(5001).map((m) => m.message_id),
    [1],
  )
  const gone = await failure(bot.deleteMessage(alice.chat.id, sent.message_id))
  t.equal(gone.response?.body.description, 'Bad Request: message to delete not found')
  const next = await bot.sendMessage(alice.chat.id, 'ids keep increasing')
  t.equal(next.message_id, 3)
})

t.test('Telegram validation errors', bounded(), async (t) => {
  const { bot, alice } = await setup(t)
  const long = await failure(bot.sendMessage(alice.chat.id, 'x'.repeat(4097)))
  t.same(long.response?.body, { ok: false, error_code: 400, description: 'Bad Request: message is too long' })
  t.ok(await bot.sendMessage(alice.chat.id, 'x'.repeat(4096)))
  const unknownChat = await failure(bot.sendMessage(999, 'hi'))
  t.equal(unknownChat.response?.body.description, 'Bad Request: chat not found')
  const md = await failure(bot.sendMessage(alice.chat.id, 'Price: 3.50!', { parse_mode: 'MarkdownV2' }))
  t.match(md.response?.body.description, /^Bad Request: can't parse entities: Character '\.' is reserved/)
  const mdOk = await bot.sendMessage(alice.chat.id, '*Price:* 3\\.50\\!', { parse_mode: 'MarkdownV2' })
  t.match(mdOk, { text: 'Price: 3.50!', entities: [{ type: 'bold', offset: 0, length: 6 }] })
  const html = await failure(bot.sendMessage(alice.chat.id, 'a <blink>b</blink>', { parse_mode: 'HTML' }))
  t.match(html.response?.body.description, /^Bad Request: can't parse entities: Unsupported start tag "blink"/)
  const data = await failure(
    bot.sendMessage(alice.chat.id, 'x', {
      reply_markup: { inline_keyboard: [[{ text: 'b', callback_data: 'd'.repeat(65) }]] },
    }),
  )
  t.equal(data.response?.body.description, 'Bad Request: BUTTON_DATA_INVALID')
  alice.block()
  const blocked = await failure(bot.sendMessage(alice.chat.id, 'hi'))
  t.same(blocked.response?.body, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' })
})

t.test('media uploads as multipart: voice, video note, photo, document', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  const voice = await bot.sendVoice(
    alice.chat.id,
    OGG,
    { duration: 3, caption: 'listen' },
    { filename: 'note.ogg', contentType: 'audio/ogg' },
  )
  t.match(voice, {
    message_id: 1,
    caption: 'listen',
    voice: { duration: 3, mime_type: 'audio/ogg', file_size: OGG.length },
  })
  t.type(voice.voice?.file_id, 'string')
  t.type(voice.voice?.file_unique_id, 'string')
  const call = fake.calls('sendVoice')[0]
  t.equal(call?.files[0]?.field, 'voice')
  t.ok(call?.files[0]?.data.equals(OGG), 'binary part arrives intact (including CR LF and 0xff bytes)')
  t.equal(call?.params.duration, '3')

  // the voice can be sent again by file_id (no upload) and downloaded through getFile
  const again = await bot.sendVoice(alice.chat.id, voice.voice?.file_id as string)
  t.equal(again.voice?.file_unique_id, voice.voice?.file_unique_id)
  const link = await bot.getFileLink(voice.voice?.file_id as string)
  t.match(link, new RegExp(`^${fake.apiRoot}/file/bot${TOKEN}/voice/file_\\d+\\.oga$`))
  t.ok((await download(link)).equals(OGG))

  const note = await bot.sendVideoNote(
    alice.chat.id,
    Buffer.from('fake mp4 bytes'),
    { length: 360, duration: 2 } as never,
    {
      filename: 'round.mp4',
      contentType: 'video/mp4',
    },
  )
  t.match(note, { video_note: { length: 360, duration: 2, file_size: 14 } })
  t.notOk((note.video_note as unknown as Record<string, unknown>).mime_type, 'video notes have no mime_type')

  const photo = await bot.sendPhoto(alice.chat.id, PNG, { caption: 'shelf' }, { filename: 'shelf.png' })
  t.ok(Array.isArray(photo.photo) && (photo.photo?.length ?? 0) >= 2, 'photo is an array of sizes')
  t.match(photo.photo?.at(-1), { width: 640, height: 480, file_size: PNG.length })
  t.match(photo.photo?.[0], { width: 90, height: 68 })

  const doc = await bot.sendDocument(
    alice.chat.id,
    Buffer.from('%PDF-1.4 minimal'),
    {},
    { filename: 'rota.pdf', contentType: 'application/pdf' },
  )
  t.match(doc.document, { file_name: 'rota.pdf', mime_type: 'application/pdf', file_size: 16 })
  const info = await bot.getFile(doc.document?.file_id as string)
  t.match(info, { file_id: doc.document?.file_id, file_size: 16, file_path: /^documents\/file_\d+\.pdf$/ })

  const loc = await bot.sendLocation(alice.chat.id, 51.5, -0.12)
  t.same(loc.location, { latitude: 51.5, longitude: -0.12 })

  const badId = await failure(bot.sendPhoto(alice.chat.id, 'no-such-file-id'))
  t.equal(badId.response?.body.description, 'Bad Request: wrong file identifier/HTTP URL specified')
})

t.test('getFile refuses files over 20 MB', bounded(), async (t) => {
  const { fake, bot } = await setup(t)
  const big = fake.addFile('document', Buffer.alloc(20 * 1024 * 1024 + 1), { file_name: 'big.bin' })
  const err = await failure(bot.getFile(big.file_id))
  t.same(err.response?.body, { ok: false, error_code: 400, description: 'Bad Request: file is too big' })
  const invalid = await failure(bot.getFile('nope'))
  t.equal(invalid.response?.body.description, 'Bad Request: invalid file_id')
})

t.test(
  'getUpdates long polling waits for the timeout, and returns at once when a user writes',
  bounded(),
  async (t) => {
    const { bot, alice } = await setup(t)
    let started = Date.now()
    const empty = await bot.getUpdates({ timeout: 1 })
    const waited = Date.now() - started
    t.same(empty, [])
    t.ok(waited >= 950 && waited < 1800, `held for about the timeout (${waited} ms)`)

    started = Date.now()
    const poll = bot.getUpdates({ timeout: 5 })
    setTimeout(() => alice.text('are you there?'), 150)
    const updates = await poll
    const took = Date.now() - started
    t.ok(took < 1000, `answered as soon as the message arrived (${took} ms)`)
    t.equal(updates.length, 1)
    t.match(updates[0], {
      message: { text: 'are you there?', from: { id: 5001, is_bot: false, first_name: 'Alice', username: 'alice' } },
    })
  },
)

t.test('offsets confirm and drop updates; limit caps the batch', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  alice.text('one')
  alice.text('two')
  alice.text('three')
  const all = await bot.getUpdates({ timeout: 0 })
  t.same(
    all.map((u) => u.message?.text),
    ['one', 'two', 'three'],
  )
  t.same(
    all.map((u) => u.update_id - (all[0] as { update_id: number }).update_id),
    [0, 1, 2],
  )
  t.equal((await bot.getUpdates({ timeout: 0 })).length, 3, 'unconfirmed updates are delivered again')
  const first = (all[0] as { update_id: number }).update_id
  const limited = await bot.getUpdates({ offset: first + 1, limit: 1 })
  t.same(
    limited.map((u) => u.message?.text),
    ['two'],
  )
  t.equal(fake.pendingUpdates.length, 2, 'update "one" is dropped once confirmed')
  t.same(await bot.getUpdates({ offset: first + 3, timeout: 0 }), [])
  t.equal(fake.pendingUpdates.length, 0)
})

t.test('allowed_updates filters updates created after the call', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  // Passed as an array, node-telegram-bot-api form-encodes it as allowed_updates[0]=..., which Telegram ignores.
  await bot.getUpdates({ timeout: 0, allowed_updates: ['callback_query'] })
  t.same(Object.keys(fake.calls('getUpdates')[0]?.params ?? {}), ['timeout', 'allowed_updates[0]'])
  alice.text('still delivered')
  t.equal((await bot.getUpdates({ timeout: 0 }))[0]?.message?.text, 'still delivered')
  // JSON-serialized, as the Bot API requires, it applies to updates created afterwards.
  const jsonList = (list: string[]) => JSON.stringify(list) as unknown as string[]
  const last = fake.pendingUpdates[0]?.update_id ?? 0
  await bot.getUpdates({ timeout: 0, offset: last + 1, allowed_updates: jsonList(['callback_query']) })
  alice.text('ignored')
  t.same(await bot.getUpdates({ timeout: 0 }), [])
  await bot.getUpdates({ timeout: 0, allowed_updates: jsonList([]) })
  alice.text('seen')
  t.equal((await bot.getUpdates({ timeout: 0 }))[0]?.message?.text, 'seen')
})

t.test('a second poller terminates the first with 409 Conflict', bounded(), async (t) => {
  const { fake } = await setup(t)
  const first = new TelegramBot(TOKEN, { polling: false, baseApiUrl: fake.apiRoot })
  const second = new TelegramBot(TOKEN, { polling: false, baseApiUrl: fake.apiRoot })
  const held = failure(first.getUpdates({ timeout: 3 }))
  await new Promise((r) => setTimeout(r, 100))
  const other = second.getUpdates({ timeout: 0 })
  const err = await held
  t.equal(err.response?.statusCode, 409)
  t.match(err.response?.body.description, /^Conflict: terminated by other getUpdates request/)
  t.same(await other, [])
})

t.test('/start with a payload, replies and a callback query flow', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  const start = alice.start('JOIN-1234')
  t.match(start.update?.message, {
    text: '/start JOIN-1234',
    entities: [{ type: 'bot_command', offset: 0, length: 6 }],
  })

  const ask = await bot.sendMessage(alice.chat.id, 'Approve?', {
    reply_markup: {
      inline_keyboard: [
        [
          { text: 'Yes', callback_data: 'approve:7' },
          { text: 'No', callback_data: 'reject:7' },
        ],
      ],
    },
  })
  const reply = alice.reply(ask, 'why?')
  t.equal(reply.message?.reply_to_message?.message_id, ask.message_id)
  t.equal(reply.message?.reply_to_message?.from?.id, fake.bot.id)

  alice.press(ask, 'approve:7')
  t.throws(() => alice.press(ask, 'missing'), /no inline button/)
  const updates = await bot.getUpdates({ timeout: 1 })
  const cq = updates.find((u) => u.callback_query)?.callback_query
  t.match(cq, {
    from: { id: 5001 },
    data: 'approve:7',
    message: { message_id: ask.message_id, text: 'Approve?' },
  })
  t.type(cq?.id, 'string')
  t.type(cq?.chat_instance, 'string')
  t.equal(await bot.answerCallbackQuery(cq?.id as string, { text: 'Approved' }), true)
  t.same(fake.callbackAnswers.get(cq?.id as string), { text: 'Approved' })
  const twice = await failure(bot.answerCallbackQuery(cq?.id as string))
  t.match(twice.response?.body.description, /query is too old/)

  const cleared = await bot.editMessageReplyMarkup(
    { inline_keyboard: [] },
    { chat_id: alice.chat.id, message_id: ask.message_id },
  )
  t.match(cleared, { message_id: ask.message_id, edit_date: Number })
})

t.test('a user-sent voice note downloads with the same bytes', bounded(), async (t) => {
  const { bot, alice } = await setup(t)
  const bytes = Buffer.from([0x4f, 0x67, 0x67, 0x53, 0, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 1, 2, 3])
  alice.voice(bytes, { duration: 4 })
  alice.videoNote(Buffer.from('round video'), { duration: 1, length: 240 })
  alice.photo(PNG, { caption: 'the shelf' })
  alice.document(Buffer.from('a,b\n1,2\n'), { file_name: 'stock.csv', mime_type: 'text/csv' })
  const updates = await bot.getUpdates({ timeout: 0 })
  const voice = updates[0]?.message?.voice
  t.match(voice, { duration: 4, mime_type: 'audio/ogg', file_size: bytes.length })
  const viaStream = await streamToBuffer(bot.getFileStream(voice?.file_id as string))
  t.ok(viaStream.equals(bytes), 'getFileStream returns the stored bytes')
  t.ok((await download(await bot.getFileLink(voice?.file_id as string))).equals(bytes))
  t.match(updates[1]?.message?.video_note, { length: 240, duration: 1 })
  t.match(updates[2]?.message, { caption: 'the shelf', photo: [{ width: 90 }, { width: 320 }, { width: 640 }] })
  t.match(updates[3]?.message?.document, { file_name: 'stock.csv', mime_type: 'text/csv' })
  const csv = await download(await bot.getFileLink(updates[3]?.message?.document?.file_id as string))
  t.equal(csv.toString(), 'a,b\n1,2\n')
})

t.test('groups: privacy mode hides plain chatter, commands and replies get through', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  const group = fake.group({ title: 'Shop floor', type: 'supergroup' })
  t.ok(group.id < -1_000_000_000_000)
  const inGroup = alice.in(group)
  t.equal(inGroup.text('lunch?').update, null)
  inGroup.command('status@backboard_test_bot')
  const posted = await bot.sendMessage(group.id, 'hello shop')
  inGroup.reply(posted, 'hi bot')
  const updates = await bot.getUpdates({ timeout: 0 })
  t.same(
    updates.map((u) => u.message?.text),
    ['/status@backboard_test_bot', 'hi bot'],
  )
  t.match(updates[0]?.message?.chat, { id: group.id, type: 'supergroup', title: 'Shop floor' })
  t.same(
    fake.messages(group.id).map((m) => m.message_id),
    [1, 2, 3, 4],
  )
})

t.test('429 with retry_after reaches the library as an error with parameters', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  fake.failNext(1, { status: 429, retryAfter: 3, method: 'sendMessage' })
  t.same(await bot.getMe().then((me) => me.id), 123456789, 'other methods are not affected')
  const err = await failure(bot.sendMessage(alice.chat.id, 'hi'))
  t.equal(err.code, 'ETELEGRAM')
  t.equal(err.message, 'ETELEGRAM: 429 Too Many Requests: retry after 3')
  t.equal(err.response?.statusCode, 429)
  t.same(err.response?.body, {
    ok: false,
    error_code: 429,
    description: 'Too Many Requests: retry after 3',
    parameters: { retry_after: 3 },
  })
  t.ok(await bot.sendMessage(alice.chat.id, 'hi'), 'the next call succeeds')
  t.same(
    fake.calls('sendMessage').map((c) => c.status),
    [429, 200],
  )
  t.equal(fake.botMessages(alice.chat.id).length, 1, 'the refused message was not sent')
})

t.test('an outage gives a connection error, then service resumes', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  await bot.getMe() // leaves a keep-alive socket open, which the outage must cut too
  fake.setOutage(true)
  const err = await failure(bot.sendMessage(alice.chat.id, 'hi'))
  t.equal(err.code, 'EFATAL')
  t.match(err.message, /ECONNRESET|socket hang up|ECONNREFUSED|EPIPE/)
  fake.setOutage(true, 'bad-gateway')
  const gateway = await failure(bot.sendMessage(alice.chat.id, 'hi'))
  t.equal(gateway.code, 'EPARSE')
  t.equal(gateway.response?.statusCode, 502)
  fake.setOutage(false)
  t.ok(await bot.sendMessage(alice.chat.id, 'back'))
  t.equal(fake.botMessages().length, 1)
})

t.test('an outage cuts a held long poll', bounded(), async (t) => {
  const { fake, bot } = await setup(t)
  const held = failure(bot.getUpdates({ timeout: 5 }))
  await new Promise((r) => setTimeout(r, 100))
  const started = Date.now()
  fake.setOutage(true)
  const err = await held
  t.equal(err.code, 'EFATAL')
  t.ok(Date.now() - started < 1000)
})

t.test('rate-limit detector: 2 messages within a second to one private chat', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  await bot.sendMessage(alice.chat.id, 'one')
  await bot.sendMessage(alice.chat.id, 'two')
  t.equal(fake.violations.length, 1)
  t.match(fake.violations[0], {
    rule: 'private-chat-1-per-second',
    chatId: 5001,
    method: 'sendMessage',
    rejected: false,
  })
  const bob = fake.user({ id: 5002, first_name: 'Bob' })
  await bot.sendMessage(bob.chat.id, 'another chat is fine')
  t.equal(fake.violations.length, 1)

  fake.enforceRateLimits(true)
  const err = await failure(bot.sendMessage(alice.chat.id, 'three'))
  t.equal(err.response?.statusCode, 429)
  t.match(err.response?.body, { description: /^Too Many Requests: retry after \d+$/, parameters: { retry_after: 1 } })
  t.match(fake.violations[1], { rejected: true })
})

t.test('rate limits follow the clock: 20 per minute per group, 30 per second overall', bounded(), async (t) => {
  let clock = Date.UTC(2026, 11, 1, 9, 0, 0)
  const { fake, bot } = await setup(t, { now: () => clock })
  const group = fake.group({ title: 'Staff' })
  for (let i = 0; i < 20; i++) {
    await bot.sendMessage(group.id, `notice ${i}`)
    clock += 2000
  }
  t.equal(fake.violations.length, 0, '20 messages in 40 s are fine')
  await bot.sendMessage(group.id, 'one too many')
  t.match(fake.violations, [{ rule: 'group-20-per-minute', chatId: group.id }])
  t.equal(
    fake.botMessages(group.id)[0]?.date,
    Math.floor(Date.UTC(2026, 11, 1, 9, 0, 0) / 1000),
    'date follows the clock',
  )

  clock += 120_000
  fake.violations.length = 0
  const users = Array.from({ length: 31 }, (_, i) => fake.user({ id: 7000 + i, first_name: `U${i}` }))
  for (const u of users) await bot.sendMessage(u.chat.id, 'broadcast')
  t.match(fake.violations, [{ rule: 'global-30-per-second', chatId: 7030 }])
})

t.test('setMyCommands and getMyCommands', bounded(), async (t) => {
  const { bot } = await setup(t)
  const commands = [
    { command: 'start', description: 'Link your Backboard account' },
    { command: 'mute', description: 'Pause notifications' },
  ]
  t.equal(await bot.setMyCommands(commands), true)
  t.same(await bot.getMyCommands(), commands)
  const invalid = await failure(bot.setMyCommands([{ command: 'Bad-Command', description: 'x' }]))
  t.equal(invalid.response?.body.description, 'Bad Request: BOT_COMMAND_INVALID')
})

t.test('video, audio, URLs, captions and the remaining user helpers', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  const video = await bot.sendVideo(
    alice.chat.id,
    Buffer.from('not really mp4'),
    { duration: 5, width: 640, height: 360, caption: '<i>clip</i>', parse_mode: 'HTML' },
    { filename: 'clip.mp4', contentType: 'video/mp4' },
  )
  t.match(video, {
    caption: 'clip',
    caption_entities: [{ type: 'italic', offset: 0, length: 4 }],
    video: { duration: 5, width: 640, height: 360, file_name: 'clip.mp4', mime_type: 'video/mp4', file_size: 14 },
  })
  const audio = await bot.sendAudio(
    alice.chat.id,
    Buffer.from('ID3 fake'),
    { performer: 'Band', title: 'Song', duration: 9 } as never,
    { filename: 'song.mp3', contentType: 'audio/mpeg' },
  )
  t.match(audio.audio, {
    performer: 'Band',
    title: 'Song',
    duration: 9,
    mime_type: 'audio/mpeg',
    file_name: 'song.mp3',
  })

  const unknownUrl = await failure(bot.sendPhoto(alice.chat.id, 'https://example.invalid/a.png'))
  t.equal(unknownUrl.response?.body.description, 'Bad Request: wrong file identifier/HTTP URL specified')
  fake.serveUrl('https://example.invalid/a.png', PNG)
  const fromUrl = await bot.sendPhoto(alice.chat.id, 'https://example.invalid/a.png')
  t.match(fromUrl.photo?.at(-1), { width: 640, height: 480 })

  const tooLong = await failure(
    bot.sendDocument(alice.chat.id, audio.audio?.file_id as string, { caption: 'c'.repeat(1025) }),
  )
  t.equal(tooLong.response?.body.description, 'Bad Request: message caption is too long')
  const noReply = await failure(bot.sendMessage(alice.chat.id, 'x', { reply_parameters: { message_id: 999 } }))
  t.equal(noReply.response?.body.description, 'Bad Request: message to be replied not found')

  const waiting = fake.waitForCall('sendChatAction', { timeoutMs: 1000 })
  await bot.sendChatAction(alice.chat.id, 'typing')
  t.match(await waiting, { method: 'sendChatAction', params: { action: 'typing' }, status: 200 })

  alice.location(48.85, 2.35)
  alice.audio(Buffer.from('mp3'), { performer: 'P', title: 'T', duration: 1, file_name: 'x.mp3' })
  alice.video(Buffer.from('mp4'), { duration: 2, width: 10, height: 20 })
  const edited = alice.editText(alice.text('typo').message as { message_id: number }, 'fixed')
  const raw = fake.userSends({ my_chat_member: { chat: alice.chat } })
  t.type(raw?.update_id, 'number')
  const updates = await bot.getUpdates({ timeout: 0 })
  t.same(updates[0]?.message?.location, { latitude: 48.85, longitude: 2.35 })
  t.match(updates[1]?.message?.audio, { performer: 'P', title: 'T', mime_type: 'audio/mpeg', file_name: 'x.mp3' })
  t.match(updates[2]?.message?.video, { duration: 2, width: 10, height: 20, mime_type: 'video/mp4' })
  t.match(updates[4]?.edited_message, { text: 'fixed', edit_date: Number, message_id: edited.message?.message_id })
  t.equal(updates.length, 6)
  t.ok(updates[5]?.my_chat_member, 'by default every update type except chat_member and reactions is delivered')
})

t.test('deleteMessage refuses messages older than 48 hours', bounded(), async (t) => {
  let now = Date.UTC(2026, 11, 1, 9, 0, 0)
  const { bot, alice } = await setup(t, { now: () => now })
  const fresh = await bot.sendMessage(alice.chat.id, 'fresh')
  const old = await bot.sendMessage(alice.chat.id, 'old')
  now += 47 * 3_600_000
  t.equal(await bot.deleteMessage(alice.chat.id, fresh.message_id), true, 'within 48 hours')
  now += 2 * 3_600_000
  const refused = await failure(bot.deleteMessage(alice.chat.id, old.message_id))
  t.equal(refused.response?.statusCode, 400)
  t.equal(refused.response?.body.description, "Bad Request: message can't be deleted")
})

t.test('inline URL buttons to this machine or the LAN are refused', bounded(), async (t) => {
  const { bot, alice } = await setup(t)
  for (const url of [
    'http://localhost:8080/board',
    'http://127.0.0.1/board',
    'http://192.168.1.20:8080/board',
    'http://10.0.0.5/',
    'http://172.20.1.1/',
    'http://[::1]:8080/',
    'http://nas:8080/',
    'http://shop.local/',
  ]) {
    const refused = await failure(
      bot.sendMessage(alice.chat.id, 'link', { reply_markup: { inline_keyboard: [[{ text: 'Open', url }]] } }),
    )
    t.equal(refused.response?.body.description, 'Bad Request: BUTTON_URL_INVALID', url)
  }
  const sent = await bot.sendMessage(alice.chat.id, 'link', {
    reply_markup: { inline_keyboard: [[{ text: 'Open', url: 'https://shop.example.org/board' }]] },
  })
  const refusedEdit = await failure(
    bot.editMessageReplyMarkup(
      { inline_keyboard: [[{ text: 'Open', url: 'http://192.168.1.20/' }]] },
      { chat_id: alice.chat.id, message_id: sent.message_id },
    ),
  )
  t.equal(refusedEdit.response?.body.description, 'Bad Request: BUTTON_URL_INVALID', 'in edits too')
})

t.test('sendPhoto refuses photos over 10 MB, over 10000 px in all, or beyond 1:20', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  const png = (width: number, height: number, padTo = 0) => {
    const header = Buffer.from(PNG)
    header.writeUInt32BE(width, 16)
    header.writeUInt32BE(height, 20)
    return padTo > header.length ? Buffer.concat([header, Buffer.alloc(padTo - header.length)]) : header
  }
  const cases: [string, Buffer, string][] = [
    ['11 MB', png(640, 480, 11 * 1024 * 1024), 'Bad Request: PHOTO_SAVE_FILE_INVALID'],
    ['6000 x 5000', png(6000, 5000), 'Bad Request: PHOTO_INVALID_DIMENSIONS'],
    ['2100 x 100 (1:21)', png(2100, 100), 'Bad Request: PHOTO_INVALID_DIMENSIONS'],
    ['50 x 1100 (22:1)', png(50, 1100), 'Bad Request: PHOTO_INVALID_DIMENSIONS'],
  ]
  const filesBefore = fake.files.size
  for (const [name, data, description] of cases) {
    const refused = await failure(
      bot.sendPhoto(alice.chat.id, data, {}, { filename: 'p.png', contentType: 'image/png' }),
    )
    t.equal(refused.response?.body.description, description, name)
  }
  t.equal(fake.files.size, filesBefore, 'refused photos leave no file behind')
  const ok = await bot.sendPhoto(alice.chat.id, png(2000, 100), {}, { filename: 'p.png', contentType: 'image/png' })
  t.ok(ok.photo?.length, '1:20 is still a photo')
})

t.test('a callback query answered more than 15 s after the press is too old', bounded(), async (t) => {
  let now = Date.UTC(2026, 11, 1, 9, 0, 0)
  const { bot, alice } = await setup(t, { now: () => now })
  const ask = await bot.sendMessage(alice.chat.id, 'Approve?', {
    reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }]] },
  })
  const quick = alice.press(ask, 'yes').callbackQuery?.id as string
  now += 14_000
  t.equal(await bot.answerCallbackQuery(quick, { text: 'ok' }), true, 'within 15 s')
  const late = alice.press(ask, 'yes').callbackQuery?.id as string
  now += 16_000
  const refused = await failure(bot.answerCallbackQuery(late, { text: 'ok' }))
  t.equal(refused.response?.statusCode, 400)
  t.equal(
    refused.response?.body.description,
    'Bad Request: query is too old and response timeout expired or query ID is invalid',
  )
})

t.test('redeliver repeats sent updates whatever the offset; unconfirm serves them again', bounded(), async (t) => {
  const { fake, bot, alice } = await setup(t)
  const first = alice.text('one').update?.update_id as number
  const second = alice.text('two').update?.update_id as number
  const ids = (updates: TelegramBotType.Update[]) => updates.map((u) => u.update_id)
  t.same(ids(await bot.getUpdates({ timeout: 0 })), [first, second])
  t.same(ids(await bot.getUpdates({ offset: second + 1, timeout: 0 })), [], 'confirmed')
  fake.redeliver([first])
  t.same(ids(await bot.getUpdates({ offset: second + 1, timeout: 0 })), [first], 'repeated, same update_id')
  t.same(ids(await bot.getUpdates({ offset: second + 1, timeout: 0 })), [], 'once')
  fake.unconfirm(first)
  t.same(ids(await bot.getUpdates({ offset: second, timeout: 0 })), [second], 'an offset past one still confirms it')
  fake.unconfirm(first)
  t.same(ids(await bot.getUpdates({ timeout: 0 })), [first, second], 'served again from the first')
})
