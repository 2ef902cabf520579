import t from 'tap'
import { bodyOf, type SignedInMember } from '../helpers/app'
import { as, createChannel, eventsAfter, lastEventId, newClientKey, tinyPng, upload } from '../helpers/chat'
import type { App } from '../../server/shared/app-types'
import type { QueueView, TaskView } from '../../server/tasks/service'
import { followersOf, type CategoryView } from '../../server/tasks/reports'
import { openTaskShop } from './helpers'

async function createQueue(app: App, owner: SignedInMember, body: Record<string, unknown>): Promise<QueueView> {
  const response = await as(app, owner, 'POST', '/api/task-queues', { mode: 'claim', ...body })
  if (response.statusCode !== 201) throw new Error(`queue failed: ${response.statusCode} ${response.body}`)
  return bodyOf<QueueView>(response)
}

async function createCategory(app: App, owner: SignedInMember, body: Record<string, unknown>): Promise<CategoryView> {
  const response = await as(app, owner, 'POST', '/api/report-categories', body)
  if (response.statusCode !== 201) throw new Error(`category failed: ${response.statusCode} ${response.body}`)
  return bodyOf<CategoryView>(response)
}

t.test('owners keep report categories: each names a queue and the members responsible', async (t) => {
  const { app, ctx, owner, manager, workers } = await openTaskShop(t, { workers: 1 })
  const [anna] = workers as [SignedInMember]
  const repairs = await createQueue(app, owner, { name: 'Repairs' })
  const body = { name: 'Broken equipment', queueId: repairs.id, priority: 70, responsibleIds: [manager.id] }

  t.equal((await as(app, anna, 'POST', '/api/report-categories', body)).statusCode, 403)
  t.equal((await as(app, manager, 'POST', '/api/report-categories', body)).statusCode, 403, 'settings.manage only')
  const category = await createCategory(app, owner, body)
  t.match(category, {
    name: 'Broken equipment',
    queue: { id: repairs.id, name: 'Repairs' },
    priority: 70,
    responsibleIds: [manager.id],
    isArchived: false,
  })
  t.match(bodyOf(await as(app, owner, 'POST', '/api/report-categories', body)), { code: 'category_exists' })
  t.match(bodyOf(await as(app, owner, 'POST', '/api/report-categories', { ...body, name: 'Spills', queueId: 999 })), {
    code: 'queue_not_found',
  })
  t.match(
    bodyOf(await as(app, owner, 'POST', '/api/report-categories', { ...body, name: 'Spills', responsibleIds: [999] })),
    { code: 'invalid_member' },
  )
  t.equal(
    (await as(app, owner, 'POST', '/api/report-categories', { ...body, name: 'Spills', colour: 'red' })).statusCode,
    400,
  )

  const listed = bodyOf<{ categories: CategoryView[] }>(await as(app, anna, 'GET', '/api/report-categories'))
  t.same(
    listed.categories.map((c) => c.name),
    ['Broken equipment'],
    'everyone sees the categories to pick from',
  )

  const archived = await as(app, owner, 'PATCH', `/api/report-categories/${category.id}`, {
    isArchived: true,
    priority: 90,
  })
  t.equal(archived.statusCode, 200)
  t.match(bodyOf(archived), { isArchived: true, priority: 90 })
  t.equal((await as(app, anna, 'PATCH', `/api/report-categories/${category.id}`, { priority: 1 })).statusCode, 403)
  t.match(bodyOf(await as(app, owner, 'PATCH', '/api/report-categories/999', { priority: 1 })), {
    code: 'category_not_found',
  })
  const audit = await ctx.db
    .selectFrom('audit')
    .select('action')
    .where('action', '=', 'task.category_changed')
    .execute()
  t.equal(audit.length, 2)
})

