/**
 * Asking Xero and sharing the answers, through the real app and a loopback Xero: the asker's
 * own Xero conversation, `@xero` in a channel, the permission matrix (a colleague without
 * xero.read sees a shared card but cannot refresh, open or ask, and finds it in search only
 * where it was shared), personal details hidden unless the sharer includes them, refresh
 * replacing every snapshot, and the audit trail (questions, not figures).
 */
import t, { type Test } from 'tap'
import type { MessageView } from '../../server/shared/events'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember, type StartedApp } from '../helpers/app'
import { as, conversationsOf, createChannel, eventually, historyOf, send } from '../helpers/chat'
import { startXeroIdentity, type ApiCall, type XeroIdentityFake } from '../helpers/xero-identity'

const CLIENT_ID = 'CARDSCLIENTID0001'
const CLIENT_SECRET = 'cards-secret-4d2f9a11'

interface Books {
  outstanding: number
}

/** A small organisation: one customer with contact details, one invoice. */
function books(state: Books) {
  const contact = () => ({
    ContactID: 'c-acme',
    Name: 'Acme Trading',
    EmailAddress: 'accounts@acme-trading.test',
    Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '5550 1234', PhoneAreaCode: '020', PhoneCountryCode: '44' }],
    Addresses: [],
    ContactStatus: 'ACTIVE',
    IsCustomer: true,
    Balances: {
      AccountsReceivable: { Outstanding: state.outstanding, Overdue: 300 },
      AccountsPayable: { Outstanding: 0, Overdue: 0 },
    },
  })
  const invoice = () => ({
    InvoiceID: 'i-42',
    InvoiceNumber: 'INV-0042',
    Type: 'ACCREC',
    Status: 'AUTHORISED',
    Contact: { ContactID: 'c-acme', Name: 'Acme Trading' },
    Date: '2026-11-20T00:00:00',
    DueDate: '2026-11-30T00:00:00',
    Total: 1240,
    AmountDue: state.outstanding,
    AmountPaid: 1240 - state.outstanding,
    CurrencyCode: 'GBP',
    LineItems: [{ Description: 'Widgets', Quantity: 10, UnitAmount: 124, LineAmount: 1240 }],
  })
  return (call: ApiCall) => {
    if (call.path === 'Organisation') {
      return {
        status: 200,
        body: { Organisations: [{ Name: 'Corner Hardware Ltd', BaseCurrency: 'GBP', ShortCode: '!abc' }] },
      }
    }
    if (call.path.startsWith('Contacts')) return { status: 200, body: { Contacts: [contact()] } }
    if (call.path.startsWith('Invoices')) return { status: 200, body: { Invoices: [invoice()] } }
    return null
  }
}

interface Setup {
  started: StartedApp
  fake: XeroIdentityFake
  owner: SignedInMember
  reader: SignedInMember
  staff: SignedInMember
  outsider: SignedInMember
  channelId: number
  state: Books
}

async function setup(t: Test, connect = true): Promise<Setup> {
  let started: StartedApp | null = null
  const fake = await startXeroIdentity(() => (started ? started.clock.now() : Date.now()))
  started = await startApp({ env: { XERO_IDENTITY_BASE: fake.url, XERO_API_BASE: fake.url } })
  t.teardown(async () => {
    await started?.close()
    await fake.close()
  })
  const app = started.app
  const owner = await setupOwner(app)
  const [reader, staff, outsider] = (await Promise.all([
    createMember(app, owner.cookie, { username: 'rita' }),
    createMember(app, owner.cookie, { username: 'sam' }),
    createMember(app, owner.cookie, { username: 'otto' }),
  ])) as [SignedInMember, SignedInMember, SignedInMember]
  const granted = await as(app, owner, 'PUT', `/api/members/${reader.id}/access`, { permissions: ['xero.read'] })
  if (granted.statusCode !== 200) throw new Error(`grant: ${granted.body}`)
  const channelId = await createChannel(app, owner, 'front', { members: [reader, staff] })
  const state = { outstanding: 1240 }
  fake.addCustomApp(CLIENT_ID, CLIENT_SECRET)
  fake.api = books(state)
  if (connect) {
    const connected = await as(app, owner, 'PUT', '/api/xero/connection', {
      kind: 'custom',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    })
    if (connected.statusCode !== 200) throw new Error(`connect: ${connected.body}`)
  }
  return { started, fake, owner, reader, staff, outsider, channelId, state }
}

