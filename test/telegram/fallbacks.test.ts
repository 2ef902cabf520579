/**
 * The bridge's fallbacks for what Telegram refuses, against a fake as strict as Telegram: a
 * deletion after 48 hours, link buttons to an address on the LAN, photos Telegram will not
 * take, files it will not take at all, and a button press answered too late.
 */
import t from 'tap'
import { bodyOf, createMember } from '../helpers/app'
import { as, openDirect, send, tinyPng, upload } from '../helpers/chat'
import {
  botMessagesIn,
  link,
  outboxDrained,
  setAway,
  startTelegramApp,
  until,
  type TelegramApp,
} from '../helpers/telegram'
import type { CallRecord, TgMessage } from '../helpers/telegram-fake'

const bounded = { timeout: 60_000 }

async function annaAway(tg: TelegramApp) {
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till', username: 'anna' })
  const handle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, handle)
  await setAway(tg.app, anna)
  return { anna, handle }
}

function refusal(call: CallRecord | undefined): string {
  return call?.status === 400
    ? String((call.response as { description?: string }).description)
    : `not refused (${call?.status})`
}

function buttonsOf(message: TgMessage | undefined): { text: string; url?: string; callback_data?: string }[] {
  return message?.reply_markup?.inline_keyboard.flat() ?? []
}

t.test(
  'deleted in the app after 48 hours: Telegram keeps it, so it reads "This message was deleted."',
  bounded,
  async (t) => {
    const tg = await startTelegramApp(t)
    const { anna, handle } = await annaAway(tg)
    const direct = await openDirect(tg.app, tg.owner, [anna])
    const message = await send(tg.app, tg.owner, direct, 'Old news about the float')
    const mirrored = (await botMessagesIn(tg.fake, handle.chat.id, 2)).at(-1) as TgMessage
    tg.clock.advance(49 * 3_600_000)
    t.equal((await as(tg.app, tg.owner, 'DELETE', `/api/messages/${message.id}`)).statusCode, 200)
    await until('the mirrored message to say it was deleted', () => {
      const current = tg.fake.messages(handle.chat.id).find((m) => m.message_id === mirrored.message_id)
      return current?.text === 'This message was deleted.'
    })
    t.equal(
      refusal(tg.fake.calls('deleteMessage').at(-1)),
      "Bad Request: message can't be deleted",
      'Telegram refused the deletion',
    )
    await outboxDrained(tg.ctx)
  },
)

t.test(
  'an app address on the LAN: sent without the link buttons; edits and "Acknowledged" still arrive',
  bounded,
  async (t) => {
    const tg = await startTelegramApp(t, { publicUrl: 'http://192.168.1.20:8080' })
    const { anna, handle } = await annaAway(tg)
    const direct = await openDirect(tg.app, tg.owner, [anna])
    const message = await send(tg.app, tg.owner, direct, 'Delivery at 10')
    const mirrored = (await botMessagesIn(tg.fake, handle.chat.id, 2)).at(-1) as TgMessage
    t.match(mirrored.text, /Delivery at 10/, 'the message arrives')
    t.same(buttonsOf(mirrored), [], 'without the "Open in app" link Telegram refused')
    t.equal(refusal(tg.fake.calls('sendMessage').find((c) => c.status === 400)), 'Bad Request: BUTTON_URL_INVALID')

    t.equal(
      (await as(tg.app, tg.owner, 'PATCH', `/api/messages/${message.id}`, { body: 'Delivery at 11' })).statusCode,
      200,
    )
    await until('the edit to show in Telegram', () =>
      (tg.fake.messages(handle.chat.id).find((m) => m.message_id === mirrored.message_id)?.text ?? '').includes(
        'Delivery at 11',
      ),
    )

    const posted = await as(tg.app, tg.owner, 'POST', '/api/notices', {
      title: 'Fire drill',
      body: 'At 3 pm.',
      clientKey: 'notice-lan-drill',
      mustAcknowledge: true,
    })
    t.equal(posted.statusCode, 201)
    const notice = (await botMessagesIn(tg.fake, handle.chat.id, 3)).at(-1) as TgMessage
    const buttons = buttonsOf(notice)
    t.same(
      buttons.map((b) => b.text),
      ['Acknowledge'],
      'the Acknowledge button stays, the link goes',
    )
    handle.press(notice, buttons[0]?.callback_data as string)
    await until('the button to turn into "Acknowledged ✓"', () =>
      buttonsOf(tg.fake.messages(handle.chat.id).find((m) => m.message_id === notice.message_id)).some(
        (b) => b.text === 'Acknowledged ✓',
      ),
    )
    const report = bodyOf<{ acknowledged: { id: number }[] }>(
      await as(tg.app, tg.owner, 'GET', `/api/notices/${bodyOf<{ id: number }>(posted).id}/acknowledgements`),
    )
    t.same(
      report.acknowledged.map((a) => a.id),
      [anna.id],
    )
    await outboxDrained(tg.ctx)
  },
)

