/**
 * A wall display's socket carries what the wall shows and nothing else: no channel names
 * or topics, no member details, neither live nor when it resumes from the event log.
 */
import t, { type Test } from 'tap'
import { createMember, listen, setupOwner, startApp } from '../helpers/app'
import { as, boardIdOf, createChannel, lastEventId, pairDisplay, send } from '../helpers/chat'
import { eventsIn, openSocket, type Frame, type TestSocket } from '../helpers/socket'

const { app, ctx, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)
const staff = await createMember(app, owner.cookie, { displayName: 'Sam Staff' })
const display = await pairDisplay(app, owner)
const boardId = await boardIdOf(app, owner)

async function connect(cookie: string, since?: number): Promise<TestSocket> {
  const socket = await openSocket(baseUrl, cookie, since === undefined ? {} : { since })
  t.teardown(() => socket.close())
  await socket.waitFor((f) => f.kind === 'caught-up', 5000)
  return socket
}

/** Shop-wide changes a wall does not show: a channel made and renamed, a member edited, a page off the wall. */
async function shopChanges(t: Test, label: string): Promise<{ channelId: number; pageId: number }> {
  const channelId = await createChannel(app, owner, `stockroom ${label}`)
  const renamed = await as(app, owner, 'PATCH', `/api/conversations/${channelId}`, {
    name: `secret plans ${label}`,
    topic: 'the supplier we are dropping',
  })
  t.equal(renamed.statusCode, 200, 'the channel is renamed')
  const edited = await as(app, owner, 'PATCH', `/api/members/${staff.id}`, { jobTitle: `Buyer ${label}` })
  t.equal(edited.statusCode, 200, 'the member is edited')
  const page = await as(app, owner, 'POST', '/api/pages', {
    title: `Pay rises ${label}`,
    body: 'Not for the wall.',
    showOnWall: false,
  })
  t.equal(page.statusCode, 201, 'a page not on the wall is made')
  return { channelId, pageId: (page.json() as { id: number }).id }
}

const LEAKY = /^(conversation\.|member\.|read\.|reaction\.|session\.|telegram\.)/

function leaks(frames: readonly Frame[]): string[] {
  const found: string[] = []
  for (const frame of eventsIn(frames)) {
    if (LEAKY.test(frame.type ?? '')) found.push(frame.type ?? '')
    const text = JSON.stringify(frame.data)
    for (const secret of ['secret plans', 'supplier we are dropping', 'stockroom', 'Pay rises', 'Buyer']) {
      if (text.includes(secret)) found.push(`${frame.type} mentions "${secret}"`)
    }
  }
  return found
}

t.test('a display socket gets none of the shop-wide events the wall does not show; a staff socket does', async (t) => {
  const wall = await connect(display.cookie)
  const phone = await connect(staff.cookie)
  await shopChanges(t, 'live')
  // The board message comes after the changes, on the same ordered stream: once it has
  // arrived, everything before it has been delivered or withheld.
  const marker = await send(app, owner, boardId, 'Delivery at ten')
  const isMarker = (f: Frame) => f.type === 'message.created' && hasId(f, marker.id)
  await wall.waitFor(isMarker)
  await phone.waitFor(isMarker)

  t.same(leaks(wall.frames), [], 'the wall received no channel, member or off-wall page details')
  const phoneTypes = eventsIn(phone.frames).map((f) => f.type)
  t.ok(phoneTypes.includes('conversation.created'), 'the staff phone heard of the new channel')
  t.ok(phoneTypes.includes('conversation.updated'), 'and of its new name')
  t.ok(phoneTypes.includes('member.updated'), 'and of the member edit')
  const directory = eventsIn(wall.frames).filter((f) => f.type === 'directory.changed')
  t.ok(
    directory.some((f) => (f.data as { memberId: number }).memberId === staff.id),
    'the wall learns only that a directory entry changed, so it can refresh who is on shift',
  )
  const page = eventsIn(wall.frames).find((f) => f.type === 'page.changed')
  t.match(page?.data, { title: '', showOnWall: false }, 'an off-wall page reaches the wall without its title')
})

t.test('a display resuming from the event log is not replayed those events either', async (t) => {
  const since = await lastEventId(ctx)
  await shopChanges(t, 'missed')
  const marker = await send(app, owner, boardId, 'Lunch rota is up')
  const staffReplay = await connect(staff.cookie, since)
  const wallReplay = await connect(display.cookie, since)
  const replayed = (socket: TestSocket) =>
    socket.frames.slice(0, socket.frames.findIndex((f) => f.kind === 'caught-up') + 1)

  t.same(leaks(replayed(wallReplay)), [], 'the replay to the wall holds no channel, member or page details')
  t.ok(
    eventsIn(replayed(wallReplay)).some((f) => hasId(f, marker.id)),
    'but it does hold the board message the wall shows',
  )
  t.ok(
    eventsIn(replayed(staffReplay)).some((f) => f.type === 'conversation.updated'),
    'the same replay to staff holds the channel rename',
  )
  const caughtUp = wallReplay.frames.find((f) => f.kind === 'caught-up')
  t.equal(caughtUp?.lastEventId, await lastEventId(ctx), 'the wall is caught up to the newest event, seen or not')
})

function hasId(frame: Frame, messageId: number): boolean {
  return (frame.data as { message?: { id: number } } | undefined)?.message?.id === messageId
}