type Card = {
  id: number
  question: string
  body: { title: string; subtitle: string; figures: { label: string; value: string }[]; note: string }
  hasPersonalDetails: boolean
}

const cardJson = (card: unknown) => JSON.stringify(card)

t.test('the asker gets a card, kept in their own Xero conversation', async (t) => {
  const s = await setup(t)
  const app = s.started.app
  const asked = await as(app, s.reader, 'POST', '/api/xero/ask', { text: 'invoice INV-0042' })
  t.equal(asked.statusCode, 200, asked.body)
  const card = bodyOf<{ card: Card }>(asked).card
  t.match(cardJson(card.body), /INV-0042/, 'the card is about the invoice asked for')
  t.equal(card.question.toLowerCase().includes('inv-0042'), true)

  const own = bodyOf<{ conversationId: number }>(await as(app, s.reader, 'GET', '/api/xero/conversation'))
  const again = bodyOf<{ conversationId: number }>(await as(app, s.reader, 'GET', '/api/xero/conversation'))
  t.equal(again.conversationId, own.conversationId, 'one Xero conversation per member')
  const list = await conversationsOf(app, s.reader)
  t.ok(
    list.some((c) => c.id === own.conversationId && c.kind === 'xero' && c.name === 'Xero'),
    'it is in the chat list as Xero',
  )
  const history = await historyOf(app, s.reader, own.conversationId)
  t.same(
    history.map((m) => m.kind),
    ['text', 'card'],
    'the question, then the answer',
  )
  const answer = history[1]!
  t.equal(answer.card?.cardId, card.id)
  t.equal(answer.card?.sharedBy, null, 'the private answer has no sharer')
  t.equal(answer.card?.isRedacted, false)

  // Nobody else is in it.
  const otherList = await conversationsOf(app, s.owner)
  t.notOk(
    otherList.some((c) => c.id === own.conversationId),
    'the owner does not see Rita’s Xero chat',
  )
  t.equal((await as(app, s.staff, 'GET', `/api/conversations/${own.conversationId}/messages`)).statusCode, 404)

  const audit = await s.started.ctx.db.selectFrom('audit').selectAll().where('action', '=', 'xero.asked').execute()
  t.equal(audit.length, 1, 'the question is audited')
  t.notMatch(audit[0]!.detail ?? '', /1,?240/, 'the audit line holds the question, not the figures')
})

t.test('a text in the Xero conversation and @xero in a channel are answered after the commit', async (t) => {
  const s = await setup(t)
  const app = s.started.app
  const own = bodyOf<{ conversationId: number }>(await as(app, s.reader, 'GET', '/api/xero/conversation'))
  await send(app, s.reader, own.conversationId, 'contact Acme')
  await eventually(
    async () => (await historyOf(app, s.reader, own.conversationId)).some((m) => m.kind === 'card'),
    5000,
    20,
    'the answer in the Xero conversation',
  )
  const privateAnswer = (await historyOf(app, s.reader, own.conversationId)).find((m) => m.kind === 'card')!
  t.match(cardJson(privateAnswer.card?.body), /accounts@acme-trading\.test/, 'the asker sees the email')

  await send(app, s.reader, s.channelId, '@xero contact Acme')
  await eventually(
    async () => (await historyOf(app, s.staff, s.channelId)).some((m) => m.kind === 'card'),
    5000,
    20,
    'the answer in the channel',
  )
  const shared = (await historyOf(app, s.staff, s.channelId)).find((m) => m.kind === 'card')!
  t.equal(shared.card?.sharedBy?.id, s.reader.id, 'shared by the asker')
  t.equal(shared.card?.isRedacted, true)
  t.notMatch(cardJson(shared), /acme-trading\.test/, 'no email in a channel')
  t.notMatch(cardJson(shared), /5550/, 'no phone number in a channel')

  // "@xero" from someone who may not ask: no answer, and the refusal is audited.
  await send(app, s.staff, s.channelId, '@xero who owes us')
  await s.started.ctx.db.selectFrom('xero_question').selectAll().execute()
  await eventually(
    async () =>
      (await s.started.ctx.db.selectFrom('audit').select('action').where('action', '=', 'xero.denied').execute())
        .length > 0,
    5000,
    20,
    'the denial',
  )
  const cards = (await historyOf(app, s.staff, s.channelId)).filter((m) => m.kind === 'card')
  t.equal(cards.length, 1, 'nothing answered Sam')
  const pending = await s.started.ctx.db
    .selectFrom('xero_question')
    .selectAll()
    .where('answered_at', 'is', null)
    .execute()
  t.equal(pending.length, 0, 'no question is left waiting')
})

