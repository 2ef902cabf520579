/**
 * Tasks on the wall: a display shows them only when a manager turns its "Show tasks" on;
 * then its feed has the unfinished jobs of the board and open channels (never of private
 * channels or direct conversations), waiting ones by priority with their waiting time,
 * who is on what, overdue flagged, and never any details. Its socket is told that a task
 * changed, and nothing more.
 */
import t from 'tap'
import { bodyOf, listen, type SignedInMember } from '../helpers/app'
import { as, boardIdOf, createChannel, openDirect, pairDisplay } from '../helpers/chat'
import { eventsIn, openSocket } from '../helpers/socket'
import type { DisplayView, WallFeed } from '../../server/wall/service'
import { openTaskShop } from './helpers'

const SECRET = 'Customer: Mrs Poole, 0400 123 456'

t.test('a display shows the open tasks only once a manager turns its "Show tasks" on', async (t) => {
  const { app, owner, manager, workers, post } = await openTaskShop(t)
  const [anna] = workers as [SignedInMember]
  const display = await pairDisplay(app, manager)
  await post({ title: 'Fix the till' })

  const before = bodyOf<WallFeed>(await as(app, display, 'GET', '/api/wall'))
  t.equal(before.tasks, null, 'off by default: a wall may face customers')
  const listed = bodyOf<DisplayView[]>(await as(app, manager, 'GET', '/api/displays'))
  t.match(listed, [{ id: display.id, showTasks: false }])

  const byStaff = await as(app, anna, 'PATCH', `/api/displays/${display.id}`, { showTasks: true })
  t.equal(byStaff.statusCode, 403, 'staff cannot change a display')
  const notDisplay = await as(app, manager, 'PATCH', `/api/displays/${anna.id}`, { showTasks: true })
  t.equal(notDisplay.statusCode, 404, 'only displays have the setting')

  const turnedOn = await as(app, manager, 'PATCH', `/api/displays/${display.id}`, { showTasks: true })
  t.equal(turnedOn.statusCode, 200)
  t.match(bodyOf<DisplayView>(turnedOn), { id: display.id, showTasks: true })
  const shown = bodyOf<WallFeed>(await as(app, display, 'GET', '/api/wall'))
  t.match(shown.tasks?.open, [{ title: 'Fix the till', state: 'open' }])

  const preview = bodyOf<WallFeed>(await as(app, owner, 'GET', '/api/wall'))
  t.equal(preview.tasks, null, 'a member previewing the wall has no display setting')

  await as(app, manager, 'PATCH', `/api/displays/${display.id}`, { showTasks: false })
  t.equal(bodyOf<WallFeed>(await as(app, display, 'GET', '/api/wall')).tasks, null, 'and off again')
})

