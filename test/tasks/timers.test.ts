import t from 'tap'
import { bodyOf, type SignedInMember } from '../helpers/app'
import { as, eventsAfter, lastEventId } from '../helpers/chat'
import type { App } from '../../server/shared/app-types'
import type { MessageView } from '../../server/shared/events'
import type { QueueView, TaskView } from '../../server/tasks/service'
import { runTaskJobs } from '../../server/tasks/jobs'
import { openTaskShop } from './helpers'

const MINUTE = 60_000
// The background timer would run the jobs on its own; the tests run them when they say.
const quiet = { build: { jobIntervalMs: 3_600_000 } }

type TaskWithThread = TaskView & { thread: MessageView[] }

async function createQueue(app: App, owner: SignedInMember, body: Record<string, unknown>): Promise<QueueView> {
  const response = await as(app, owner, 'POST', '/api/task-queues', { mode: 'claim', ...body })
  if (response.statusCode !== 201) throw new Error(`queue failed: ${response.statusCode} ${response.body}`)
  return bodyOf<QueueView>(response)
}

async function taskOf(app: App, member: SignedInMember, id: number): Promise<TaskWithThread> {
  return bodyOf<TaskWithThread>(await as(app, member, 'GET', `/api/tasks/${id}`))
}

async function act(app: App, member: SignedInMember, id: number, action: string): Promise<void> {
  const response = await as(app, member, 'POST', `/api/tasks/${id}/${action}`)
  if (response.statusCode !== 200) throw new Error(`${action} failed: ${response.statusCode} ${response.body}`)
}

t.test('a task taken but not started in time goes back to the queue, and the dispatcher is told', async (t) => {
  const { app, ctx, clock, owner, workers, post } = await openTaskShop(t, quiet)
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const queue = await createQueue(app, owner, { name: 'Repairs', startWithinMinutes: 10 })
  const task = await post({ title: 'Fix the till', queueId: queue.id, conversationId: undefined })
  const other = await post({ title: 'Oil the door', queueId: queue.id, conversationId: undefined })
  await act(app, anna, task.id, 'take')
  await act(app, ben, other.id, 'take')
  await act(app, ben, other.id, 'start')

  clock.advance(10 * MINUTE - 1_000)
  t.equal((await runTaskJobs(ctx)).returnedUnstarted, 0, 'not yet: a second is left')
  t.equal((await taskOf(app, owner, task.id)).state, 'taken')

  clock.advance(1_000)
  const before = await lastEventId(ctx)
  t.equal((await runTaskJobs(ctx)).returnedUnstarted, 1, 'the unstarted one goes back; the started one stays')
  const returned = await taskOf(app, owner, task.id)
  t.equal(returned.state, 'open')
  t.equal(returned.takenBy, null)
  t.equal(returned.openedAt, clock.now(), 'its waiting time starts again')
  const line = returned.thread.at(-1)
  t.match(line, { kind: 'system', author: null, system: { action: 'task.returned', detail: 'Anna' } })
  t.equal((await taskOf(app, owner, other.id)).state, 'started')

  const changes = await ctx.db
    .selectFrom('task_change')
    .selectAll()
    .where('task_id', '=', task.id)
    .where('action', '=', 'returned')
    .execute()
  t.match(changes, [{ actor_id: null, member_id: anna.id, at: clock.now() }])

  const events = await eventsAfter(ctx, before)
  t.match(
    events.find((e) => e.type === 'task.changed'),
    {
      audienceKind: 'conversation',
      audienceId: queue.conversationId,
      data: { taskId: task.id, action: 'returned', state: 'open', memberId: anna.id, by: null, takenBy: null },
    },
  )
  t.match(events.find((e) => e.type === 'message.updated')?.data, { message: { id: task.id, task: { state: 'open' } } })

  t.equal((await runTaskJobs(ctx)).returnedUnstarted, 0, 'running again changes nothing')
  t.equal(
    (await eventsAfter(ctx, before)).filter((e) => e.type === 'task.changed').length,
    1,
    'the return is told once',
  )

  const take = await as(app, anna, 'POST', `/api/tasks/${task.id}/take`)
  t.equal(take.statusCode, 200, 'whoever had it can take it again')
})

