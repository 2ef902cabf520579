import t from 'tap'
import { bodyOf, cookieOf, MEMBER_PASSWORD, nextAddress, setupOwner, startApp, uniqueUsername } from '../helpers/app'

const { app, ctx, clock, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)

interface InviteView {
  id: number
  code: string
  url: string
  role: string
  maxUses: number
  uses: number
  isUsable: boolean
}

function asOwner(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return app.inject({ method, url, headers: { cookie: owner.cookie }, ...(payload ? { payload } : {}) })
}

async function createInvite(
  input: { role?: string; expiresInHours?: number; maxUses?: number } = {},
): Promise<InviteView> {
  const response = await asOwner('POST', '/api/invites', { role: 'staff', expiresInHours: 24, maxUses: 1, ...input })
  if (response.statusCode !== 201) throw new Error(`invite failed: ${response.body}`)
  return bodyOf<InviteView>(response)
}

function join(code: string, username = uniqueUsername('joiner'), password = MEMBER_PASSWORD) {
  return app.inject({
    method: 'POST',
    url: '/api/join',
    remoteAddress: nextAddress(),
    payload: { code, displayName: `${username} Newcomer`, username, password },
  })
}

async function memberByUsername(username: string) {
  return ctx.db.selectFrom('member').selectAll().where('username', '=', username).executeTakeFirst()
}

t.test('an invite shows what it leads to and creates a pending member of its role', async (t) => {
  const invite = await createInvite({ role: 'manager' })
  t.match(invite.url, new RegExp(`/join/${invite.code}$`))
  t.equal(invite.isUsable, true)
  const info = await app.inject({ method: 'GET', url: `/api/join/${invite.code.toLowerCase()}` })
  t.equal(info.statusCode, 200)
  t.same(bodyOf(info), { shopName: 'Corner Hardware', role: 'manager', via: 'invite' })
  const username = uniqueUsername('newmanager')
  const joined = await join(invite.code, username)
  t.equal(joined.statusCode, 201)
  t.same(bodyOf(joined), { status: 'pending' })
  t.match(await memberByUsername(username), { role: 'manager', status: 'pending', invite_id: invite.id })
  const list = bodyOf<InviteView[]>(await asOwner('GET', '/api/invites'))
  t.match(
    list.find((i) => i.id === invite.id),
    { uses: 1, isUsable: false },
  )
})

t.test('an invite for one person admits exactly one even when two people join at the same moment', async (t) => {
  const invite = await createInvite({ maxUses: 1 })
  const usernames = [uniqueUsername('racer'), uniqueUsername('racer')]
  const responses = await Promise.all(usernames.map((username) => join(invite.code, username)))
  t.same(responses.map((r) => r.statusCode).sort(), [201, 410])
  const loser = responses.find((r) => r.statusCode === 410)!
  t.equal(bodyOf(loser).code, 'join_link_used_up')
  t.equal(loser.cookies.length, 0, 'the one turned away gets no session')
  const members = await ctx.db.selectFrom('member').select('username').where('invite_id', '=', invite.id).execute()
  t.equal(members.length, 1)
  const row = await ctx.db.selectFrom('invite').select('uses').where('id', '=', invite.id).executeTakeFirst()
  t.equal(row?.uses, 1)
})

t.test('an invite with three uses admits three and no more', async (t) => {
  const invite = await createInvite({ maxUses: 3 })
  const responses = await Promise.all([1, 2, 3, 4].map(() => join(invite.code)))
  t.same(responses.map((r) => r.statusCode).sort(), [201, 201, 201, 410])
})

t.test('a used-up invite says it is used up, not expired', async (t) => {
  const invite = await createInvite({ maxUses: 1, expiresInHours: 24 })
  t.equal((await join(invite.code)).statusCode, 201)
  const info = await app.inject({ method: 'GET', url: `/api/join/${invite.code}` })
  t.equal(info.statusCode, 410)
  t.match(bodyOf(info), { code: 'join_link_used_up', message: /used up/ })
  t.notMatch(bodyOf<{ message: string }>(info).message, /expired/)
  const late = await join(invite.code)
  t.equal(late.statusCode, 410)
  t.equal(bodyOf(late).code, 'join_link_used_up')
})

t.test('an expired invite is refused with 410 join_link_expired', async (t) => {
  const invite = await createInvite({ expiresInHours: 2 })
  clock.advance(2 * 3600_000 - 1000)
  t.equal(
    (await app.inject({ method: 'GET', url: `/api/join/${invite.code}` })).statusCode,
    200,
    'still valid just before',
  )
  clock.advance(1000)
  const info = await app.inject({ method: 'GET', url: `/api/join/${invite.code}` })
  t.equal(info.statusCode, 410)
  t.match(bodyOf(info), { code: 'join_link_expired', message: /expired/ })
  t.notMatch(bodyOf<{ message: string }>(info).message, /used up/)
  const username = uniqueUsername('late')
  const joined = await join(invite.code, username)
  t.equal(joined.statusCode, 410)
  t.equal(bodyOf(joined).code, 'join_link_expired')
  t.equal(await memberByUsername(username), undefined)
})

