import t from 'tap'
import type { StoredEventRow } from '../helpers/chat'
import { createMember, listen, setupOwner, startApp, type SignedInMember } from '../helpers/app'
import { eventsIn, openSocket, type Frame, type TestSocket } from '../helpers/socket'
import {
  boardIdOf,
  createChannel,
  eventsAfter,
  lastEventId,
  newClientKey,
  openDirect,
  seededRandom,
  send,
  sleep,
} from '../helpers/chat'

const { app, ctx, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)
const [amy, ben, cal, dee] = (await Promise.all([
  createMember(app, owner.cookie, { username: 'amy' }),
  createMember(app, owner.cookie, { username: 'ben' }),
  createMember(app, owner.cookie, { username: 'cal' }),
  createMember(app, owner.cookie, { username: 'dee' }),
])) as [SignedInMember, SignedInMember, SignedInMember, SignedInMember]
const boardId = await boardIdOf(app, owner)
// cal is in `shared` but not in `secret` nor in amy and ben's direct conversation.
const shared = await createChannel(app, owner, 'shared', { members: [amy, ben, cal] })
const secret = await createChannel(app, owner, 'secret', { isPrivate: true, members: [amy, ben] })
const direct = await openDirect(app, amy, [ben])

/** A typing frame carries these besides `kind`. */
type TypingFrame = Frame & { conversationId?: number; memberId?: number }

interface MessageData {
  message: { id: number; conversationId: number; body: string }
}

/** Whether `member` may see a stored event, by the rules the hub applies (memberships are static here). */
async function visibleTo(member: SignedInMember, event: StoredEventRow): Promise<boolean> {
  switch (event.audienceKind) {
    case 'member':
      return event.audienceId === member.id
    case 'shop':
      return true
    case 'managers':
      return false
    case 'conversation': {
      if (event.audienceId === boardId) return true
      const row = await ctx.db
        .selectFrom('conversation_member')
        .select('member_id')
        .where('conversation_id', '=', event.audienceId as number)
        .where('member_id', '=', member.id)
        .executeTakeFirst()
      return row !== undefined
    }
    default:
      throw new Error(`unknown audience ${event.audienceKind}`)
  }
}

async function connected(member: SignedInMember, since?: number): Promise<TestSocket> {
  const socket = await openSocket(baseUrl, member.cookie, since === undefined ? {} : { since })
  await socket.waitFor((f) => f.kind === 'caught-up', 5000)
  return socket
}

t.test(
  'a client receives message.created for its conversations, and a non-member none of a private channel',
  async (t) => {
    const calSocket = await connected(cal)
    const amySocket = await connected(amy)
    t.teardown(() => Promise.all([calSocket.close(), amySocket.close()]))
    const start = await lastEventId(ctx)

    const sent: { id: number; conversationId: number }[] = []
    for (let i = 0; i < 50; i++) {
      const author = i % 2 === 0 ? amy : ben
      const conversationId = [shared, secret, direct, secret, boardId][i % 5] as number
      const body = `message ${i}`
      const message =
        conversationId === boardId
          ? await send(app, owner, conversationId, body)
          : await send(app, author, conversationId, body)
      sent.push({ id: message.id, conversationId })
    }
    const lastShared = sent.filter((s) => s.conversationId === shared).at(-1)?.id
    const lastOverall = sent.at(-1)?.id
    await calSocket.waitFor((f) => f.type === 'message.created' && (f.data as MessageData).message.id === lastShared)
    await amySocket.waitFor((f) => f.type === 'message.created' && (f.data as MessageData).message.id === lastOverall)
    // Anything still in flight for cal would have arrived with or before the board message after it.
    await calSocket.waitFor((f) => f.type === 'message.created' && (f.data as MessageData).message.id === lastOverall)

    const calMessages = eventsIn(calSocket.frames)
      .filter((f) => f.type === 'message.created')
      .map((f) => (f.data as MessageData).message.id)
    t.same(
      calMessages,
      sent.filter((s) => s.conversationId === shared || s.conversationId === boardId).map((s) => s.id),
      'cal gets exactly the shared channel and board messages, in order',
    )
    const leaked = eventsIn(calSocket.frames).filter((f) => {
      const data = f.data as {
        message?: { conversationId: number }
        conversationId?: number
        conversation?: { id: number }
      }
      const conversationId = data.message?.conversationId ?? data.conversationId ?? data.conversation?.id
      return conversationId === secret || conversationId === direct
    })
    t.same(leaked, [], 'no event of the private channel or the direct conversation reaches cal')
    const amyMessages = eventsIn(amySocket.frames).filter(
      (f) => f.type === 'message.created' && (f.id as number) > start,
    )
    t.equal(amyMessages.length, 50, 'amy, in every conversation, gets all 50')
  },
)

