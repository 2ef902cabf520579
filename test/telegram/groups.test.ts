/**
 * A Telegram group linked to a channel, two-way: linked staff appear as themselves, other
 * people as guests of that one conversation; the group gets at most 20 messages a minute.
 */
import t from 'tap'
import { bodyOf, createMember } from '../helpers/app'
import { as, historyOf, send } from '../helpers/chat'
import {
  applied,
  botMessagesIn,
  lastOutboxId,
  link,
  outboxDrained,
  outboxRowsFor,
  startTelegramApp,
  until,
  type TelegramApp,
} from '../helpers/telegram'
import type { TgUpdate } from '../helpers/telegram-fake'

const bounded = { timeout: 120_000 }

async function linkedGroup(tg: TelegramApp, name = 'floor') {
  const channel = await as(tg.app, tg.owner, 'POST', '/api/conversations', {
    kind: 'channel',
    name,
    isPrivate: false,
    memberIds: [],
  })
  const channelId = bodyOf<{ id: number }>(channel).id
  const code = bodyOf<{ code: string; command: string; url: string }>(
    await as(tg.app, tg.owner, 'POST', '/api/telegram/groups/link-code', { conversationId: channelId }),
  )
  const group = tg.fake.group({ title: 'Shop floor' })
  const olga = tg.fake.user({ id: 7001, first_name: 'Olga', last_name: 'Guest' })
  olga.in(group).command('link', code.code)
  await botMessagesIn(tg.fake, group.id, 1)
  return { channelId, group, olga, code }
}

t.test('a group: at most 20 a minute, the rest later, all in order', bounded, async (t) => {
  const tg = await startTelegramApp(t, { fake: { enforceRateLimits: true, privacyMode: false } })
  const channel = await as(tg.app, tg.owner, 'POST', '/api/conversations', {
    kind: 'channel',
    name: 'floor',
    isPrivate: false,
    memberIds: [],
  })
  const channelId = (channel.json() as { id: number }).id
  const code = (
    await as(tg.app, tg.owner, 'POST', '/api/telegram/groups/link-code', { conversationId: channelId })
  ).json() as {
    code: string
  }
  const group = tg.fake.group({ title: 'Shop floor' })
  const olga = tg.fake.user({ id: 7001, first_name: 'Olga' })
  olga.in(group).command('link', code.code)
  await botMessagesIn(tg.fake, group.id, 1)
  for (let i = 1; i <= 24; i++) await send(tg.app, tg.owner, channelId, `floor ${i}`)
  // One a second in any chat: the twenty allowed this minute take about twenty seconds. Then
  // the other five are put back for the next minute, so nothing more can go until it comes.
  const firstSentAt = tg.fake.sent.find((c) => Number(c.params.chat_id) === group.id && c.status === 200)?.time ?? 0
  await until(
    'twenty messages out and the other five put back for the next minute',
    async () => {
      const waiting = (await outboxRowsFor(tg.ctx, group.id)).filter((r) => r.state !== 'done')
      const rows = await tg.ctx.db
        .selectFrom('outbox')
        .select(['state', 'next_attempt_at'])
        .where('id', 'in', waiting.length ? waiting.map((r) => r.id) : [-1])
        .execute()
      return (
        tg.fake.botMessages(group.id).length === 20 &&
        rows.length === 5 &&
        rows.every((r) => r.state === 'pending' && r.next_attempt_at >= firstSentAt + 59_000)
      )
    },
    40_000,
  )
  t.equal(tg.fake.botMessages(group.id).length, 20, 'the link reply and 19 messages, then it waits')
  // A minute later (the clock skips ahead), the rest go.
  tg.clock.advance(62_000)
  tg.ctx.outbox.wake()
  await outboxDrained(tg.ctx, 30_000)
  // Real time between sends, within each minute (the clock skipped ahead between the two).
  const times = tg.fake.sent.filter((c) => Number(c.params.chat_id) === group.id && c.status === 200).map((c) => c.time)
  const spaced = (part: number[]) => part.slice(1).every((time, i) => time - (part[i] as number) >= 950)
  t.ok(spaced(times.slice(0, 20)) && spaced(times.slice(20)), 'about a second apart in the group too')
  const texts = tg.fake
    .botMessages(group.id)
    .map((m) => m.text ?? '')
    .filter((text) => text.startsWith('Olive Owner'))
    .map((text) => text.split('\n')[1])
  t.same(
    texts,
    Array.from({ length: 24 }, (_, i) => `floor ${i + 1}`),
    'all 24, in order, once each',
  )
  t.same(tg.fake.violations, [], 'no violation of 20 a minute')
})