t.test('a photo Telegram will not take goes as a file, and a file it will not take as words', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle } = await annaAway(tg)
  const direct = await openDirect(tg.app, tg.owner, [anna])
  // 1:40 is beyond Telegram's 1:20 for photos.
  const banner = await upload(tg.app, tg.owner, tinyPng(400, 10), 'banner.png')
  await as(tg.app, tg.owner, 'POST', `/api/conversations/${direct}/messages`, {
    body: 'The new shelf label',
    clientKey: 'photo-banner-1',
    attachments: [{ fileId: banner.id }],
  })
  await outboxDrained(tg.ctx)
  t.equal(refusal(tg.fake.calls('sendPhoto').at(-1)), 'Bad Request: PHOTO_INVALID_DIMENSIONS', 'refused as a photo')
  const asFile = tg.fake.botMessages(handle.chat.id).at(-1)
  t.equal(asFile?.document?.file_name, 'banner.png', 'sent as a file')
  t.match(asFile?.caption, /The new shelf label/, 'with the text as its caption')

  // Refused as a file too: the text goes, saying where the file is.
  const second = await upload(tg.app, tg.owner, tinyPng(10, 400), 'tall.png')
  tg.fake.failNext(1, { status: 400, description: 'Bad Request: file must be non-empty', method: 'sendDocument' })
  await as(tg.app, tg.owner, 'POST', `/api/conversations/${direct}/messages`, {
    body: 'And the tall one',
    clientKey: 'photo-tall-1',
    attachments: [{ fileId: second.id }],
  })
  await outboxDrained(tg.ctx)
  const inWords = tg.fake.botMessages(handle.chat.id).at(-1)
  t.match(inWords?.text, /And the tall one/)
  t.match(inWords?.text, /A file that Telegram would not take: open it in the app/)
  const dead = await tg.ctx.db.selectFrom('outbox').select('id').where('state', '=', 'dead').execute()
  t.equal(dead.length, 0, 'nothing given up')
})

t.test('a button press answered too late still acknowledges, and the button says so', bounded, async (t) => {
  const tg = await startTelegramApp(t)
  const { anna, handle } = await annaAway(tg)
  const posted = await as(tg.app, tg.owner, 'POST', '/api/notices', {
    title: 'Fire drill',
    body: 'At 3 pm.',
    clientKey: 'notice-late-drill',
    mustAcknowledge: true,
  })
  const notice = (await botMessagesIn(tg.fake, handle.chat.id, 2)).at(-1) as TgMessage
  await outboxDrained(tg.ctx)
  // Telegram is out of reach while Anna presses, and comes back after the 15 s to answer.
  tg.fake.setOutage(true)
  const pressed = handle.press(notice, buttonsOf(notice)[0]?.callback_data as string)
  tg.clock.advance(20_000)
  tg.fake.setOutage(false)
  await until(
    'the acknowledgement to be recorded',
    async () => {
      const report = bodyOf<{ acknowledged: { id: number }[] }>(
        await as(tg.app, tg.owner, 'GET', `/api/notices/${bodyOf<{ id: number }>(posted).id}/acknowledgements`),
      )
      return report.acknowledged.some((a) => a.id === anna.id)
    },
    15_000,
  )
  await until('the button to turn into "Acknowledged ✓"', () =>
    buttonsOf(tg.fake.messages(handle.chat.id).find((m) => m.message_id === notice.message_id)).some(
      (b) => b.text === 'Acknowledged ✓',
    ),
  )
  const answer = tg.fake
    .calls('answerCallbackQuery')
    .find((c) => c.params.callback_query_id === pressed.callbackQuery?.id)
  t.match(refusal(answer), /query is too old/, 'Telegram refused the late answer')
  await outboxDrained(tg.ctx)
})
