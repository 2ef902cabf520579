import t from 'tap'
import { bodyOf } from '../helpers/app'
import { as, eventsAfter, lastEventId } from '../helpers/chat'
import type { TaskView } from '../../server/tasks/service'
import { openTaskShop } from './helpers'

t.test('a dispatcher posts a task; one worker takes it; the other is told who has it', async (t) => {
  const { app, ctx, owner, workers, post } = await openTaskShop(t)
  const [anna, ben] = workers as [NonNullable<(typeof workers)[0]>, NonNullable<(typeof workers)[0]>]
  const before = await lastEventId(ctx)
  const task = await post({
    title: 'Fix the till',
    details: 'Drawer sticks',
    privateDetails: 'Customer: 0400 123 456',
    priority: 70,
  })
  t.equal(task.state, 'open')
  t.equal(task.priority, 70)
  t.equal(task.takenBy, null)
  t.equal(task.privateDetails, 'Customer: 0400 123 456', 'the dispatcher sees the private details')

  const annaSees = bodyOf<{ tasks: TaskView[] }>(await as(app, anna, 'GET', '/api/tasks?view=open')).tasks
  t.same(
    annaSees.map((x) => x.id),
    [task.id],
  )
  t.equal(annaSees[0]?.privateDetails, null, 'a worker does not see them before taking')

  const take = await as(app, anna, 'POST', `/api/tasks/${task.id}/take`)
  t.equal(take.statusCode, 200)
  const taken = bodyOf<TaskView>(take)
  t.equal(taken.state, 'taken')
  t.equal(taken.takenBy?.id, anna.id)
  t.equal(taken.privateDetails, 'Customer: 0400 123 456', 'the taker sees them')

  const late = await as(app, ben, 'POST', `/api/tasks/${task.id}/take`)
  t.equal(late.statusCode, 409)
  t.match(bodyOf(late), { code: 'task_taken', takenBy: { id: anna.id, displayName: 'Anna' } })

  const again = await as(app, anna, 'POST', `/api/tasks/${task.id}/take`)
  t.equal(again.statusCode, 200, 'pressing again on one’s own task changes nothing')

  const events = await eventsAfter(ctx, before)
  t.notOk(JSON.stringify(events).includes('0400 123 456'), 'no event carries the private details')
  t.same(
    events.filter((e) => e.type === 'task.changed').map((e) => (e.data as { action: string }).action),
    ['created', 'taken'],
  )
  const detail = bodyOf<TaskView & { thread: { system: { action: string } | null }[] }>(
    await as(app, owner, 'GET', `/api/tasks/${task.id}`),
  )
  t.same(
    detail.thread.map((m) => m.system?.action),
    ['task.taken'],
  )
})
