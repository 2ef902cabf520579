import t from 'tap'
import { loadConfig } from '../../server/config'
import { buildApp } from '../../server/app'
import type { DeliveryResult, OutboxItem } from '../../server/outbox/service'
import { startApp } from '../helpers/app'

async function enqueue(
  ctx: Awaited<ReturnType<typeof startApp>>['ctx'],
  key: string,
  extra: { expiresAt?: number } = {},
) {
  await ctx.write(async (w) => {
    await w.enqueue({ channel: 'test', idempotencyKey: key, payload: { key }, ...extra })
  })
}

async function waitFor(check: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('timed out')
}

t.test('a queued delivery is handed to its channel once and marked done', async (t) => {
  const started = await startApp({ build: { outboxPollMs: 20 } })
  t.teardown(started.close)
  const seen: OutboxItem[] = []
  started.ctx.outbox.register('test', async (item) => {
    seen.push(item)
    return { kind: 'done' }
  })
  await enqueue(started.ctx, 'k-1')
  await enqueue(started.ctx, 'k-1') // the same idempotency key again: ignored
  await waitFor(async () => (await started.ctx.outbox.counts()).some((c) => c.done === 1))
  t.equal(seen.length, 1)
  t.same(seen[0]?.payload, { key: 'k-1' })
  const [counts] = await started.ctx.outbox.counts()
  t.match(counts, { channel: 'test', done: 1, pending: 0, dead: 0 })
})

t.test('failures are retried after the delay the remote asked for, then delivered', async (t) => {
  const started = await startApp({ build: { outboxPollMs: 20 } })
  t.teardown(started.close)
  const ASKED_MS = 60_000
  let calls = 0
  started.ctx.outbox.register(
    'test',
    async (): Promise<DeliveryResult> =>
      ++calls < 3 ? { kind: 'retry', error: '503 from remote', afterMs: ASKED_MS } : { kind: 'done' },
    // Our own backoff is far shorter than what the remote asks for: the remote's wins.
    { baseBackoffMs: 1, maxBackoffMs: 5 },
  )
  const nextAttemptAt = async () =>
    (await started.ctx.db.selectFrom('outbox').select('next_attempt_at').executeTakeFirstOrThrow()).next_attempt_at
  await enqueue(started.ctx, 'k-2')
  for (let attempt = 1; attempt <= 2; attempt++) {
    await waitFor(() => calls === attempt)
    const failedAt = started.clock.now()
    await waitFor(async () => (await nextAttemptAt()) >= failedAt + ASKED_MS)
    t.ok(
      (await nextAttemptAt()) >= failedAt + ASKED_MS,
      `attempt ${attempt + 1} waits for the time the remote asked for`,
    )
    started.clock.advance(ASKED_MS)
    started.ctx.outbox.wake()
  }
  await waitFor(async () => (await started.ctx.outbox.counts()).some((c) => c.done === 1))
  t.equal(calls, 3)
  const [counts] = await started.ctx.outbox.counts()
  t.equal(counts?.retries, 2, 'two retries are counted')
})

t.test('a delivery that keeps failing becomes dead, and an owner can retry it', async (t) => {
  const started = await startApp({ build: { outboxPollMs: 20 } })
  t.teardown(started.close)
  let isBroken = true
  started.ctx.outbox.register(
    'test',
    async () => (isBroken ? { kind: 'retry', error: 'connection refused' } : { kind: 'done' }),
    {
      maxAttempts: 3,
      baseBackoffMs: 1,
      maxBackoffMs: 1,
    },
  )
  await enqueue(started.ctx, 'k-3')
  await waitFor(async () => {
    started.clock.advance(5)
    return (await started.ctx.outbox.counts()).some((c) => c.dead === 1)
  })
  const [dead] = await started.ctx.outbox.deadLetters()
  t.match(dead, { channel: 'test', attempts: 3, lastError: 'connection refused' })
  isBroken = false
  await started.ctx.outbox.retry(dead!.id)
  await waitFor(async () => (await started.ctx.outbox.counts()).some((c) => c.done === 1))
  await t.rejects(started.ctx.outbox.retry(dead!.id), { code: 'outbox_item_not_found' })
})

