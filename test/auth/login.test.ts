import t from 'tap'
import { hashToken } from '../../server/shared/tokens'
import { bodyOf, cookieOf, createMember, login, nextAddress, setupOwner, startApp } from '../helpers/app'

// TRUST_PROXY=true so that X-Forwarded-Proto can stand for a TLS-terminating proxy.
const { app, ctx, clock, close } = await startApp({ env: { TRUST_PROXY: 'true' } })
t.teardown(close)
const owner = await setupOwner(app)

async function auditActions(prefix: string) {
  const rows = await ctx.db
    .selectFrom('audit')
    .selectAll()
    .where('action', 'like', `${prefix}%`)
    .orderBy('id')
    .execute()
  return rows.map((row) => ({
    action: row.action,
    targetId: row.target_id,
    actorId: row.actor_id,
    detail: JSON.parse(row.detail),
  }))
}

t.test('a wrong password and an unknown username get the same 401 invalid_credentials', async (t) => {
  const wrong = await login(app, { username: owner.username, password: 'not the right one' })
  const unknown = await login(app, { username: 'nobody-here', password: 'not the right one' })
  for (const response of [wrong, unknown]) {
    t.equal(response.statusCode, 401)
    t.equal(bodyOf(response).code, 'invalid_credentials')
    t.equal(response.cookies.length, 0, 'no cookie is set')
  }
  t.equal(bodyOf(wrong).message, bodyOf(unknown).message, 'the message does not reveal which usernames exist')
})

t.test('the right password signs in, whatever the case of the username', async (t) => {
  const response = await login(app, { username: owner.username.toUpperCase(), password: owner.password })
  t.equal(response.statusCode, 200)
  const me = bodyOf<{ member: { id: number }; sessionId: number }>(response)
  t.equal(me.member.id, owner.id)
  const check = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: cookieOf(response) } })
  t.equal(check.statusCode, 200)
  t.equal(bodyOf<{ sessionId: number }>(check).sessionId, me.sessionId)
})

t.test('over plain http the session cookie is HttpOnly, SameSite=Lax, path / and not Secure', async (t) => {
  const response = await login(app, owner)
  t.equal(response.statusCode, 200)
  const session = response.cookies.find((c) => c.name === 'bb_session')
  t.ok(session, 'named bb_session')
  t.equal(session?.httpOnly, true)
  t.equal(session?.sameSite, 'Lax')
  t.notOk(session?.secure)
  t.equal(session?.path, '/')
  t.equal(session?.domain, undefined)
  t.equal(session?.maxAge, 30 * 24 * 3600)
  const device = response.cookies.find((c) => c.name === 'bb_device')
  t.ok(device, 'a trusted-device cookie is set on first sign-in from this device')
  t.equal(device?.httpOnly, true)
  t.notOk(response.headers['strict-transport-security'])
})

t.test('over https the cookies are __Host- prefixed and Secure', async (t) => {
  const https = { 'x-forwarded-proto': 'https' }
  const response = await login(app, owner, { headers: https })
  t.equal(response.statusCode, 200)
  const names = response.cookies.map((c) => c.name).sort()
  t.same(names, ['__Host-bb_device', '__Host-bb_session'])
  for (const cookie of response.cookies) {
    t.equal(cookie.secure, true, `${cookie.name} is Secure`)
    t.equal(cookie.httpOnly, true, `${cookie.name} is HttpOnly`)
    t.equal(cookie.path, '/', `${cookie.name} has path /`)
    t.equal(cookie.domain, undefined, `${cookie.name} has no Domain`)
    t.equal(cookie.sameSite, 'Lax')
  }
  t.ok(response.headers['strict-transport-security'])
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: { ...https, cookie: cookieOf(response) } })
  t.equal(me.statusCode, 200, 'the __Host- cookie signs in')
})

t.test('only a hash of the session token is stored', async (t) => {
  const response = await login(app, owner)
  const token = response.cookies.find((c) => c.name === 'bb_session')!.value
  t.ok(token.length >= 20, 'the token is long')
  const rows = await ctx.db.selectFrom('session').selectAll().execute()
  t.notOk(JSON.stringify(rows).includes(token), 'the token itself appears nowhere in the session table')
  t.ok(
    rows.some((row) => row.token_hash === hashToken(token)),
    'its SHA-256 does',
  )
  const device = response.cookies.find((c) => c.name === 'bb_device')!.value
  const devices = await ctx.db.selectFrom('trusted_device').selectAll().execute()
  t.notOk(JSON.stringify(devices).includes(device))
  t.ok(devices.some((row) => row.token_hash === hashToken(device)))
})