t.test('two-way: staff as themselves, others as guests of that conversation only', bounded, async (t) => {
  const tg = await startTelegramApp(t, { fake: { privacyMode: false } })
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const annaHandle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  await link(tg, anna, annaHandle)
  const { channelId, group, olga } = await linkedGroup(tg)
  await as(tg.app, anna, 'POST', `/api/conversations/${channelId}/join`)
  const [confirmation] = tg.fake.botMessages(group.id)
  t.match(confirmation?.text, /linked to #floor/)

  const groups = bodyOf<{ groups: { chatId: number; title: string; conversation: { id: number } }[] }>(
    await as(tg.app, tg.owner, 'GET', '/api/telegram/groups'),
  )
  t.same(
    groups.groups.map((g) => [g.chatId, g.title, g.conversation.id]),
    [[group.id, 'Shop floor', channelId]],
    'managers see the linked group',
  )
  const staffList = await as(tg.app, anna, 'GET', '/api/telegram/groups')
  t.equal(staffList.statusCode, 403, 'staff do not manage groups')
  // A manager who cannot read a private channel cannot link it (and so read it from Telegram).
  const manager = await createMember(tg.app, tg.owner.cookie, { role: 'manager' })
  const payroll = await as(tg.app, tg.owner, 'POST', '/api/conversations', {
    kind: 'channel',
    name: 'payroll',
    isPrivate: true,
    memberIds: [],
  })
  const payrollCode = await as(tg.app, manager, 'POST', '/api/telegram/groups/link-code', {
    conversationId: bodyOf<{ id: number }>(payroll).id,
  })
  t.equal(payrollCode.statusCode, 404, 'not a private channel the manager is not in')
  const board = bodyOf<{ id: number }[]>(await as(tg.app, tg.owner, 'GET', '/api/conversations')).find(
    (c) => (c as unknown as { kind: string }).kind === 'board',
  )
  const boardCode = await as(tg.app, tg.owner, 'POST', '/api/telegram/groups/link-code', { conversationId: board?.id })
  t.equal(boardCode.statusCode, 400, 'the board cannot be linked to a group')

  // The app to the group.
  await send(tg.app, tg.owner, channelId, 'Delivery is here, who can help?')
  const inGroup = await botMessagesIn(tg.fake, group.id, 2)
  t.match(inGroup.at(-1)?.text, /Olive Owner\nDelivery is here, who can help\?/)
  t.notMatch(JSON.stringify(inGroup.at(-1)?.reply_markup ?? {}), /shop\.example\.org/, 'no link to the app for guests')

  // A guest in the group writes: it shows in the channel with their Telegram name.
  olga.in(group).text('I can, in 5 minutes')
  // Anna (linked staff, in the channel) replies in the group: as herself, as a reply.
  annaHandle.in(group).reply(inGroup.at(-1) as { message_id: number }, 'Me too')
  await until(
    "Anna's reply to arrive",
    async () => (await historyOf(tg.app, tg.owner, channelId)).some((m) => m.body === 'Me too'),
    8000,
  )
  const history = await historyOf(tg.app, tg.owner, channelId)
  const guest = history.find((m) => m.body === 'I can, in 5 minutes')
  t.equal(guest?.author, null, 'a guest is not a member')
  t.same(guest?.guest, { name: 'Olga Guest' }, 'shown with their Telegram name')
  t.equal(guest?.via, 'telegram')
  const found = bodyOf<{ guestName: string | null; author: unknown }[]>(
    await as(tg.app, tg.owner, 'GET', '/api/search?q=minutes'),
  )
  t.same(
    found.map((hit) => [hit.author, hit.guestName]),
    [[null, 'Olga Guest']],
    'search shows the guest by name',
  )
  const annas = history.find((m) => m.body === 'Me too')
  t.equal(annas?.author?.id, anna.id, 'linked staff appear as themselves')
  t.equal(
    annas?.replyTo?.id,
    history.find((m) => m.body.startsWith('Delivery'))?.id,
    'a reply in the group is a reply in the app',
  )

  // What came from the group is not echoed back to it.
  await outboxDrained(tg.ctx)
  const echoed = tg.fake.botMessages(group.id).filter((m) => /Me too|I can, in 5/.test(m.text ?? ''))
  t.equal(echoed.length, 0, 'no echo')

  // Photos from a guest are stored like any other.
  olga.in(group).photo(Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex'), { caption: 'the van' })
  await until(
    "a guest's photo arrives",
    async () =>
      (await historyOf(tg.app, tg.owner, channelId)).some((m) => m.body === 'the van' && m.attachments.length === 1),
    8000,
  )

  // The guest gets nothing beyond the group: in a private chat, the stranger answer.
  olga.text('what else is going on in the shop?')
  olga.command('board')
  const privateAnswers = await botMessagesIn(tg.fake, olga.chat.id, 1)
  t.match(privateAnswers[0]?.text, /only talks to staff/)
  await outboxDrained(tg.ctx)
  t.equal(tg.fake.botMessages(olga.chat.id).length, 1, 'one polite answer, nothing else')

  // Joins and stickers in the group: nothing posted, nothing said. An update's effects and any
  // answer to it commit with the offset past it: once applied, nothing queued means nothing said.
  const beforeSticker = await lastOutboxId(tg.ctx)
  const historyBefore = (await historyOf(tg.app, tg.owner, channelId)).length
  tg.fake.userSends({
    message: {
      message_id: 9001,
      date: Math.floor(Date.now() / 1000),
      chat: group,
      from: olga.user,
      sticker: {
        file_id: 'sticker-1',
        file_unique_id: 's1',
        type: 'regular',
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
      },
    },
  } as never)
  const join = tg.fake.userSends({
    message: {
      message_id: 9002,
      date: Math.floor(Date.now() / 1000),
      chat: group,
      from: olga.user,
      new_chat_members: [olga.user],
    },
  } as never)
  await applied(tg.ctx, (join as TgUpdate).update_id)
  t.same(await outboxRowsFor(tg.ctx, group.id, beforeSticker), [], 'the bot says nothing to joins and stickers')
  t.equal((await historyOf(tg.app, tg.owner, channelId)).length, historyBefore, 'and posts nothing')

  // A group nobody linked: the bot stays silent there and posts nothing.
  const other = tg.fake.group({ title: 'Random group' })
  const beforeOther = await lastOutboxId(tg.ctx)
  const hello = olga.in(other).text('hello bot').update as TgUpdate
  await applied(tg.ctx, hello.update_id)
  t.same(await outboxRowsFor(tg.ctx, other.id, beforeOther), [], 'silent in unlinked groups')

  // Unlinking from the app: the group is told, nothing more is mirrored.
  t.equal((await as(tg.app, tg.owner, 'DELETE', `/api/telegram/groups/${group.id}`)).statusCode, 200)
  await outboxDrained(tg.ctx)
  const count = tg.fake.botMessages(group.id).length
  t.match(tg.fake.botMessages(group.id).at(-1)?.text, /no longer linked/)
  const afterUnlink = await lastOutboxId(tg.ctx)
  await send(tg.app, tg.owner, channelId, 'Not for the group any more')
  const stillHere = olga.in(group).text('still here?').update as TgUpdate
  await applied(tg.ctx, stillHere.update_id)
  t.same(await outboxRowsFor(tg.ctx, group.id, afterUnlink), [], 'nothing mirrored or answered after unlinking')
  await outboxDrained(tg.ctx)
  t.equal(tg.fake.botMessages(group.id).length, count, 'nothing more in the group')
  t.notOk(
    (await historyOf(tg.app, tg.owner, channelId)).some((m) => m.body === 'still here?'),
    'nothing taken in after unlinking',
  )
})
