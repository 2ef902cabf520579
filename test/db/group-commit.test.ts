/**
 * Group commit (server/shared/write.ts): writes that arrive while one runs share its
 * transaction, each in a savepoint, and a failing write takes only its own changes with it.
 */
import t from 'tap'
import { sql, type Transaction } from 'kysely'
import type { DB } from '../../server/db/schema'
import type { StoredEvent } from '../../server/realtime/events'
import type { WriteContext } from '../../server/shared/write'
import { MAX_GROUP } from '../../server/shared/write'
import { startApp } from '../helpers/app'

const { ctx, close } = await startApp()
t.teardown(close)

const published: string[] = []
ctx.write.onCommit((events: StoredEvent[]) => {
  for (const event of events) published.push((event.data as unknown as { label: string }).label)
})

/** A write that stores a labelled event and says which transaction it ran in. */
function labelled(label: string, transactions: Transaction<DB>[], fail = false) {
  return ctx.write(async (w: WriteContext) => {
    transactions.push(w.trx)
    w.emit('shop.updated', { kind: 'shop' }, { label } as never)
    if (fail) {
      // A row written before the failure, which must go with it.
      await w.trx
        .insertInto('event')
        .values({
          type: 'shop.updated',
          audience_kind: 'shop',
          audience_id: null,
          payload: JSON.stringify({ label }),
          created_at: w.now,
        })
        .execute()
      throw new Error(`${label} refused`)
    }
    return label
  })
}

async function storedLabels(labels: string[]): Promise<string[]> {
  const rows = await ctx.db.selectFrom('event').select('payload').where('type', '=', 'shop.updated').execute()
  return rows.map((row) => (JSON.parse(row.payload) as { label: string }).label).filter((l) => labels.includes(l))
}

t.test('writes that arrive together commit in one transaction, in order', async (t) => {
  published.length = 0
  const transactions: Transaction<DB>[] = []
  const labels = ['a1', 'a2', 'a3', 'a4', 'a5']
  const results = await Promise.all(labels.map((label) => labelled(label, transactions)))
  t.same(results, labels, 'each caller gets its own result')
  t.equal(new Set(transactions).size, 1, 'one transaction for the five')
  t.same(await storedLabels(labels), labels, 'every event stored, in order')
  t.same(published, labels, 'and published after the commit, in order')
})

t.test('a write one after another is its own transaction, as before', async (t) => {
  const transactions: Transaction<DB>[] = []
  await labelled('b1', transactions)
  await labelled('b2', transactions)
  t.equal(new Set(transactions).size, 2)
})

t.test('a failing write in a group takes only its own changes and events with it', async (t) => {
  published.length = 0
  const transactions: Transaction<DB>[] = []
  const outcomes = await Promise.allSettled([
    labelled('c1', transactions),
    labelled('c2', transactions),
    labelled('c3', transactions, true),
    labelled('c4', transactions),
  ])
  t.same(
    outcomes.map((o) => o.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  )
  t.match((outcomes[2] as PromiseRejectedResult).reason, { message: 'c3 refused' }, 'the caller hears its own error')
  t.equal(new Set(transactions).size, 1, 'all four ran in one transaction')
  t.same(await storedLabels(['c1', 'c2', 'c3', 'c4']), ['c1', 'c2', 'c4'], 'the failed write left nothing')
  t.same(published, ['c1', 'c2', 'c4'], 'and nothing of it was published')
})

t.test('when the first write of a group fails, those behind it still commit', async (t) => {
  published.length = 0
  const transactions: Transaction<DB>[] = []
  const outcomes = await Promise.allSettled([
    labelled('d1', transactions, true),
    labelled('d2', transactions),
    labelled('d3', transactions),
  ])
  t.same(
    outcomes.map((o) => o.status),
    ['rejected', 'fulfilled', 'fulfilled'],
  )
  t.same(await storedLabels(['d1', 'd2', 'd3']), ['d2', 'd3'])
  t.same(published, ['d2', 'd3'])
})

t.test('a write that breaks the transaction is refused, not left waiting, and the writer goes on', async (t) => {
  published.length = 0
  const transactions: Transaction<DB>[] = []
  const first = labelled('g1', transactions)
  // Joins g1's group and ends its transaction under the writer's feet: its savepoint is gone.
  const breaking = ctx.write(async (w: WriteContext) => {
    transactions.push(w.trx)
    await sql`rollback`.execute(w.trx)
    return 'broken'
  })
  const outcomes = await Promise.allSettled([first, breaking, labelled('g2', transactions)])
  t.same(
    outcomes.map((o) => o.status),
    ['rejected', 'rejected', 'fulfilled'],
    'the broken group hears of it; the write not yet taken into it commits in the next',
  )
  t.same(await storedLabels(['g1', 'g2']), ['g2'], 'nothing of the broken group committed')
  t.same(published, ['g2'])
  t.equal(await labelled('g3', transactions), 'g3', 'the next write commits')
  t.same(await storedLabels(['g3']), ['g3'])
})

t.test(`a transaction takes at most ${MAX_GROUP} writes`, async (t) => {
  const transactions: Transaction<DB>[] = []
  const labels = Array.from({ length: MAX_GROUP + 4 }, (_, i) => `e${i}`)
  await Promise.all(labels.map((label) => labelled(label, transactions)))
  const sizes = [...new Set(transactions)].map((trx) => transactions.filter((other) => other === trx).length)
  t.same(sizes, [MAX_GROUP, 4])
  t.same(await storedLabels(labels), labels)
})

t.test('a write queued by a commit listener runs after, in a transaction of its own', async (t) => {
  const transactions: Transaction<DB>[] = []
  let queued: Promise<string> | null = null
  ctx.write.onCommit((events) => {
    if (queued || !events.some((e) => (e.data as unknown as { label: string }).label === 'f1')) return
    queued = labelled('f2', transactions)
  })
  await labelled('f1', transactions)
  t.equal(await queued, 'f2')
  t.equal(new Set(transactions).size, 2)
})
