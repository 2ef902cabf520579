import t from 'tap'
import { bodyOf, type SignedInMember } from '../helpers/app'
import { as, eventsAfter, lastEventId, newClientKey, tinyPng, upload } from '../helpers/chat'
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

t.test('a task goes open → taken → started → done, and back to open when given back or reopened', async (t) => {
  const { app, owner, workers, post } = await openTaskShop(t)
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const task = await post({ title: 'Restock shelf 4', checklist: ['Count boxes', 'Fill shelf'], photoRequired: true })
  t.equal(task.checklist.length, 2)

  t.match(bodyOf(await as(app, anna, 'POST', `/api/tasks/${task.id}/start`)), { code: 'not_taker' })
  t.equal((await as(app, anna, 'POST', `/api/tasks/${task.id}/take`)).statusCode, 200)
  t.match(bodyOf(await as(app, ben, 'POST', `/api/tasks/${task.id}/release`)), { code: 'not_taker' })
  const started = bodyOf<TaskView>(await as(app, anna, 'POST', `/api/tasks/${task.id}/start`))
  t.equal(started.state, 'started')
  const item = started.checklist[0] as { id: number }
  const ticked = bodyOf<TaskView>(
    await as(app, anna, 'PUT', `/api/tasks/${task.id}/checklist/${item.id}`, { isDone: true }),
  )
  t.equal(ticked.checklist[0]?.doneBy?.id, anna.id)
  t.match(bodyOf(await as(app, ben, 'PUT', `/api/tasks/${task.id}/checklist/${item.id}`, { isDone: false })), {
    code: 'not_taker',
  })

  const noPhoto = await as(app, anna, 'POST', `/api/tasks/${task.id}/done`, { note: 'All full' })
  t.equal(noPhoto.statusCode, 400)
  t.match(bodyOf(noPhoto), { code: 'photo_required' })
  const photo = await upload(app, anna, tinyPng(8, 8), 'shelf.png', 'image/png')
  const done = bodyOf<TaskView>(
    await as(app, anna, 'POST', `/api/tasks/${task.id}/done`, {
      note: 'All full',
      attachments: [{ fileId: photo.id }],
    }),
  )
  t.equal(done.state, 'done')
  t.equal(done.doneNote, 'All full')
  t.ok(done.doneMessageId)

  t.match(bodyOf(await as(app, anna, 'POST', `/api/tasks/${task.id}/reopen`)), { code: 'dispatch_required' })
  const reopened = bodyOf<TaskView>(await as(app, owner, 'POST', `/api/tasks/${task.id}/reopen`))
  t.equal(reopened.state, 'open')
  t.equal(reopened.takenBy, null)

  t.equal((await as(app, ben, 'POST', `/api/tasks/${task.id}/take`)).statusCode, 200)
  const released = bodyOf<TaskView>(await as(app, ben, 'POST', `/api/tasks/${task.id}/release`))
  t.equal(released.state, 'open')
  const reassigned = bodyOf<TaskView>(
    await as(app, owner, 'POST', `/api/tasks/${task.id}/reassign`, { memberId: anna.id }),
  )
  t.equal(reassigned.takenBy?.id, anna.id)
  t.equal((await as(app, anna, 'POST', `/api/tasks/${task.id}/reassign`, { memberId: ben.id })).statusCode, 403)
  const cancelled = bodyOf<TaskView>(await as(app, owner, 'POST', `/api/tasks/${task.id}/cancel`))
  t.equal(cancelled.state, 'cancelled')
  t.match(bodyOf(await as(app, ben, 'POST', `/api/tasks/${task.id}/take`)), { code: 'task_closed' })

  const thread = bodyOf<{ thread: { system: { action: string } | null; attachments: unknown[] }[] }>(
    await as(app, owner, 'GET', `/api/tasks/${task.id}`),
  ).thread
  t.same(
    thread.map((m) => m.system?.action),
    [
      'task.taken',
      'task.started',
      'task.done',
      'task.reopened',
      'task.taken',
      'task.released',
      'task.reassigned',
      'task.cancelled',
    ],
    'every change is a line in the thread',
  )
  t.equal(thread[2]?.attachments.length, 1, 'the done line carries the photo')
})

t.test('Next hands out the most important task first and answers 204 when nothing is left', async (t) => {
  const { app, owner, workers, clock } = await openTaskShop(t)
  const [anna] = workers as [SignedInMember]
  const queue = bodyOf<{ id: number }>(
    await as(app, owner, 'POST', '/api/task-queues', { name: 'Repairs', mode: 'pull', ageingPerHour: 10 }),
  )
  const post = async (title: string, priority: number) =>
    bodyOf<TaskView>(
      await as(app, owner, 'POST', '/api/tasks', { title, priority, queueId: queue.id, clientKey: newClientKey('t') }),
    )
  const old = await post('Old low job', 20)
  clock.advance(3 * 3_600_000)
  const urgent = await post('Urgent job', 90)
  await post('Normal job', 45)
  t.match(bodyOf(await as(app, anna, 'POST', `/api/tasks/${old.id}/take`)), { code: 'pull_queue' })

  const first = bodyOf<TaskView>(await as(app, anna, 'POST', '/api/tasks/next', {}))
  t.equal(first.id, urgent.id)
  t.match(bodyOf(await as(app, anna, 'POST', '/api/tasks/next', {})), { code: 'active_limit' })
  await as(app, anna, 'POST', `/api/tasks/${first.id}/done`, {})
  const second = bodyOf<TaskView>(await as(app, anna, 'POST', '/api/tasks/next', { queueId: queue.id }))
  t.equal(second.id, old.id, 'three hours of ageing at 10 an hour lift 20 to 50, above 45')
  await as(app, anna, 'POST', `/api/tasks/${second.id}/done`, {})
  await as(app, anna, 'POST', '/api/tasks/next', {}).then((r) =>
    as(app, anna, 'POST', `/api/tasks/${bodyOf<TaskView>(r).id}/done`, {}),
  )
  const none = await as(app, anna, 'POST', '/api/tasks/next', {})
  t.equal(none.statusCode, 204)
})

