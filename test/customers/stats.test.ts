/** The figures count requests, not people: a customer back after the quiet period counts again. */
import t from 'tap'
import { bodyOf } from '../helpers/app'
import { as } from '../helpers/chat'
import { botMessagesIn, startTelegramApp, until } from '../helpers/telegram'

t.test('requests, customers, replies and the first-reply time', { timeout: 40_000 }, async (t) => {
  const tg = await startTelegramApp(t)
  await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  await as(tg.app, tg.owner, 'PATCH', '/api/customers/settings', { episodeAfterDays: 1 })
  const maria = tg.fake.user({ id: 7101, first_name: 'Maria' })
  const bob = tg.fake.user({ id: 7102, first_name: 'Bob' })
  maria.text('The card reader is offline')
  await botMessagesIn(tg.fake, maria.chat.id, 1)
  const [item] = bodyOf<{ items: { conversationId: number }[] }>(
    await as(tg.app, tg.owner, 'GET', '/api/customers'),
  ).items
  tg.clock.advance(60_000)
  const reply = await as(tg.app, tg.owner, 'POST', `/api/conversations/${item?.conversationId}/messages`, {
    body: 'Restart it, please',
    clientKey: 'stats-reply-1',
  })
  t.equal(reply.statusCode, 201)
  await as(tg.app, tg.owner, 'POST', `/api/conversations/${item?.conversationId}/messages`, {
    body: 'an internal note is not a reply',
    clientKey: 'stats-note-1',
    isInternal: true,
  })
  tg.clock.advance(2 * 86_400_000)
  maria.text('Offline again')
  bob.text('Do you sell printer paper?')
  type Stats = { requests: number; customers: number; messagesIn: number; repliesOut: number; answered: number }
  let stats = {} as Stats & { firstReplyMedianMs: number | null }
  await until('both customers to be counted', async () => {
    stats = bodyOf(await as(tg.app, tg.owner, 'GET', '/api/customers/stats?days=7'))
    return stats.messagesIn === 3
  })
  t.match(stats, { requests: 3, customers: 2, messagesIn: 3, repliesOut: 1, answered: 1 })
  t.ok(stats.firstReplyMedianMs !== null && stats.firstReplyMedianMs >= 60_000 && stats.firstReplyMedianMs < 70_000)
  const bad = await as(tg.app, tg.owner, 'GET', '/api/customers/stats?days=0')
  t.equal(bad.statusCode, 400, 'a period of no days is refused')
})

t.test('the inbox finds a customer by name, username, phone and reference', { timeout: 40_000 }, async (t) => {
  const tg = await startTelegramApp(t)
  await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  const maria = tg.fake.user({ id: 7201, first_name: 'Maria', last_name: 'Kovacs', username: 'mariak' })
  const tom = tg.fake.user({ id: 7202, first_name: 'Tom', last_name: 'Berg' })
  maria.text('Hello')
  tom.text('Hi')
  await botMessagesIn(tg.fake, tom.chat.id, 1)
  await botMessagesIn(tg.fake, maria.chat.id, 1)
  const names = async (q: string) =>
    bodyOf<{ items: { name: string }[] }>(
      await as(tg.app, tg.owner, 'GET', `/api/customers?filter=all&q=${encodeURIComponent(q)}`),
    ).items.map((item) => item.name)
  t.same(await names('kov'), ['Maria Kovacs'], 'by name')
  t.same(await names('mariak'), ['Maria Kovacs'], 'by username')
  t.same(await names('C-00002'), ['Tom Berg'], 'by reference')
  t.same(await names('c2'), ['Tom Berg'], 'by reference, loosely typed')
  t.same((await names('')).sort(), ['Maria Kovacs', 'Tom Berg'], 'everyone with no search')
  t.same(await names('100%_'), [], 'wildcards are searched as text')
})
