/**
 * A customer's message at work: turned into a task that can tell the customer when it is
 * taken and done, shared as a staff-only copy into a channel, and the Customers queue, where
 * an open conversation nobody has is a job that taking assigns and solving finishes.
 */
import t, { type Test } from 'tap'
import type { MessageView } from '../../server/shared/events'
import { bodyOf, createMember, type SignedInMember } from '../helpers/app'
import { as, createChannel, historyOf, openDirect, tinyPng } from '../helpers/chat'
import { botMessagesIn, outboxDrained, startTelegramApp, until, type TelegramApp } from '../helpers/telegram'

const bounded = { timeout: 40_000 }

interface TaskView {
  id: number
  title: string
  state: string
  privateDetails: string | null
  takenBy: { id: number } | null
}

async function started(t: Test): Promise<TelegramApp> {
  const tg = await startTelegramApp(t)
  const enabled = await as(tg.app, tg.owner, 'PATCH', '/api/settings', { customersEnabled: true })
  if (enabled.statusCode !== 200) throw new Error(`enable failed: ${enabled.body}`)
  return tg
}

async function conversationOf(tg: TelegramApp, telegramUserId: number): Promise<number> {
  let id = 0
  await until(`customer ${telegramUserId} to be listed`, async () => {
    const row = await tg.ctx.db
      .selectFrom('customer')
      .select('conversation_id')
      .where('telegram_user_id', '=', telegramUserId)
      .executeTakeFirst()
    id = row?.conversation_id ?? 0
    return id > 0
  })
  return id
}

/** The customer's messages in their conversation, once there are `count`. */
async function incoming(tg: TelegramApp, conversationId: number, count = 1): Promise<MessageView[]> {
  let found: MessageView[] = []
  await until(`${count} customer messages`, async () => {
    found = (await historyOf(tg.app, tg.owner, conversationId)).filter((m) => m.customer?.direction === 'in')
    return found.length >= count
  })
  return found
}

async function setPermissions(tg: TelegramApp, member: SignedInMember, permissions: string[]) {
  const response = await as(tg.app, tg.owner, 'PUT', `/api/members/${member.id}/access`, { permissions })
  if (response.statusCode !== 200) throw new Error(`access failed: ${response.statusCode} ${response.body}`)
}

async function taskOf(tg: TelegramApp, member: SignedInMember, id: number): Promise<TaskView> {
  const response = await as(tg.app, member, 'GET', `/api/tasks/${id}`)
  if (response.statusCode !== 200) throw new Error(`task failed: ${response.statusCode} ${response.body}`)
  return bodyOf<TaskView>(response)
}

/** What the bot said to a chat containing `text`. */
function said(tg: TelegramApp, chatId: number, text: string): number {
  return tg.fake.botMessages(chatId).filter((m) => (m.text ?? '').includes(text)).length
}

