/** The staff directory: who is listed, who may edit whom, and profile photos. */
import t from 'tap'
import { bodyOf, createMember, nextAddress, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { as, eventsAfter, lastEventId, pairDisplay, tinyPng } from '../helpers/chat'

const { app, ctx, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app, { displayName: 'Ana Nunes' })
const manager = await createMember(app, owner.cookie, { role: 'manager', username: 'mona', displayName: 'Mona Li' })
const sam = await createMember(app, owner.cookie, { username: 'sam', displayName: 'Sam Taylor' })
const tom = await createMember(app, owner.cookie, { username: 'tom', displayName: 'Tom Becker' })

interface Entry {
  id: number
  displayName: string
  role: string
  jobTitle: string
  phone: string
  avatarUrl: string | null
  isTelegramLinked: boolean
  presence: string
  shiftStatus: string
  isOnShift: boolean
}

async function directoryOf(member: SignedInMember): Promise<Entry[]> {
  const response = await as(app, member, 'GET', '/api/directory')
  if (response.statusCode !== 200) throw new Error(`directory failed: ${response.statusCode} ${response.body}`)
  return bodyOf<Entry[]>(response)
}

function putAvatar(member: SignedInMember, id: number, body: Buffer | string, contentType: string) {
  return app.inject({
    method: 'PUT',
    url: `/api/members/${id}/avatar`,
    remoteAddress: nextAddress(),
    headers: { cookie: member.cookie, 'content-type': contentType },
    payload: body,
  })
}

t.test('the directory lists active members only: no display, no one pending, no one who left', async (t) => {
  const display = await pairDisplay(app, manager, 'Back wall')
  await createMember(app, owner.cookie, { username: 'newbie', displayName: 'Nora Newbie', isPending: true })
  const leaver = await createMember(app, owner.cookie, { username: 'lee', displayName: 'Lee Leaver' })

  const before = await directoryOf(sam)
  t.same(
    before.map((entry) => entry.displayName),
    ['Ana Nunes', 'Lee Leaver', 'Mona Li', 'Sam Taylor', 'Tom Becker'],
    'every active person, by name; the wall display and the pending newcomer are not listed',
  )
  const ana = before.find((entry) => entry.id === owner.id)
  t.match(ana, { role: 'owner', avatarUrl: null, isTelegramLinked: false }, 'entries carry role, photo and Telegram')
  t.ok(['online', 'idle', 'offline'].includes(ana?.presence ?? ''), 'and presence')

  t.equal((await as(app, manager, 'POST', `/api/members/${leaver.id}/deactivate`)).statusCode, 200)
  const after = await directoryOf(sam)
  t.notOk(
    after.some((entry) => entry.id === leaver.id),
    'a deactivated member disappears from the directory',
  )

  const asDisplay = await as(app, display, 'GET', '/api/directory')
  t.equal(asDisplay.statusCode, 403, 'a wall display cannot read the directory (phone numbers)')
})

t.test('members edit their own entry; staff cannot edit others; managers edit those they manage', async (t) => {
  const own = await as(app, sam, 'PATCH', `/api/members/${sam.id}`, { jobTitle: 'Baker', phone: '+44 7700 900123' })
  t.equal(own.statusCode, 200, 'a member edits their own profile')
  const samEntry = (await directoryOf(tom)).find((entry) => entry.id === sam.id)
  t.match(samEntry, { jobTitle: 'Baker', phone: '+44 7700 900123' }, 'and colleagues see the change')

  const other = await as(app, sam, 'PATCH', `/api/members/${tom.id}`, { jobTitle: 'Cleaner' })
  t.equal(other.statusCode, 403, 'staff cannot edit a colleague')
  const badPhone = await as(app, sam, 'PATCH', `/api/members/${sam.id}`, { phone: 'call me maybe' })
  t.equal(badPhone.statusCode, 400)
  t.equal(bodyOf(badPhone).code, 'invalid_phone')

  const byManager = await as(app, manager, 'PATCH', `/api/members/${tom.id}`, { jobTitle: 'Deliveries' })
  t.equal(byManager.statusCode, 200, 'a manager edits a staff member')
  t.equal((await directoryOf(sam)).find((entry) => entry.id === tom.id)?.jobTitle, 'Deliveries')
  const outranked = await as(app, manager, 'PATCH', `/api/members/${owner.id}`, { jobTitle: 'Boss' })
  t.equal(outranked.statusCode, 403, 'but not the owner')
  t.equal(bodyOf(outranked).code, 'outranked')
})

t.test('a profile photo must be an image; it is served to members and can be removed', async (t) => {
  const html = await putAvatar(sam, sam.id, '<html><script>alert(1)</script></html>', 'image/jpeg')
  t.equal(html.statusCode, 400, 'an HTML body is refused, whatever its content type says')
  t.equal(bodyOf(html).code, 'invalid_image')

  const forOther = await putAvatar(sam, tom.id, tinyPng(16, 16), 'image/png')
  t.equal(forOther.statusCode, 403, 'staff cannot set a colleague’s photo')

  const since = await lastEventId(ctx)
  const own = await putAvatar(sam, sam.id, tinyPng(64, 64, [30, 120, 90]), 'image/png')
  t.equal(own.statusCode, 200, 'a member sets their own photo')
  const { avatarUrl } = bodyOf<{ avatarUrl: string }>(own)
  t.match(avatarUrl, new RegExp(`^/api/members/${sam.id}/avatar\\?v=\\d+$`))
  const changed = await eventsAfter(ctx, since, 'directory.changed')
  t.same(
    changed.map((event) => event.data),
    [{ memberId: sam.id }],
    'directory.changed goes out for live updates',
  )
  t.equal((await directoryOf(tom)).find((entry) => entry.id === sam.id)?.avatarUrl, avatarUrl, 'listed with it')

  const served = await as(app, tom, 'GET', avatarUrl)
  t.equal(served.statusCode, 200, 'colleagues load the photo')
  t.equal(served.headers['content-type'], 'image/png')
  const display = await pairDisplay(app, manager, 'Counter')
  t.equal((await as(app, display, 'GET', avatarUrl)).statusCode, 404, 'the wall does not while Sam is off shift')
  await as(app, sam, 'PUT', '/api/me/status', { shiftStatus: 'on_shift', untilMinutes: null })
  t.equal((await as(app, display, 'GET', avatarUrl)).statusCode, 200, 'and does once the wall shows Sam on shift')
  const anonymous = await app.inject({ method: 'GET', url: avatarUrl })
  t.equal(anonymous.statusCode, 401, 'but nobody signed out')

  const byManager = await putAvatar(manager, tom.id, tinyPng(32, 32), 'image/png')
  t.equal(byManager.statusCode, 200, 'a manager sets a staff member’s photo')

  const removed = await as(app, sam, 'DELETE', `/api/members/${sam.id}/avatar`)
  t.equal(removed.statusCode, 200)
  t.equal((await directoryOf(tom)).find((entry) => entry.id === sam.id)?.avatarUrl, null, 'the photo is gone')
  t.equal((await as(app, tom, 'GET', avatarUrl)).statusCode, 404, 'and no longer served')
})
