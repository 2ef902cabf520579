/**
 * Media both ways through the Telegram fake: every kind Telegram has arrives in the app as a
 * playable attachment with the same bytes (voice notes and round videos included), and app
 * attachments leave as real Telegram media.
 */
import t from 'tap'
import { bodyOf, createMember } from '../helpers/app'
import { as, historyOf, openDirect, send, tinyPng, upload } from '../helpers/chat'
import { botMessagesIn, link, outboxDrained, setAway, startTelegramApp, until } from '../helpers/telegram'
import { webmOpus } from '../helpers/webm'

const bounded = { timeout: 40_000 }

/** An Ogg page with an OpusHead: what Telegram voice notes are. */
function oggOpus(seed: number): Buffer {
  const head = Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0])])
  return Buffer.concat([Buffer.from('OggS'), Buffer.alloc(24, 0), head, Buffer.alloc(400, seed)])
}

/** The start of an MP4 file: what videos and round video notes are. */
function mp4(seed: number): Buffer {
  return Buffer.concat([
    Buffer.from('00000018667479706973366d00000200', 'hex'),
    Buffer.from('isommp41'),
    Buffer.alloc(600, seed),
  ])
}

const MP3 = Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, 0, 0, 0, 0, 0]), Buffer.alloc(300, 9)])
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200, 65)])

async function fileBytes(tg: Awaited<ReturnType<typeof startTelegramApp>>, cookie: string, url: string) {
  const response = await tg.app.inject({ method: 'GET', url, headers: { cookie } })
  return { status: response.statusCode, bytes: response.rawPayload, type: response.headers['content-type'] }
}

t.test('photos, videos, voice notes, round videos, audio, files and locations come in', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  await setAway(tg.app, anna)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  await send(tg.app, tg.owner, direct, 'Send me what you have')
  await botMessagesIn(tg.fake, handle.chat.id, 2)
  // Telegram has the message once the fake answers; the app records where it went just after.
  // Anna answers only once it has, or the bot rightly asks her where her photo should go.
  await outboxDrained(tg.ctx)

  const photo = tinyPng(64, 48)
  const cases: [string, () => unknown, string, RegExp, Buffer, string][] = [
    ['photo', () => handle.photo(photo, { caption: 'Shelf 4 is empty' }), 'image', /photo/, photo, 'image/png'],
    ['video', () => handle.video(mp4(1), { mime_type: 'video/mp4' }), 'video', /^(?!round)/, mp4(1), 'video/mp4'],
    ['voice note', () => handle.voice(oggOpus(2), { duration: 3 }), 'audio', /voice-note/, oggOpus(2), 'audio/ogg'],
    [
      'round video',
      () => handle.videoNote(mp4(3), { length: 240, duration: 4 }),
      'video',
      /round-video/,
      mp4(3),
      'video/mp4',
    ],
    ['audio', () => handle.audio(MP3, { title: 'jingle' }), 'audio', /jingle|mp3/, MP3, 'audio/mpeg'],
    // Documents are downloads (never rendered inline), whatever their type.
    [
      'document',
      () => handle.document(PDF, { file_name: 'invoice.pdf' }),
      'file',
      /invoice\.pdf/,
      PDF,
      'application/octet-stream',
    ],
  ]
  for (const [name, sendIt, kind, named, bytes, type] of cases) {
    sendIt()
    const find = async () =>
      (await historyOf(tg.app, tg.owner, direct))
        .flatMap((m) => (m.via === 'telegram' ? m.attachments : []))
        .find((a) => a.kind === kind && named.test(a.name))
    await until(`${name} arrives as an attachment`, async () => (await find()) !== undefined, 8000)
    const attachment = await find()
    const file = await fileBytes(tg, tg.owner.cookie, attachment?.url as string)
    t.equal(file.status, 200)
    t.ok(file.bytes.equals(bytes), `${name}: the same bytes`)
    t.match(String(file.type), type, `${name}: served as ${type}`)
  }
  const history = await historyOf(tg.app, tg.owner, direct)
  t.ok(
    history.some((m) => m.body === 'Shelf 4 is empty' && m.attachments[0]?.kind === 'image'),
    'caption kept as text',
  )
  t.ok(
    history.every((m) => m.via !== 'telegram' || m.author?.id === anna.id),
    'all posted as Anna',
  )

  handle.location(51.5072, -0.1276)
  await until('a location arrives as a location', async () =>
    (await historyOf(tg.app, tg.owner, direct)).some(
      (m) => m.attachments[0]?.kind === 'location' && m.attachments[0]?.latitude === 51.5072,
    ),
  )

  // Over 20 MB: a clear answer, nothing stored.
  const before = (await historyOf(tg.app, tg.owner, direct)).length
  handle.document(Buffer.alloc(21 * 1024 * 1024, 1), { file_name: 'huge.bin' })
  // The answer is queued in the update's own transaction: once it is here, the update is done.
  await until('the bot to explain the 20 MB limit', () =>
    tg.fake.botMessages(handle.chat.id).some((m) => /20 MB/.test(m.text ?? '')),
  )
  t.equal((await historyOf(tg.app, tg.owner, direct)).length, before, 'nothing posted')
})

