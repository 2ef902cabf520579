import t from 'tap'
import { bodyOf, cookieOf, nextAddress, setupBody, startApp } from '../helpers/app'
import { apiRoutes, plausibleValue } from '../helpers/openapi'

const { app, ctx, close } = await startApp()
t.teardown(close)

const ALWAYS_OPEN = new Set(['GET /api/setup', 'POST /api/setup'])

function postSetup(payload: unknown) {
  return app.inject({ method: 'POST', url: '/api/setup', remoteAddress: nextAddress(), payload: payload as object })
}

t.test(
  'before setup every /api route answers 409 setup_required, except setup itself and the API document',
  async (t) => {
    const routes = await apiRoutes(app)
    t.ok(routes.length > 20, `found ${routes.length} routes`)
    for (const route of routes) {
      if (ALWAYS_OPEN.has(`${route.method} ${route.path}`)) continue
      const response = await app.inject({
        method: route.method,
        url: route.url,
        ...(route.body ? { payload: plausibleValue(route.body) as object } : {}),
      })
      t.equal(response.statusCode, 409, `${route.method} ${route.path}`)
      t.equal(bodyOf(response).code, 'setup_required', `${route.method} ${route.path}`)
    }
    const status = await app.inject({ method: 'GET', url: '/api/setup' })
    t.equal(status.statusCode, 200)
    t.same(bodyOf(status), { isSetupRequired: true, hasSession: false, version: ctx.version })
    t.equal((await app.inject({ method: 'GET', url: '/api/openapi.json' })).statusCode, 200)
    const health = await app.inject({ method: 'GET', url: '/healthz' })
    t.equal(health.statusCode, 200)
    t.equal(bodyOf(health).status, 'ok')
  },
)

t.test('setup refuses bad input with a specific code and creates nothing', async (t) => {
  const cases: [string, Record<string, string>, string][] = [
    ['a short password', { password: 'short1' }, 'password_too_short'],
    ['a common password', { password: 'Password123' }, 'password_too_common'],
    ['a password equal to the username', { username: 'olive.green', password: 'Olive.Green' }, 'password_too_common'],
    ['a password of one repeated character', { password: 'zzzzzzzzzzzz' }, 'password_too_common'],
    ['a username with spaces', { username: 'olive owner' }, 'invalid_username'],
    ['a username that is too short', { username: 'ol' }, 'invalid_username'],
    ['a username starting with a dot', { username: '.olive' }, 'invalid_username'],
    ['an unknown timezone', { timezone: 'Mars/Olympus_Mons' }, 'invalid_timezone'],
    ['a timezone that is not a name', { timezone: '+02:00' }, 'invalid_timezone'],
    ['a blank shop name', { shopName: '   ' }, 'invalid_name'],
    ['a blank display name', { displayName: '  ' }, 'invalid_display_name'],
  ]
  for (const [what, change, code] of cases) {
    const response = await postSetup({ ...setupBody(), ...change })
    t.equal(response.statusCode, 400, what)
    t.equal(bodyOf(response).code, code, what)
    t.type(bodyOf(response).message, 'string')
  }
  const missing = await postSetup({ shopName: 'Corner Hardware' })
  t.equal(missing.statusCode, 400)
  t.equal(bodyOf(missing).code, 'invalid_request')
  t.equal(await ctx.db.selectFrom('member').select('id').executeTakeFirst(), undefined, 'no member was created')
  t.equal(await ctx.db.selectFrom('shop').select('id').executeTakeFirst(), undefined, 'no shop was created')
})

t.test('setup succeeds exactly once even when two browsers submit at the same moment', async (t) => {
  const [first, second] = await Promise.all([
    postSetup(setupBody({ username: 'olive' })),
    postSetup(setupBody({ username: 'oscar', displayName: 'Oscar Owner' })),
  ])
  const statuses = [first?.statusCode, second?.statusCode].sort()
  t.same(statuses, [201, 409])
  const winner = first?.statusCode === 201 ? first : second
  const loser = first?.statusCode === 201 ? second : first
  t.equal(bodyOf(loser!).code, 'setup_done')
  t.equal(loser!.cookies.length, 0, 'the loser gets no session')

  const me = bodyOf<{ member: { username: string; role: string; status: string; permissions: string[] } }>(winner!)
  t.equal(me.member.role, 'owner')
  t.equal(me.member.status, 'active')
  const owners = await ctx.db.selectFrom('member').select(['username', 'role']).execute()
  t.same(owners, [{ username: me.member.username, role: 'owner' }], 'exactly one member, the winner')
  t.equal((await ctx.db.selectFrom('shop').selectAll().execute()).length, 1)

  const signedIn = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: cookieOf(winner!) } })
  t.equal(signedIn.statusCode, 200, "the winner's cookie signs them in")
  t.same(bodyOf<{ shop: unknown }>(signedIn).shop, {
    name: 'Corner Hardware',
    timezone: 'Europe/London',
    maxFileMb: 25,
  })
})

t.test('after setup, setup is refused and the status says so', async (t) => {
  const again = await postSetup(setupBody({ username: 'mallory' }))
  t.equal(again.statusCode, 409)
  t.equal(bodyOf(again).code, 'setup_done')
  const status = await app.inject({ method: 'GET', url: '/api/setup' })
  t.equal(bodyOf(status).isSetupRequired, false)
  const me = await app.inject({ method: 'GET', url: '/api/me' })
  t.equal(me.statusCode, 401, 'other routes now ask for a session instead of setup')
  t.equal(bodyOf(me).code, 'unauthorized')
})

t.test('the audit log records setup.completed once, by the new owner', async (t) => {
  const rows = await ctx.db.selectFrom('audit').selectAll().where('action', '=', 'setup.completed').execute()
  t.equal(rows.length, 1)
  const row = rows[0]!
  const owner = await ctx.db.selectFrom('member').selectAll().executeTakeFirstOrThrow()
  t.equal(row.actor_id, owner.id)
  t.equal(row.target_id, owner.id)
  t.match(row.actor_name, `@${owner.username}`)
  t.same(JSON.parse(row.detail), { shopName: 'Corner Hardware', timezone: 'Europe/London' })
  t.notMatch(row.detail, /password/i)
})