t.test('resuming with ?since= after random disconnects gives every visible event exactly once, in order', async (t) => {
  const random = seededRandom(20261201)
  const startId = await lastEventId(ctx)
  const received: number[] = []
  let cursor = startId
  let socket: TestSocket | null = await connected(cal, cursor)
  let connecting: Promise<TestSocket> | null = null
  let reconnects = 0

  const record = (frames: Frame[]) => {
    for (const frame of eventsIn(frames)) {
      received.push(frame.id as number)
      cursor = Math.max(cursor, frame.id as number)
    }
  }
  /** Closes the socket, keeping what it received (it may have got events after the last look). */
  const drop = async (current: TestSocket) => {
    if (random() < 0.5) current.ws.terminate()
    else await current.close()
    await current.closed
    record(current.frames)
  }

  for (let i = 0; i < 1000; i++) {
    if (connecting === null && socket !== null && random() < 0.03) {
      const current: TestSocket = socket
      socket = null
      await drop(current)
    } else if (connecting === null && socket === null && random() < 0.3) {
      reconnects++
      // Reconnect while messages keep coming: the replay races live events.
      connecting = openSocket(baseUrl, cal.cookie, { since: cursor })
      connecting.then(
        (opened) => {
          socket = opened
          connecting = null
        },
        () => {
          connecting = null
        },
      )
    }
    const author = random() < 0.5 ? amy : ben
    const conversationId = random() < 0.6 ? shared : secret
    await send(app, author, conversationId, `burst ${i}`, { clientKey: newClientKey(`burst${i}`) })
    if (socket !== null && random() < 0.05) {
      // Sometimes drop mid-replay, right after connecting.
      const current: TestSocket = socket
      socket = null
      await drop(current)
    }
  }
  if (connecting) await connecting
  if (!socket) socket = await openSocket(baseUrl, cal.cookie, { since: cursor })
  const final = await send(app, amy, shared, 'the end')
  await (socket as TestSocket).waitFor(
    (f) => f.type === 'message.created' && (f.data as MessageData).message.id === final.id,
    10_000,
  )
  await (socket as TestSocket).close()
  record((socket as TestSocket).frames)

  const endId = Math.max(...received)
  const stored = await eventsAfter(ctx, startId)
  const expected: number[] = []
  for (const event of stored) if (event.id <= endId && (await visibleTo(cal, event))) expected.push(event.id)
  t.ok(reconnects >= 5, `the client reconnected ${reconnects} times`)
  t.ok(stored.filter((e) => e.type === 'message.created').length >= 1000, 'at least 1,000 events were generated')
  t.equal(new Set(received).size, received.length, 'no event was received twice')
  t.same(received, expected, 'the ids received are exactly the visible ids in the event table, in order')
  t.ok(expected.length > 400, `${expected.length} visible events were checked`)
})

t.test('several connections of the same member all receive the events', async (t) => {
  const sockets = await Promise.all([connected(dee), connected(dee), connected(dee)])
  t.teardown(() => Promise.all(sockets.map((s) => s.close())))
  const message = await send(app, owner, boardId, 'Everyone: the lift is broken')
  for (const [i, socket] of sockets.entries()) {
    const frame = await socket.waitFor(
      (f) => f.type === 'message.created' && (f.data as MessageData).message.id === message.id,
    )
    t.equal((frame.data as MessageData).message.body, 'Everyone: the lift is broken', `connection ${i + 1}`)
  }
})

t.test('typing reaches the other members live, never a non-member, and is not stored', async (t) => {
  const [amySocket, benSocket, calSocket] = await Promise.all([connected(amy), connected(ben), connected(cal)])
  t.teardown(() => Promise.all([amySocket.close(), benSocket.close(), calSocket.close()]))
  const before = await lastEventId(ctx)

  amySocket.ws.send(JSON.stringify({ kind: 'typing', conversationId: secret }))
  const typing = await benSocket.waitFor((f) => f.kind === 'typing')
  t.same(typing, { kind: 'typing', conversationId: secret, memberId: amy.id })

  amySocket.ws.send(JSON.stringify({ kind: 'typing', conversationId: shared }))
  const inShared = await calSocket.waitFor((f) => f.kind === 'typing')
  t.same(inShared, { kind: 'typing', conversationId: shared, memberId: amy.id }, 'cal sees typing where he is a member')

  // cal types where he is not a member; then in a conversation he is in, as a marker.
  calSocket.ws.send(JSON.stringify({ kind: 'typing', conversationId: secret }))
  calSocket.ws.send(JSON.stringify({ kind: 'typing', conversationId: 'x' }))
  calSocket.ws.send('not json')
  calSocket.ws.send(JSON.stringify({ kind: 'typing', conversationId: shared }))
  await benSocket.waitFor(
    (f: TypingFrame) => f.kind === 'typing' && f.conversationId === shared && f.memberId === cal.id,
  )
  await sleep(50)

  const calTyping = (calSocket.frames as TypingFrame[]).filter((f) => f.kind === 'typing')
  t.same(
    calTyping.map((f) => f.conversationId),
    [shared],
    'cal never hears typing in the private channel',
  )
  t.notOk(
    (benSocket.frames as TypingFrame[]).some(
      (f) => f.kind === 'typing' && f.memberId === cal.id && f.conversationId === secret,
    ),
    'typing in a conversation one is not in goes nowhere',
  )
  t.notOk(
    (amySocket.frames as TypingFrame[]).some((f) => f.kind === 'typing' && f.memberId === amy.id),
    'nobody hears their own typing',
  )
  const stored = await eventsAfter(ctx, before)
  t.same(
    stored.filter((e) => e.type !== 'presence.changed').map((e) => e.type),
    [],
    'typing is not in the event table (only presence changes from connecting may be)',
  )
})
