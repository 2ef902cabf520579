import t from 'tap'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, boardIdOf, createChannel, newClientKey, openDirect, send, upload } from '../helpers/chat'

const { app, clock, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [sam, sid, ola] = (await Promise.all([
  createMember(app, owner.cookie, { username: 'sam' }),
  createMember(app, owner.cookie, { username: 'sid' }),
  createMember(app, owner.cookie, { username: 'ola' }),
])) as [SignedInMember, SignedInMember, SignedInMember]
const boardId = await boardIdOf(app, owner)
const open = await createChannel(app, owner, 'general', { members: [sam, sid, ola] })
const secret = await createChannel(app, owner, 'buyers', { isPrivate: true, members: [sam] })
const direct = await openDirect(app, sam, [sid])

interface Hit {
  messageId: number
  conversationId: number
  conversationName: string
  conversationKind: string
  author: { id: number } | null
  createdAt: number
  kind: string
  snippet: string
}

function searchRequest(member: SignedInMember, query: string) {
  return as(app, member, 'GET', `/api/search?${query}`)
}

async function search(member: SignedInMember, query: string): Promise<Hit[]> {
  const response = await searchRequest(member, query)
  if (response.statusCode !== 200) throw new Error(`search ${query}: ${response.statusCode} ${response.body}`)
  return bodyOf<Hit[]>(response)
}

const q = (text: string) => `q=${encodeURIComponent(text)}`

const early = clock.now()
const pallet = await send(app, sam, open, 'The pallet of compost is blocking the fire exit')
clock.advance(3_600_000)
const middle = clock.now()
const secretHit = await send(app, sam, secret, 'compost supplier wants a discount')
const directHit = await send(app, sam, direct, 'compost delivery is late again')
clock.advance(3_600_000)
const late = clock.now()
const byOla = await send(app, ola, open, 'More compost arrived')
const pdf = await upload(app, ola, Buffer.from('%PDF-1.4\n% a tiny pdf\n'), 'Invoice-Greenfields-March.pdf')
const withFile = await send(app, ola, open, 'see attached', { attachments: [{ fileId: pdf.id }] })
const notice = await as(app, owner, 'POST', '/api/notices', {
  title: 'Sprinkler inspection on Thursday',
  body: 'Keep the aisles clear',
  clientKey: newClientKey('notice'),
})
const noticeId = bodyOf<{ id: number }>(notice).id

t.test('finds words in bodies by prefix, with the match marked in the snippet', async (t) => {
  const hits = await search(sam, q('compo'))
  t.ok(
    hits.some((h) => h.messageId === pallet.id),
    'a prefix finds the word',
  )
  const hit = hits.find((h) => h.messageId === pallet.id) as Hit
  t.match(hit, {
    conversationId: open,
    conversationName: 'general',
    conversationKind: 'channel',
    author: { id: sam.id },
    kind: 'text',
  })
  t.ok(
    hit.snippet.includes('\u0002compost\u0003'),
    `the matched word is wrapped in \\u0002 … \\u0003: ${JSON.stringify(hit.snippet)}`,
  )
  const two = await search(sam, q('pallet exit'))
  t.same(
    two.map((h) => h.messageId),
    [pallet.id],
    'every word must match',
  )
  t.same(await search(sam, q('pallet spaceship')), [], 'a word that is nowhere gives no hits')
  t.ok((await search(sam, q('COMPOST'))).length >= 3, 'case does not matter')
})

t.test('finds notice titles and attachment names', async (t) => {
  const titleHits = await search(sid, q('sprinkl'))
  t.same(
    titleHits.map((h) => h.messageId),
    [noticeId],
  )
  t.equal(titleHits[0]?.kind, 'notice')
  t.equal(titleHits[0]?.conversationId, boardId)
  t.ok(titleHits[0]?.snippet.includes('\u0002Sprinkler\u0003'), 'the title match is marked')
  const nameHits = await search(sam, q('greenfie'))
  t.same(
    nameHits.map((h) => h.messageId),
    [withFile.id],
    'an attachment name is searchable',
  )
  t.ok(nameHits[0]?.snippet.includes('\u0002Greenfields\u0003'), 'the name match is marked')
})

t.test('a non-member never gets a hit from a private channel or a direct conversation', async (t) => {
  const olaHits = (await search(ola, q('compost'))).map((h) => h.messageId)
  t.ok(olaHits.includes(pallet.id) && olaHits.includes(byOla.id), 'ola finds what is in her channel')
  t.notOk(olaHits.includes(secretHit.id), 'but not the private channel')
  t.notOk(olaHits.includes(directHit.id), 'nor the direct conversation')
  t.same(await search(ola, q('supplier discount')), [])
  t.same(await search(ola, `${q('compost')}&conversationId=${secret}`), [], 'asking for the conversation does not help')
  const sidHits = (await search(sid, q('compost'))).map((h) => h.messageId)
  t.ok(sidHits.includes(directHit.id), 'sid finds the direct conversation he is in')
  t.notOk(sidHits.includes(secretHit.id))
  const samDirect = (await search(sam, q('delivery'))).find((h) => h.messageId === directHit.id)
  t.equal(samDirect?.conversationName, 'sid Person', 'a direct conversation is named after the other person')

  await as(app, owner, 'DELETE', `/api/conversations/${secret}/members/${sam.id}`)
  t.notOk(
    (await search(sam, q('compost'))).some((h) => h.messageId === secretHit.id),
    'once removed from a channel its messages are no longer found',
  )
  await as(app, owner, 'POST', `/api/conversations/${secret}/members`, { memberIds: [sam.id] })
})

t.test('filters: conversation, author, attachment, time range', async (t) => {
  const inOpen = await search(sam, `${q('compost')}&conversationId=${open}`)
  t.same(inOpen.map((h) => h.messageId).sort(), [pallet.id, byOla.id].sort())
  const byAuthor = await search(sam, `${q('compost')}&authorId=${ola.id}`)
  t.same(
    byAuthor.map((h) => h.messageId),
    [byOla.id],
  )
  const attached = await search(sam, `${q('see')}&hasAttachment=true`)
  t.same(
    attached.map((h) => h.messageId),
    [withFile.id],
  )
  t.same(await search(sam, `${q('greenfields')}&hasAttachment=false`), [])
  const fromMiddle = (await search(sam, `${q('compost')}&from=${middle}`)).map((h) => h.messageId).sort()
  t.same(fromMiddle, [secretHit.id, directHit.id, byOla.id].sort(), 'from is inclusive')
  const beforeLate = (await search(sam, `${q('compost')}&from=${early}&to=${late}`)).map((h) => h.messageId).sort()
  t.same(beforeLate, [pallet.id, secretHit.id, directHit.id].sort(), 'to is exclusive')
  t.equal((await search(sam, `${q('compost')}&limit=1`)).length, 1)
})

t.test('a query of only punctuation is 400 invalid_query', async (t) => {
  for (const text of ['!!!', '   ', '"*"', '-:-', '()', '...']) {
    const response = await searchRequest(sam, q(text))
    t.equal(response.statusCode, 400, JSON.stringify(text))
    t.equal(bodyOf(response).code, 'invalid_query')
  }
  const empty = await searchRequest(sam, 'q=')
  t.equal(empty.statusCode, 400)
  t.equal(bodyOf(empty).code, 'invalid_request')
  const missing = await searchRequest(sam, '')
  t.equal(missing.statusCode, 400)
  t.equal(bodyOf(missing).code, 'invalid_request')
  const tooLong = await searchRequest(sam, q('a'.repeat(201)))
  t.equal(tooLong.statusCode, 400)
  t.equal(bodyOf(tooLong).code, 'invalid_request')
})

t.test('FTS syntax in a query never causes a 500', async (t) => {
  const nasty = [
    '"compost',
    'compost"',
    '""',
    'compost NEAR pallet',
    'NEAR(compost pallet, 2)',
    'compost*',
    '*compost',
    '-compost',
    'compost -pallet',
    'body:compost',
    'title:sprinkler',
    '{title body}: compost',
    'compost AND OR NOT',
    'NOT compost',
    '^compost',
    'compost + pallet',
    "compost'; drop table message; --",
    '(compost',
    'com\u0000post',
    '\u0002compost\u0003',
    'ｃｏｍｐｏｓｔ',
    '🌱 compost',
    'compost '.repeat(30),
  ]
  for (const text of nasty) {
    const response = await searchRequest(sam, q(text))
    t.ok(response.statusCode < 500, `${JSON.stringify(text).slice(0, 40)} → ${response.statusCode}`)
    const isAnswered =
      response.statusCode === 200 || ['invalid_query', 'invalid_request'].includes(bodyOf(response).code as string)
    t.ok(isAnswered, `answers or says the query is invalid: ${response.body.slice(0, 120)}`)
  }
  const near = await search(sam, q('compost NEAR pallet'))
  t.same(
    near.map((h) => h.messageId),
    [],
    'NEAR is a plain word, not an operator (no message contains "near")',
  )
  const quoted = await search(sam, q('"compost" pallet'))
  t.same(
    quoted.map((h) => h.messageId),
    [pallet.id],
    'quotes are ignored',
  )
  const wide = await search(sam, q('ｃｏｍｐｏｓｔ'))
  t.ok(
    wide.some((h) => h.messageId === pallet.id),
    'full-width letters are normalised',
  )
  const column = await search(sam, q('body:compost'))
  t.same(column, [], 'a column filter is treated as words ("body" and "compost")')
})

t.test('bad filter values are 400 invalid_request, not 500', async (t) => {
  for (const query of [
    'q=x&conversationId=abc',
    'q=x&from=-1',
    'q=x&limit=0',
    'q=x&limit=101',
    'q=x&hasAttachment=maybe',
    'q=x&other=1',
  ]) {
    const response = await searchRequest(sam, query)
    t.equal(response.statusCode, 400, query)
    t.equal(bodyOf(response).code, 'invalid_request')
  }
})
