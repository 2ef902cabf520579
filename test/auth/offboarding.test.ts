import t from 'tap'
import WebSocket from 'ws'
import { bodyOf, cookieOf, createMember, listen, login, setupOwner, startApp } from '../helpers/app'
import { openSocket } from '../helpers/socket'

const { app, ctx, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager' })

function get(url: string, cookie: string) {
  return app.inject({ method: 'GET', url, headers: { cookie } })
}

function post(url: string, cookie: string) {
  return app.inject({ method: 'POST', url, headers: { cookie } })
}

t.test('deactivating a member ends every session and closes their open sockets, telling them why', async (t) => {
  const leaver = await createMember(app, owner.cookie)
  const laptopLogin = await login(app, leaver)
  const laptop = cookieOf(laptopLogin)
  const phoneSocket = await openSocket(baseUrl, leaver.cookie)
  const laptopSocket = await openSocket(baseUrl, laptop)
  const ownerSocket = await openSocket(baseUrl, owner.cookie)
  t.teardown(() => Promise.all([phoneSocket.close(), laptopSocket.close(), ownerSocket.close()]))
  await Promise.all([phoneSocket, laptopSocket, ownerSocket].map((s) => s.waitFor((f) => f.kind === 'caught-up')))

  const response = await post(`/api/members/${leaver.id}/deactivate`, manager.cookie)
  t.equal(response.statusCode, 200)
  t.match(bodyOf(response), { id: leaver.id, status: 'deactivated' })

  // Order, not speed: each of the leaver's sockets is told why, then closed with 4401.
  // (A generous bound only so that a missing close fails the test instead of hanging it.)
  for (const [name, socket] of [
    ['phone', phoneSocket],
    ['laptop', laptopSocket],
  ] as const) {
    const signedOut = await socket.waitFor((f) => f.kind === 'signed-out', 10_000)
    t.same(signedOut, { kind: 'signed-out', reason: 'deactivated' }, `${name} is told it is signed out`)
    const closed = await Promise.race([
      socket.closed,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000).unref()),
    ])
    t.equal(closed?.code, 4401, `${name} socket is then closed with 4401`)
  }
  t.equal(ownerSocket.ws.readyState, WebSocket.OPEN, "other members' sockets stay open")
  const event = await ownerSocket.waitFor((f) => f.type === 'member.deactivated')
  t.same(event.data, { memberId: leaver.id })

  for (const cookie of [leaver.cookie, laptop]) {
    const me = await get('/api/me', cookie)
    t.equal(me.statusCode, 401)
    t.equal(bodyOf(me).code, 'unauthorized')
  }
  const sessions = await ctx.db.selectFrom('session').select('id').where('member_id', '=', leaver.id).execute()
  t.same(sessions, [], 'no session row is left')
  const devices = await ctx.db.selectFrom('trusted_device').select('id').where('member_id', '=', leaver.id).execute()
  t.same(devices, [], 'their devices are no longer trusted')
  const audit = await ctx.db
    .selectFrom('audit')
    .selectAll()
    .where('action', '=', 'member.deactivated')
    .where('target_id', '=', leaver.id)
    .executeTakeFirstOrThrow()
  t.equal(audit.actor_id, manager.id)
  t.same(JSON.parse(audit.detail), { endedSessions: 2 })
})

t.test('a new socket of a deactivated member is refused', async (t) => {
  const leaver = await createMember(app, owner.cookie)
  t.equal((await post(`/api/members/${leaver.id}/deactivate`, owner.cookie)).statusCode, 200)
  await t.rejects(openSocket(baseUrl, leaver.cookie), { name: 'WebSocketRefused', statusCode: 401 })
})

t.test('a deactivated member cannot sign in, and a wrong password still says only that', async (t) => {
  const leaver = await createMember(app, owner.cookie)
  t.equal((await post(`/api/members/${leaver.id}/deactivate`, owner.cookie)).statusCode, 200)
  const right = await login(app, leaver)
  t.equal(right.statusCode, 401, 'the right password is not told apart (see test/security/login.test.ts)')
  t.equal(bodyOf(right).code, 'invalid_credentials')
  t.equal(right.cookies.length, 0, 'no session is created')
  const wrong = await login(app, { username: leaver.username, password: 'a wrong password' })
  t.equal(wrong.statusCode, 401)
  t.equal(bodyOf(wrong).code, 'invalid_credentials', 'without the password, nothing is revealed')
})

t.test('deactivated members are hidden from colleagues but listed for managers', async (t) => {
  const leaver = await createMember(app, owner.cookie)
  const colleague = await createMember(app, owner.cookie)
  t.equal((await post(`/api/members/${leaver.id}/deactivate`, owner.cookie)).statusCode, 200)
  const seenByColleague = bodyOf<{ id: number }[]>(await get('/api/members', colleague.cookie))
  t.notOk(seenByColleague.some((m) => m.id === leaver.id))
  t.equal((await get(`/api/members/${leaver.id}`, colleague.cookie)).statusCode, 404)
  const seenByManager = bodyOf<{ id: number; status: string }[]>(
    await get('/api/members?status=deactivated', manager.cookie),
  )
  t.ok(seenByManager.some((m) => m.id === leaver.id && m.status === 'deactivated'))
})

t.test('deactivating twice or reactivating an active member is a conflict', async (t) => {
  const member = await createMember(app, owner.cookie)
  const notDeactivated = await post(`/api/members/${member.id}/reactivate`, owner.cookie)
  t.equal(notDeactivated.statusCode, 409)
  t.equal(bodyOf(notDeactivated).code, 'not_deactivated')
  t.equal((await post(`/api/members/${member.id}/deactivate`, owner.cookie)).statusCode, 200)
  const twice = await post(`/api/members/${member.id}/deactivate`, owner.cookie)
  t.equal(twice.statusCode, 409)
  t.equal(bodyOf(twice).code, 'already_deactivated')
  const missing = await post('/api/members/99999/deactivate', owner.cookie)
  t.equal(missing.statusCode, 404)
  t.equal(bodyOf(missing).code, 'member_not_found')
})

t.test('reactivation lets them sign in again; their old sessions stay ended', async (t) => {
  const returner = await createMember(app, owner.cookie)
  t.equal((await post(`/api/members/${returner.id}/deactivate`, manager.cookie)).statusCode, 200)
  const reactivated = await post(`/api/members/${returner.id}/reactivate`, manager.cookie)
  t.equal(reactivated.statusCode, 200)
  t.match(bodyOf(reactivated), { status: 'active', deactivatedAt: null })
  t.equal((await get('/api/me', returner.cookie)).statusCode, 401, 'the old session does not come back')
  const signIn = await login(app, returner)
  t.equal(signIn.statusCode, 200)
  t.equal((await get('/api/members', cookieOf(signIn))).statusCode, 200)
  t.ok(
    signIn.cookies.some((c) => c.name === 'bb_device'),
    'the device is trusted afresh',
  )
})