t.test('a revoked invite is refused, and revoking twice says it is gone', async (t) => {
  const invite = await createInvite({ maxUses: 5 })
  const revoked = await asOwner('DELETE', `/api/invites/${invite.id}`)
  t.equal(revoked.statusCode, 200)
  const joined = await join(invite.code)
  t.equal(joined.statusCode, 410)
  t.equal(bodyOf(joined).code, 'join_link_expired')
  const again = await asOwner('DELETE', `/api/invites/${invite.id}`)
  t.equal(again.statusCode, 404)
  t.equal(bodyOf(again).code, 'invite_not_found')
})

t.test('unknown and malformed codes are refused without creating anyone', async (t) => {
  const unknown = await join('ZZZZZZZZZZZZ')
  t.equal(unknown.statusCode, 404)
  t.equal(bodyOf(unknown).code, 'invalid_join_code')
  const malformed = await join('not a code!')
  t.equal(malformed.statusCode, 400)
  t.equal(bodyOf(malformed).code, 'invalid_join_code')
  const info = await app.inject({ method: 'GET', url: '/api/join/abc%20def' })
  t.equal(info.statusCode, 400)
  t.equal(bodyOf(info).code, 'invalid_join_code')
})

t.test("the shop's join code admits staff, and rotating it invalidates the old one", async (t) => {
  const current = await asOwner('GET', '/api/join-code')
  t.equal(current.statusCode, 200)
  const { code, url, qrSvg } = bodyOf<{ code: string; url: string; qrSvg: string }>(current)
  t.match(url, new RegExp(`/join/${code}$`))
  t.match(qrSvg, /^<svg/)
  t.same(bodyOf(await app.inject({ method: 'GET', url: `/api/join/${code}` })), {
    shopName: 'Corner Hardware',
    role: 'staff',
    via: 'join_code',
  })
  const username = uniqueUsername('walkin')
  const joined = await join(code.toLowerCase(), username)
  t.equal(joined.statusCode, 201, 'the code works in any case')
  t.match(await memberByUsername(username), { role: 'staff', status: 'pending', invite_id: null })

  const rotated = await asOwner('POST', '/api/join-code/rotate')
  t.equal(rotated.statusCode, 200)
  const next = bodyOf<{ code: string }>(rotated).code
  t.not(next, code)
  const old = await join(code)
  t.equal(old.statusCode, 404)
  t.equal(bodyOf(old).code, 'invalid_join_code')
  t.equal((await join(next)).statusCode, 201, 'the new code works')
  t.ok(await ctx.db.selectFrom('audit').select('id').where('action', '=', 'join_code.rotated').executeTakeFirst())
})

t.test('a pending member can see themselves but nothing else until approved', async (t) => {
  const invite = await createInvite()
  const username = uniqueUsername('waiting')
  const joined = await join(invite.code, username)
  const cookie = cookieOf(joined)
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })
  t.equal(me.statusCode, 200)
  const member = bodyOf<{ member: { id: number; status: string; role: string } }>(me).member
  t.equal(member.status, 'pending')
  t.equal((await app.inject({ method: 'GET', url: '/api/me/sessions', headers: { cookie } })).statusCode, 200)
  for (const [method, url] of [
    ['GET', '/api/members'],
    ['GET', `/api/members/${owner.id}`],
    ['PATCH', `/api/members/${member.id}`],
    ['POST', '/api/me/password'],
  ] as const) {
    const response = await app.inject({
      method,
      url,
      headers: { cookie },
      ...(method === 'GET'
        ? {}
        : { payload: method === 'PATCH' ? { jobTitle: 'x' } : { currentPassword: 'a', newPassword: 'b' } }),
    })
    t.equal(response.statusCode, 403, `${method} ${url}`)
    t.equal(bodyOf(response).code, 'pending_approval', `${method} ${url}`)
  }

  const approved = await asOwner('POST', `/api/members/${member.id}/approve`)
  t.equal(approved.statusCode, 200)
  t.match(bodyOf(approved), { id: member.id, status: 'active' })
  const after = await app.inject({ method: 'GET', url: '/api/members', headers: { cookie } })
  t.equal(after.statusCode, 200, 'the same session now works everywhere')
  const twice = await asOwner('POST', `/api/members/${member.id}/approve`)
  t.equal(twice.statusCode, 409)
  t.equal(bodyOf(twice).code, 'not_pending')
  const row = await memberByUsername(username)
  t.equal(row?.approved_by, owner.id)
})

