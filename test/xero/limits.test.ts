import t from 'tap'
import { readRateHeaders, TenantBudget, utcDay, type RateHeaders } from '../../server/xero/limits'

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0)
const none: RateHeaders = { minuteRemaining: null, dayRemaining: null, retryAfterMs: null, problem: null }

function spend(budget: TenantBudget, n: number, now: number): void {
  for (let i = 0; i < n; i++) {
    const slot = budget.earliest(now)
    if (slot.kind !== 'go' || slot.at !== now) throw new Error(`call ${i + 1} could not start at once`)
    budget.take(now)
  }
}

t.test('the minute window rolls: the 61st call waits for the first to drop out', async (t) => {
  const cases: Array<{ name: string; calls: Array<[offsetMs: number, n: number]>; ask: number; at: number }> = [
    { name: 'under the cap', calls: [[0, 59]], ask: 0, at: 0 },
    { name: 'at the cap', calls: [[0, 60]], ask: 0, at: 60_000 },
    {
      name: 'spread: the oldest call decides',
      calls: [
        [0, 10],
        [20_000, 50],
      ],
      ask: 30_000,
      at: 60_000,
    },
    {
      name: 'spread: after the oldest ten',
      calls: [
        [0, 10],
        [20_000, 50],
      ],
      ask: 60_000,
      at: 60_000,
    },
    { name: 'a minute later all is free', calls: [[0, 60]], ask: 60_000, at: 60_000 },
  ]
  for (const c of cases) {
    const budget = new TenantBudget(T0)
    for (const [offset, n] of c.calls) spend(budget, n, T0 + offset)
    t.same(budget.earliest(T0 + c.ask), { kind: 'go', at: T0 + c.at }, c.name)
  }
})

t.test('slots are handed out in order, so a waiting reservation counts', async (t) => {
  const budget = new TenantBudget(T0)
  spend(budget, 60, T0)
  const slot = budget.earliest(T0 + 55_000)
  t.same(slot, { kind: 'go', at: T0 + 60_000 })
  budget.take(T0 + 60_000)
  t.equal(budget.usage(T0 + 55_000).remainingThisMinute, 0, 'the reserved slot is spent')
  t.same(budget.earliest(T0 + 55_000), { kind: 'go', at: T0 + 60_000 }, 'the next goes no earlier')
})

t.test('the day budget counts per UTC date', async (t) => {
  const budget = new TenantBudget(T0, { perMinute: 1000, perDay: 3 })
  spend(budget, 3, T0)
  t.same(budget.earliest(T0 + 120_000), { kind: 'day' }, 'spent for today')
  const midnight = Date.UTC(2026, 11, 3)
  t.same(budget.earliest(midnight - 1), { kind: 'day' }, 'one millisecond before midnight UTC')
  t.same(budget.earliest(midnight), { kind: 'go', at: midnight }, 'midnight UTC resets it')
  t.match(budget.usage(midnight), { callsToday: 0, remainingToday: 3 })
  t.equal(utcDay(midnight - 1), '2026-12-02')
})

t.test('answer headers lower the budgets and never raise them', async (t) => {
  const cases: Array<{ name: string; spent: number; headers: Partial<RateHeaders>; today: number; minute: number }> = [
    { name: 'nothing said', spent: 5, headers: {}, today: 4995, minute: 55 },
    { name: 'day lower than counted', spent: 5, headers: { dayRemaining: 100 }, today: 100, minute: 55 },
    { name: 'day higher than counted', spent: 5, headers: { dayRemaining: 4999 }, today: 4995, minute: 55 },
    { name: 'minute lower than counted', spent: 5, headers: { minuteRemaining: 2 }, today: 4995, minute: 2 },
    { name: 'minute zero', spent: 1, headers: { minuteRemaining: 0 }, today: 4999, minute: 0 },
    { name: 'minute higher than counted', spent: 5, headers: { minuteRemaining: 58 }, today: 4995, minute: 55 },
    { name: 'a 429 for the day', spent: 5, headers: { problem: 'day' }, today: 0, minute: 55 },
  ]
  for (const c of cases) {
    const budget = new TenantBudget(T0)
    spend(budget, c.spent, T0)
    budget.observe({ ...none, ...c.headers }, T0)
    t.match(budget.usage(T0), { remainingToday: c.today, remainingThisMinute: c.minute }, c.name)
  }
})

t.test('X-MinLimit-Remaining: 0 blocks the rest of the minute, then lifts', async (t) => {
  const budget = new TenantBudget(T0)
  spend(budget, 1, T0)
  budget.observe({ ...none, minuteRemaining: 0 }, T0 + 1000)
  t.same(budget.earliest(T0 + 1000), { kind: 'go', at: T0 + 61_000 })
  t.same(budget.earliest(T0 + 61_000), { kind: 'go', at: T0 + 61_000 })
  t.equal(budget.usage(T0 + 61_000).remainingThisMinute, 60)
})

t.test('X-MinLimit-Remaining: 2 lets two more through this minute', async (t) => {
  const budget = new TenantBudget(T0)
  spend(budget, 1, T0)
  budget.observe({ ...none, minuteRemaining: 2 }, T0)
  spend(budget, 2, T0 + 1000)
  t.same(budget.earliest(T0 + 2000), { kind: 'go', at: T0 + 60_000 })
})

t.test('X-DayLimit-Remaining counts down from where it was said', async (t) => {
  const budget = new TenantBudget(T0)
  spend(budget, 1, T0)
  budget.observe({ ...none, dayRemaining: 2 }, T0)
  spend(budget, 2, T0 + 1000)
  t.same(budget.earliest(T0 + 2000), { kind: 'day' })
})

t.test('a hold stops every call until it ends', async (t) => {
  const budget = new TenantBudget(T0)
  budget.hold(T0 + 3000)
  budget.hold(T0 + 1000) // an earlier end never shortens it
  t.same(budget.earliest(T0), { kind: 'go', at: T0 + 3000 })
  t.equal(budget.usage(T0).heldUntil, T0 + 3000)
  t.equal(budget.usage(T0 + 3000).heldUntil, null)
})

t.test('rate headers are read as Xero sends them', async (t) => {
  const read = (pairs: Record<string, string>) => readRateHeaders(new Headers(pairs), T0)
  t.same(read({}), none)
  t.same(read({ 'X-MinLimit-Remaining': '59', 'X-DayLimit-Remaining': '4990' }), {
    ...none,
    minuteRemaining: 59,
    dayRemaining: 4990,
  })
  t.same(read({ 'Retry-After': '3', 'X-Rate-Limit-Problem': 'Minute' }), {
    ...none,
    retryAfterMs: 3000,
    problem: 'minute',
  })
  t.equal(read({ 'Retry-After': new Date(T0 + 5000).toUTCString() }).retryAfterMs, 5000, 'an HTTP date')
  t.equal(read({ 'X-MinLimit-Remaining': 'lots' }).minuteRemaining, null, 'nonsense is ignored')
})