t.test('an open task nobody takes in time is escalated to the managers once per opening', async (t) => {
  const { app, ctx, clock, owner, workers, post } = await openTaskShop(t, quiet)
  const [anna] = workers as [SignedInMember]
  const leads = await createQueue(app, owner, { name: 'Leads', escalateAfterMinutes: 30 })
  const calm = await createQueue(app, owner, { name: 'Calm' })
  const task = await post({ title: 'Call back Mrs Lee', queueId: leads.id, conversationId: undefined })
  const unhurried = await post({ title: 'Dust the shelves', queueId: calm.id, conversationId: undefined })

  clock.advance(29 * MINUTE)
  t.equal((await runTaskJobs(ctx)).escalated, 0)
  clock.advance(MINUTE)
  const before = await lastEventId(ctx)
  t.equal((await runTaskJobs(ctx)).escalated, 1, 'only the task of the queue that escalates')
  const events = await eventsAfter(ctx, before)
  t.match(
    events.filter((e) => e.type === 'task.escalated'),
    [
      {
        audienceKind: 'managers',
        data: {
          taskId: task.id,
          conversationId: leads.conversationId,
          title: 'Call back Mrs Lee',
          waitingMs: 30 * MINUTE,
        },
      },
    ],
  )
  t.match(
    events.filter((e) => e.type === 'task.changed').map((e) => e.data),
    [{ taskId: task.id, action: 'escalated', state: 'open' }],
  )
  const escalated = await taskOf(app, owner, task.id)
  t.equal(escalated.state, 'open', 'it stays open for anyone to take')
  t.equal(escalated.thread.at(-1)?.system?.action, 'task.escalated')

  clock.advance(60 * MINUTE)
  t.equal((await runTaskJobs(ctx)).escalated, 0, 'once per opening, however long it waits')

  await act(app, anna, task.id, 'take')
  await act(app, anna, task.id, 'release')
  clock.advance(30 * MINUTE - 1_000)
  t.equal((await runTaskJobs(ctx)).escalated, 0, 'a new opening counts from when it was given back')
  clock.advance(1_000)
  t.equal((await runTaskJobs(ctx)).escalated, 1, 'and escalates again')
  t.equal(
    (await eventsAfter(ctx, 0, 'task.escalated')).filter((e) => (e.data as { taskId: number }).taskId === unhurried.id)
      .length,
    0,
    'a queue without the timer never escalates',
  )
})

t.test('in a queue that says so, the tasks of a member who goes off shift or away go back', async (t) => {
  const { app, ctx, clock, owner, workers, post } = await openTaskShop(t, quiet)
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const deliveries = await createQueue(app, owner, { name: 'Deliveries', returnWhenOffShift: true })
  const floor = await createQueue(app, owner, { name: 'Floor' })
  const parcel = await post({ title: 'Take the parcel to No. 4', queueId: deliveries.id, conversationId: undefined })
  const shelf = await post({ title: 'Fill the shelf', queueId: floor.id, conversationId: undefined })
  await act(app, anna, parcel.id, 'take')
  await act(app, anna, parcel.id, 'start')
  await act(app, ben, shelf.id, 'take')
  const setStatus = async (member: SignedInMember, shiftStatus: string, untilMinutes: number | null) => {
    const response = await as(app, member, 'PUT', '/api/me/status', { shiftStatus, untilMinutes })
    if (response.statusCode !== 200) throw new Error(`status failed: ${response.statusCode} ${response.body}`)
  }

  t.equal((await runTaskJobs(ctx)).returnedOffShift, 0, 'on shift: nothing moves')
  await setStatus(anna, 'off_shift', null)
  await setStatus(ben, 'off_shift', null)
  const before = await lastEventId(ctx)
  t.equal((await runTaskJobs(ctx)).returnedOffShift, 1)
  const back = await taskOf(app, owner, parcel.id)
  t.equal(back.state, 'open', 'started tasks go back too')
  t.match(back.thread.at(-1), { system: { action: 'task.returned', detail: 'Anna' } })
  t.match(
    (await eventsAfter(ctx, before, 'task.changed')).map((e) => e.data),
    [{ taskId: parcel.id, action: 'returned', memberId: anna.id }],
  )
  t.equal((await taskOf(app, owner, shelf.id)).state, 'taken', 'a queue without the setting keeps its tasks held')

  await setStatus(anna, 'on_shift', null)
  await act(app, anna, parcel.id, 'take')
  await setStatus(anna, 'away', 5)
  clock.advance(6 * MINUTE)
  t.equal((await runTaskJobs(ctx)).returnedOffShift, 0, 'an away status whose time ran out counts as on shift')
  await setStatus(anna, 'away', 30)
  t.equal((await runTaskJobs(ctx)).returnedOffShift, 1, 'away for a while: it goes back')
  t.equal((await taskOf(app, owner, parcel.id)).state, 'open')
})
