import t from 'tap'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { WebSocket } from 'ws'
import type { StoredEvent } from '../../server/realtime/events'
import type { ConnectionIdentity, Hub } from '../../server/realtime/hub'
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

const frameLabel = (data: Buffer) => (JSON.parse(data.toString('utf8')) as { data: { label: string } }).data.label

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
      ['cork', 'send (corked)', 'send (corked)', 'send (corked)', 'uncork'],
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
  t.ok(Buffer.isBuffer(first), 'sent as bytes')
  t.equal(frameLabel(first as Buffer), 'once')
  for (const other of others) t.equal(other, first, 'the very same bytes, not a copy per socket')
})
