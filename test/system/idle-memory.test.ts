/**
 * Memory given back when quiet (server/shared/idle-memory.ts): one compacting collection
 * after a quiet spell, none while still quiet, another only after activity and quiet again.
 */
import t from 'tap'
import { IdleMemory, lastResortCollector, startIdleMemory } from '../../server/shared/idle-memory'

function setUp(quietMs = 30_000) {
  let now = 1_000_000
  const collections: number[] = []
  const idle = new IdleMemory({ quietMs, now: () => now, collect: () => collections.push(now) })
  return { idle, collections, advance: (ms: number) => (now += ms) }
}

t.test('collects once after the quiet spell that follows start-up', async (t) => {
  const { idle, collections, advance } = setUp()
  t.equal(idle.tick(), false, 'not at once')
  advance(29_999)
  t.equal(idle.tick(), false, 'not before the spell is over')
  advance(1)
  t.equal(idle.tick(), true)
  advance(60_000)
  t.equal(idle.tick(), false, 'not again while nothing happens')
  advance(3_600_000)
  t.equal(idle.tick(), false, 'not even an hour later')
  t.equal(collections.length, 1)
})

t.test('activity puts the collection off, and makes the next quiet spell collect again', async (t) => {
  const { idle, collections, advance } = setUp()
  advance(20_000)
  idle.noteActivity()
  advance(20_000)
  t.equal(idle.tick(), false, 'the spell counts from the last activity')
  advance(10_000)
  t.equal(idle.tick(), true)
  advance(5_000)
  idle.noteActivity()
  t.equal(idle.tick(), false, 'busy again')
  advance(30_000)
  t.equal(idle.tick(), true, 'quiet again after being asked something')
  t.equal(collections.length, 2)
})

t.test('the timer checks by itself and stops when told', async (t) => {
  const { idle, collections } = setUp(0)
  const check = startIdleMemory(idle, 5)
  await new Promise((resolve) => setTimeout(resolve, 100))
  check.stop()
  t.equal(collections.length, 1, 'collected once, though checked many times')
  idle.noteActivity()
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(collections.length, 1, 'no checks after stop')
})

for (const [label, version] of [
  ['this V8', undefined],
  ['a V8 before 12 (Node 20), where gc() takes no options', '11.3.244.8'],
] as const) {
  t.test(`the real collection frees what nothing refers to, without a global gc: ${label}`, async (t) => {
    const hadGlobalGc = typeof (globalThis as { gc?: unknown }).gc
    const collect = lastResortCollector(version)
    let garbage: number[][] | null = Array.from({ length: 200 }, (_, i) => Array.from({ length: 20_000 }, () => i))
    const withGarbage = process.memoryUsage().heapUsed
    t.equal(garbage.length, 200)
    garbage = null
    collect()
    const after = process.memoryUsage().heapUsed
    t.ok(
      after < withGarbage - 10 * 1024 * 1024,
      `heap used ${Math.round(withGarbage / 2 ** 20)} MB -> ${Math.round(after / 2 ** 20)} MB`,
    )
    t.equal(typeof (globalThis as { gc?: unknown }).gc, hadGlobalGc, 'the global scope is unchanged')
  })
}
