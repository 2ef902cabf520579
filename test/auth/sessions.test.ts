import t from 'tap'
import { bodyOf, cookieOf, createMember, login, setupOwner, startApp } from '../helpers/app'

// Shared by the tests that leave the clock alone; a test that moves the clock has its own app.
const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)

interface SessionView {
  id: number
  isCurrent: boolean
  createdAt: number
  lastSeenAt: number
  userAgent: string
  ip: string
}

async function signIn(member: { username: string; password: string }, userAgent = 'test-agent') {
  const response = await login(app, member, { headers: { 'user-agent': userAgent } })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`)
  return { cookie: cookieOf(response), sessionId: bodyOf<{ sessionId: number }>(response).sessionId }
}

function get(url: string, cookie: string) {
  return app.inject({ method: 'GET', url, headers: { cookie } })
}

t.test('a member lists their own sessions, with the current one marked, and nobody else’s', async (t) => {
  const member = await createMember(app, owner.cookie)
  const phone = await signIn(member, 'Phone Browser')
  const laptop = await signIn(member, 'Laptop Browser')
  const response = await get('/api/me/sessions', phone.cookie)
  t.equal(response.statusCode, 200)
  const sessions = bodyOf<SessionView[]>(response)
  t.equal(sessions.length, 3, 'the join session, the phone and the laptop')
  t.same(
    sessions.filter((s) => s.isCurrent).map((s) => s.id),
    [phone.sessionId],
  )
  t.ok(sessions.some((s) => s.id === laptop.sessionId && s.userAgent === 'Laptop Browser'))
  const ownerSessions = await ctx.db.selectFrom('session').select('id').where('member_id', '=', owner.id).execute()
  for (const { id } of ownerSessions)
    t.notOk(
      sessions.some((s) => s.id === id),
      "the owner's sessions are not listed",
    )
})

t.test('revoking one session signs that device out and only that one', async (t) => {
  const member = await createMember(app, owner.cookie)
  const phone = await signIn(member)
  const laptop = await signIn(member)
  const response = await app.inject({
    method: 'DELETE',
    url: `/api/me/sessions/${laptop.sessionId}`,
    headers: { cookie: phone.cookie },
  })
  t.equal(response.statusCode, 200)
  t.same(bodyOf(response), { ok: true })
  t.equal((await get('/api/me', laptop.cookie)).statusCode, 401, 'the laptop is signed out')
  t.equal((await get('/api/me', phone.cookie)).statusCode, 200, 'the phone is not')

  const again = await app.inject({
    method: 'DELETE',
    url: `/api/me/sessions/${laptop.sessionId}`,
    headers: { cookie: phone.cookie },
  })
  t.equal(again.statusCode, 404)
  t.equal(bodyOf(again).code, 'session_not_found')

  const ownerSession = await ctx.db
    .selectFrom('session')
    .select('id')
    .where('member_id', '=', owner.id)
    .executeTakeFirstOrThrow()
  const foreign = await app.inject({
    method: 'DELETE',
    url: `/api/me/sessions/${ownerSession.id}`,
    headers: { cookie: phone.cookie },
  })
  t.equal(foreign.statusCode, 404, "another member's session cannot be revoked")
  t.equal(bodyOf(foreign).code, 'session_not_found')
  t.equal((await get('/api/me', owner.cookie)).statusCode, 200)
})

t.test('revoking the current session clears its cookie', async (t) => {
  const member = await createMember(app, owner.cookie)
  const phone = await signIn(member)
  const response = await app.inject({
    method: 'DELETE',
    url: `/api/me/sessions/${phone.sessionId}`,
    headers: { cookie: phone.cookie },
  })
  t.equal(response.statusCode, 200)
  const cleared = response.cookies.find((c) => c.name === 'bb_session')
  t.equal(cleared?.value, '')
  t.equal(cleared?.maxAge, 0)
  t.equal((await get('/api/me', phone.cookie)).statusCode, 401)
})

t.test('revoking the other sessions keeps only the current one', async (t) => {
  const member = await createMember(app, owner.cookie)
  const phone = await signIn(member)
  const laptop = await signIn(member)
  const response = await app.inject({
    method: 'POST',
    url: '/api/me/sessions/revoke-others',
    headers: { cookie: phone.cookie },
  })
  t.equal(response.statusCode, 200)
  t.same(bodyOf(response), { ended: 2 }, 'the join session and the laptop')
  t.equal((await get('/api/me', laptop.cookie)).statusCode, 401)
  t.equal((await get('/api/me', member.cookie)).statusCode, 401)
  t.equal((await get('/api/me', phone.cookie)).statusCode, 200)
  const left = bodyOf<SessionView[]>(await get('/api/me/sessions', phone.cookie))
  t.same(
    left.map((s) => [s.id, s.isCurrent]),
    [[phone.sessionId, true]],
  )
  const audit = await ctx.db
    .selectFrom('audit')
    .selectAll()
    .where('action', '=', 'sessions.revoked')
    .orderBy('id', 'desc')
    .executeTakeFirst()
  t.equal(audit?.actor_id, member.id)
  t.same(JSON.parse(audit?.detail ?? '{}'), { count: 2 })

  const none = await app.inject({
    method: 'POST',
    url: '/api/me/sessions/revoke-others',
    headers: { cookie: phone.cookie },
  })
  t.same(bodyOf(none), { ended: 0 })
})

t.test('changing the password ends every other session and only the new password signs in', async (t) => {
  const member = await createMember(app, owner.cookie)
  const phone = await signIn(member)
  const laptop = await signIn(member)
  const wrong = await app.inject({
    method: 'POST',
    url: '/api/me/password',
    headers: { cookie: phone.cookie },
    payload: { currentPassword: 'not my password', newPassword: 'a brand new sentence' },
  })
  t.equal(wrong.statusCode, 400)
  t.equal(bodyOf(wrong).code, 'wrong_password')
  const weak = await app.inject({
    method: 'POST',
    url: '/api/me/password',
    headers: { cookie: phone.cookie },
    payload: { currentPassword: member.password, newPassword: 'password1' },
  })
  t.equal(weak.statusCode, 400)
  t.equal(bodyOf(weak).code, 'password_too_common')
  t.equal((await get('/api/me', laptop.cookie)).statusCode, 200, 'a refused change ends nothing')

  const changed = await app.inject({
    method: 'POST',
    url: '/api/me/password',
    headers: { cookie: phone.cookie },
    payload: { currentPassword: member.password, newPassword: 'a brand new sentence' },
  })
  t.equal(changed.statusCode, 200)
  t.equal((await get('/api/me', laptop.cookie)).statusCode, 401, 'the laptop is signed out')
  t.equal((await get('/api/me', member.cookie)).statusCode, 401, 'the join session is signed out')
  t.equal((await get('/api/me', phone.cookie)).statusCode, 200, 'the device that changed it stays signed in')
  t.equal((await login(app, member)).statusCode, 401, 'the old password no longer works')
  t.equal((await login(app, { username: member.username, password: 'a brand new sentence' })).statusCode, 200)
})

t.test('signing out ends the session: the same cookie then gets 401', async (t) => {
  const member = await createMember(app, owner.cookie)
  const phone = await signIn(member)
  const response = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: phone.cookie } })
  t.equal(response.statusCode, 200)
  t.equal(response.cookies.find((c) => c.name === 'bb_session')?.value, '', 'the cookie is cleared')
  const after = await get('/api/me', phone.cookie)
  t.equal(after.statusCode, 401)
  t.equal(bodyOf(after).code, 'unauthorized')
  const again = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: phone.cookie } })
  t.equal(again.statusCode, 401, 'signing out twice is refused, not an error')
  t.equal((await get('/api/me', member.cookie)).statusCode, 200, "the member's other session is untouched")
  const rows = await ctx.db.selectFrom('session').select('id').where('id', '=', phone.sessionId).execute()
  t.same(rows, [], 'the session row is gone')
})

t.test('a session expires after 30 days without use, and use extends it', async (t) => {
  const own = await startApp()
  t.teardown(own.close)
  const shopOwner = await setupOwner(own.app)
  const member = await createMember(own.app, shopOwner.cookie)
  const me = (cookie: string) => own.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })
  const day = 24 * 3600_000
  own.clock.advance(20 * day)
  t.equal((await me(member.cookie)).statusCode, 200, 'used after 20 days')
  own.clock.advance(20 * day)
  t.equal((await me(member.cookie)).statusCode, 200, 'still valid 20 days after last use')
  own.clock.advance(30 * day + 1000)
  t.equal((await me(member.cookie)).statusCode, 401, 'expired 30 days after last use')
  t.equal((await me('bb_session=short')).statusCode, 401, 'a malformed token is simply unknown')
})
