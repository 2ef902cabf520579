import t from 'tap'
import { resolveSession } from '../../server/auth/service'
import { deactivateMember, updateAccess } from '../../server/auth/members-service'
import { effectivePermissions, PERMISSIONS } from '../../server/auth/permissions'
import type { Actor } from '../../server/auth/actor'
import { bodyOf, createMember, setupOwner, startApp, type SignedInMember } from '../helpers/app'

const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const [manager, staff, otherStaff, pending] = (await Promise.all([
  createMember(app, owner.cookie, { role: 'manager', username: 'mona.manager' }),
  createMember(app, owner.cookie, { username: 'sam.staff' }),
  createMember(app, owner.cookie, { username: 'sid.staff' }),
  createMember(app, owner.cookie, { username: 'pat.pending', isPending: true }),
])) as [SignedInMember, SignedInMember, SignedInMember, SignedInMember]

interface MemberDetail {
  id: number
  role: string
  status: string
  permissions: string[]
  grantedPermissions: string[]
}

function as(
  member: SignedInMember,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) {
  return app.inject({ method, url, headers: { cookie: member.cookie }, ...(payload ? { payload } : {}) })
}

async function me(member: SignedInMember): Promise<MemberDetail> {
  return bodyOf<{ member: MemberDetail }>(await as(member, 'GET', '/api/me')).member
}

function setAccess(actor: SignedInMember, targetId: number, body: { role?: string; permissions?: string[] }) {
  return as(actor, 'PUT', `/api/members/${targetId}/access`, body)
}

t.test('each role has its effective permissions', async (t) => {
  t.same((await me(owner)).permissions, [...PERMISSIONS], 'an owner has every permission')
  t.same((await me(manager)).permissions, ['members.manage', 'board.post', 'tasks.dispatch'])
  t.same((await me(staff)).permissions, [])
  t.same(
    effectivePermissions('display', ['members.manage', 'board.post']),
    [],
    'a wall display has none, even if granted',
  )
  t.same(effectivePermissions('staff', ['xero.read', 'not.a.permission']), ['xero.read'], 'unknown grants are ignored')
})

t.test('a grant adds to the role and takes effect on the next request', async (t) => {
  t.equal((await as(staff, 'GET', '/api/invites')).statusCode, 403)
  const granted = await setAccess(owner, staff.id, { permissions: ['members.manage', 'xero.read'] })
  t.equal(granted.statusCode, 200)
  t.same(bodyOf<MemberDetail>(granted).permissions, ['members.manage', 'xero.read'])
  t.same(bodyOf<MemberDetail>(granted).grantedPermissions, ['members.manage', 'xero.read'])
  t.equal((await as(staff, 'GET', '/api/invites')).statusCode, 200, 'the same session now may list invites')
  const removed = await setAccess(owner, staff.id, { permissions: [] })
  t.same(bodyOf<MemberDetail>(removed).permissions, [])
  t.equal((await as(staff, 'GET', '/api/invites')).statusCode, 403, 'and may not once it is taken away')
  const audit = await ctx.db
    .selectFrom('audit')
    .selectAll()
    .where('action', '=', 'member.permissions_changed')
    .execute()
  t.equal(audit.length, 2)
})

