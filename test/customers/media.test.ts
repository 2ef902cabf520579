/**
 * Everything a customer can send through the bot arrives in their conversation and plays:
 * text, photos, an album as one message, video, round video, voice, audio, files, stickers,
 * places and their own contact; what is too large is named and the customer told; edits keep
 * the earlier words; staff photos and files reach the customer as uploads.
 */
import t, { type Test } from 'tap'
import type { MessageView } from '../../server/shared/events'
import { bodyOf } from '../helpers/app'
import { as, historyOf, tinyPng, upload } from '../helpers/chat'
import { botMessagesIn, outboxDrained, startTelegramApp, until, type TelegramApp } from '../helpers/telegram'
import type { UserHandle } from '../helpers/telegram-fake'

const bounded = { timeout: 40_000 }

function mp4(seed: number): Buffer {
  return Buffer.concat([
    Buffer.from('00000018667479706973366d00000200', 'hex'),
    Buffer.from('isommp41'),
    Buffer.alloc(600, seed),
  ])
}

function oggOpus(seed: number): Buffer {
  const head = Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0])])
  return Buffer.concat([Buffer.from('OggS'), Buffer.alloc(24, 0), head, Buffer.alloc(400, seed)])
}

/** A still WebP (lossless), what a regular sticker is. */
function webp(): Buffer {
  const vp8l = Buffer.concat([Buffer.from([0x2f]), Buffer.from([0x3f, 0xc0, 0x0f, 0x00]), Buffer.alloc(20, 0)])
  const size = Buffer.alloc(4)
  size.writeUInt32LE(vp8l.length)
  const body = Buffer.concat([Buffer.from('WEBP'), Buffer.from('VP8L'), size, vp8l])
  const riff = Buffer.alloc(4)
  riff.writeUInt32LE(body.length)
  return Buffer.concat([Buffer.from('RIFF'), riff, body])
}

const MP3 = Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, 0, 0, 0, 0, 0]), Buffer.alloc(300, 9)])
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200, 65)])

interface Started {
  tg: TelegramApp
  maria: UserHandle
  conversationId: number
}

/** Customers on, and Maria's first message opens her conversation. */
async function withCustomer(t: Test): Promise<Started> {
  const tg = await startTelegramApp(t)
  const enabled = await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  if (enabled.statusCode !== 200) throw new Error(`enable failed: ${enabled.body}`)
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs', username: 'mariak' })
  maria.text('Hello')
  let conversationId = 0
  await until('the customer to be listed', async () => {
    const list = bodyOf<{ items: { conversationId: number }[] }>(await as(tg.app, tg.owner, 'GET', '/api/customers'))
    conversationId = list.items[0]?.conversationId ?? 0
    return conversationId > 0
  })
  await botMessagesIn(tg.fake, maria.chat.id, 1)
  return { tg, maria, conversationId }
}

async function incoming(tg: TelegramApp, conversationId: number): Promise<MessageView[]> {
  return (await historyOf(tg.app, tg.owner, conversationId)).filter((m) => m.customer?.direction === 'in')
}

/** Waits for the customer's `count`-th message and returns it. */
async function nthIncoming(tg: TelegramApp, conversationId: number, count: number, what: string) {
  let found: MessageView | undefined
  await until(what, async () => {
    found = (await incoming(tg, conversationId))[count - 1]
    return found !== undefined
  })
  return found as MessageView
}

async function bytesOf(tg: TelegramApp, url: string | null) {
  const response = await tg.app.inject({ method: 'GET', url: url ?? '/', headers: { cookie: tg.owner.cookie } })
  return { status: response.statusCode, bytes: response.rawPayload }
}