t.test('share, see but not drill', async (t) => {
  const s = await setup(t)
  const app = s.started.app
  const card = bodyOf<{ card: Card }>(await as(app, s.reader, 'POST', '/api/xero/ask', { text: 'contact Acme' })).card
  t.equal(card.hasPersonalDetails, true, 'the contact card has details a share would hide')

  // Only a conversation the sharer can write in; never without xero.read.
  t.equal(
    (await as(app, s.staff, 'POST', `/api/xero/cards/${card.id}/share`, { conversationId: s.channelId })).statusCode,
    403,
  )
  const foreign = await createChannel(app, s.owner, 'office', { isPrivate: true, members: [] })
  t.equal(
    (await as(app, s.reader, 'POST', `/api/xero/cards/${card.id}/share`, { conversationId: foreign })).statusCode,
    404,
    'not into a private channel the sharer is not in',
  )
  t.equal(
    (await as(app, s.reader, 'POST', `/api/xero/cards/999999/share`, { conversationId: s.channelId })).statusCode,
    404,
  )

  const sharedRes = await as(app, s.reader, 'POST', `/api/xero/cards/${card.id}/share`, { conversationId: s.channelId })
  t.equal(sharedRes.statusCode, 201, sharedRes.body)
  const { messageId } = bodyOf<{ messageId: number }>(sharedRes)
  const seen = (await historyOf(app, s.staff, s.channelId)).find((m) => m.id === messageId) as MessageView
  t.equal(seen.kind, 'card')
  t.equal(seen.card?.sharedBy?.username, 'rita', 'Sam sees who shared it')
  t.ok(seen.card?.sharedAt)
  t.notMatch(cardJson(seen), /acme-trading\.test|5550/, 'personal details hidden by default')
  t.match(cardJson(seen.card?.body), /Acme Trading/, 'the rest of the card is there')

  // Sam may look but not dig.
  const refresh = await as(app, s.staff, 'POST', `/api/xero/cards/${card.id}/refresh`)
  t.equal(refresh.statusCode, 403)
  t.equal(bodyOf<{ code: string }>(refresh).code, 'xero_forbidden')
  t.equal((await as(app, s.staff, 'GET', `/api/xero/cards/${card.id}`)).statusCode, 403, 'no opening the card itself')
  const ask = await as(app, s.staff, 'POST', '/api/xero/ask', { text: 'contact Acme' })
  t.equal(bodyOf<{ code: string }>(ask).code, 'xero_forbidden', 'no follow-up questions')
  t.equal((await as(app, s.staff, 'GET', '/api/xero/conversation')).statusCode, 403)

  // Search: the shared snapshot, only where it can be read.
  const found = bodyOf<{ messageId: number }[]>(await as(app, s.staff, 'GET', '/api/search?q=Acme'))
  t.ok(
    found.some((r) => r.messageId === messageId),
    'Sam finds the shared card',
  )
  const outsider = bodyOf<{ messageId: number }[]>(await as(app, s.outsider, 'GET', '/api/search?q=Acme'))
  t.same(outsider, [], 'Otto, not in the channel, finds nothing from Xero')
  const byEmail = bodyOf<unknown[]>(await as(app, s.staff, 'GET', '/api/search?q=acme-trading.test'))
  t.same(byEmail, [], 'hidden details are not searchable either')

  // Included on purpose: the sharer's choice.
  const withDetails = await as(app, s.reader, 'POST', `/api/xero/cards/${card.id}/share`, {
    conversationId: s.channelId,
    includePersonal: true,
  })
  const detailed = (await historyOf(app, s.staff, s.channelId)).find(
    (m) => m.id === bodyOf<{ messageId: number }>(withDetails).messageId,
  )!
  t.equal(detailed.card?.isRedacted, false)
  t.match(cardJson(detailed.card?.body), /accounts@acme-trading\.test/)

  const actions = (await s.started.ctx.db.selectFrom('audit').select('action').execute()).map((a) => a.action)
  t.ok(actions.includes('xero.shared'), 'shares are audited')
  t.ok(actions.filter((a) => a === 'xero.denied').length >= 4, 'each refusal is audited')
})