t.test('a delivery past its time-to-live is dropped, not sent', async (t) => {
  const started = await startApp({ build: { outboxPollMs: 20 } })
  t.teardown(started.close)
  let calls = 0
  started.ctx.outbox.register('test', async () => {
    calls++
    return { kind: 'done' }
  })
  await started.ctx.outbox.stop()
  await enqueue(started.ctx, 'k-4', { expiresAt: started.clock.now() + 1000 })
  started.clock.advance(2000)
  await started.ctx.outbox.start()
  await waitFor(async () => (await started.ctx.outbox.counts()).some((c) => c.dropped === 1))
  t.equal(calls, 0)
})

t.test('deliveries interrupted by a crash are retried after a restart, never lost', async (t) => {
  const started = await startApp({ build: { outboxPollMs: 20 } })
  await started.ctx.outbox.stop()
  await enqueue(started.ctx, 'k-5')
  // A crash in the middle of sending leaves the row in "sending".
  await started.ctx.db.updateTable('outbox').set({ state: 'sending' }).execute()
  await started.app.close()

  const { app, ctx } = await buildApp({
    config: loadConfig({ DATA_DIR: started.dataDir }),
    clock: started.clock,
    logger: false,
    outboxPollMs: 20,
  })
  t.teardown(async () => {
    await app.close()
    await started.close()
  })
  const seen: string[] = []
  ctx.outbox.register('test', async (item) => {
    seen.push(item.idempotencyKey)
    return { kind: 'done' }
  })
  await app.ready()
  await waitFor(async () => (await ctx.outbox.counts()).some((c) => c.done === 1))
  t.same(seen, ['k-5'])
})

t.test('a deferred delivery comes back at its time without using up an attempt', async (t) => {
  const started = await startApp({ build: { outboxPollMs: 20 } })
  t.teardown(started.close)
  const attempts: number[] = []
  started.ctx.outbox.register(
    'test',
    async (item): Promise<DeliveryResult> => {
      attempts.push(item.attempts)
      return attempts.length < 4 ? { kind: 'defer', untilMs: started.clock.now() } : { kind: 'done' }
    },
    { maxAttempts: 2 },
  )
  await enqueue(started.ctx, 'deferred')
  await waitFor(async () => (await started.ctx.outbox.counts()).some((c) => c.done === 1))
  t.same(attempts, [1, 1, 1, 1], 'deferring three times is not three failed attempts (max 2)')
})

t.test('writes joined to a caller commit with it; a failing one leaves nothing behind', async (t) => {
  const started = await startApp()
  t.teardown(started.close)
  const { ctx } = started
  await ctx.write(async (w) => {
    const joined = ctx.write.within(w)
    await joined(async (inner) => {
      await inner.enqueue({ channel: 'joined', idempotencyKey: 'kept', payload: {} })
      inner.emit('page.deleted', { kind: 'shop' }, { pageId: 1 })
    })
    await joined(async (inner) => {
      await inner.enqueue({ channel: 'joined', idempotencyKey: 'rolled-back', payload: {} })
      inner.emit('page.deleted', { kind: 'shop' }, { pageId: 2 })
      throw new Error('this part fails')
    }).catch(() => undefined)
  })
  const rows = await ctx.db.selectFrom('outbox').select('idempotency_key').where('channel', '=', 'joined').execute()
  t.same(
    rows.map((r) => r.idempotency_key),
    ['kept'],
    'the failed part is rolled back to its savepoint',
  )
  const events = await ctx.db.selectFrom('event').select('payload').where('type', '=', 'page.deleted').execute()
  t.same(
    events.map((e) => JSON.parse(e.payload) as unknown),
    [{ pageId: 1 }],
    'and its events are not stored',
  )
})