t.test('rejecting a join request removes the person entirely', async (t) => {
  const invite = await createInvite()
  const username = uniqueUsername('rejected')
  const joined = await join(invite.code, username)
  const cookie = cookieOf(joined)
  const id = (await memberByUsername(username))!.id
  const rejected = await asOwner('POST', `/api/members/${id}/reject`)
  t.equal(rejected.statusCode, 200)
  t.equal(await memberByUsername(username), undefined, 'no member row is left')
  const lookup = await asOwner('GET', `/api/members/${id}`)
  t.equal(lookup.statusCode, 404)
  t.equal(bodyOf(lookup).code, 'member_not_found')
  t.equal(
    (await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode,
    401,
    'their session is gone',
  )
  const signIn = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: nextAddress(),
    payload: { username, password: MEMBER_PASSWORD },
  })
  t.equal(signIn.statusCode, 401)
  t.equal(bodyOf(signIn).code, 'invalid_credentials')
  const again = await asOwner('POST', `/api/members/${id}/reject`)
  t.equal(again.statusCode, 404)
  t.equal((await join((await createInvite()).code, username)).statusCode, 201, 'the username is free again')
})

t.test('an active member cannot be rejected', async (t) => {
  const invite = await createInvite()
  const username = uniqueUsername('keeper')
  await join(invite.code, username)
  const id = (await memberByUsername(username))!.id
  await asOwner('POST', `/api/members/${id}/approve`)
  const rejected = await asOwner('POST', `/api/members/${id}/reject`)
  t.equal(rejected.statusCode, 409)
  t.equal(bodyOf(rejected).code, 'not_pending')
})

t.test('with auto-approve on, newcomers are active at once', async (t) => {
  const on = await asOwner('PATCH', '/api/settings', { autoApprove: true })
  t.equal(on.statusCode, 200)
  t.equal(bodyOf(on).autoApprove, true)
  const invite = await createInvite()
  const username = uniqueUsername('instant')
  const joined = await join(invite.code, username)
  t.equal(joined.statusCode, 201)
  t.same(bodyOf(joined), { status: 'active' })
  const members = await app.inject({ method: 'GET', url: '/api/members', headers: { cookie: cookieOf(joined) } })
  t.equal(members.statusCode, 200)
  const audit = await ctx.db
    .selectFrom('audit')
    .selectAll()
    .where('action', '=', 'member.approved')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow()
  t.same(JSON.parse(audit.detail), { via: 'invite', role: 'staff', automatic: true })

  t.equal((await asOwner('PATCH', '/api/settings', { autoApprove: false })).statusCode, 200)
  const later = await join((await createInvite()).code)
  t.same(bodyOf(later), { status: 'pending' }, 'and pending again once it is off')
})

t.test('a taken username is refused with 409 username_taken, whatever its case', async (t) => {
  const invite = await createInvite({ maxUses: 5 })
  for (const username of [owner.username, owner.username.toUpperCase()]) {
    const response = await join(invite.code, username)
    t.equal(response.statusCode, 409, username)
    t.equal(bodyOf(response).code, 'username_taken', username)
  }
  const row = await ctx.db.selectFrom('invite').select('uses').where('id', '=', invite.id).executeTakeFirst()
  t.equal(row?.uses, 0, 'a refused join does not use up the invite')
})

t.test('two people choosing the same username at the same moment: one gets it', async (t) => {
  const invite = await createInvite({ maxUses: 5 })
  const username = uniqueUsername('twin')
  const responses = await Promise.all([join(invite.code, username), join(invite.code, username)])
  t.same(responses.map((r) => r.statusCode).sort(), [201, 409])
  t.equal(bodyOf(responses.find((r) => r.statusCode === 409)!).code, 'username_taken')
  const row = await ctx.db.selectFrom('invite').select('uses').where('id', '=', invite.id).executeTakeFirst()
  t.equal(row?.uses, 1, 'only the successful join used the invite')
})

t.test('joining checks the newcomer’s details', async (t) => {
  const invite = await createInvite()
  const cases: [Record<string, string>, string][] = [
    [{ username: 'no spaces please' }, 'invalid_username'],
    [{ password: 'short' }, 'password_too_short'],
    [{ password: 'iloveyou' }, 'password_too_common'],
    [{ displayName: '   ' }, 'invalid_display_name'],
  ]
  for (const [change, code] of cases) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/join',
      remoteAddress: nextAddress(),
      payload: {
        code: invite.code,
        displayName: 'New Person',
        username: uniqueUsername('checked'),
        password: MEMBER_PASSWORD,
        ...change,
      },
    })
    t.equal(response.statusCode, 400, code)
    t.equal(bodyOf(response).code, code)
  }
  const row = await ctx.db.selectFrom('invite').select('uses').where('id', '=', invite.id).executeTakeFirst()
  t.equal(row?.uses, 0)
})
