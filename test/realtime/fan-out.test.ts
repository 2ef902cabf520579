import t from 'tap'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import * as ws from 'ws'
import type { WebSocket } from 'ws'
import type { StoredEvent } from '../../server/realtime/events'
import { Hub, MAX_FLUSH_WAIT_MS, textFrame, type ConnectionIdentity } from '../../server/realtime/hub'
import { startApp } from '../helpers/app'

const { ctx, close } = await startApp()
t.teardown(close)
// The hub itself, not the narrower port features see.
const hub = ctx.hub as unknown as Hub

/** What a socket and its TCP transport were asked to do, in order. */
function fakeSocket() {
  const log: string[] = []
  const sent: Buffer[] = []
  let corks = 0
  const socket = {
    OPEN: 1,
    readyState: 1,
    send(data: Buffer) {
      sent.push(data)
      log.push(corks > 0 ? 'send (corked)' : 'send')
    },
    on() {},
    ping() {},
    close() {},
    terminate() {},
  } as unknown as WebSocket
  const transport = {
    cork() {
      corks++
      log.push('cork')
    },
    uncork() {
      corks--
      log.push('uncork')
    },
    writable: true,
    write(chunk: Buffer) {
      sent.push(chunk)
      log.push(corks > 0 ? 'write (corked)' : 'write')
      return true
    },
  }
  return { socket, transport, sent, log }
}

const identity = (memberId: number): ConnectionIdentity => ({
  memberId,
  sessionId: memberId,
  role: 'staff',
  status: 'active',
  permissions: [],
})

let nextId = 1_000_000
function shopEvent(label: string): StoredEvent {
  return {
    id: nextId++,
    type: 'shop.updated',
    audience: { kind: 'shop' },
    data: { label } as unknown as StoredEvent['data'],
    at: 0,
  } as StoredEvent
}

/** What a browser would read from these bytes: ws's own client-side frame reader. */
interface FrameReader {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void
  write(bytes: Buffer): void
}
// ws exports its frame reader at run time; its type declarations leave it out.
const { Receiver } = ws as unknown as { Receiver: new (options: { isServer: boolean }) => FrameReader }

function readFrames(bytes: Buffer): string[] {
  const texts: string[] = []
  const receiver = new Receiver({ isServer: false })
  receiver.on('message', (data, isBinary) => texts.push(isBinary ? '(binary)' : data.toString('utf8')))
  receiver.write(bytes)
  return texts
}

const frameLabel = (frame: Buffer) => {
  const [text] = readFrames(frame)
  return (JSON.parse(text as string) as { data: { label: string } }).data.label
}

t.test('frames committed in one turn reach each socket in one corked write, in commit order', async (t) => {
  const clients = [fakeSocket(), fakeSocket()]
  for (const [i, client] of clients.entries()) {
    await hub.attach(client.socket, identity(900 + i), null, client.transport)
    client.sent.length = 0
    client.log.length = 0
  }
  await sleep(MAX_FLUSH_WAIT_MS + 5)
  hub.publish([shopEvent('zero')])
  t.same(
    clients.map((c) => c.sent.map(frameLabel)),
    [['zero'], ['zero']],
    'after a quiet moment the first commit is written at once',
  )
  hub.publish([shopEvent('first'), shopEvent('second')])
  hub.publish([shopEvent('third')])
  t.same(
    clients.map((c) => c.sent.length),
    [1, 1],
    'the commits after it wait for the end of the turn',
  )
  await nextTurn()
  for (const client of clients) {
    t.same(client.sent.map(frameLabel), ['zero', 'first', 'second', 'third'], 'every frame, in commit order')
    t.same(
      client.log,
      ['write', 'cork', 'write (corked)', 'write (corked)', 'write (corked)', 'uncork'],
      'the three frames after the first leave in one write',
    )
  }
})

