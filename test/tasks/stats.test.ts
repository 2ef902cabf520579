import t, { type Test } from 'tap'
import { bodyOf, createMember, type SignedInMember } from '../helpers/app'
import { as } from '../helpers/chat'
import type { QueueView } from '../../server/tasks/service'
import type { TaskStats } from '../../server/tasks/stats'
import { runTaskJobs } from '../../server/tasks/jobs'
import { openTaskShop } from './helpers'

const MINUTE = 60_000

/**
 * A morning in the Repairs queue, minute by minute from t0:
 *   0 A posted · 10 Anna takes A · 40 Anna finishes A
 *  41 B posted · 45 Ben takes B · 46 Ben gives it back · 52 Anna takes B · 72 Anna finishes B
 *  73 C posted · 74 a dispatcher gives C to Ben · 124 the dispatcher marks C done for him
 * 125 D posted (still waiting) · 126 E posted · 128 Anna takes E · 133 E returns (not started in 5 minutes)
 * 140 now.
 */
async function openMorning(t: Test) {
  const shop = await openTaskShop(t, { workers: 2, build: { jobIntervalMs: 3_600_000 } })
  const { app, ctx, clock, owner, workers, post } = shop
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const queueResponse = await as(app, owner, 'POST', '/api/task-queues', {
    name: 'Repairs',
    mode: 'claim',
    startWithinMinutes: 5,
  })
  const queue = bodyOf<QueueView>(queueResponse)
  const t0 = clock.now()
  const at = (minute: number) => clock.set(t0 + minute * MINUTE)
  const act = async (member: SignedInMember, id: number, action: string, body?: unknown) => {
    const response = await as(app, member, 'POST', `/api/tasks/${id}/${action}`, body)
    if (response.statusCode !== 200) throw new Error(`${action}: ${response.statusCode} ${response.body}`)
  }
  const queued = (title: string) => post({ title, queueId: queue.id, conversationId: undefined })

  const a = await queued('A')
  at(10)
  await act(anna, a.id, 'take')
  at(40)
  await act(anna, a.id, 'done', {})
  at(41)
  const b = await queued('B')
  at(45)
  await act(ben, b.id, 'take')
  at(46)
  await act(ben, b.id, 'release')
  at(52)
  await act(anna, b.id, 'take')
  at(72)
  await act(anna, b.id, 'done', {})
  at(73)
  const c = await queued('C')
  at(74)
  await act(owner, c.id, 'reassign', { memberId: ben.id })
  at(124)
  await act(owner, c.id, 'done', {})
  at(125)
  await queued('D')
  at(126)
  const e = await queued('E')
  at(128)
  await act(anna, e.id, 'take')
  at(133)
  t.equal((await runTaskJobs(ctx)).returnedUnstarted, 1, 'E goes back to the queue')
  at(140)
  return { ...shop, anna, ben, queue, t0 }
}

