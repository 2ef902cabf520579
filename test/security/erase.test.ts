/**
 * Erasing a member's personal data cannot be blocked by someone holding the username the
 * erase gives out, and nobody can take such a name any more.
 */
import t from 'tap'
import { bodyOf, createMember, setupBody, setupOwner, startApp } from '../helpers/app'
import { as } from '../helpers/chat'

t.test('erase succeeds even when another member already holds former-<id>', async (t) => {
  const { app, ctx, close } = await startApp()
  t.teardown(close)
  const owner = await setupOwner(app)
  const leaver = await createMember(app, owner.cookie, { username: 'lena', displayName: 'Lena Leaving' })
  const profiled = await as(app, leaver, 'PATCH', `/api/members/${leaver.id}`, { phone: '+44 7700 900555' })
  t.equal(profiled.statusCode, 200)
  const squatter = await createMember(app, owner.cookie, { username: 'sam', displayName: 'Sam Squatter' })
  const second = await createMember(app, owner.cookie, { username: 'sid', displayName: 'Sid Second' })
  // Data from before those names were reserved: written straight into the table, the way
  // a join used to store it. Usernames compare without case, so `Former-` collides too.
  await ctx.db
    .updateTable('member')
    .set({ username: `Former-${leaver.id}` })
    .where('id', '=', squatter.id)
    .execute()
  await ctx.db
    .updateTable('member')
    .set({ username: `former-${leaver.id}-2` })
    .where('id', '=', second.id)
    .execute()

  t.equal((await as(app, owner, 'POST', `/api/members/${leaver.id}/deactivate`)).statusCode, 200)
  const erased = await as(app, owner, 'POST', `/api/members/${leaver.id}/erase`)
  t.equal(erased.statusCode, 200, erased.body)
  t.match(bodyOf(erased), {
    id: leaver.id,
    username: `former-${leaver.id}-3`,
    displayName: `Former member ${leaver.id}`,
    phone: '',
  })

  const row = await ctx.db.selectFrom('member').selectAll().where('id', '=', leaver.id).executeTakeFirstOrThrow()
  t.equal(row.phone, '', 'the phone number is gone')
  t.equal(row.password_hash, null, 'the password is gone')
  t.notMatch(JSON.stringify(row), /lena|Lena|900555/, 'nothing personal is left in the row')
  const others = await ctx.db
    .selectFrom('member')
    .select(['id', 'username'])
    .where('id', 'in', [squatter.id, second.id])
    .orderBy('id')
    .execute()
  t.same(
    others.map((other) => other.username),
    [`Former-${leaver.id}`, `former-${leaver.id}-2`],
    'the members who held those names keep them',
  )
})

t.test('the names Backboard gives out itself cannot be taken at join or setup', async (t) => {
  const { app, close } = await startApp()
  t.teardown(close)
  const refusedSetup = await app.inject({
    method: 'POST',
    url: '/api/setup',
    payload: setupBody({ username: 'former-1' }),
  })
  t.equal(refusedSetup.statusCode, 400)
  t.equal(bodyOf(refusedSetup).code, 'username_reserved')

  const owner = await setupOwner(app)
  for (const username of ['former-3', 'FORMER-12', 'display-abcd2345']) {
    const invite = await as(app, owner, 'POST', '/api/invites', { role: 'staff', expiresInHours: 24, maxUses: 1 })
    const joined = await app.inject({
      method: 'POST',
      url: '/api/join',
      payload: {
        code: bodyOf<{ code: string }>(invite).code,
        displayName: `Joiner ${username}`,
        username,
        password: 'stock room shelves',
      },
    })
    t.equal(joined.statusCode, 400, `${username} is refused`)
    t.equal(bodyOf(joined).code, 'username_reserved')
  }
  // Names that merely look alike are fine.
  const alike = await createMember(app, owner.cookie, { username: 'former.manager' })
  t.equal(alike.status, 'active')
})
