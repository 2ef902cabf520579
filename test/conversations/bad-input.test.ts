import t from 'tap'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, createMember, setupOwner, startApp } from '../helpers/app'
import { as, boardIdOf, createChannel, lastEventId, newClientKey, send, type Method } from '../helpers/chat'

const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const sam = await createMember(app, owner.cookie, { username: 'sam' })
const boardId = await boardIdOf(app, owner)
const channel = await createChannel(app, owner, 'odd-inputs', { members: [sam] })
const message = await send(app, sam, channel, 'a message to poke at')
const notice = bodyOf<MessageView>(
  await as(app, owner, 'POST', '/api/notices', { title: 'Poke me', body: '', clientKey: newClientKey('poke') }),
)

const HTML = '<h1 onclick="x()">Hi</h1><script>alert(1)</script> **bold** _it_ [a](javascript:alert(1)) &lt;'

t.test('markdown and HTML in names, topics, titles and bodies are stored and returned verbatim as JSON', async (t) => {
  const created = await as(app, owner, 'POST', '/api/conversations', {
    kind: 'channel',
    name: HTML.slice(0, 60),
    topic: HTML,
    isPrivate: false,
  })
  t.equal(created.statusCode, 201)
  t.match(created.headers['content-type'], /^application\/json/)
  t.match(bodyOf(created), { name: HTML.slice(0, 60).trim(), topic: HTML })

  const posted = await as(app, owner, 'POST', '/api/notices', {
    title: HTML,
    body: HTML,
    clientKey: newClientKey('html'),
  })
  t.equal(posted.statusCode, 201)
  t.match(bodyOf(posted), { body: HTML, notice: { title: HTML } })
  const list = await as(app, sam, 'GET', '/api/notices')
  t.match(list.headers['content-type'], /^application\/json/)
  t.ok(
    bodyOf<{ notices: MessageView[] }>(list).notices.some((n) => n.notice?.title === HTML),
    'the title comes back as typed',
  )
  const edited = await as(app, sam, 'PATCH', `/api/messages/${message.id}`, { body: HTML })
  t.equal(bodyOf<MessageView>(edited).body, HTML)
  const row = await ctx.db.selectFrom('message').select('body').where('id', '=', message.id).executeTakeFirstOrThrow()
  t.equal(row.body, HTML, 'nothing is escaped or rendered on the way in')
})