t.test('staff cannot see pending members or use any members.manage route', async (t) => {
  const list = await as(staff, 'GET', '/api/members?status=pending')
  t.equal(list.statusCode, 403)
  t.equal(bodyOf(list).code, 'forbidden')
  const everyone = bodyOf<MemberDetail[]>(await as(staff, 'GET', '/api/members'))
  t.ok(
    everyone.every((m) => m.status === 'active'),
    'the default list has active members only',
  )
  t.notOk(everyone.some((m) => m.id === pending.id))
  t.ok(
    everyone.filter((m) => m.id !== staff.id).every((m) => m.grantedPermissions.length === 0),
    "others' grants are not shown to staff",
  )
  const hidden = await as(staff, 'GET', `/api/members/${pending.id}`)
  t.equal(hidden.statusCode, 404)
  t.equal(bodyOf(hidden).code, 'member_not_found')

  const manageRoutes: [string, string, object?][] = [
    ['GET', '/api/invites'],
    ['POST', '/api/invites', { role: 'staff', expiresInHours: 1, maxUses: 1 }],
    ['GET', `/api/invites/1/qr`],
    ['DELETE', `/api/invites/1`],
    ['GET', '/api/join-code'],
    ['POST', '/api/join-code/rotate'],
    ['PUT', `/api/members/${otherStaff.id}/access`, { permissions: [] }],
    ['POST', `/api/members/${pending.id}/approve`],
    ['POST', `/api/members/${pending.id}/reject`],
    ['POST', `/api/members/${otherStaff.id}/deactivate`],
    ['POST', `/api/members/${otherStaff.id}/reactivate`],
  ]
  for (const [method, url, payload] of manageRoutes) {
    const response = await as(staff, method as 'GET', url, payload)
    t.equal(response.statusCode, 403, `${method} ${url}`)
    t.equal(bodyOf(response).code, 'forbidden', `${method} ${url}`)
  }
  const profile = await as(staff, 'PATCH', `/api/members/${otherStaff.id}`, { jobTitle: 'Boss' })
  t.equal(profile.statusCode, 403, "staff cannot edit a colleague's profile")
  const own = await as(staff, 'PATCH', `/api/members/${staff.id}`, {
    jobTitle: '  Tills and stock  ',
    phone: '+44 20 7946 0000',
  })
  t.equal(own.statusCode, 200, 'but can edit their own')
  t.match(bodyOf(own), { jobTitle: 'Tills and stock', phone: '+44 20 7946 0000' })
  const badPhone = await as(staff, 'PATCH', `/api/members/${staff.id}`, { phone: 'call me maybe' })
  t.equal(badPhone.statusCode, 400)
  t.equal(bodyOf(badPhone).code, 'invalid_phone')
  t.equal(
    (await ctx.db.selectFrom('member').select('status').where('id', '=', pending.id).executeTakeFirst())?.status,
    'pending',
  )
})

t.test('a manager sees pending and deactivated members', async (t) => {
  const list = bodyOf<MemberDetail[]>(await as(manager, 'GET', '/api/members'))
  t.ok(list.some((m) => m.id === pending.id && m.status === 'pending'))
  const onlyPending = bodyOf<MemberDetail[]>(await as(manager, 'GET', '/api/members?status=pending'))
  t.same(
    onlyPending.map((m) => m.id),
    [pending.id],
  )
})

t.test('a manager cannot make anyone an owner or a manager, nor change an owner or another manager', async (t) => {
  const toOwner = await setAccess(manager, staff.id, { role: 'owner' })
  t.equal(toOwner.statusCode, 403)
  t.equal(bodyOf(toOwner).code, 'outranked')
  const toManager = await setAccess(manager, staff.id, { role: 'manager' })
  t.equal(toManager.statusCode, 403)
  t.equal(bodyOf(toManager).code, 'outranked')
  const managerInvite = await as(manager, 'POST', '/api/invites', { role: 'manager', expiresInHours: 1, maxUses: 1 })
  t.equal(managerInvite.statusCode, 403)
  t.equal(bodyOf(managerInvite).code, 'outranked')

  const otherManager = await createMember(app, owner.cookie, { role: 'manager' })
  const attempts: [string, Promise<{ statusCode: number; json(): unknown }>][] = [
    ['demote the owner', setAccess(manager, owner.id, { role: 'staff' })],
    ["change the owner's permissions", setAccess(manager, owner.id, { permissions: [] })],
    ['deactivate the owner', as(manager, 'POST', `/api/members/${owner.id}/deactivate`)],
    ["edit the owner's profile", as(manager, 'PATCH', `/api/members/${owner.id}`, { displayName: 'Former owner' })],
    ['demote another manager', setAccess(manager, otherManager.id, { role: 'staff' })],
    ['deactivate another manager', as(manager, 'POST', `/api/members/${otherManager.id}/deactivate`)],
  ]
  for (const [what, attempt] of attempts) {
    const response = await attempt
    t.equal(response.statusCode, 403, what)
    t.equal((response.json() as { code: string }).code, 'outranked', what)
  }
  t.equal((await me(owner)).role, 'owner')
  t.equal((await me(otherManager)).role, 'manager')

  const board = await setAccess(manager, staff.id, { permissions: ['board.post'] })
  t.equal(board.statusCode, 200, 'a manager may grant what they hold to staff')
  t.same(bodyOf<MemberDetail>(board).permissions, ['board.post'])
})