t.test('attachments from the app leave as real Telegram media', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  await setAway(tg.app, anna)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  const photo = await upload(tg.app, tg.owner, tinyPng(320, 200), 'shelf.png')
  const voice = await upload(tg.app, tg.owner, oggOpus(7), 'voice-note.ogg')
  const pdf = await upload(tg.app, tg.owner, PDF, 'rota.pdf')
  const response = await as(tg.app, tg.owner, 'POST', `/api/conversations/${direct}/messages`, {
    body: 'Photo, voice note, rota and where I am',
    clientKey: 'media-out-1',
    attachments: [
      { fileId: photo.id },
      { fileId: voice.id },
      { fileId: pdf.id },
      { location: { latitude: 48.8566, longitude: 2.3522 } },
    ],
  })
  t.equal(response.statusCode, 201)
  await outboxDrained(tg.ctx)
  const photoCall = tg.fake.calls('sendPhoto').at(-1)
  t.match(String(photoCall?.params.caption), /Photo, voice note, rota and where I am/, 'text as the caption')
  t.ok(photoCall?.files[0]?.data.equals(tinyPng(320, 200)), 'photo bytes')
  const voiceCall = tg.fake.calls('sendVoice').at(-1)
  t.ok(voiceCall?.files[0]?.data.equals(oggOpus(7)), 'the voice note goes as a voice message')
  const docCall = tg.fake.calls('sendDocument').at(-1)
  t.ok(docCall?.files[0]?.data.equals(PDF), 'the PDF as a document')
  t.equal(docCall?.files[0]?.filename, 'rota.pdf')
  const location = tg.fake.calls('sendLocation').at(-1)
  t.equal(Number(location?.params.latitude), 48.8566, 'the location as a location')
  const inChat = tg.fake.botMessages(handle.chat.id)
  const order = inChat
    .slice(-4)
    .map((m) => (m.photo ? 'photo' : m.voice ? 'voice' : m.document ? 'document' : m.location ? 'location' : 'text'))
  t.same(order, ['photo', 'voice', 'document', 'location'], 'in order')

  // Anna replies to the photo with a voice note: it lands in the conversation as a reply.
  const photoMessage = inChat.find((m) => m.photo)
  handle.voice(oggOpus(8), { replyTo: photoMessage as { message_id: number } })
  await until(
    'a voice-note reply comes back as a reply with the voice note',
    async () =>
      (await historyOf(tg.app, tg.owner, direct)).some(
        (m) => m.author?.id === anna.id && m.attachments[0]?.kind === 'audio' && m.replyTo !== null,
      ),
    8000,
  )
  void bodyOf
})

t.test('a voice note recorded in Chrome (WebM) arrives in Telegram as a voice message', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  await setAway(tg.app, anna)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  const packets = Array.from({ length: 50 }, (_, i) => Buffer.concat([Buffer.from([0xf8]), Buffer.alloc(80, i)]))
  const recorded = await tg.app.inject({
    method: 'POST',
    url: '/api/files?name=voice-note.webm&recorded=audio',
    headers: { cookie: tg.owner.cookie, 'content-type': 'application/octet-stream' },
    payload: webmOpus(packets),
  })
  t.equal(recorded.statusCode, 201)
  t.equal(bodyOf<{ mime: string }>(recorded).mime, 'audio/webm')
  await as(tg.app, tg.owner, 'POST', `/api/conversations/${direct}/messages`, {
    body: '',
    clientKey: 'webm-voice-1',
    attachments: [{ fileId: bodyOf<{ id: number }>(recorded).id }],
  })
  await outboxDrained(tg.ctx)
  const call = tg.fake.calls('sendVoice').at(-1)
  t.ok(call, 'sent with sendVoice')
  const sent = call?.files[0]
  t.equal(sent?.filename, 'voice-note.ogg')
  t.equal(sent?.data.subarray(0, 4).toString(), 'OggS', 'as Ogg Opus')
  t.ok(sent?.data.includes(packets[49] as Buffer), 'with the recorded audio')
  t.equal(tg.fake.calls('sendDocument').length, 0, 'not as a file')
})