t.test('an event is encoded once for every socket that receives it', async (t) => {
  const clients = [fakeSocket(), fakeSocket(), fakeSocket()]
  for (const [i, client] of clients.entries()) {
    await hub.attach(client.socket, identity(910 + i), null, client.transport)
    client.sent.length = 0
  }
  await sleep(MAX_FLUSH_WAIT_MS + 5)
  hub.publish([shopEvent('once')])
  const [first, ...others] = clients.map((c) => c.sent[0])
  t.ok(Buffer.isBuffer(first), 'written as bytes')
  t.equal(frameLabel(first as Buffer), 'once')
  for (const other of others) t.equal(other, first, 'the very same bytes, not a copy per socket')
  t.equal(clients[0]?.log.at(-1), 'write', 'one frame alone is written without corking')
})

t.test('a frame is a WebSocket text frame at every length', async (t) => {
  for (const length of [0, 125, 126, 65_535, 65_536, 200_000]) {
    const text = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2)
    const frame = textFrame(Buffer.from(text))
    t.same(readFrames(frame), [text], `${length} bytes read back as sent`)
  }
  const two = Buffer.concat([textFrame(Buffer.from('one')), textFrame(Buffer.from('two'))])
  t.same(readFrames(two), ['one', 'two'], 'frames written back to back are read apart')
})

t.test('under a burst the next flush waits as long as the last one took, and no longer', async (t) => {
  // A hub of its own, on a clock moved by hand: each write to the slow socket takes 3 ms.
  let now = 1_000
  const own = new Hub(ctx.db, 'test', () => now)
  const slow = fakeSocket()
  const write = slow.transport.write.bind(slow.transport)
  slow.transport.write = (chunk: Buffer) => {
    now += 3
    return write(chunk)
  }
  await own.attach(slow.socket, identity(920), null, slow.transport)
  slow.sent.length = 0
  own.publish([shopEvent('slow')])
  t.same(slow.sent.map(frameLabel), ['slow'], 'after a quiet moment the first event goes at once')
  await nextTurn()
  now += 1
  own.publish([shopEvent('next')])
  own.publish([shopEvent('and next')])
  await nextTurn()
  t.equal(slow.sent.length, 1, 'a turn later, 1 ms after a 3 ms flush, the next waits')
  await sleep(2 + 50)
  t.same(slow.sent.map(frameLabel), ['slow', 'next', 'and next'], 'then both go, in one write, in order')
  t.same(slow.log.slice(-4), ['cork', 'write (corked)', 'write (corked)', 'uncork'])
  await nextTurn()
  now += 6
  own.publish([shopEvent('quiet')])
  t.same(slow.sent.map(frameLabel).at(-1), 'quiet', 'once as long again has passed, an event goes at once')
  now += 1000
  const writes = () => slow.log.filter((entry) => entry === 'write' || entry === 'cork').length
  const before = writes()
  for (let i = 0; i < 20; i++) {
    await nextTurn()
    own.publish([shopEvent(`burst ${i}`)])
  }
  await sleep(MAX_FLUSH_WAIT_MS + 50)
  t.equal(slow.sent.length, 3 + 1 + 20, 'every frame of a burst of twenty arrives')
  t.ok(writes() - before < 10, `in fewer writes (${writes() - before})`)
  own.closeAll()
})

t.test('an event published while a flush runs goes next, after the one being sent', async (t) => {
  const client = fakeSocket()
  await hub.attach(client.socket, identity(930), null, client.transport)
  client.sent.length = 0
  let isAdded = false
  hub.addApplier((event) => {
    if (isAdded || (event.data as unknown as { label?: string }).label !== 'cause') return
    isAdded = true
    hub.publish([shopEvent('effect')])
  })
  await sleep(MAX_FLUSH_WAIT_MS + 5)
  hub.publish([shopEvent('cause')])
  await sleep(MAX_FLUSH_WAIT_MS + 5)
  t.same(client.sent.map(frameLabel), ['cause', 'effect'])
})