t.test('no bad input to the board, chat, notice or file routes gives a 5xx or changes anything', async (t) => {
  const before = await lastEventId(ctx)
  const messageRows = await ctx.db.selectFrom('message').select('id').execute()
  const ids = ['0', '-1', '1.5', 'abc', '9007199254740993', '99999999', '%00', '1e3', "1'or'1'='1"]
  const bodies: unknown[] = [
    null,
    [],
    '"just a string"',
    '{"body": "x", ',
    42,
    { body: null },
    { body: ['x'], clientKey: newClientKey() },
    { body: 'x', clientKey: newClientKey(), replyToId: 'abc' },
    { body: 'x', clientKey: newClientKey(), replyToId: 2 ** 53 },
    { body: 'x', clientKey: newClientKey(), attachments: [{}] },
    { body: 'x', clientKey: newClientKey(), attachments: [{ fileId: -1 }] },
    { body: 'x', clientKey: newClientKey(), attachments: [{ location: { latitude: 'north', longitude: 0 } }] },
    { body: 'x', clientKey: newClientKey(), attachments: 'all of them' },
    `{"__proto__": {"isAdmin": true}, "body": "x", "clientKey": "${newClientKey('proto')}"}`,
    { constructor: { prototype: { isAdmin: true } }, body: 'x', clientKey: newClientKey() },
    { emoji: null, isOn: 'yes' },
    { emoji: '👍'.repeat(40), isOn: true },
    { lastReadId: 2 ** 60 },
    { lastReadId: '5' },
    { memberIds: 'everyone' },
    { memberIds: [0] },
    { kind: 'channel', name: 'x'.repeat(61), isPrivate: false },
    { kind: 'direct', memberIds: [] },
    { kind: 'board' },
    { title: null, body: '', clientKey: newClientKey() },
    { title: 'x', body: '', clientKey: newClientKey(), expiresAt: 'tomorrow' },
    { title: 'x', body: '', clientKey: newClientKey(), acknowledgeBy: -5 },
    { isPinned: 'no' },
  ]
  const routes: [Method, string][] = [
    ['POST', `/api/conversations/${channel}/messages`],
    ['POST', `/api/conversations/${boardId}/messages`],
    ['POST', '/api/conversations'],
    ['PATCH', `/api/conversations/${channel}`],
    ['POST', `/api/conversations/${channel}/members`],
    ['POST', `/api/conversations/${channel}/read`],
    ['PATCH', `/api/messages/${message.id}`],
    ['POST', `/api/messages/${message.id}/reactions`],
    ['POST', '/api/notices'],
    ['PATCH', `/api/notices/${notice.id}`],
    ['PUT', '/api/me/status'],
  ]
  const failures: string[] = []
  let count = 0
  for (const [method, url] of routes) {
    for (const payload of bodies) {
      // Strings are sent as raw JSON text (so `__proto__` survives); null as the JSON literal.
      const response = await as(app, sam, method, url, payload === null ? 'null' : payload, {
        'content-type': 'application/json',
      })
      count++
      const code = response.statusCode < 500 ? (bodyOf(response).code as string | undefined) : undefined
      if (response.statusCode < 400 || response.statusCode >= 500 || !code) {
        failures.push(
          `${method} ${url} ${JSON.stringify(payload)} → ${response.statusCode} ${response.body.slice(0, 100)}`,
        )
      }
    }
  }
  const idRoutes: [Method, (id: string) => string][] = [
    ['GET', (id) => `/api/conversations/${id}`],
    ['GET', (id) => `/api/conversations/${id}/messages`],
    ['POST', (id) => `/api/conversations/${id}/join`],
    ['POST', (id) => `/api/conversations/${id}/leave`],
    ['POST', (id) => `/api/conversations/${id}/archive`],
    ['DELETE', (id) => `/api/conversations/${channel}/members/${id}`],
    ['DELETE', (id) => `/api/messages/${id}`],
    ['POST', (id) => `/api/notices/${id}/acknowledge`],
    ['GET', (id) => `/api/notices/${id}/acknowledgements`],
    ['GET', (id) => `/api/files/${id}`],
    ['GET', (id) => `/api/files/${id}/thumbnail`],
  ]
  for (const [method, url] of idRoutes) {
    for (const id of ids) {
      const response = await as(app, sam, method, url(id))
      count++
      const code = response.statusCode < 500 ? (bodyOf(response).code as string | undefined) : undefined
      if (response.statusCode >= 500 || !code)
        failures.push(`${method} ${url(id)} → ${response.statusCode} ${response.body.slice(0, 100)}`)
    }
  }
  t.same(failures, [], `${count} bad requests, each a 4xx with a code`)
  const after = await ctx.db.selectFrom('message').select('id').execute()
  t.equal(after.length, messageRows.length, 'no message was stored')
  const events = await ctx.db.selectFrom('event').select('type').where('id', '>', before).execute()
  t.same(
    events.map((e) => e.type).filter((type) => type !== 'presence.changed'),
    [],
    'no event was emitted',
  )
})

t.test('NUL and lone surrogates in a body are kept as text and can be read and searched', async (t) => {
  const nul = await as(app, sam, 'POST', `/api/conversations/${channel}/messages`, {
    body: 'before\u0000after',
    clientKey: newClientKey('nul'),
  })
  t.equal(nul.statusCode, 201)
  t.equal(bodyOf<MessageView>(nul).body, 'before\u0000after', 'NUL is kept')
  for (const body of ['half \ud800 a pair', 'reversed \udc00\ud800 pair']) {
    const response = await as(app, sam, 'POST', `/api/conversations/${channel}/messages`, {
      body,
      clientKey: newClientKey('odd'),
    })
    t.equal(response.statusCode, 201, JSON.stringify(body))
    // UTF-8 on the wire cannot carry a lone surrogate; it arrives as U+FFFD.
    t.notMatch(bodyOf<MessageView>(response).body, /[\ud800-\udfff]/u, 'what is stored is well-formed text')
  }
  const history = await as(app, sam, 'GET', `/api/conversations/${channel}/messages`)
  t.equal(history.statusCode, 200)
  const search = await as(app, sam, 'GET', '/api/search?q=before')
  t.equal(search.statusCode, 200)
  t.equal(bodyOf<unknown[]>(search).length, 1)
  const aroundNotice = await as(app, sam, 'GET', `/api/conversations/${boardId}/messages?aroundId=${notice.id}`)
  t.equal(aroundNotice.statusCode, 200)
})
