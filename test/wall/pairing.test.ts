/**
 * Pairing a wall display without a keyboard, what its session may and may not do, and
 * revoking it: against the real app and database, over HTTP and a real WebSocket.
 */
import t from 'tap'
import { bodyOf, cookieOf, createMember, listen, nextAddress, setupOwner, startApp } from '../helpers/app'
import { as, boardIdOf, createChannel, newClientKey, openDirect, send, tinyPng, upload } from '../helpers/chat'
import { openSocket } from '../helpers/socket'

const { app, clock, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app, { shopName: 'Corner Bakery' })
const manager = await createMember(app, owner.cookie, { role: 'manager', username: 'mona' })
const staff = await createMember(app, owner.cookie, { username: 'sam' })
const base = await listen(app)

interface Pairing {
  code: string
  pollToken: string
  expiresAt: number
  pairUrl: string
  qrSvg: string
}

async function startPairing(): Promise<Pairing> {
  const response = await app.inject({ method: 'POST', url: '/api/wall/pairings', remoteAddress: nextAddress() })
  if (response.statusCode !== 201) throw new Error(`pairing failed: ${response.statusCode} ${response.body}`)
  return bodyOf<Pairing>(response)
}

function poll(pollToken: string) {
  return app.inject({
    method: 'POST',
    url: '/api/wall/pairings/poll',
    remoteAddress: nextAddress(),
    payload: { pollToken },
  })
}

t.test('a screen pairs: it polls, a manager claims its code, and its next poll signs it in once', async (t) => {
  const pairing = await startPairing()
  t.match(pairing.code, /^[A-Z0-9]{6}$/, 'a six-character code to show')
  t.ok(pairing.pollToken.length >= 16, 'and a secret poll token to keep')
  t.ok(pairing.pairUrl.endsWith(`/pair/${pairing.code}`), 'the QR code links to the pairing page with the code')
  t.match(pairing.qrSvg, /^<svg[\s\S]*<\/svg>\s*$/, 'the QR code is an SVG')

  const waiting = await poll(pairing.pollToken)
  t.equal(waiting.statusCode, 200)
  t.equal(bodyOf(waiting).status, 'waiting', 'unclaimed: waiting')
  t.same(waiting.cookies, [], 'no session yet')

  const byStaff = await as(app, staff, 'POST', '/api/wall/pairings/claim', { code: pairing.code, name: 'Back wall' })
  t.equal(byStaff.statusCode, 403, 'staff cannot pair a display')
  const wrongCode = await as(app, manager, 'POST', '/api/wall/pairings/claim', { code: 'ZZZZZZ', name: 'Back wall' })
  t.equal(wrongCode.statusCode, 404)
  t.equal(bodyOf(wrongCode).code, 'pairing_not_found')
  const blankName = await as(app, manager, 'POST', '/api/wall/pairings/claim', { code: pairing.code, name: '   ' })
  t.equal(blankName.statusCode, 400, 'a display needs a name')

  const claimed = await as(app, manager, 'POST', '/api/wall/pairings/claim', {
    code: pairing.code.toLowerCase(),
    name: 'Back wall',
  })
  t.equal(claimed.statusCode, 201, 'a manager claims the code (in any case)')
  const display = bodyOf<{ id: number; name: string }>(claimed)
  t.equal(display.name, 'Back wall')

  const again = await as(app, manager, 'POST', '/api/wall/pairings/claim', { code: pairing.code, name: 'Twice' })
  t.equal(again.statusCode, 404, 'a code is claimed only once')

  const paired = await poll(pairing.pollToken)
  t.equal(paired.statusCode, 200)
  t.same(bodyOf(paired), { status: 'paired', name: 'Back wall' })
  const cookie = cookieOf(paired)
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })
  t.equal(me.statusCode, 200, 'the cookie is a working session')
  t.equal(bodyOf<{ member: { role: string; id: number } }>(me).member.role, 'display')
  t.equal(bodyOf<{ member: { id: number } }>(me).member.id, display.id)

  const collectedTwice = await poll(pairing.pollToken)
  t.equal(collectedTwice.statusCode, 410, 'the session can be collected only once')
  t.equal(bodyOf(collectedTwice).code, 'pairing_expired')
  t.same(collectedTwice.cookies, [], 'and no second cookie is handed out')

  const list = await as(app, manager, 'GET', '/api/displays')
  t.equal(list.statusCode, 200)
  t.match(bodyOf<unknown[]>(list), [{ id: display.id, name: 'Back wall', status: 'active' }], 'managers see it')
  t.equal((await as(app, staff, 'GET', '/api/displays')).statusCode, 403, 'staff do not')
})

