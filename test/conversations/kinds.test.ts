/**
 * The message kind registry, through the real app: a kind registered on `ctx.kinds` gets its
 * field onto message views, its text into search and its private part kept from those it
 * refuses, without conversations/ naming it. The kind here exists only in this test.
 */
import t from 'tap'
import type { Actor } from '../../server/auth/actor'
import { Type } from 'typebox'
import type { KindField, MessageKinds } from '../../server/conversations/kinds'
import { insertMessage } from '../../server/conversations/messages-service'
import { listMessages } from '../../server/conversations/reading-service'
import { registerNoticeKind } from '../../server/notices/kind'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, createChannel, eventsAfter, lastEventId, send } from '../helpers/chat'

interface TestCard {
  label: string
  /** The private part: only the member it is for sees it. */
  secret: string | null
}

const registerTestCard = (kinds: MessageKinds) =>
  kinds.register({
    kind: 'card',
    // A field the wire contract does not have: the kind brings its schema along.
    field: 'testCard' as KindField,
    schema: Type.Object({ label: Type.String(), secret: Type.Union([Type.String(), Type.Null()]) }),
    hydrate: async (_db, rows) => {
      hydrated.push(rows.map((row) => row.id))
      return new Map(
        rows.flatMap((row) => {
          const card = cards.get(row.id)
          return card ? [[row.id, { label: card.label, secret: card.secret } as never]] : []
        }),
      )
    },
    searchText: (view) => (view as unknown as { testCard: TestCard }).testCard.label,
    private: {
      canSee: (viewer, row) => cards.get(row.id)?.forMemberId === viewer.member.id,
      strip: (value) => ({ ...(value as unknown as TestCard), secret: null }) as never,
    },
  })

const { app, ctx, close } = await startApp({ build: { cardKind: registerTestCard } })
t.teardown(close)
const owner = await setupOwner(app)
const [sam, sid] = (await Promise.all([
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
])) as [SignedInMember, SignedInMember]
const channelId = await createChannel(app, owner, 'yard', { members: [sam, sid] })

// The kind's own table, as a feature would keep one: here a map the hydrate reads.
const cards = new Map<number, { label: string; secret: string; forMemberId: number }>()
const hydrated: number[][] = []

async function actorFor(member: SignedInMember): Promise<Actor> {
  const row = await ctx.db.selectFrom('member').selectAll().where('id', '=', member.id).executeTakeFirstOrThrow()
  return { member: row, permissions: [], sessionId: 0, ip: '127.0.0.1' }
}

const cardOf = (view: MessageView | undefined) => (view as unknown as { testCard?: TestCard | null })?.testCard

/** Posts a message of the test kind the way a feature would: through insertMessage. */
async function postCard(label: string, secret: string, forMember: SignedInMember): Promise<MessageView> {
  const author = await actorFor(owner)
  return ctx.write(async (w) => {
    const conversation = await w.trx
      .selectFrom('conversation')
      .selectAll()
      .where('id', '=', channelId)
      .executeTakeFirstOrThrow()
    return insertMessage(ctx, w, {
      conversation,
      author: author.member,
      kind: 'card',
      body: 'Shared from the accounts',
      beforeEmit: async (messageId) => {
        cards.set(messageId, { label, secret, forMemberId: forMember.id })
      },
    })
  })
}

t.test('registering the same kind twice fails at start', async (t) => {
  t.throws(() => registerNoticeKind(ctx.kinds), /"notice" is registered twice/)
  t.throws(
    () => ctx.kinds.register({ kind: 'system', field: 'notice', schema: Type.Null(), hydrate: async () => new Map() }),
    /"notice" is owned by kind "notice"/,
    'nor may two kinds own one view field',
  )
})

t.test('a registered kind hydrates its field onto views, null on other messages', async (t) => {
  const before = await lastEventId(ctx)
  const posted = await postCard('Invoice INV-0427 from Greenfields', 'margin 31 percent', sam)
  t.match(cardOf(posted), { label: 'Invoice INV-0427 from Greenfields' }, 'the kind’s field on the new view')
  t.ok(
    hydrated.some((ids) => ids.includes(posted.id)),
    'the kind hydrated its own message',
  )
  const [created] = await eventsAfter(ctx, before, 'message.created')
  const payload = created?.data as { message: Record<string, unknown> }
  t.same(
    payload.message.testCard,
    { label: 'Invoice INV-0427 from Greenfields', secret: null },
    'the event carries the field without its private part',
  )
  t.equal(payload.message.notice, null, 'and the notice field stays null on a message of another kind')

  const text = await send(app, sid, channelId, 'Just a text')
  const history = await listMessages(ctx, await actorFor(sid), channelId, {})
  t.equal(cardOf(history.find((m) => m.id === text.id)), null, 'a text message carries the kind’s field as null')
  t.notOk(
    hydrated.some((ids) => ids.includes(text.id)),
    'the kind is never asked about messages of another kind',
  )
})

t.test('its private part reaches only those canSee allows', async (t) => {
  const posted = await postCard('Invoice INV-0512 from Hollis', 'overdue by 40 days', sam)
  const forSam = await listMessages(ctx, await actorFor(sam), channelId, {})
  const forSid = await listMessages(ctx, await actorFor(sid), channelId, {})
  t.same(cardOf(forSam.find((m) => m.id === posted.id)), {
    label: 'Invoice INV-0512 from Hollis',
    secret: 'overdue by 40 days',
  })
  t.same(
    cardOf(forSid.find((m) => m.id === posted.id)),
    { label: 'Invoice INV-0512 from Hollis', secret: null },
    'refused: the private part is stripped',
  )
  // Over the API too: the kind's field is on the wire without conversations/ naming it.
  const page = async (member: SignedInMember) =>
    bodyOf<{ messages: MessageView[] }>(await as(app, member, 'GET', `/api/conversations/${channelId}/messages`))
      .messages
  t.same(cardOf((await page(sam)).find((m) => m.id === posted.id)), {
    label: 'Invoice INV-0512 from Hollis',
    secret: 'overdue by 40 days',
  })
  t.same(
    cardOf((await page(sid)).find((m) => m.id === posted.id)),
    { label: 'Invoice INV-0512 from Hollis', secret: null },
    'and over the API the private part is stripped for those it refuses',
  )
})

t.test('search indexes what the kind gives it, and not its private part', async (t) => {
  const posted = await postCard('Invoice INV-0777 from Brambles', 'disputed quantity', sam)
  const search = async (member: SignedInMember, q: string) => {
    const response = await as(app, member, 'GET', `/api/search?q=${encodeURIComponent(q)}`)
    t.equal(response.statusCode, 200)
    return bodyOf<{ messageId: number; kind: string }[]>(response)
  }
  t.match(await search(sid, 'Brambles'), [{ messageId: posted.id, kind: 'card' }], 'found by its searchText')
  t.same(await search(sam, 'disputed'), [], 'its private text is not in the index, even for whom it is for')
})