t.test('nobody can grant or take away a permission they do not hold', async (t) => {
  const grant = await setAccess(manager, staff.id, { permissions: ['board.post', 'xero.read'] })
  t.equal(grant.statusCode, 403)
  t.equal(bodyOf(grant).code, 'permission_not_held')
  t.same((await me(staff)).permissions, ['board.post'], 'nothing changed')

  t.equal((await setAccess(owner, staff.id, { permissions: ['board.post', 'xero.write'] })).statusCode, 200)
  const takeAway = await setAccess(manager, staff.id, { permissions: ['board.post'] })
  t.equal(takeAway.statusCode, 403, 'removing xero.write needs xero.write')
  t.equal(bodyOf(takeAway).code, 'permission_not_held')
  t.same((await me(staff)).permissions, ['board.post', 'xero.write'])

  const unknown = await setAccess(owner, staff.id, { permissions: ['root'] })
  t.equal(unknown.statusCode, 400)
  t.equal(bodyOf(unknown).code, 'invalid_request')
  const display = await setAccess(owner, staff.id, { role: 'display' })
  t.equal(display.statusCode, 400)
  t.equal(bodyOf(display).code, 'invalid_role')
})

t.test('nobody changes their own access or deactivates themselves', async (t) => {
  const ownAccess = await setAccess(owner, owner.id, { role: 'manager' })
  t.equal(ownAccess.statusCode, 403)
  t.equal(bodyOf(ownAccess).code, 'cannot_change_own_access')
  const ownDeactivation = await as(owner, 'POST', `/api/members/${owner.id}/deactivate`)
  t.equal(ownDeactivation.statusCode, 403)
  t.equal(bodyOf(ownDeactivation).code, 'cannot_deactivate_self')
  const managerSelf = await setAccess(manager, manager.id, { permissions: [] })
  t.equal(bodyOf(managerSelf).code, 'cannot_change_own_access')
})

t.test(
  'the last active owner cannot be demoted or deactivated, even by a request that began while there were two',
  async (t) => {
    // An owner whose request was authorised just before they themselves were demoted.
    const second = await createMember(app, owner.cookie, { role: 'owner' })
    const secondSession = await resolveSession(ctx, second.cookie.split('=')[1]!, '10.9.9.9')
    t.ok(secondSession)
    const staleActor: Actor = {
      member: secondSession!.member,
      permissions: secondSession!.permissions,
      sessionId: secondSession!.session.id,
      ip: '10.9.9.9',
    }
    t.equal((await setAccess(owner, second.id, { role: 'manager' })).statusCode, 200)
    await t.rejects(updateAccess(ctx, staleActor, owner.id, { role: 'manager' }), { status: 409, code: 'last_owner' })
    await t.rejects(deactivateMember(ctx, staleActor, owner.id), { status: 409, code: 'last_owner' })
    t.match(await me(owner), { role: 'owner', status: 'active' })
    t.match(await me(second), { role: 'manager', status: 'active' })
  },
)

t.test('two owners demoting each other at the same moment leave exactly one owner', async (t) => {
  const second = await createMember(app, owner.cookie, { role: 'owner' })
  const [a, b] = await Promise.all([
    setAccess(owner, second.id, { role: 'manager' }),
    setAccess(second, owner.id, { role: 'manager' }),
  ])
  t.same([a.statusCode, b.statusCode].sort(), [200, 409])
  const loser = a.statusCode === 200 ? b : a
  t.equal(bodyOf(loser).code, 'last_owner')
  const owners = await ctx.db
    .selectFrom('member')
    .select('id')
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .execute()
  t.equal(owners.length, 1)
  const remaining = owners[0]!.id === owner.id ? owner : second
  const demoted = remaining === owner ? second : owner

  // Make the demoted one owner again, then both try to deactivate the other.
  t.equal((await setAccess(remaining, demoted.id, { role: 'owner' })).statusCode, 200)
  const [c, d] = await Promise.all([
    as(remaining, 'POST', `/api/members/${demoted.id}/deactivate`),
    as(demoted, 'POST', `/api/members/${remaining.id}/deactivate`),
  ])
  t.same([c.statusCode, d.statusCode].sort(), [200, 409])
  t.equal(bodyOf(c.statusCode === 200 ? d : c).code, 'last_owner')
  const left = await ctx.db
    .selectFrom('member')
    .select('id')
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .execute()
  t.equal(left.length, 1, 'still exactly one active owner')
})