t.test('a display reads the wall and the board, and nothing else; it cannot post', async (t) => {
  const display = await pairVia(manager, 'Counter')
  const boardId = await boardIdOf(app, owner)
  await send(app, manager, boardId, 'Fresh rye is out')

  const wall = await as(app, display, 'GET', '/api/wall')
  t.equal(wall.statusCode, 200, 'GET /api/wall')
  const feed = bodyOf<{ shop: { name: string }; recent: { body: string }[]; join: unknown }>(wall)
  t.equal(feed.shop.name, 'Corner Bakery')
  t.ok(
    feed.recent.some((message) => message.body === 'Fresh rye is out'),
    'with the latest board messages',
  )
  t.equal((await as(app, display, 'GET', '/api/notices')).statusCode, 200, 'GET /api/notices')

  const notice = await as(app, display, 'POST', '/api/notices', {
    title: 'From the wall',
    body: '',
    clientKey: newClientKey('wall'),
  })
  t.equal(notice.statusCode, 403, 'it cannot post a notice')
  const message = await as(app, display, 'POST', `/api/conversations/${boardId}/messages`, {
    body: 'hello from the wall',
    clientKey: newClientKey('wall'),
  })
  t.equal(message.statusCode, 403, 'it cannot post on the board')

  const photo = await upload(app, staff, tinyPng(8, 8), 'secret.png', 'image/png')
  const direct = await openDirect(app, staff, [owner])
  await send(app, staff, direct, 'just between us', { attachments: [{ fileId: photo.id }] })
  const privateChannel = await createChannel(app, manager, 'Managers only', { isPrivate: true, members: [owner] })
  await send(app, manager, privateChannel, 'payroll talk')

  const readDirect = await as(app, display, 'GET', `/api/conversations/${direct}/messages`)
  t.equal(readDirect.statusCode, 404, 'a direct conversation does not exist for it')
  const readPrivate = await as(app, display, 'GET', `/api/conversations/${privateChannel}/messages`)
  t.equal(readPrivate.statusCode, 404, 'nor does a private channel')
  const file = await as(app, display, 'GET', `/api/files/${photo.id}`)
  t.equal(file.statusCode, 404, 'a file attached in a direct conversation cannot be opened')
  t.equal(bodyOf(file).code, 'file_not_found')
  t.equal((await as(app, owner, 'GET', `/api/files/${photo.id}`)).statusCode, 200, 'though its members can')
})

t.test('revoking a display ends its session at once and closes its socket with 4401', async (t) => {
  const display = await pairVia(manager, 'Stock room')
  const socket = await openSocket(base, display.cookie)
  t.teardown(() => socket.close())
  await socket.waitFor((frame) => frame.kind === 'caught-up')

  const revoked = await as(app, manager, 'POST', `/api/members/${display.id}/deactivate`)
  t.equal(revoked.statusCode, 200, 'a manager revokes it by deactivating it')
  const signedOut = await socket.waitFor((frame) => frame.kind === 'signed-out')
  t.equal(signedOut.reason, 'deactivated', 'the socket is told why')
  const closed = await socket.closed
  t.equal(closed.code, 4401, 'and closed with the signed-out code')

  const wall = await as(app, display, 'GET', '/api/wall')
  t.equal(wall.statusCode, 401, 'its session no longer works')
  const list = bodyOf<{ id: number; status: string }[]>(await as(app, manager, 'GET', '/api/displays'))
  t.equal(list.find((row) => row.id === display.id)?.status, 'deactivated', 'the list shows it as revoked')
})

t.test('a code expires after ten minutes: the screen gets 410 and a manager cannot claim it', async (t) => {
  const pairing = await startPairing()
  clock.advance(10 * 60_000 + 1_000)
  const polled = await poll(pairing.pollToken)
  t.equal(polled.statusCode, 410)
  t.equal(bodyOf(polled).code, 'pairing_expired')
  const claimed = await as(app, manager, 'POST', '/api/wall/pairings/claim', { code: pairing.code, name: 'Late' })
  t.equal(claimed.statusCode, 404, 'an expired code cannot be claimed')
  const unknown = await poll('x'.repeat(32))
  t.equal(unknown.statusCode, 410, 'an unknown poll token is treated as expired')
})

/** Pairs a display through the three HTTP steps; returns it with its session cookie. */
async function pairVia(by: { cookie: string }, name: string) {
  const pairing = await startPairing()
  const claimed = await as(app, by, 'POST', '/api/wall/pairings/claim', { code: pairing.code, name })
  if (claimed.statusCode !== 201) throw new Error(`claim failed: ${claimed.statusCode} ${claimed.body}`)
  const polled = await poll(pairing.pollToken)
  return { id: bodyOf<{ id: number }>(claimed).id, cookie: cookieOf(polled) }
}
