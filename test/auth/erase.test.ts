import t from 'tap'
import { eraseMember } from '../../server/auth/members-service'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, createMember, login, MEMBER_PASSWORD, setupOwner, startApp } from '../helpers/app'
import { as, createChannel, historyOf, send, tinyPng } from '../helpers/chat'

const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager' })
const leaver = await createMember(app, owner.cookie, { username: 'lena', displayName: 'Lena Leaving' })
const formerName = `Former member ${leaver.id}`

const profiled = await as(app, leaver, 'PATCH', `/api/members/${leaver.id}`, {
  jobTitle: 'Saturday till',
  phone: '+44 7700 900555',
})
if (profiled.statusCode !== 200) throw new Error(`profile: ${profiled.statusCode} ${profiled.body}`)
const photo = await app.inject({
  method: 'PUT',
  url: `/api/members/${leaver.id}/avatar`,
  headers: { cookie: leaver.cookie, 'content-type': 'image/png' },
  payload: tinyPng(64, 64),
})
if (photo.statusCode !== 200) throw new Error(`photo: ${photo.statusCode} ${photo.body}`)
const channel = await createChannel(app, owner, 'tills', { members: [leaver, manager] })
const earlier = await send(app, leaver, channel, 'Till 2 float counted: all correct')

async function memberRow(id: number) {
  return ctx.db.selectFrom('member').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

t.test('an active member cannot be erased: deactivate first', async (t) => {
  const response = await as(app, owner, 'POST', `/api/members/${leaver.id}/erase`)
  t.equal(response.statusCode, 409)
  t.equal(bodyOf(response).code, 'not_deactivated')
  t.equal((await memberRow(leaver.id)).display_name, 'Lena Leaving', 'nothing changed')
})

t.test('only an owner may erase', async (t) => {
  const deactivated = await as(app, manager, 'POST', `/api/members/${leaver.id}/deactivate`)
  t.equal(deactivated.statusCode, 200)

  const byManager = await as(app, manager, 'POST', `/api/members/${leaver.id}/erase`)
  t.equal(byManager.statusCode, 403, 'the route refuses a manager')
  t.equal(bodyOf(byManager).code, 'forbidden')

  // Behind the route, the service holds the same rule on its own.
  const managerRow = await memberRow(manager.id)
  await t.rejects(
    eraseMember(ctx, { member: managerRow, permissions: ['members.manage'], sessionId: 0, ip: '127.0.0.1' }, leaver.id),
    { status: 403, code: 'owner_only' },
  )
  t.equal((await memberRow(leaver.id)).display_name, 'Lena Leaving', 'nothing changed')

  const missing = await as(app, owner, 'POST', '/api/members/99999/erase')
  t.equal(missing.statusCode, 404)
})

t.test('erasing replaces the name and removes phone, job, photo and password; messages stay', async (t) => {
  const response = await as(app, owner, 'POST', `/api/members/${leaver.id}/erase`)
  t.equal(response.statusCode, 200)
  t.match(bodyOf(response), {
    id: leaver.id,
    displayName: formerName,
    username: `former-${leaver.id}`,
    jobTitle: '',
    phone: '',
    status: 'deactivated',
    permissions: [],
  })

  const row = await memberRow(leaver.id)
  t.equal(row.password_hash, null)
  t.equal(row.avatar_file_id, null)
  const avatar = await as(app, owner, 'GET', `/api/members/${leaver.id}/avatar`)
  t.equal(avatar.statusCode, 404, 'the photo is gone')

  const detail = bodyOf(await as(app, owner, 'GET', `/api/members/${leaver.id}`))
  t.match(detail, { displayName: formerName, jobTitle: '', phone: '' })

  for (const username of ['lena', `former-${leaver.id}`]) {
    const attempt = await login(app, { username, password: MEMBER_PASSWORD })
    t.equal(attempt.statusCode, 401, `cannot sign in as ${username}`)
  }
  const stale = await as(app, leaver, 'GET', '/api/me')
  t.equal(stale.statusCode, 401, 'the old session is gone')

  const history: MessageView[] = await historyOf(app, manager, channel)
  const kept = history.find((m) => m.id === earlier.id)
  t.ok(kept, 'the earlier message is still there')
  t.equal(kept?.body, 'Till 2 float counted: all correct')
  t.match(kept?.author, { id: leaver.id, displayName: formerName })

  const audit = await ctx.db.selectFrom('audit').selectAll().where('action', '=', 'member.erased').execute()
  t.equal(audit.length, 1)
  t.equal(audit[0]!.actor_id, owner.id)
  t.notMatch(JSON.stringify(audit[0]), /Lena/, 'the audit entry does not keep the old name')
})