t.test(
  'repeated failures from one address slow that address down for that account with 429 and Retry-After',
  async (t) => {
    const member = await createMember(app, owner.cookie)
    const address = nextAddress()
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await login(
        app,
        { username: member.username, password: 'guess number ' + attempt },
        { remoteAddress: address },
      )
      t.equal(response.statusCode, 401, `attempt ${attempt} is simply wrong`)
    }
    const blocked = await login(app, member, { remoteAddress: address })
    t.equal(blocked.statusCode, 429, 'even the right password waits')
    t.equal(bodyOf(blocked).code, 'too_many_attempts')
    const retryAfter = Number(blocked.headers['retry-after'])
    t.ok(retryAfter >= 1, `Retry-After is ${blocked.headers['retry-after']}`)

    const elsewhere = await login(app, member, { remoteAddress: nextAddress() })
    t.equal(elsewhere.statusCode, 200, 'the member can still sign in from another address')

    clock.advance(retryAfter * 1000)
    const later = await login(app, member, { remoteAddress: address })
    t.equal(later.statusCode, 200, 'after waiting, the right password works from that address again')
  },
)

t.test('a trusted device still signs in after 25+ failures from many addresses; a new device waits', async (t) => {
  const member = await createMember(app, owner.cookie)
  const first = await login(app, member)
  t.equal(first.statusCode, 200)
  const deviceCookie = cookieOf(first, 'bb_device')

  // 26 guesses from 26 addresses, six at a time; past 20 the account refuses unknown devices.
  const statuses: number[] = []
  for (let start = 0; start < 26; start += 6) {
    const responses = await Promise.all(
      Array.from({ length: Math.min(6, 26 - start) }, (_, i) =>
        login(
          app,
          { username: member.username, password: `wrong guess ${start + i}` },
          { remoteAddress: nextAddress() },
        ),
      ),
    )
    statuses.push(...responses.map((response) => response.statusCode))
  }
  t.equal(statuses.length, 26)
  t.ok(
    statuses.filter((status) => status === 401).length >= 20,
    `at least 20 guesses were checked (${statuses.join(' ')})`,
  )
  t.ok(
    statuses.every((status) => status === 401 || status === 429),
    'every guess was refused',
  )
  t.equal(statuses.at(-1), 429, 'the last guesses were not even checked')

  const newDevice = await login(app, member, { remoteAddress: nextAddress() })
  t.equal(newDevice.statusCode, 429, 'an unknown device is blocked for this account')
  t.equal(bodyOf(newDevice).code, 'too_many_attempts')
  t.ok(Number(newDevice.headers['retry-after']) > 60, 'for minutes, not seconds')

  const trusted = await login(app, member, { remoteAddress: nextAddress(), cookie: deviceCookie })
  t.equal(trusted.statusCode, 200, 'the device that signed in before is exempt')
  t.equal(
    trusted.cookies.find((c) => c.name === 'bb_device'),
    undefined,
    'an already trusted device does not get a new device cookie',
  )

  const otherMember = await login(app, owner, { remoteAddress: nextAddress() })
  t.equal(otherMember.statusCode, 200, 'other accounts are not affected')
  const ownersDevice = await login(app, member, {
    remoteAddress: nextAddress(),
    cookie: cookieOf(otherMember, 'bb_device'),
  })
  t.equal(ownersDevice.statusCode, 429, "another member's trusted device does not exempt this account")

  const stolenDevice = await login(
    app,
    { username: member.username, password: 'wrong again' },
    { cookie: deviceCookie },
  )
  t.equal(stolenDevice.statusCode, 401, 'a trusted device still needs the right password')
})

t.test('failed and successful sign-ins are audited, without the password', async (t) => {
  const member = await createMember(app, owner.cookie)
  const before = (await auditActions('login.')).length
  const address = nextAddress()
  await login(app, { username: member.username, password: 'secret-guess-1' }, { remoteAddress: address })
  await login(app, { username: 'ghost.user', password: 'secret-guess-2' }, { remoteAddress: address })
  await login(app, member, { remoteAddress: address })
  const rows = (await auditActions('login.')).slice(before)
  t.same(rows, [
    { action: 'login.failed', targetId: member.id, actorId: null, detail: {} },
    { action: 'login.failed', targetId: null, actorId: null, detail: { username: 'ghost.user' } },
    { action: 'login.succeeded', targetId: null, actorId: member.id, detail: {} },
  ])
  const all = await ctx.db.selectFrom('audit').select(['detail', 'ip']).where('action', 'like', 'login.%').execute()
  t.notOk(JSON.stringify(all).includes('secret-guess'), 'no attempted password is stored')
  t.ok(
    all.some((row) => row.ip === address),
    'the address is recorded',
  )
})
