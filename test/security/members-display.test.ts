/**
 * A wall display hangs where anyone in the shop can read it: it gets what the wall shows
 * and nothing else from the member routes, and no answer it can get carries a phone number.
 */
import t from 'tap'
import { bodyOf, createMember, nextAddress, setupOwner, startApp } from '../helpers/app'
import { as, pairDisplay, tinyPng } from '../helpers/chat'
import { apiRoutes } from '../helpers/openapi'

const { app, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager', username: 'mona' })
const sam = await createMember(app, owner.cookie, { username: 'sam', displayName: 'Sam Shelves' })
const tom = await createMember(app, owner.cookie, { username: 'tom', displayName: 'Tom Till' })
const display = await pairDisplay(app, manager, 'Back wall')

const PHONES = { [sam.id]: '+44 7700 900123', [tom.id]: '+44 7700 900456', [owner.id]: '+44 7700 900789' }
for (const [id, phone] of Object.entries(PHONES)) {
  const response = await as(app, owner, 'PATCH', `/api/members/${id}`, { phone })
  if (response.statusCode !== 200) throw new Error(`phone failed: ${response.statusCode} ${response.body}`)
}

function putAvatar(member: { cookie: string }, id: number) {
  return app.inject({
    method: 'PUT',
    url: `/api/members/${id}/avatar`,
    remoteAddress: nextAddress(),
    headers: { cookie: member.cookie, 'content-type': 'image/png' },
    payload: tinyPng(32, 32),
  })
}

/** The digits of every staff phone number, so a reformatted number is caught as well. */
const phoneDigits = Object.values(PHONES).map((phone) => phone.replace(/\D/g, ''))

function leakedPhone(body: string): string | undefined {
  const digits = body.replace(/\D/g, '')
  return phoneDigits.find((phone) => digits.includes(phone))
}

t.test('a display is refused the member list and member records with 403 read_only', async (t) => {
  for (const url of [
    '/api/members',
    '/api/members?status=active',
    `/api/members/${sam.id}`,
    `/api/members/${display.id}`,
  ]) {
    const response = await as(app, display, 'GET', url)
    t.equal(response.statusCode, 403, url)
    t.equal(bodyOf(response).code, 'read_only', url)
    t.equal(leakedPhone(response.body), undefined, `${url}: no phone number`)
  }
  const rename = await as(app, display, 'PATCH', `/api/members/${display.id}`, { displayName: 'Olive Owner' })
  t.equal(rename.statusCode, 403, 'nor may it edit a profile, its own included')
  t.equal(bodyOf(rename).code, 'read_only')

  const staff = await as(app, sam, 'GET', `/api/members/${tom.id}`)
  t.equal(staff.statusCode, 200, 'staff still see colleagues')
  t.equal(bodyOf<{ phone: string }>(staff).phone, PHONES[tom.id], 'with their phone numbers')
})

t.test('a display loads the photos of those the wall shows on shift, and no others', async (t) => {
  t.equal((await putAvatar(sam, sam.id)).statusCode, 200)
  t.equal((await putAvatar(tom, tom.id)).statusCode, 200)
  await as(app, sam, 'PUT', '/api/me/status', { shiftStatus: 'on_shift', untilMinutes: null })
  await as(app, tom, 'PUT', '/api/me/status', { shiftStatus: 'off_shift', untilMinutes: null })

  const wall = bodyOf<{ onShift: { id: number; avatarUrl: string | null; phone: string }[] }>(
    await as(app, display, 'GET', '/api/wall'),
  )
  const shown = wall.onShift.find((entry) => entry.id === sam.id)
  t.ok(shown?.avatarUrl, 'the wall shows Sam on shift, with a photo')
  t.equal(shown?.phone, '', 'and without a phone number')
  t.equal((await as(app, display, 'GET', shown!.avatarUrl!)).statusCode, 200, 'the display loads that photo')

  const offShift = await as(app, display, 'GET', `/api/members/${tom.id}/avatar`)
  t.equal(offShift.statusCode, 404, 'but not the photo of someone the wall does not show')
  t.equal(bodyOf(offShift).code, 'avatar_not_found')
  t.equal((await as(app, sam, 'GET', `/api/members/${tom.id}/avatar`)).statusCode, 200, 'colleagues still do')
})

t.test('no GET route of the API document gives a display a staff phone number', async (t) => {
  await as(app, tom, 'PUT', '/api/me/status', { shiftStatus: 'on_shift', untilMinutes: null })
  const ids = [sam.id, tom.id, owner.id, manager.id, display.id]
  const routes = (await apiRoutes(app)).filter((route) => route.method === 'GET')
  t.ok(
    routes.some((route) => route.path === '/api/members/{id}'),
    'the sweep covers the member routes',
  )
  let answered = 0
  for (const route of routes) {
    // Every path parameter is tried with the id of every member (and 1 for other ids).
    const urls = route.path.includes('{id}') ? ids.map((id) => route.path.replace('{id}', String(id))) : [route.url]
    for (const path of urls) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'code' ? 'ABCDEFGH' : '1'))
      const response = await as(app, display, 'GET', url)
      t.ok(response.statusCode < 500, `${url} answered ${response.statusCode}`)
      if (response.statusCode === 200) answered += 1
      t.equal(leakedPhone(response.body), undefined, `${url}: no phone number`)
    }
  }
  t.ok(answered >= 3, `the display still gets what the wall needs (${answered} answers)`)
})
