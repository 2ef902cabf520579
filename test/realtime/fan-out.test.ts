import t from 'tap'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import * as ws from 'ws'
import type { WebSocket } from 'ws'
import type { StoredEvent } from '../../server/realtime/events'
import { MAX_FLUSH_WAIT_MS, textFrame, type ConnectionIdentity, type Hub } from '../../server/realtime/hub'
import { startApp } from '../helpers/app'

const { ctx, close } = await startApp()
t.teardown(close)
// The hub itself, not the narrower port features see.
const hub = ctx.hub as unknown as Hub

/** What a socket and its TCP transport were asked to do, in order. */
function fakeSocket(writeCostMs = 0) {
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
      // A slow socket, to see the next flush wait as long as this one took.
      const until = performance.now() + writeCostMs
      while (performance.now() < until);
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
  hub.publish([shopEvent('first'), shopEvent('second')])
  hub.publish([shopEvent('third')])
  t.same(
    clients.map((c) => c.sent.length),
    [0, 0],
    'nothing is written before the turn ends',
  )
  await nextTurn()
  for (const client of clients) {
    t.same(client.sent.map(frameLabel), ['first', 'second', 'third'], 'every frame, in commit order')
    t.same(
      client.log,
      ['cork', 'write (corked)', 'write (corked)', 'write (corked)', 'uncork'],
      'the three frames leave in one write',
    )
  }
})

t.test('an event is encoded once for every socket that receives it', async (t) => {
  const clients = [fakeSocket(), fakeSocket(), fakeSocket()]
  for (const [i, client] of clients.entries()) {
    await hub.attach(client.socket, identity(910 + i), null, client.transport)
    client.sent.length = 0
  }
  hub.publish([shopEvent('once')])
  await nextTurn()
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
  const slow = fakeSocket(3)
  await hub.attach(slow.socket, identity(920), null, slow.transport)
  slow.sent.length = 0
  hub.publish([shopEvent('slow')])
  await nextTurn()
  t.same(slow.sent.map(frameLabel), ['slow'], 'the first event goes at the end of its turn')
  hub.publish([shopEvent('next')])
  hub.publish([shopEvent('and next')])
  await nextTurn()
  t.equal(slow.sent.length, 1, 'right after a slow flush, the next waits')
  await sleep(3 + MAX_FLUSH_WAIT_MS + 50)
  t.same(slow.sent.map(frameLabel), ['slow', 'next', 'and next'], 'then both go, in one write, in order')
  t.same(slow.log.slice(-4), ['cork', 'write (corked)', 'write (corked)', 'uncork'])
  await sleep(MAX_FLUSH_WAIT_MS + 5)
  hub.publish([shopEvent('quiet')])
  await nextTurn()
  t.same(slow.sent.map(frameLabel).at(-1), 'quiet', 'after a quiet moment an event goes at once')
})