t.test('the wall lists the board’s and open channels’ unfinished jobs, by priority, with who is on what', async (t) => {
  const { app, clock, owner, manager, workers, post } = await openTaskShop(t)
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const display = await pairDisplay(app, manager)
  await as(app, manager, 'PATCH', `/api/displays/${display.id}`, { showTasks: true })

  const boardId = await boardIdOf(app, owner)
  const secretRoom = await createChannel(app, owner, 'office', { isPrivate: true, members: [manager] })
  const direct = await openDirect(app, owner, [anna])
  const queue = await as(app, owner, 'POST', '/api/task-queues', { name: 'Repairs', mode: 'claim' })
  t.equal(queue.statusCode, 201)

  const low = await post({ title: 'Sweep the yard', priority: 20, details: 'Behind the bins', privateDetails: SECRET })
  const high = await post({ title: 'Fix the till', priority: 90, privateDetails: SECRET })
  const onBoard = await post({ title: 'Count the float', priority: 50, conversationId: boardId })
  const queued = await post({
    title: 'Mend the door',
    priority: 60,
    queueId: bodyOf<{ id: number }>(queue).id,
    conversationId: undefined,
  })
  const overdue = await post({ title: 'Ring the supplier', priority: 40, dueAt: clock.now() + 10 * 60_000 })
  const held = await post({ title: 'Unpack the delivery', priority: 70 })
  const started = await post({ title: 'Clean the window', priority: 10 })
  await post({ title: 'Private job', conversationId: secretRoom })
  await post({ title: 'Direct job', conversationId: direct })
  const finished = await post({ title: 'Finished job' })
  const cancelled = await post({ title: 'Cancelled job' })

  t.equal((await as(app, anna, 'POST', `/api/tasks/${held.id}/take`)).statusCode, 200)
  t.equal((await as(app, ben, 'POST', `/api/tasks/${started.id}/take`)).statusCode, 200)
  t.equal((await as(app, ben, 'POST', `/api/tasks/${started.id}/start`)).statusCode, 200)
  await as(app, owner, 'POST', `/api/tasks/${finished.id}/take`)
  await as(app, owner, 'POST', `/api/tasks/${finished.id}/done`, { note: 'ok' })
  await as(app, owner, 'POST', `/api/tasks/${cancelled.id}/cancel`)
  clock.advance(25 * 60_000)

  const feed = bodyOf<WallFeed>(await as(app, display, 'GET', '/api/wall'))
  const tasks = feed.tasks
  if (!tasks) throw new Error('no tasks in the feed')
  t.same(
    tasks.open.map((task) => task.id),
    [high.id, queued.id, onBoard.id, overdue.id, low.id],
    'waiting jobs by priority, from the board, open channels and queues; none private, none direct, none finished',
  )
  t.match(
    tasks.open.find((task) => task.id === queued.id),
    { queue: 'Repairs' },
  )
  t.match(
    tasks.open.find((task) => task.id === overdue.id),
    { isOverdue: true, dueAt: overdue.dueAt },
  )
  t.equal(tasks.open.find((task) => task.id === high.id)?.isOverdue, false)
  t.equal(feed.generatedAt - (tasks.open[0]?.openedAt ?? 0), 25 * 60_000, 'the wall can say "waiting 25 min"')
  t.match(tasks.active, [
    { id: held.id, title: 'Unpack the delivery', state: 'taken', takenBy: 'Anna' },
    { id: started.id, title: 'Clean the window', state: 'started', takenBy: 'Ben' },
  ])
  t.notOk(
    feed.recent.some((message) => message.kind === 'task'),
    'a job on the board is in the panel, not the messages',
  )

  const text = JSON.stringify(feed)
  t.notOk(text.includes('0400'), 'no private details')
  t.notOk(text.includes('Behind the bins'), 'nor any details at all')
  t.notOk(text.includes('Private job') || text.includes('Direct job'), 'nothing from private places')
  t.notOk(text.includes('anna0'), 'names only, no usernames')
})

t.test('a display’s socket is told that a task changed, never which or by whom', async (t) => {
  const { app, manager, workers, post } = await openTaskShop(t)
  const [anna] = workers as [SignedInMember]
  const display = await pairDisplay(app, manager)
  await as(app, manager, 'PATCH', `/api/displays/${display.id}`, { showTasks: true })
  const base = await listen(app)
  const socket = await openSocket(base, display.cookie)
  t.teardown(() => socket.close())
  await socket.waitFor((frame) => frame.kind === 'caught-up')

  const task = await post({ title: 'Fix the till', privateDetails: SECRET })
  await as(app, anna, 'POST', `/api/tasks/${task.id}/take`)
  const taken = await socket.waitFor(
    (frame) => frame.type === 'task.changed' && (frame.data as { action: string }).action === 'taken',
  )
  t.match(taken.data, { taskId: task.id, action: 'taken', state: 'taken', title: '', takenBy: null, by: null })
  const seen = JSON.stringify(eventsIn(socket.frames))
  t.notOk(seen.includes('Fix the till'), 'no title: the task may be in a private channel')
  t.notOk(seen.includes('Anna'), 'nor who took it')
  t.notOk(seen.includes('0400'))
})
