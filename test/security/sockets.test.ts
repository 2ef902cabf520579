/**
 * One member cannot open unlimited sockets: past the cap the server closes the new one
 * with 4008 'too_many_connections', and the web client then waits a minute or more
 * instead of reconnecting in a loop.
 */
import t from 'tap'
import WebSocket from 'ws'
import { MAX_SOCKETS_PER_DISPLAY, MAX_SOCKETS_PER_MEMBER, TOO_MANY_CONNECTIONS_CODE } from '../../server/realtime/hub'
import { CROWDED_RETRY_MS, LiveSocket, type SocketStatus } from '../../web/src/lib/socket'
import { createMember, listen, setupOwner, startApp } from '../helpers/app'
import { eventually, pairDisplay } from '../helpers/chat'
import { openSocket, type TestSocket } from '../helpers/socket'

const { app, ctx, close } = await startApp()
t.teardown(close)
const baseUrl = await listen(app)
const owner = await setupOwner(app)

/** How a socket past the cap ends: closed by the server, or (wrongly) greeted. */
function outcomeOf(socket: TestSocket): Promise<{ code: number; reason: string } | 'accepted'> {
  const greeted = socket
    .waitFor((f) => f.kind === 'hello', 5000)
    .then(
      () => 'accepted' as const,
      () => new Promise<never>(() => undefined),
    )
  return Promise.race([socket.closed, greeted])
}

async function openMany(cookie: string, count: number): Promise<TestSocket[]> {
  const sockets: TestSocket[] = []
  for (let i = 0; i < count; i++) {
    const socket = await openSocket(baseUrl, cookie)
    t.teardown(() => socket.close())
    await socket.waitFor((f) => f.kind === 'caught-up')
    sockets.push(socket)
  }
  return sockets
}

t.test('a member’s 11th socket is closed with 4008 too_many_connections; others are unaffected', async (t) => {
  t.equal(MAX_SOCKETS_PER_MEMBER, 10)
  const staff = await createMember(app, owner.cookie)
  const open = await openMany(staff.cookie, MAX_SOCKETS_PER_MEMBER)

  const extra = await openSocket(baseUrl, staff.cookie)
  t.teardown(() => extra.close())
  t.same(await outcomeOf(extra), { code: TOO_MANY_CONNECTIONS_CODE, reason: 'too_many_connections' })
  t.same(extra.frames, [], 'the refused socket got no hello and no events')
  t.equal(ctx.hub.connectionsOf(staff.id).length, MAX_SOCKETS_PER_MEMBER, 'the member still holds ten')

  const other = await openSocket(baseUrl, owner.cookie)
  t.teardown(() => other.close())
  await other.waitFor((f) => f.kind === 'caught-up')
  t.pass('another member connects as usual')

  await open[0]!.close()
  t.ok(await eventually(() => ctx.hub.connectionsOf(staff.id).length < MAX_SOCKETS_PER_MEMBER), 'one closed')
  const again = await openSocket(baseUrl, staff.cookie)
  t.teardown(() => again.close())
  await again.waitFor((f) => f.kind === 'caught-up')
  t.pass('with one closed, a new socket is accepted')
})

t.test('a wall display may hold three sockets, and its 4th is refused', async (t) => {
  const display = await pairDisplay(app, owner)
  await openMany(display.cookie, MAX_SOCKETS_PER_DISPLAY)
  const extra = await openSocket(baseUrl, display.cookie)
  t.teardown(() => extra.close())
  t.match(await outcomeOf(extra), { code: TOO_MANY_CONNECTIONS_CODE })
})

t.test(
  'the web client, refused for too many sockets, waits a minute and ignores page and network wake-ups',
  async (t) => {
    const staff = await createMember(app, owner.cookie)
    await openMany(staff.cookie, MAX_SOCKETS_PER_MEMBER)

    // The browser globals LiveSocket uses, with a ws client that sends the member's cookie.
    let created = 0
    class BrowserSocket extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { cookie: staff.cookie, origin: baseUrl } })
        created++
      }
    }
    const listeners = new Map<string, () => void>()
    const target = {
      addEventListener: (type: string, listener: () => void) => listeners.set(type, listener),
      removeEventListener: (type: string) => listeners.delete(type),
    }
    const url = new URL(baseUrl)
    const globals = {
      WebSocket: BrowserSocket,
      document: { ...target, visibilityState: 'visible' },
      window: target,
      location: { protocol: url.protocol, host: url.host },
    }
    const saved = Object.fromEntries(
      Object.keys(globals).map((key) => [key, (globalThis as Record<string, unknown>)[key]]),
    )
    Object.assign(globalThis, globals)
    const timers: number[] = []
    const realSetTimeout = globalThis.setTimeout
    globalThis.setTimeout = ((handler: () => void, ms?: number) => {
      timers.push(ms ?? 0)
      return realSetTimeout(handler, ms)
    }) as typeof setTimeout
    t.teardown(() => {
      globalThis.setTimeout = realSetTimeout
      Object.assign(globalThis, saved)
    })

    let connectFailed = 0
    let closed!: () => void
    const isClosed = new Promise<void>((resolve) => (closed = resolve))
    const live = new LiveSocket({
      onEvent: () => undefined,
      onResync: () => undefined,
      onSignedOut: () => undefined,
      onConnectFailed: () => connectFailed++,
      onStatus: (status: SocketStatus) => {
        if (status !== 'closed') return
        // From here on, the timers are the client's reaction to the refusal.
        timers.length = 0
        closed()
      },
    })
    t.teardown(() => live.stop())
    live.start()
    await isClosed
    await new Promise((resolve) => setImmediate(resolve))

    t.equal(created, 1, 'one attempt so far')
    t.ok(
      timers.some((ms) => ms >= CROWDED_RETRY_MS),
      `the retry waits at least a minute (timers: ${timers.join(', ')})`,
    )
    t.equal(connectFailed, 0, 'a refusal for too many sockets is not taken for a lost session')
    listeners.get('visibilitychange')?.()
    listeners.get('online')?.()
    t.equal(created, 1, 'the page becoming visible or the network returning does not reconnect early')
  },
)