t.test('stats: per member takes, finishes, give-backs and medians; per queue backlog and flow', async (t) => {
  const { app, owner, manager, anna, ben, queue, t0, clock } = await openMorning(t)
  const response = await as(app, owner, 'GET', '/api/tasks/stats')
  t.equal(response.statusCode, 200, 'the static path is not taken for a task id')
  const stats = bodyOf<TaskStats>(response)
  t.equal(stats.to, clock.now())
  t.equal(stats.from, clock.now() - 30 * 24 * 60 * MINUTE, 'the last 30 days by default')
  const of = (id: number) => stats.members.find((m) => m.member.id === id)
  t.same(of(anna.id), {
    member: { id: anna.id, username: 'anna0', displayName: 'Anna' },
    taken: 3,
    done: 2,
    released: 0,
    returned: 1,
    medianTakeMs: 6 * MINUTE,
    medianFinishMs: 25 * MINUTE,
  })
  t.match(of(ben.id), {
    taken: 2,
    done: 1,
    released: 1,
    returned: 0,
    medianTakeMs: 4 * MINUTE,
    medianFinishMs: 50 * MINUTE,
  })
  t.match(
    of(manager.id),
    { taken: 0, done: 0, medianTakeMs: null, medianFinishMs: null },
    'members who did nothing show',
  )
  t.match(of(owner.id), { done: 0 }, 'a finish is the holder’s, whoever pressed Done')
  t.same(stats.queues, [
    { queue: { id: queue.id, name: 'Repairs' }, backlog: 2, oldestWaitingMs: 15 * MINUTE, created: 5, done: 3 },
  ])

  const period = (from: number, to: number) =>
    as(app, owner, 'GET', `/api/tasks/stats?from=${t0 + from * MINUTE}&to=${t0 + to * MINUTE}`).then((r) =>
      bodyOf<TaskStats>(r),
    )
  const middle = await period(42, 73)
  t.match(
    middle.members.find((m) => m.member.id === ben.id),
    { taken: 1, released: 1, done: 0, medianTakeMs: 4 * MINUTE },
    'a take in the period counts from an opening before it',
  )
  t.match(
    middle.members.find((m) => m.member.id === anna.id),
    {
      taken: 1,
      done: 1,
      medianTakeMs: 6 * MINUTE,
      medianFinishMs: 20 * MINUTE,
    },
  )
  t.match(middle.queues, [{ created: 0, done: 1, backlog: 2 }], 'the backlog is always as of now')
  const late = await period(60, 73)
  t.match(
    late.members.find((m) => m.member.id === anna.id),
    { taken: 0, done: 1, medianTakeMs: null, medianFinishMs: 20 * MINUTE },
    'a finish in the period counts from a take before it',
  )
})

t.test('stats are for owners, over a sensible period', async (t) => {
  const { app, owner, manager, workers, clock } = await openTaskShop(t, { workers: 1 })
  const [anna] = workers as [SignedInMember]
  t.equal((await as(app, manager, 'GET', '/api/tasks/stats')).statusCode, 403)
  t.equal((await as(app, anna, 'GET', '/api/tasks/stats')).statusCode, 403)
  t.equal((await as(app, anna, 'GET', '/api/tasks/stats.csv')).statusCode, 403)
  const now = clock.now()
  t.match(bodyOf(await as(app, owner, 'GET', `/api/tasks/stats?from=${now}&to=${now}`)), { code: 'invalid_period' })
  t.match(bodyOf(await as(app, owner, 'GET', `/api/tasks/stats?from=${now - 400 * 86_400_000}&to=${now}`)), {
    code: 'period_too_long',
  })
  t.equal((await as(app, owner, 'GET', '/api/tasks/stats?from=yesterday')).statusCode, 400)
  t.equal((await as(app, owner, 'GET', '/api/tasks/stats?team=1')).statusCode, 400)
})

t.test('stats as CSV: members then queues under one header, safe to open in a spreadsheet', async (t) => {
  const { app, owner, anna, queue } = await openMorning(t)
  const sneaky = await createMember(app, owner.cookie, { username: 'sneaky', displayName: '=HYPERLINK("x","y")' })
  const response = await as(app, owner, 'GET', '/api/tasks/stats.csv')
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/csv/)
  t.match(response.headers['content-disposition'], /attachment; filename="backboard-task-stats-\d{4}-\d{2}-\d{2}-/)
  const lines = response.body.trimEnd().split('\r\n')
  t.equal(
    lines[0],
    'kind,id,name,taken,done,released,returned,median_take_minutes,median_finish_minutes,backlog,oldest_waiting_minutes,created',
  )
  t.ok(lines.includes(`member,${anna.id},Anna,3,2,0,1,6,25,,,`), 'Anna’s row')
  t.ok(lines.includes(`member,${sneaky.id},"'=HYPERLINK(""x"",""y"")",0,0,0,0,,,,,`), 'a formula is defused and quoted')
  t.equal(lines.at(-1), `queue,${queue.id},Repairs,,3,,,,,2,15,5`, 'the queue comes last')
  const kinds = lines.slice(1).map((line) => line.split(',')[0])
  t.same(
    kinds,
    [...kinds].sort((a, b) => (a === b ? 0 : a === 'member' ? -1 : 1)),
    'members first, then queues',
  )
})
