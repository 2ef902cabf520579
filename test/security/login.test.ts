/** Sign-in tells a caller nothing about an account beyond "those credentials do not work". */
import t from 'tap'
import { bodyOf, createMember, login, setupOwner, startApp } from '../helpers/app'

const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)

t.test('a deactivated account with the right password gets the same 401 as a wrong password', async (t) => {
  const leaver = await createMember(app, owner.cookie)
  const deactivated = await app.inject({
    method: 'POST',
    url: `/api/members/${leaver.id}/deactivate`,
    headers: { cookie: owner.cookie },
  })
  t.equal(deactivated.statusCode, 200)

  const right = await login(app, leaver)
  const wrong = await login(app, { username: leaver.username, password: 'not the password at all' })
  const unknown = await login(app, { username: 'nobody-here', password: 'not the password at all' })
  t.equal(right.statusCode, 401, 'the right password')
  t.same(bodyOf(right), bodyOf(wrong), 'answers exactly like a wrong password')
  t.same(bodyOf(right), bodyOf(unknown), 'and like an unknown username')
  t.same(bodyOf(right), { code: 'invalid_credentials', message: 'That username and password do not match.' })
  t.same(right.cookies, [], 'no cookie of any kind')

  const failures = await ctx.db
    .selectFrom('audit')
    .select(['action', 'detail'])
    .where('action', '=', 'login.failed')
    .where('target_id', '=', leaver.id)
    .execute()
  t.equal(failures.length, 2, 'both attempts are audited as failed sign-ins')
  t.ok(
    failures.some((row) => JSON.parse(row.detail).deactivated === true),
    'the audit log tells the owner the account was deactivated',
  )
})