t.test('a customer message becomes a task that tells the customer when it is taken and done', bounded, async (t) => {
  const tg = await started(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const repairs = await createChannel(tg.app, tg.owner, 'repairs', { members: [anna] })
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs', username: 'mariak' })
  maria.text('The kettle I bought yesterday leaks')
  const conversationId = await conversationOf(tg, 7001)
  const [message] = await incoming(tg, conversationId)
  await botMessagesIn(tg.fake, maria.chat.id, 1)

  const created = await as(tg.app, tg.owner, 'POST', `/api/customers/${conversationId}/messages/${message?.id}/task`, {
    title: 'Swap the leaking kettle',
    clientKey: 'work-task-0001',
    conversationId: repairs,
    notifyCustomer: true,
    takenText: 'Good news: {name} is on it.',
  })
  t.equal(created.statusCode, 201, created.body)
  const { taskId } = bodyOf<{ taskId: number; conversationId: number }>(created)
  t.match(bodyOf(created), { conversationId: repairs })
  const asDispatcher = await taskOf(tg, tg.owner, taskId)
  t.match(asDispatcher.privateDetails, /Customer: Maria Kovacs \(C-00001\)/, 'the customer and their reference')
  t.match(asDispatcher.privateDetails, /@mariak/)
  t.equal((await taskOf(tg, anna, taskId)).privateDetails, null, 'hidden before taking')
  const lines = await historyOf(tg.app, tg.owner, conversationId)
  t.ok(
    lines.some((m) => m.system?.action === 'customer.task' && m.system.detail === 'Swap the leaking kettle'),
    'a line in the customer conversation',
  )
  await outboxDrained(tg.ctx)

  const taken = await as(tg.app, anna, 'POST', `/api/tasks/${taskId}/take`)
  t.equal(taken.statusCode, 200, taken.body)
  t.match(bodyOf<TaskView>(taken).privateDetails, /Maria Kovacs \(C-00001\)/, 'the taker sees who it is for')
  await until('the customer to hear it was taken', () => said(tg, maria.chat.id, 'Good news: Anna is on it.') === 1)
  // Given back and taken again: the customer was already told.
  t.equal((await as(tg.app, anna, 'POST', `/api/tasks/${taskId}/release`)).statusCode, 200)
  t.equal((await as(tg.app, anna, 'POST', `/api/tasks/${taskId}/take`)).statusCode, 200)
  await outboxDrained(tg.ctx)
  t.equal(said(tg, maria.chat.id, 'is on it'), 1, 'told exactly once')

  const done = await as(tg.app, anna, 'POST', `/api/tasks/${taskId}/done`, { note: 'New kettle handed over' })
  t.equal(done.statusCode, 200, done.body)
  await until('the customer to hear it is done', () =>
    tg.fake.botMessages(maria.chat.id).some((m) => m.text === 'Done: Swap the leaking kettle. Thank you for waiting!'),
  )
  await outboxDrained(tg.ctx)
  t.equal(said(tg, maria.chat.id, 'Done:'), 1)
})

t.test('without notifying, the customer hears nothing; without tasks.dispatch, no task', bounded, async (t) => {
  const tg = await started(t)
  const bob = await createMember(tg.app, tg.owner.cookie, { displayName: 'Bob Stock' })
  await setPermissions(tg, bob, ['customers.answer'])
  const repairs = await createChannel(tg.app, tg.owner, 'repairs', { members: [bob] })
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria' })
  maria.text('My drill stopped working')
  const conversationId = await conversationOf(tg, 7001)
  const [message] = await incoming(tg, conversationId)
  const path = `/api/customers/${conversationId}/messages/${message?.id}/task`

  const refused = await as(tg.app, bob, 'POST', path, {
    title: 'Look at the drill',
    clientKey: 'work-task-bob1',
    conversationId: repairs,
  })
  t.equal(refused.statusCode, 403, refused.body)
  t.equal(bodyOf(refused).code, 'dispatch_required')
  t.same(await tg.ctx.db.selectFrom('task').select('message_id').execute(), [], 'no task')

  const created = await as(tg.app, tg.owner, 'POST', path, {
    title: 'Look at the drill',
    clientKey: 'work-task-0002',
    conversationId: repairs,
    notifyCustomer: false,
  })
  t.equal(created.statusCode, 201, created.body)
  const { taskId } = bodyOf<{ taskId: number }>(created)
  await outboxDrained(tg.ctx)
  const before = tg.fake.botMessages(maria.chat.id).length
  t.equal((await as(tg.app, bob, 'POST', `/api/tasks/${taskId}/take`)).statusCode, 200)
  t.equal((await as(tg.app, bob, 'POST', `/api/tasks/${taskId}/done`, {})).statusCode, 200)
  await outboxDrained(tg.ctx)
  t.equal(tg.fake.botMessages(maria.chat.id).length, before, 'nothing went to the customer')
})

t.test('sharing a customer message into a channel copies its words and photo', bounded, async (t) => {
  const tg = await started(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna Till' })
  const floor = await createChannel(tg.app, tg.owner, 'shop-floor', { members: [anna] })
  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs' })
  maria.photo(tinyPng(16, 16), { caption: 'The crack in the lid' })
  const conversationId = await conversationOf(tg, 7001)
  const [message] = await incoming(tg, conversationId)
  t.equal(message?.attachments.length, 1, 'the photo is there')

  const shared = await as(tg.app, tg.owner, 'POST', `/api/customers/${conversationId}/messages/${message?.id}/share`, {
    conversationId: floor,
    note: 'Who sold this one?',
  })
  t.equal(shared.statusCode, 201, shared.body)
  const copy = (await historyOf(tg.app, anna, floor)).find((m) => m.id === bodyOf<{ id: number }>(shared).id)
  t.ok(copy, 'in the channel’s history')
  t.match(copy?.body, /Who sold this one\?/)
  t.match(copy?.body, /Shared from customer Maria Kovacs \(C-00001\)/)
  t.match(copy?.body, /> The crack in the lid/)
  t.same(
    copy?.attachments.map((a) => [a.kind, a.fileId]),
    message?.attachments.map((a) => [a.kind, a.fileId]),
    'the same photo',
  )
  t.equal(copy?.customer ?? null, null, 'a staff message, not a customer one')

  const direct = await openDirect(tg.app, tg.owner, [anna])
  const refused = await as(tg.app, tg.owner, 'POST', `/api/customers/${conversationId}/messages/${message?.id}/share`, {
    conversationId: direct,
  })
  t.equal(refused.statusCode, 400, refused.body)
  t.equal(bodyOf(refused).code, 'share_target')
  t.notOk(
    (await historyOf(tg.app, tg.owner, direct)).some((m) => m.body.includes('crack')),
    'nothing in the direct conversation',
  )
})

t.test('the Customers queue: a job per open conversation nobody has', bounded, async (t) => {
  const tg = await started(t)
  // Members before the queue: its channel takes in everyone active when it is made.
  const bob = await createMember(tg.app, tg.owner.cookie, { displayName: 'Bob Stock' })
  const made = await as(tg.app, tg.owner, 'POST', '/api/task-queues', { name: 'Customers', mode: 'claim' })
  t.equal(made.statusCode, 201, made.body)
  const queue = bodyOf<{ id: number; conversationId: number }>(made)
  const set = await as(tg.app, tg.owner, 'PATCH', '/api/customers/settings', { queueId: queue.id })
  t.equal(set.statusCode, 200, set.body)
  t.equal(bodyOf<{ queueId: number }>(set).queueId, queue.id)

  /** The queue's job for a title, once it is posted. */
  async function jobFor(title: string): Promise<TaskView> {
    let job: MessageView | undefined
    await until(`the job “${title}”`, async () => {
      job = (await historyOf(tg.app, tg.owner, queue.conversationId)).find((m) => m.task?.title === title)
      return job !== undefined
    })
    return taskOf(tg, tg.owner, job?.id ?? 0)
  }
  const customerOf = async (id: number) =>
    bodyOf<{ assignee: { id: number } | null; status: string }>(
      await as(tg.app, tg.owner, 'GET', `/api/customers/${id}`),
    )

  const maria = tg.fake.user({ id: 7001, first_name: 'Maria', last_name: 'Kovacs' })
  maria.text('Do you cut keys?')
  const mariaConversation = await conversationOf(tg, 7001)
  const job = await jobFor('Answer Maria Kovacs (C-00001)')
  t.equal(job.state, 'open')

  const refused = await as(tg.app, bob, 'POST', `/api/tasks/${job.id}/take`)
  t.equal(refused.statusCode, 403, refused.body)
  t.equal(bodyOf(refused).code, 'not_eligible')
  t.equal((await taskOf(tg, tg.owner, job.id)).state, 'open', 'still open')
  t.equal((await customerOf(mariaConversation)).assignee, null, 'still nobody’s')
  const bobNext = await as(tg.app, bob, 'POST', '/api/tasks/next', { queueId: queue.id })
  // The job needs customers.answer: Next passes over it for someone without.
  t.equal(bobNext.statusCode, 204, `Next has nothing for someone who may not answer: ${bobNext.body}`)
  t.equal((await taskOf(tg, tg.owner, job.id)).state, 'open', 'still open after Next')

  const taken = await as(tg.app, tg.owner, 'POST', `/api/tasks/${job.id}/take`)
  t.equal(taken.statusCode, 200, taken.body)
  t.equal((await customerOf(mariaConversation)).assignee?.id, tg.owner.id, 'taking assigns the conversation')
  const solved = await as(tg.app, tg.owner, 'POST', `/api/conversations/${mariaConversation}/status`, {
    status: 'solved',
  })
  t.equal(solved.statusCode, 200, solved.body)
  t.equal((await taskOf(tg, tg.owner, job.id)).state, 'done', 'solving finishes the job')

  const pat = tg.fake.user({ id: 7002, first_name: 'Pat' })
  pat.text('Are you open on Sunday?')
  const patConversation = await conversationOf(tg, 7002)
  const patJob = await jobFor('Answer Pat (C-00002)')
  const assigned = await as(tg.app, tg.owner, 'POST', `/api/conversations/${patConversation}/assign`, {
    memberId: tg.owner.id,
  })
  t.equal(assigned.statusCode, 200, assigned.body)
  t.equal((await taskOf(tg, tg.owner, patJob.id)).state, 'cancelled', 'assigned by hand: the open job goes')

  const quinn = tg.fake.user({ id: 7003, first_name: 'Quinn' })
  quinn.text('Do you sell paint?')
  const quinnConversation = await conversationOf(tg, 7003)
  const quinnJob = await jobFor('Answer Quinn (C-00003)')
  const next = await as(tg.app, tg.owner, 'POST', '/api/tasks/next', { queueId: queue.id })
  t.equal(next.statusCode, 200, next.body)
  t.match(bodyOf<TaskView>(next), { id: quinnJob.id, state: 'taken', takenBy: { id: tg.owner.id } })
  t.equal((await customerOf(quinnConversation)).assignee?.id, tg.owner.id, 'Next assigns it too')
})