t.test('text, photos, video, round video, voice, audio and files arrive and play', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  const first = await nthIncoming(tg, conversationId, 1, 'the first message')
  t.equal(first.body, 'Hello')
  t.equal(first.customer?.customerName, 'Maria Kovacs')
  t.equal(first.author, null, 'a customer is no member')

  const photo = tinyPng(64, 48)
  const cases: [string, () => unknown, string, RegExp, Buffer][] = [
    ['photo', () => maria.photo(photo, { caption: 'The jam' }), 'image', /photo/, photo],
    ['video', () => maria.video(mp4(1), { mime_type: 'video/mp4' }), 'video', /video/, mp4(1)],
    ['round video', () => maria.videoNote(mp4(2), { duration: 3 }), 'video', /round-video/, mp4(2)],
    ['voice note', () => maria.voice(oggOpus(3), { duration: 2 }), 'audio', /voice-note/, oggOpus(3)],
    ['audio', () => maria.audio(MP3, { title: 'noise' }), 'audio', /noise|mp3/, MP3],
    ['document', () => maria.document(PDF, { file_name: 'receipt.pdf' }), 'file', /receipt\.pdf/, PDF],
  ]
  let count = 1
  for (const [name, sendIt, kind, named, bytes] of cases) {
    sendIt()
    count += 1
    const message = await nthIncoming(tg, conversationId, count, `the ${name}`)
    const attachment = message.attachments[0]
    t.equal(attachment?.kind, kind, `${name}: a ${kind} attachment`)
    t.match(attachment?.name, named, `${name}: named for what it is`)
    const file = await bytesOf(tg, attachment?.url ?? null)
    t.equal(file.status, 200, `${name}: served`)
    t.ok(file.bytes.equals(bytes), `${name}: the same bytes`)
  }
  const withCaption = (await incoming(tg, conversationId))[1]
  t.equal(withCaption?.body, 'The jam', 'a caption is the message text')
})

t.test('an album of five photos is one message with five images', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  await nthIncoming(tg, conversationId, 1, 'the first message')
  for (let i = 0; i < 5; i++) {
    const bytes = tinyPng(20 + i, 10)
    const file = tg.fake.addFile('photo', bytes)
    tg.fake.userSends({
      message: {
        message_id: 500 + i,
        date: Math.floor(Date.now() / 1000),
        chat: maria.chat,
        from: maria.user,
        media_group_id: '13579246801357',
        ...(i === 0 ? { caption: 'All five shelves' } : {}),
        photo: [
          {
            file_id: file.file_id,
            file_unique_id: file.file_unique_id,
            width: 20 + i,
            height: 10,
            file_size: bytes.length,
          },
        ],
      },
    })
  }
  let album: MessageView | undefined
  await until('the album to hold five images', async () => {
    album = (await incoming(tg, conversationId))[1]
    return album?.attachments.length === 5
  })
  t.equal((await incoming(tg, conversationId)).length, 2, 'one message for the album')
  t.ok(
    album?.attachments.every((a) => a.kind === 'image'),
    'all images',
  )
  t.same(
    album?.attachments.map((a) => a.width),
    [20, 21, 22, 23, 24],
    'in the order sent',
  )
  t.equal(album?.body, 'All five shelves')
})

t.test('stickers, places, venues and the customer’s own contact', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  await nthIncoming(tg, conversationId, 1, 'the first message')
  const raw = (id: number, body: Record<string, unknown>) =>
    tg.fake.userSends({
      message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: maria.chat, from: maria.user, ...body },
    })

  const stickerBytes = webp()
  const sticker = tg.fake.addFile('document', stickerBytes)
  raw(600, {
    sticker: {
      file_id: sticker.file_id,
      file_unique_id: sticker.file_unique_id,
      type: 'regular',
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: '👍',
      file_size: stickerBytes.length,
    },
  })
  const stuck = await nthIncoming(tg, conversationId, 2, 'the sticker')
  t.equal(stuck.attachments[0]?.kind, 'image', 'a sticker shows as an image')
  t.ok((await bytesOf(tg, stuck.attachments[0]?.url ?? null)).bytes.equals(stickerBytes), 'its bytes')
  t.match(stuck.body, /👍/)

  maria.location(47.4979, 19.0402)
  const place = await nthIncoming(tg, conversationId, 3, 'the location')
  t.match(place.attachments[0], { kind: 'location', latitude: 47.4979, longitude: 19.0402 })

  raw(601, {
    location: { latitude: 47.5, longitude: 19.05 },
    venue: { location: { latitude: 47.5, longitude: 19.05 }, title: 'Corner Shop', address: '1 Main Street' },
  })
  const venue = await nthIncoming(tg, conversationId, 4, 'the venue')
  t.match(venue.attachments[0], { kind: 'location', latitude: 47.5, longitude: 19.05 })
  t.match(venue.body, /Corner Shop/)
  t.match(venue.body, /1 Main Street/)

  raw(602, { contact: { phone_number: '+36301234567', first_name: 'Maria', last_name: 'Kovacs', user_id: 7001 } })
  const contact = await nthIncoming(tg, conversationId, 5, 'the contact')
  t.match(contact.body, /\+36301234567/)
  const customer = bodyOf<{ phone: string }>(await as(tg.app, tg.owner, 'GET', `/api/customers/${conversationId}`))
  t.equal(customer.phone, '+36301234567', 'their own number is recorded')

  // Someone else's card is only words: it is not the customer's number.
  raw(603, { contact: { phone_number: '+36709999999', first_name: 'Peter', user_id: 8123 } })
  await nthIncoming(tg, conversationId, 6, 'another contact')
  const again = bodyOf<{ phone: string }>(await as(tg.app, tg.owner, 'GET', `/api/customers/${conversationId}`))
  t.equal(again.phone, '+36301234567')
})

