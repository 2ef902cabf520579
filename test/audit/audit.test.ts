import t from 'tap'
import { bodyOf, createMember, login, setupOwner, startApp } from '../helpers/app'

const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager' })
const staff = await createMember(app, owner.cookie)

interface AuditEntry {
  id: number
  at: number
  actorId: number | null
  actorName: string
  action: string
  targetId: number | null
  targetName: string
  ip: string
  detail: Record<string, unknown>
}

function asOwner(url: string) {
  return app.inject({ method: 'GET', url, headers: { cookie: owner.cookie } })
}

async function entries(query = ''): Promise<AuditEntry[]> {
  const response = await asOwner(`/api/audit${query}`)
  if (response.statusCode !== 200) throw new Error(`audit failed: ${response.body}`)
  return bodyOf<AuditEntry[]>(response)
}

/** RFC 4180 parsing, enough to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let isQuoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (isQuoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (char === '"') isQuoted = false
      else cell += char
    } else if (char === '"' && cell === '') isQuoted = true
    else if (char === ',') {
      row.push(cell)
      cell = ''
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += char
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell])
  return rows
}

t.test('only owners can read or export the audit log', async (t) => {
  for (const member of [manager, staff]) {
    for (const url of ['/api/audit', '/api/audit.csv']) {
      const response = await app.inject({ method: 'GET', url, headers: { cookie: member.cookie } })
      t.equal(response.statusCode, 403, url)
      t.equal(bodyOf(response).code, 'forbidden', url)
    }
  }
  const granted = await app.inject({
    method: 'PUT',
    url: `/api/members/${manager.id}/access`,
    headers: { cookie: owner.cookie },
    payload: { permissions: ['settings.manage', 'xero.read', 'xero.write'] },
  })
  t.equal(granted.statusCode, 200)
  const stillRefused = await app.inject({ method: 'GET', url: '/api/audit', headers: { cookie: manager.cookie } })
  t.equal(stillRefused.statusCode, 403, 'no grant of permissions makes a manager an owner')
  t.equal((await asOwner('/api/audit')).statusCode, 200)
})

t.test('entries are newest first with their detail as an object', async (t) => {
  const all = await entries()
  t.ok(all.length > 5)
  t.ok(
    all.every((entry, i) => i === 0 || entry.id < all[i - 1]!.id),
    'ids descend',
  )
  const setup = all.find((entry) => entry.action === 'setup.completed')
  t.match(setup, { actorId: owner.id, detail: { shopName: 'Corner Hardware', timezone: 'Europe/London' } })
  const page = await entries('?limit=2')
  t.same(
    page.map((e) => e.id),
    all.slice(0, 2).map((e) => e.id),
  )
  const next = await entries(`?limit=2&beforeId=${page[1]!.id}`)
  t.same(
    next.map((e) => e.id),
    all.slice(2, 4).map((e) => e.id),
    'beforeId pages back',
  )
})

t.test('the log filters by action prefix, underscores included', async (t) => {
  await login(app, { username: staff.username, password: 'wrong password here' })
  await login(app, staff)
  await app.inject({ method: 'POST', url: '/api/join-code/rotate', headers: { cookie: owner.cookie } })
  await app.inject({
    method: 'PUT',
    url: `/api/members/${staff.id}/access`,
    headers: { cookie: owner.cookie },
    payload: { role: 'manager' },
  })

  const logins = await entries('?action=login.')
  t.same(logins.map((e) => e.action).sort(), ['login.failed', 'login.succeeded'])
  const loginAll = await entries('?action=login')
  t.ok(loginAll.length >= 2)
  t.ok(
    loginAll.every((e) => e.action.startsWith('login')),
    'a prefix without the dot works too',
  )
  const members = await entries('?action=member.')
  t.ok(members.length >= 3)
  t.ok(members.every((e) => e.action.startsWith('member.')))
  t.same(
    (await entries('?action=join_code')).map((e) => e.action),
    ['join_code.rotated'],
    'an underscore is matched literally',
  )
  t.same(
    (await entries('?action=member.role_changed')).map((e) => [e.action, e.targetId]),
    [['member.role_changed', staff.id]],
  )
  t.same(await entries('?action=join_requested'), [], '_ is not a wildcard: join.requested does not match')
  t.same(await entries('?action=nothing'), [])
  const actor = await entries(`?actorId=${owner.id}&action=member.`)
  t.ok(actor.length > 0 && actor.every((e) => e.actorId === owner.id))
  const bad = await asOwner('/api/audit?action=%25')
  t.equal(bad.statusCode, 400, 'a % is refused rather than used as a wildcard')
  t.equal(bodyOf(bad).code, 'invalid_request')
})

t.test('the CSV export has a header row, escapes quotes and commas, and defuses formulas', async (t) => {
  const names = [
    '=HYPERLINK("http://evil.example","Click, please")',
    '+1+1',
    '-2+3',
    '@SUM(A1:A9)',
    'Plain "Quoted", Name',
  ]
  for (const displayName of names) {
    const response = await app.inject({
      method: 'PATCH',
      url: `/api/members/${staff.id}`,
      headers: { cookie: staff.cookie },
      payload: { displayName },
    })
    t.equal(response.statusCode, 200, displayName)
  }

  const response = await asOwner('/api/audit.csv')
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.equal(response.headers['content-disposition'], 'attachment; filename="backboard-audit-2026-12-01.csv"')
  t.ok(response.body.endsWith('\r\n'))

  const rows = parseCsv(response.body)
  t.same(rows[0], [
    'id',
    'time_utc',
    'time_Europe/London',
    'action',
    'actor_id',
    'actor',
    'target_id',
    'target',
    'ip',
    'detail',
  ])
  const all = await entries('?limit=500')
  t.equal(rows.length - 1, all.length, 'one row per entry')
  t.ok(
    rows.every((row) => row.length === 10),
    'every row has ten cells',
  )
  t.same(rows[1]?.slice(0, 2), [String(all[0]!.id), new Date(all[0]!.at).toISOString()])
  t.equal(rows[1]?.[2], '2026-12-01 09:00:00', "the shop's local time")

  const targets = rows.filter((row) => row[3] === 'member.updated' && row[6] === String(staff.id)).map((row) => row[7])
  for (const name of names) {
    const isFormula = /^[=+\-@]/.test(name)
    t.ok(targets.includes(`${isFormula ? "'" : ''}${name} (@${staff.username})`), `${name} survives, defused`)
  }
  for (const row of rows) {
    for (const cell of row) t.notMatch(cell, /^[=+\-@\t\r]/, `no cell starts a formula: ${cell.slice(0, 40)}`)
  }
  t.ok(
    response.body.includes(`"'=HYPERLINK(""http://evil.example"",""Click, please"") (@${staff.username})"`),
    'quotes are doubled inside a quoted cell',
  )
  t.ok(response.body.includes(`"Plain ""Quoted"", Name (@${staff.username})"`))

  const filtered = parseCsv((await asOwner('/api/audit.csv?action=setup')).body)
  t.equal(filtered.length, 2, 'the header and the one setup entry')
  t.equal(filtered[1]?.[3], 'setup.completed')
})

t.test('the audit log cannot be changed through the database either', async (t) => {
  await t.rejects(ctx.db.deleteFrom('audit').execute(), /append-only/)
  await t.rejects(ctx.db.updateTable('audit').set({ actor_name: 'nobody' }).execute(), /append-only/)
})