t.test('a worker reports a problem: a task in the category’s queue that they and the responsible follow', async (t) => {
  const { app, ctx, owner, manager, workers } = await openTaskShop(t, { workers: 2 })
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const repairs = await createQueue(app, owner, { name: 'Repairs' })
  const category = await createCategory(app, owner, {
    name: 'Broken equipment',
    queueId: repairs.id,
    priority: 70,
    responsibleIds: [manager.id, ben.id],
  })
  const photo = await upload(app, anna, tinyPng(4, 4), 'leak.png', 'image/png')
  const clientKey = newClientKey('report')
  const before = await lastEventId(ctx)
  const report = {
    categoryId: category.id,
    text: '\n  Freezer 2 is   leaking\nWater all over the floor by the door',
    attachments: [{ fileId: photo.id }],
    clientKey,
  }
  const response = await as(app, anna, 'POST', '/api/reports', report)
  t.equal(response.statusCode, 201, 'no tasks.dispatch needed')
  const task = bodyOf<TaskView>(response)
  t.match(task, {
    title: 'Freezer 2 is leaking',
    state: 'open',
    priority: 70,
    conversationId: repairs.conversationId,
    queue: { id: repairs.id, name: 'Repairs' },
    reporter: { id: anna.id },
    createdBy: { id: anna.id },
    category: { id: category.id, name: 'Broken equipment' },
  })
  t.match(task.details, /Water all over the floor by the door/)
  t.equal(task.attachments.length, 1)
  t.equal(task.attachments[0]?.kind, 'image')
  t.same(
    await followersOf(ctx.db, task.id),
    [manager.id, anna.id, ben.id].sort((a, b) => a - b),
  )
  t.match(
    (await eventsAfter(ctx, before, 'task.changed')).map((e) => e.data),
    [{ taskId: task.id, action: 'created', state: 'open' }],
  )

  const replay = await as(app, anna, 'POST', '/api/reports', report)
  t.equal(replay.statusCode, 200, 'sent twice (a retry): one report')
  t.equal(bodyOf<TaskView>(replay).id, task.id)
  t.equal(
    await ctx.db
      .selectFrom('task')
      .select('message_id')
      .execute()
      .then((rows) => rows.length),
    1,
  )
  t.same(
    await followersOf(ctx.db, task.id),
    [manager.id, anna.id, ben.id].sort((a, b) => a - b),
  )

  const photoOnly = await as(app, ben, 'POST', '/api/reports', {
    categoryId: category.id,
    attachments: [{ fileId: (await upload(app, ben, tinyPng(2, 2), 'x.png', 'image/png')).id }],
    clientKey: newClientKey('report'),
  })
  t.equal(photoOnly.statusCode, 201)
  t.equal(bodyOf<TaskView>(photoOnly).title, 'Broken equipment', 'no text: the category names it')

  t.match(
    bodyOf(
      await as(app, anna, 'POST', '/api/reports', { categoryId: category.id, text: '  ', clientKey: newClientKey() }),
    ),
    { code: 'empty_report' },
  )
  t.match(
    bodyOf(await as(app, anna, 'POST', '/api/reports', { categoryId: 999, text: 'Hm', clientKey: newClientKey() })),
    { code: 'category_not_found' },
  )
  await as(app, owner, 'PATCH', `/api/report-categories/${category.id}`, { isArchived: true })
  t.match(
    bodyOf(
      await as(app, anna, 'POST', '/api/reports', { categoryId: category.id, text: 'Hm', clientKey: newClientKey() }),
    ),
    { code: 'category_not_found' },
    'an archived category takes no new reports',
  )
})

t.test('a report goes only where the reporter can read; responsible members outside it do not follow', async (t) => {
  const { app, ctx, owner, manager, workers } = await openTaskShop(t, { workers: 2 })
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const office = await createChannel(app, owner, 'office', { isPrivate: true, members: [manager, anna] })
  const queue = await createQueue(app, owner, { name: 'Office', conversationId: office })
  const category = await createCategory(app, owner, {
    name: 'Paperwork',
    queueId: queue.id,
    responsibleIds: [manager.id, ben.id],
  })
  const refused = await as(app, ben, 'POST', '/api/reports', {
    categoryId: category.id,
    text: 'The printer is out of toner',
    clientKey: newClientKey('report'),
  })
  t.equal(refused.statusCode, 403)
  t.match(bodyOf(refused), { code: 'not_in_queue_channel', message: /Office/ })

  const accepted = await as(app, anna, 'POST', '/api/reports', {
    categoryId: category.id,
    text: 'The printer is out of toner',
    clientKey: newClientKey('report'),
  })
  t.equal(accepted.statusCode, 201)
  const task = bodyOf<TaskView>(accepted)
  t.same(
    await followersOf(ctx.db, task.id),
    [manager.id, anna.id].sort((a, b) => a - b),
    'Ben is not in the office',
  )
})