t.test('a file over 20 MB is named, and the customer is told', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  await nthIncoming(tg, conversationId, 1, 'the first message')
  const small = tg.fake.addFile('document', Buffer.from('stand-in'), { file_name: 'video.mov' })
  tg.fake.userSends({
    message: {
      message_id: 700,
      date: Math.floor(Date.now() / 1000),
      chat: maria.chat,
      from: maria.user,
      document: {
        file_id: small.file_id,
        file_unique_id: small.file_unique_id,
        file_name: 'video.mov',
        mime_type: 'video/quicktime',
        file_size: 25 * 1024 * 1024,
      },
    },
  })
  const message = await nthIncoming(tg, conversationId, 2, 'the too-large file')
  t.match(message.customer?.notReceived, /video\.mov.*20 MB/)
  t.equal(message.attachments.length, 0, 'nothing fetched')
  const told = await botMessagesIn(tg.fake, maria.chat.id, 2)
  t.match(told.at(-1)?.text, /20 MB/)
})

t.test('an edit keeps what the customer said before', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  await nthIncoming(tg, conversationId, 1, 'the first message')
  const sent = maria.text('The printer on till 2')
  await nthIncoming(tg, conversationId, 2, 'the message to edit')
  maria.editText(sent.message as { message_id: number }, 'The printer on till 3')
  let edited: MessageView | undefined
  await until('the edit to arrive', async () => {
    edited = (await incoming(tg, conversationId))[1]
    return edited?.body === 'The printer on till 3'
  })
  t.ok(edited?.editedAt, 'shown as edited')
  const revisions = await as(tg.app, tg.owner, 'GET', `/api/messages/${edited?.id}/history`)
  t.equal(revisions.statusCode, 200, revisions.body)
  t.match(bodyOf<{ body: string; editedAt: number }[]>(revisions), [{ body: 'The printer on till 2' }])
})

t.test('staff photos and files reach the customer as uploads', bounded, async (t) => {
  const { tg, maria, conversationId } = await withCustomer(t)
  const png = tinyPng(120, 80)
  const photo = await upload(tg.app, tg.owner, png, 'manual.png')
  const pdf = await upload(tg.app, tg.owner, PDF, 'manual.pdf')
  const reply = await as(tg.app, tg.owner, 'POST', `/api/conversations/${conversationId}/messages`, {
    body: 'Here is how to clear it',
    clientKey: 'media-reply-1',
    attachments: [{ fileId: photo.id }, { fileId: pdf.id }],
  })
  t.equal(reply.statusCode, 201, reply.body)
  await outboxDrained(tg.ctx)
  const photoCall = tg.fake.calls('sendPhoto').find((c) => Number(c.params.chat_id) === maria.chat.id)
  t.ok(photoCall, 'sent with sendPhoto')
  t.equal(photoCall?.status, 200)
  t.ok(photoCall?.files[0]?.data.equals(png), 'the photo is uploaded')
  t.notMatch(String(photoCall?.params.photo ?? ''), /^https?:/, 'never as a URL')
  t.match(String(photoCall?.params.caption), /Here is how to clear it/)
  const docCall = tg.fake.calls('sendDocument').find((c) => Number(c.params.chat_id) === maria.chat.id)
  t.ok(docCall?.files[0]?.data.equals(PDF), 'the file is uploaded')
  t.equal(docCall?.files[0]?.filename, 'manual.pdf')
  t.notMatch(String(docCall?.params.document ?? ''), /^https?:/, 'never as a URL')
  const inChat = tg.fake.botMessages(maria.chat.id)
  t.ok(inChat.some((m) => m.photo) && inChat.some((m) => m.document), 'both in the customer’s chat')
  await until('the reply to show as sent', async () => {
    const history = await historyOf(tg.app, tg.owner, conversationId)
    return history.find((m) => m.body === 'Here is how to clear it')?.customer?.delivery === 'sent'
  })
})