t.test('refresh asks again and every snapshot follows', async (t) => {
  const s = await setup(t)
  const app = s.started.app
  const card = bodyOf<{ card: Card }>(
    await as(app, s.reader, 'POST', '/api/xero/ask', { text: 'invoice INV-0042' }),
  ).card
  const { messageId } = bodyOf<{ messageId: number }>(
    await as(app, s.reader, 'POST', `/api/xero/cards/${card.id}/share`, { conversationId: s.channelId }),
  )
  const before = (await historyOf(app, s.staff, s.channelId)).find((m) => m.id === messageId)!
  s.state.outstanding = 0
  s.started.clock.advance(120_000) // past the client's short cache
  const refreshed = await as(app, s.reader, 'POST', `/api/xero/cards/${card.id}/refresh`)
  t.equal(refreshed.statusCode, 200, refreshed.body)
  const after = (await historyOf(app, s.staff, s.channelId)).find((m) => m.id === messageId)!
  t.ok(after.card!.asOf > before.card!.asOf, 'the snapshot has a new as-of time')
  t.not(cardJson(after.card?.body), cardJson(before.card?.body), 'and the new figures')
  const updates = await s.started.ctx.db
    .selectFrom('event')
    .select('payload')
    .where('type', '=', 'message.updated')
    .execute()
  t.ok(
    updates.some((u) => (JSON.parse(u.payload) as { message: { id: number } }).message.id === messageId),
    'clients learn of it live',
  )
})

t.test('Xero not connected, and bad input', async (t) => {
  const s = await setup(t, false)
  const app = s.started.app
  const res = await as(app, s.reader, 'POST', '/api/xero/ask', { text: 'help' })
  t.equal(res.statusCode, 409)
  t.equal(bodyOf<{ code: string }>(res).code, 'xero_not_connected')
  t.equal((await as(app, s.reader, 'POST', '/api/xero/ask', { text: '' })).statusCode, 400)
  t.equal((await as(app, s.reader, 'POST', '/api/xero/ask', { text: 42 })).statusCode, 400)
  t.equal((await as(app, s.reader, 'POST', '/api/xero/ask', { text: 'x'.repeat(501) })).statusCode, 400)
  t.equal((await as(app, s.reader, 'POST', '/api/xero/cards/abc/refresh')).statusCode, 400)
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/xero/ask',
        headers: { cookie: s.reader.cookie, 'content-type': 'application/json' },
        payload: '{"text":',
      })
    ).statusCode,
    400,
  )
  // The owner's settings: only settings.manage, and alerts only to the board or a channel.
  t.equal((await as(app, s.reader, 'GET', '/api/xero/settings')).statusCode, 403)
  const own = bodyOf<{ conversationId: number }>(await as(app, s.reader, 'GET', '/api/xero/conversation'))
  t.equal(
    (await as(app, s.owner, 'PUT', '/api/xero/settings', { alertsConversationId: s.channelId, digestHour: 8 }))
      .statusCode,
    200,
  )
  t.equal((await as(app, s.owner, 'PUT', '/api/xero/settings', { digestHour: 24 })).statusCode, 400)
  t.equal(
    (await as(app, s.owner, 'PUT', '/api/xero/settings', { alertsConversationId: own.conversationId })).statusCode,
    404,
  )
  const settings = bodyOf<{ alertsConversationId: number; digestHour: number }>(
    await as(app, s.owner, 'GET', '/api/xero/settings'),
  )
  t.same([settings.alertsConversationId, settings.digestHour], [s.channelId, 8])
  const usage = bodyOf<{ remainingToday: number }>(await as(app, s.owner, 'GET', '/api/xero/usage'))
  t.equal(usage.remainingToday, 5000)
})
