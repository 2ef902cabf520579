/**
 * The shop's join code admits newcomers, so the wall feed carries it only as the QR image
 * the wall shows, only to the wall (and to those who manage members and see it anyway),
 * and only while the shop chose to show it.
 */
import t from 'tap'
import { bodyOf, createMember, setupOwner, startApp } from '../helpers/app'
import { as, pairDisplay } from '../helpers/chat'

const { app, close } = await startApp()
t.teardown(close)
const owner = await setupOwner(app)
const manager = await createMember(app, owner.cookie, { role: 'manager', username: 'mona' })
const sam = await createMember(app, owner.cookie, { username: 'sam' })
const display = await pairDisplay(app, manager, 'Back wall')

async function joinCode(): Promise<string> {
  const response = await as(app, owner, 'GET', '/api/join-code')
  return bodyOf<{ code: string }>(response).code
}

async function wallOf(member: { cookie: string }) {
  const response = await as(app, member, 'GET', '/api/wall')
  if (response.statusCode !== 200) throw new Error(`wall failed: ${response.statusCode} ${response.body}`)
  return { body: response.body, join: bodyOf<{ join: Record<string, unknown> | null }>(response).join }
}

t.test('the wall gets the join QR image and never the code as text', async (t) => {
  const code = await joinCode()
  const wall = await wallOf(display)
  t.ok(wall.join, 'the setting is on by default: the wall shows the QR code')
  t.same(Object.keys(wall.join ?? {}), ['qrSvg'], 'as an image only')
  t.match(wall.join?.qrSvg, /^<svg[\s\S]*<\/svg>\s*$/)
  t.notOk(wall.body.includes(code), 'the code is nowhere in the answer')
  t.notOk(wall.body.toLowerCase().includes('/join/'), 'nor a join link')
})

t.test('a staff member asking for the wall feed gets no join code at all', async (t) => {
  const code = await joinCode()
  const wall = await wallOf(sam)
  t.equal(wall.join, null)
  t.notOk(wall.body.includes(code), 'the code is nowhere in the answer')
  t.ok((await wallOf(manager)).join, 'a manager, who sees the code in the members page anyway, gets the image')
})

t.test('with the setting off the wall gets no join QR code', async (t) => {
  const off = await as(app, owner, 'PATCH', '/api/settings', { wallShowJoinQr: false })
  t.equal(off.statusCode, 200)
  t.equal((await wallOf(display)).join, null, 'not for the wall')
  t.equal((await wallOf(owner)).join, null, 'nor for anyone else')
  await as(app, owner, 'PATCH', '/api/settings', { wallShowJoinQr: true })
  t.ok((await wallOf(display)).join, 'back on: shown again')
})
