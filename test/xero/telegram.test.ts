/**
 * `/xero` through the Telegram fake and the loopback Xero: a linked member who may read Xero
 * gets the card in their private chat (kept and audited like any question); a pick-list comes
 * as buttons that ask the choice; a draft comes with Confirm, which makes one draft however
 * often it is pressed; members without xero.read are refused (audited) without a call to
 * Xero; in a group the bot only says to ask privately.
 */
import t, { type Test } from 'tap'
import { bodyOf } from '../helpers/app'
import { as, createChannel } from '../helpers/chat'
import { botMessagesIn, link, outboxDrained, until, type TelegramApp } from '../helpers/telegram'
import type { TgMessage } from '../helpers/telegram-fake'
import { staffWith, startBooksApp, xeroAudit, xeroSettings } from './fake-books'

const bounded = { timeout: 60_000 }

async function setup(t: Test) {
  const s = await startBooksApp(t, { telegram: true })
  const tg = s.tg as TelegramApp
  s.books.addInvoice('INV-0042', 'c-acme-trading', { due: '2026-11-20', total: 1240 })
  s.books.addInvoice('INV-0043', 'c-acme-hire', { due: '2026-12-20', total: 99 })
  const rita = await staffWith(s, 'rita', ['xero.read'])
  const sam = await staffWith(s, 'sam', [])
  const ritaHandle = tg.fake.user({ id: 6001, first_name: 'Rita' })
  const samHandle = tg.fake.user({ id: 6002, first_name: 'Sam' })
  await link(tg, rita, ritaHandle)
  await link(tg, sam, samHandle)
  return { ...s, tg, rita, sam, ritaHandle, samHandle }
}

/** Runs `act`, then waits for the bot's next message in the chat whose text matches. */
async function botSays(tg: TelegramApp, chatId: number, pattern: RegExp, act: () => unknown): Promise<TgMessage> {
  const before = tg.fake.botMessages(chatId).length
  act()
  let found: TgMessage | undefined
  await until(`the bot to say ${pattern}`, () => {
    found = tg.fake
      .botMessages(chatId)
      .slice(before)
      .find((m) => pattern.test(m.text ?? ''))
    return found !== undefined
  })
  return found!
}

const buttonsOf = (message: TgMessage) =>
  (message.reply_markup?.inline_keyboard ?? []).flat().filter((b) => b.callback_data !== undefined)

t.test('/xero answers a member who may read Xero with the card, privately', bounded, async (t) => {
  const s = await setup(t)
  const answer = await botSays(s.tg, s.ritaHandle.chat.id, /INV-0042/, () =>
    s.ritaHandle.command('xero', 'invoice INV-0042'),
  )
  t.match(answer.text, /1,240\.00/, 'the card’s figures')
  t.match(answer.text, /Corner Hardware Ltd · as of/, 'the organisation and the time')
  t.ok(
    answer.entities?.some((e) => e.type === 'bold'),
    'formatted',
  )
  const asked = (await xeroAudit(s)).filter((e) => e.action === 'xero.asked')
  t.match(asked.at(-1)?.detail, { surface: 'telegram' }, 'audited like any question')
  t.ok(
    s.tg.fake.commands.size > 0 &&
      [...s.tg.fake.commands.values()].some((list) => list.some((c) => c.command === 'xero')),
    '/xero is in the command menu',
  )

  await botSays(s.tg, s.ritaHandle.chat.id, /Ask Xero in words/, () => s.ritaHandle.command('xero'))
})

t.test('a pick-list comes as buttons that ask the choice', bounded, async (t) => {
  const s = await setup(t)
  const choices = await botSays(s.tg, s.ritaHandle.chat.id, /Acme Hire/, () =>
    s.ritaHandle.command('xero', 'invoices for acme'),
  )
  const buttons = buttonsOf(choices)
  t.same(
    buttons.map((b) => b.text),
    ['Acme Trading', 'Acme Hire'],
  )
  const picked = await botSays(s.tg, s.ritaHandle.chat.id, /INV-0043/, () =>
    s.ritaHandle.press(choices, buttons[1]!.callback_data!),
  )
  t.notMatch(picked.text, /INV-0042/, 'the one picked')
})

t.test('members without xero.read are refused, audited, and Xero is not asked', bounded, async (t) => {
  const s = await setup(t)
  const calls = s.fake.apiCalls.length
  await botSays(s.tg, s.samHandle.chat.id, /Only staff who may read Xero can ask it\./, () =>
    s.samHandle.command('xero', 'who owes us'),
  )
  t.equal(s.fake.apiCalls.length, calls)
  const denied = (await xeroAudit(s)).filter((e) => e.action === 'xero.denied')
  t.same(denied.at(-1)?.detail, { what: 'telegram' })
})

t.test('in a group the bot says to ask privately, and nothing from Xero', bounded, async (t) => {
  const s = await setup(t)
  const channelId = await createChannel(s.tg.app, s.owner, 'floor', { members: [s.rita, s.sam] })
  const code = bodyOf<{ code: string }>(
    await as(s.tg.app, s.owner, 'POST', '/api/telegram/groups/link-code', { conversationId: channelId }),
  )
  const group = s.tg.fake.group({ title: 'Shop floor' })
  const guest = s.tg.fake.user({ id: 7001, first_name: 'Olga' })
  guest.in(group).command('link', code.code)
  await botMessagesIn(s.tg.fake, group.id, 1)
  const calls = s.fake.apiCalls.length
  await botSays(s.tg, group.id, /Ask me privately/, () => s.ritaHandle.in(group).command('xero', 'invoice INV-0042'))
  await outboxDrained(s.tg.ctx)
  t.notOk(
    s.tg.fake.botMessages(group.id).some((m) => /INV-0042|1,240/.test(m.text ?? '')),
    'no Xero data in the group',
  )
  t.equal(s.fake.apiCalls.length, calls, 'Xero was not asked')
})

t.test('a draft comes with Confirm, which makes one draft however often it is pressed', bounded, async (t) => {
  const s = await setup(t)
  await xeroSettings(s, { writes: true })
  const wendy = await staffWith(s, 'wendy', ['xero.read', 'xero.write'])
  const wendyHandle = s.tg.fake.user({ id: 6003, first_name: 'Wendy' })
  await link(s.tg, wendy, wendyHandle)
  const preview = await botSays(s.tg, wendyHandle.chat.id, /Draft invoice for Acme Trading/, () =>
    wendyHandle.command('xero', 'invoice Acme Trading 2 x widget at 15'),
  )
  t.match(preview.text, /nothing is in Xero until you confirm/)
  const [confirm] = buttonsOf(preview)
  t.match(confirm?.text, /Confirm/)
  t.same(s.books.writes, [], 'nothing in Xero yet')

  await botSays(s.tg, wendyHandle.chat.id, /created in Xero/, () => wendyHandle.press(preview, confirm!.callback_data!))
  wendyHandle.press(preview, confirm!.callback_data!)
  await until('the second press to be answered', () => s.tg.fake.callbackAnswers.size >= 2)
  await outboxDrained(s.tg.ctx)
  t.equal(s.books.creates().length, 1, 'one call to Xero')
  t.equal(s.books.drafts().length, 1, 'one draft')
  t.equal((await xeroAudit(s)).filter((e) => e.action === 'xero.draft_created').length, 1)

  // Rita may read but not write: her draft in words is refused in words.
  await botSays(s.tg, s.ritaHandle.chat.id, /Only members who may write to Xero/, () =>
    s.ritaHandle.command('xero', 'invoice Acme Trading 1 x widget at 15'),
  )
})