t.test('bad task input gets a 4xx with a code and stores nothing', async (t) => {
  const { app, ctx, owner, workers, channelId } = await openTaskShop(t)
  const [anna] = workers as [SignedInMember]
  const bad: [Record<string, unknown>, number, string][] = [
    [{ title: '' }, 400, 'invalid_request'],
    [{ title: '   ' }, 400, 'invalid_title'],
    [{ title: 'x', priority: 101 }, 400, 'invalid_request'],
    [{ title: 'x', priority: '5' }, 400, 'invalid_request'],
    [{ title: 'x', dueAt: 9e15 }, 400, 'invalid_request'],
    [{ title: 'x', conversationId: undefined }, 400, 'place_required'],
    [{ title: 'x', queueId: 999 }, 404, 'queue_not_found'],
    [{ title: 'x', extra: 1 }, 400, 'invalid_request'],
    [{ title: 'x', checklist: Array(31).fill('a') }, 400, 'invalid_request'],
    [{ title: '<script>alert(1)</script>'.repeat(10) }, 400, 'title_too_long'],
  ]
  for (const [input, status, code] of bad) {
    const response = await as(app, owner, 'POST', '/api/tasks', {
      conversationId: channelId,
      clientKey: newClientKey('bad'),
      ...input,
    })
    t.equal(response.statusCode, status, JSON.stringify(input).slice(0, 60))
    t.equal(bodyOf(response).code, code)
  }
  const staff = await as(app, anna, 'POST', '/api/tasks', {
    title: 'x',
    conversationId: channelId,
    clientKey: newClientKey('s'),
  })
  t.equal(staff.statusCode, 403, 'posting needs tasks.dispatch')
  const rows = await ctx.db.selectFrom('task').select('message_id').execute()
  t.equal(rows.length, 0)
  t.equal((await as(app, anna, 'POST', '/api/tasks/999/take')).statusCode, 404)
})

t.test('a replayed clientKey answers the first task, and the script in a title is stored as text', async (t) => {
  const { app, owner, channelId } = await openTaskShop(t)
  const clientKey = newClientKey('same')
  const body = { title: '<img src=x onerror=alert(1)>', conversationId: channelId, clientKey }
  const first = await as(app, owner, 'POST', '/api/tasks', body)
  const again = await as(app, owner, 'POST', '/api/tasks', body)
  t.equal(first.statusCode, 201)
  t.equal(again.statusCode, 200)
  t.equal(bodyOf<TaskView>(again).id, bodyOf<TaskView>(first).id)
  t.equal(bodyOf<TaskView>(first).title, '<img src=x onerror=alert(1)>')
})

t.test('Next and Done need no body at all', async (t) => {
  const { app, workers, post } = await openTaskShop(t)
  const [anna] = workers as [SignedInMember]
  const task = await post({ title: 'Sweep the floor' })
  await as(app, anna, 'POST', `/api/tasks/${task.id}/take`)
  const done = await app.inject({ method: 'POST', url: `/api/tasks/${task.id}/done`, headers: { cookie: anna.cookie } })
  t.equal(done.statusCode, 200, done.body)
  const next = await app.inject({ method: 'POST', url: '/api/tasks/next', headers: { cookie: anna.cookie } })
  t.equal(next.statusCode, 204, next.body)
})

t.test('Next looks past a page of jobs the member may not take', async (t) => {
  const { app, ctx, owner, workers } = await openTaskShop(t)
  const [anna] = workers as [SignedInMember]
  const queue = bodyOf<{ id: number }>(
    await as(app, owner, 'POST', '/api/task-queues', { name: 'Deliveries', mode: 'pull' }),
  )
  for (let i = 0; i < 60; i++) {
    const response = await as(app, owner, 'POST', '/api/tasks', {
      title: `Van job ${i}`,
      priority: 90,
      skills: ['van licence'],
      queueId: queue.id,
      clientKey: newClientKey('van'),
    })
    t.equal(response.statusCode, 201)
  }
  const walk = bodyOf<TaskView>(
    await as(app, owner, 'POST', '/api/tasks', {
      title: 'Walk it over',
      priority: 10,
      queueId: queue.id,
      clientKey: newClientKey('w'),
    }),
  )
  const next = await as(app, anna, 'POST', '/api/tasks/next', {})
  t.equal(next.statusCode, 200)
  t.equal(bodyOf<TaskView>(next).id, walk.id, 'the only job she may do, under 60 she may not')
  const held = await ctx.db.selectFrom('task').select('message_id').where('taken_by', '=', anna.id).execute()
  t.same(
    held.map((row) => row.message_id),
    [walk.id],
  )
})
