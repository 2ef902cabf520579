import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { ManualClock } from '../../server/shared/clock'
import type { App } from '../../server/shared/app-types'
import type { AppContext } from '../../server/shared/context'
import type { TaskView } from '../../server/tasks/service'
import type { ScheduleView } from '../../server/tasks/schedules'
import { runTaskJobs } from '../../server/tasks/jobs'
import { bodyOf, setupOwner, type SignedInMember } from '../helpers/app'
import { as, createChannel } from '../helpers/chat'
import { openTaskShop } from './helpers'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const quiet = { build: { jobIntervalMs: 3_600_000 } }
const daily7 = { repeat: 'daily', minuteOfDay: 7 * 60, startDate: '2026-01-01' }

async function postSchedule(app: App, member: SignedInMember, body: Record<string, unknown>) {
  return as(app, member, 'POST', '/api/task-schedules', body)
}

async function createSchedule(app: App, member: SignedInMember, body: Record<string, unknown>): Promise<ScheduleView> {
  const response = await postSchedule(app, member, body)
  if (response.statusCode !== 201) throw new Error(`schedule failed: ${response.statusCode} ${response.body}`)
  return bodyOf<ScheduleView>(response)
}

async function tasksOf(app: App, owner: SignedInMember, query = ''): Promise<TaskView[]> {
  const response = await as(app, owner, 'GET', `/api/tasks?view=all${query}`)
  if (response.statusCode !== 200) throw new Error(`tasks failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ tasks: TaskView[] }>(response).tasks.sort((a, b) => a.id - b.id)
}

const londonTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
})

t.test('schedules: dispatchers create, list, change, pause and delete them; bad rules are refused', async (t) => {
  const { app, ctx, clock, owner, workers, channelId } = await openTaskShop(t, quiet)
  const [anna] = workers as [SignedInMember]
  // 2026-12-01 09:00 in London (GMT), a Tuesday.
  const body = { title: 'Opening checklist', conversationId: channelId, rule: daily7, checklist: ['Lights', 'Till'] }

  t.equal((await postSchedule(app, anna, body)).statusCode, 403, 'a worker cannot schedule tasks')
  t.match(bodyOf(await postSchedule(app, owner, { ...body, rule: { ...daily7, startDate: '2027-02-30' } })), {
    code: 'invalid_rule',
  })
  t.match(bodyOf(await postSchedule(app, owner, { ...body, rule: { ...daily7, repeat: 'weekly' } })), {
    code: 'invalid_rule',
    message: /weekday/,
  })
  t.match(bodyOf(await postSchedule(app, owner, { ...body, conversationId: undefined })), { code: 'place_required' })
  t.equal((await postSchedule(app, owner, { ...body, rule: { ...daily7, hourOfDay: 7 } })).statusCode, 400)
  t.equal((await postSchedule(app, owner, { ...body, surprise: true })).statusCode, 400, 'bodies are strict')

  const schedule = await createSchedule(app, owner, body)
  t.match(schedule, {
    title: 'Opening checklist',
    conversationId: channelId,
    queueId: null,
    checklist: ['Lights', 'Till'],
    rule: daily7,
    dueAfterMinutes: 60,
    isPaused: false,
    createdBy: { id: owner.id },
  })
  t.equal(schedule.nextAt, Date.UTC(2026, 11, 2, 7, 0), 'today’s 07:00 has passed: the next is tomorrow')
  t.equal((await runTaskJobs(ctx)).scheduled, 0, 'an occurrence before the schedule existed is not made')

  const listed = bodyOf<{ schedules: ScheduleView[] }>(await as(app, owner, 'GET', '/api/task-schedules')).schedules
  t.same(
    listed.map((s) => s.id),
    [schedule.id],
  )
  t.equal((await as(app, anna, 'GET', '/api/task-schedules')).statusCode, 403)

  const weekly = await as(app, owner, 'PATCH', `/api/task-schedules/${schedule.id}`, {
    rule: { repeat: 'weekly', minuteOfDay: 8 * 60 + 30, startDate: '2026-12-01', weekdays: [5, 5] },
  })
  t.equal(weekly.statusCode, 200)
  t.match(bodyOf<ScheduleView>(weekly), {
    rule: { repeat: 'weekly', weekdays: [5] },
    nextAt: Date.UTC(2026, 11, 4, 8, 30),
  })
  const paused = bodyOf<ScheduleView>(
    await as(app, owner, 'PATCH', `/api/task-schedules/${schedule.id}`, { isPaused: true }),
  )
  t.equal(paused.isPaused, true)
  t.equal(paused.nextAt, null, 'a paused schedule has no next time')
  t.match(bodyOf(await as(app, owner, 'PATCH', `/api/task-schedules/${schedule.id}`, { conversationId: null })), {
    code: 'place_required',
  })

  clock.advance(7 * DAY)
  t.equal((await runTaskJobs(ctx)).scheduled, 0, 'paused: nothing is made')
  const resumed = bodyOf<ScheduleView>(
    await as(app, owner, 'PATCH', `/api/task-schedules/${schedule.id}`, { isPaused: false }),
  )
  t.equal(resumed.nextAt, Date.UTC(2026, 11, 11, 8, 30))
  t.equal((await runTaskJobs(ctx)).scheduled, 0, 'resuming does not make what the pause skipped')
  clock.set(Date.UTC(2026, 11, 11, 8, 30))
  t.equal((await runTaskJobs(ctx)).scheduled, 1, 'the next Friday’s is made')

  t.equal((await as(app, owner, 'DELETE', `/api/task-schedules/${schedule.id}`)).statusCode, 200)
  t.match(bodyOf(await as(app, owner, 'DELETE', `/api/task-schedules/${schedule.id}`)), {
    code: 'schedule_not_found',
  })
  t.same(bodyOf<{ schedules: ScheduleView[] }>(await as(app, owner, 'GET', '/api/task-schedules')).schedules, [])
  const [made] = await tasksOf(app, owner)
  t.match(made, { title: 'Opening checklist', scheduleId: null }, 'the tasks it made stay')

  const audit = await ctx.db
    .selectFrom('audit')
    .select(['action', 'detail'])
    .where('action', '=', 'task.schedule_changed')
    .orderBy('id')
    .execute()
  t.same(
    audit.map((a) => (JSON.parse(a.detail) as { change: string }).change),
    ['created', 'updated', 'updated', 'updated', 'deleted'],
  )
})

t.test('a daily 07:00 schedule makes its tasks at 07:00 London time across the change to summer time', async (t) => {
  const clock = new ManualClock(Date.UTC(2027, 2, 26, 0, 0))
  const { app, ctx, owner, channelId } = await openTaskShop(t, { ...quiet, clock })
  const schedule = await createSchedule(app, owner, {
    title: 'Opening checklist',
    details: 'Before the doors open',
    conversationId: channelId,
    rule: { ...daily7, startDate: '2027-03-26' },
    checklist: ['Lights', 'Till', 'Floor'],
    priority: 80,
    dueAfterMinutes: 45,
  })
  // Tick every quarter of an hour for four days, as the timer would.
  while (clock.now() < Date.UTC(2027, 2, 30, 0, 0)) {
    clock.advance(15 * MINUTE)
    await runTaskJobs(ctx)
  }
  const tasks = await tasksOf(app, owner)
  const expected = [
    Date.UTC(2027, 2, 26, 7, 0),
    Date.UTC(2027, 2, 27, 7, 0),
    // 2027-03-28 01:00 GMT the clocks go forward: 07:00 BST is 06:00 UTC.
    Date.UTC(2027, 2, 28, 6, 0),
    Date.UTC(2027, 2, 29, 6, 0),
  ]
  t.same(
    tasks.map((task) => task.createdAt),
    expected,
    'one task each day, made at the tick of 07:00 local and not before',
  )
  t.same(
    tasks.map((task) => londonTime.format(task.createdAt)),
    ['Fri 07:00', 'Sat 07:00', 'Sun 07:00', 'Mon 07:00'],
  )
  t.same(
    tasks.map((task) => task.dueAt),
    expected.map((at) => at + 45 * MINUTE),
  )
  for (const task of tasks) {
    t.match(task, {
      title: 'Opening checklist',
      details: 'Before the doors open',
      priority: 80,
      scheduleId: schedule.id,
      state: 'open',
      createdBy: { id: owner.id },
      conversationId: channelId,
    })
    t.same(
      task.checklist.map((item) => item.text),
      ['Lights', 'Till', 'Floor'],
    )
  }
  const changes = await ctx.db.selectFrom('task_change').selectAll().where('action', '=', 'created').execute()
  t.equal(changes.length, 4)
})

t.test('moving the time later on a day whose task was made makes no second one that day', async (t) => {
  const { app, ctx, clock, owner, channelId } = await openTaskShop(t, quiet)
  const schedule = await createSchedule(app, owner, { title: 'Open up', conversationId: channelId, rule: daily7 })
  clock.set(Date.UTC(2026, 11, 2, 7, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 1)
  const moved = await as(app, owner, 'PATCH', `/api/task-schedules/${schedule.id}`, {
    rule: { ...daily7, minuteOfDay: 8 * 60 },
  })
  t.equal(bodyOf<ScheduleView>(moved).nextAt, Date.UTC(2026, 11, 2, 8, 0))
  clock.set(Date.UTC(2026, 11, 2, 8, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 0, 'today already has its task')
  clock.set(Date.UTC(2026, 11, 3, 8, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 1, 'tomorrow’s comes at the new time')
  const keys = await ctx.db.selectFrom('task').select('occurrence_key').orderBy('occurrence_key').execute()
  t.same(
    keys.map((k) => k.occurrence_key),
    ['2026-12-02', '2026-12-03'],
  )
})

t.test('after a very long outage the latest occurrences are made, a bounded batch per run', async (t) => {
  const { app, ctx, clock, owner, channelId } = await openTaskShop(t, quiet)
  for (const title of ['Open up', 'Count the float', 'Sweep', 'Mop', 'Lock up'])
    await createSchedule(app, owner, { title, conversationId: channelId, rule: daily7 })
  clock.advance(70 * DAY)
  const runs = [await runTaskJobs(ctx), await runTaskJobs(ctx), await runTaskJobs(ctx)].map((r) => r.scheduled)
  t.same(runs, [248, 62, 0], 'four schedules’ worth (past the budget of 200), then the fifth, then nothing')
  const perSchedule = await ctx.db
    .selectFrom('task')
    .select(['schedule_id', (eb) => eb.fn.min('occurrence_key').as('first'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('schedule_id')
    .execute()
  t.same(
    perSchedule.map((row) => [Number(row.n), row.first]),
    Array.from({ length: 5 }, () => [62, '2026-12-10']),
    'each keeps the 62 latest mornings rather than flooding the queue',
  )
})

/** The app on a data folder that outlives it, so a test can stop it and start it again. */
function dataFolder(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-schedules-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function boot(t: Test, dataDir: string, clock: ManualClock): Promise<{ app: App; ctx: AppContext }> {
  const { app, ctx } = await buildApp({
    config: loadConfig({ DATA_DIR: dataDir }),
    clock,
    logger: false,
    webRoot: null,
    jobIntervalMs: 3_600_000,
  })
  await app.ready()
  t.teardown(() => app.close())
  return { app, ctx }
}

t.test('restarts, a three-day outage and a clock set back never make an occurrence twice', async (t) => {
  const dataDir = dataFolder(t)
  // Monday 2027-01-04 06:00 in London (GMT).
  const clock = new ManualClock(Date.UTC(2027, 0, 4, 6, 0))
  let { app, ctx } = await boot(t, dataDir, clock)
  const owner = await setupOwner(app)
  const channelId = await createChannel(app, owner, 'front counter')
  const schedule = await createSchedule(app, owner, {
    title: 'Open the shutters',
    conversationId: channelId,
    rule: { ...daily7, startDate: '2027-01-01' },
  })
  const occurrences = async () =>
    (
      await ctx.db
        .selectFrom('task')
        .select(['occurrence_key', 'due_at'])
        .where('schedule_id', '=', schedule.id)
        .orderBy('occurrence_key')
        .execute()
    ).map((row) => row.occurrence_key)

  clock.set(Date.UTC(2027, 0, 4, 7, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 1)

  await app.close()
  ;({ app, ctx } = await boot(t, dataDir, clock))
  t.equal((await runTaskJobs(ctx)).scheduled, 0, 'after a restart at the same moment: nothing again')
  clock.advance(30 * MINUTE)
  t.equal((await runTaskJobs(ctx)).scheduled, 0)
  t.same(await occurrences(), ['2027-01-04'])

  await app.close()
  clock.set(Date.UTC(2027, 0, 7, 9, 0))
  ;({ app, ctx } = await boot(t, dataDir, clock))
  t.equal((await runTaskJobs(ctx)).scheduled, 3, 'the three mornings missed while it was down are made')
  const overdue = await tasksOf(app, owner, '&overdue=true')
  t.same(
    overdue.map((task) => task.dueAt),
    [4, 5, 6, 7].map((day) => Date.UTC(2027, 0, day, 8, 0)),
    'each due an hour after its own morning: the three made late are overdue, as is the one nobody did',
  )
  t.ok(overdue.every((task) => task.isOverdue))

  const madeThrough = async () =>
    (await ctx.db.selectFrom('task_schedule').select('created_through').executeTakeFirstOrThrow()).created_through
  clock.set(Date.UTC(2027, 0, 6, 5, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 0, 'the clock set back a day: nothing')
  t.equal(await madeThrough(), Date.UTC(2027, 0, 7, 9, 0), 'what was made stays made: the mark never moves back')
  clock.set(Date.UTC(2027, 0, 6, 7, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 0, 'the morning it already made comes round again: nothing')
  clock.set(Date.UTC(2027, 0, 7, 7, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 0)
  clock.set(Date.UTC(2027, 0, 8, 7, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 1, 'the next new morning is made')
  t.same(await occurrences(), ['2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08'])
  await app.close()
})

t.test('a schedule whose channel was archived skips its occurrence; the others go on', async (t) => {
  const { app, ctx, clock, owner, channelId } = await openTaskShop(t, quiet)
  const other = await createChannel(app, owner, 'back room')
  const doomed = await createSchedule(app, owner, { title: 'Count the float', conversationId: other, rule: daily7 })
  const fine = await createSchedule(app, owner, { title: 'Sweep up', conversationId: channelId, rule: daily7 })
  const archived = await as(app, owner, 'POST', `/api/conversations/${other}/archive`)
  t.equal(archived.statusCode, 200, archived.body)
  clock.set(Date.UTC(2026, 11, 2, 7, 0))
  t.equal((await runTaskJobs(ctx)).scheduled, 1)
  const made = await ctx.db.selectFrom('task').select('schedule_id').execute()
  t.same(
    made.map((row) => row.schedule_id),
    [fine.id],
  )
  const rows = await ctx.db.selectFrom('task_schedule').select(['id', 'created_through']).orderBy('id').execute()
  t.same(
    rows.map((row) => row.created_through),
    [clock.now(), clock.now()],
    `the archived channel's schedule (${doomed.id}) moves on instead of failing every run`,
  )
})
