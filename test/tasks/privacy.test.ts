/**
 * A task's private details (a customer's phone and address) reach only its taker, the
 * dispatchers and whoever asked for them before taking. Every other surface is read here
 * after a task has gone through its whole life: the event log (which feeds sockets and
 * resume), search, Web Push (decrypted as the phone would), the wall, the export, the task
 * API, the conversation history and everything the Telegram bot sends.
 */
import t, { type Test } from 'tap'
import { bodyOf, createMember, type SignedInMember } from '../helpers/app'
import { as, boardIdOf, createChannel, eventsAfter, eventually, newClientKey, pairDisplay } from '../helpers/chat'
import { botMessagesIn, link, outboxDrained, startTelegramApp, until } from '../helpers/telegram'
import type { TgMessage } from '../helpers/telegram-fake'
import { decryptPush, makeSubscription, startPushEndpoint, type BrowserSubscription } from '../helpers/push-endpoint'
import type { MessageView } from '../../server/shared/events'
import type { App } from '../../server/shared/app-types'
import type { TaskView } from '../../server/tasks/service'
import { openTaskShop } from './helpers'

/** Words that appear only in private details, so any surface that shows them leaked them. */
const SECRET = 'Quokkaville'
const SECRET_PHONE = '0400 987 654'
const privateDetails = (who: string) => `${who}, 12 ${SECRET} Road, ${SECRET_PHONE}`

function leaks(value: unknown): boolean {
  const text = JSON.stringify(value)
  return text.includes(SECRET) || text.includes(SECRET_PHONE)
}

async function historyOf(app: App, member: SignedInMember, conversationId: number): Promise<MessageView[]> {
  const response = await as(app, member, 'GET', `/api/conversations/${conversationId}/messages?limit=100`)
  if (response.statusCode !== 200) throw new Error(`history failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ messages: MessageView[] }>(response).messages
}

const taskIn = (messages: MessageView[], id: number) => messages.find((message) => message.id === id)?.task

async function shopWithTasks(t: Test) {
  const endpoint = await startPushEndpoint()
  t.teardown(() => endpoint.stop())
  const shop = await openTaskShop(t, {
    workers: 3,
    build: { pushAgent: endpoint.agent, pushEndpoints: { allowEndpoint: endpoint.allows }, outboxPollMs: 20 },
  })
  const { app, owner, workers, post } = shop
  const [anna, ben, cara] = workers as [SignedInMember, SignedInMember, SignedInMember]
  // Ben and the dispatcher are away with phones that want every notification: whatever is
  // pushed about the tasks, to a worker or to the one who posted them, reaches one of them.
  const devices: BrowserSubscription[] = []
  for (const member of [ben, owner]) {
    const device = makeSubscription(endpoint.origin)
    const subscribed = await as(app, member, 'POST', '/api/push/subscriptions', {
      endpoint: device.endpoint,
      keys: device.keys,
      deviceName: 'Phone',
    })
    if (subscribed.statusCode !== 201) throw new Error(`subscribe failed: ${subscribed.body}`)
    await as(app, member, 'PUT', '/api/me/notifications', {
      level: 'all',
      quietStartMinute: null,
      quietEndMinute: null,
    })
    await as(app, member, 'PUT', '/api/me/status', { shiftStatus: 'away', untilMinutes: null })
    devices.push(device)
  }

  const delivery = await post({
    title: 'Deliver the washing machine',
    details: 'Back door, ring twice',
    privateDetails: privateDetails('Mrs Kay'),
    priority: 80,
    checklist: ['Load the van', 'Get a signature'],
  })
  const boardId = await boardIdOf(app, owner)
  const onBoard = await post({
    title: 'Collect the keys',
    privateDetails: privateDetails('Mr Ode'),
    conversationId: boardId,
  })
  const quote = await post({
    title: 'Call back for a quote',
    privateDetails: privateDetails('Mr Lim'),
    detailsBeforeTaking: true,
  })

  // A life: taken, started, ticked, commented, finished with a note; another released and reopened.
  const taken = await as(app, anna, 'POST', `/api/tasks/${delivery.id}/take`)
  if (taken.statusCode !== 200) throw new Error(`take failed: ${taken.body}`)
  await as(app, anna, 'POST', `/api/tasks/${delivery.id}/start`)
  const item = delivery.checklist[0]?.id as number
  await as(app, anna, 'PUT', `/api/tasks/${delivery.id}/checklist/${item}`, { isDone: true })
  await as(app, anna, 'POST', `/api/tasks/${delivery.id}/done`, { note: 'Signed for by the customer' })
  await as(app, cara, 'POST', `/api/tasks/${onBoard.id}/take`)
  await as(app, cara, 'POST', `/api/tasks/${onBoard.id}/release`)
  return { ...shop, endpoint, devices, anna, ben, cara, delivery, onBoard, quote, boardId }
}

t.test('private details never reach anyone else: events, search, push, wall, export, the API', async (t) => {
  const s = await shopWithTasks(t)
  const { app, ctx, owner, manager, anna, ben, cara, channelId, delivery, onBoard, quote, boardId } = s

  await t.test('the event log (what sockets and resume read) never carries them', async (t) => {
    const events = await eventsAfter(ctx, 0)
    const taskEvents = events.filter((e) => e.type === 'task.changed' || leaks(e.data))
    t.ok(taskEvents.length >= 8, `the tasks' changes are in the log (${taskEvents.length} events)`)
    t.same(
      events.filter((e) => leaks(e.data)).map((e) => e.type),
      [],
      'no event carries the private details',
    )
    const updates = events.filter(
      (e) => e.type === 'message.updated' && (e.data.message as MessageView).id === delivery.id,
    )
    t.ok(updates.length > 0, 'the task message is sent again on every change…')
    t.ok(
      updates.every((e) => {
        const task = (e.data.message as MessageView).task
        return task?.hasPrivateDetails === true && task.privateDetails === null && task.revealedTo.length === 0
      }),
      '…saying there are private details, never what they are',
    )
  })

  await t.test('search finds the task by its title, never by what only its private details say', async (t) => {
    for (const member of [ben, anna, cara, manager, owner]) {
      const bySecret = await as(app, member, 'GET', `/api/search?q=${SECRET}`)
      t.equal(bySecret.statusCode, 200)
      t.same(bodyOf(bySecret), [], 'nothing is found by a private word')
    }
    const byTitle = bodyOf<{ messageId: number; snippet: string }[]>(await as(app, ben, 'GET', '/api/search?q=washing'))
    t.ok(
      byTitle.some((hit) => hit.messageId === delivery.id),
      'the same search finds the task by its title',
    )
    t.notOk(leaks(byTitle))
  })

  await t.test('pushes, decrypted as the phones would, say what the job is and nothing private', async (t) => {
    const decrypted = () =>
      s.endpoint.requests.map((request) => {
        const device = s.devices.find((d) => new URL(d.endpoint).pathname === request.path) as BrowserSubscription
        return decryptPush(device, request.body) as { title: string }
      })
    await eventually(
      () => decrypted().some((p) => p.title.includes('took')),
      5000,
      20,
      'the new jobs’ pushes and the dispatcher’s “took”',
    )
    const payloads = decrypted()
    t.ok(
      payloads.some((p) => p.title.includes('Deliver the washing machine')),
      'a worker was pushed the new job',
    )
    t.same(payloads.filter(leaks), [], 'no push carries the private details, not even the dispatcher’s')
    const queued = await ctx.db.selectFrom('outbox').select('payload').where('channel', '=', 'push').execute()
    t.notOk(leaks(queued), 'nor does any push waiting in the outbox')
  })

  await t.test('a wall showing tasks shows them without their private details', async (t) => {
    const display = await pairDisplay(app, manager)
    const shown = await as(app, manager, 'PATCH', `/api/displays/${display.id}`, { showTasks: true })
    t.equal(shown.statusCode, 200)
    const wall = await as(app, display, 'GET', '/api/wall')
    t.equal(wall.statusCode, 200)
    const feed = bodyOf<{ tasks: { open: { id: number }[]; active: { id: number }[] } | null }>(wall)
    t.same(
      feed.tasks?.open.map((task) => task.id).sort((a, b) => a - b),
      [onBoard.id, quote.id].sort((a, b) => a - b),
      'the open tasks are on the wall',
    )
    t.notOk(leaks(bodyOf(wall)), 'their private details are not')
    const history = await historyOf(app, display, boardId)
    t.ok(taskIn(history, onBoard.id)?.hasPrivateDetails, 'the board history the display may read has the task…')
    t.notOk(leaks(history), '…without its private details')
  })

  await t.test('the exports: everything is the owner’s alone; the task stats CSV has no details', async (t) => {
    for (const member of [ben, anna, manager]) {
      const response = await as(app, member, 'GET', '/api/export')
      t.equal(response.statusCode, 403, 'staff and managers cannot export everything')
      t.notOk(leaks(response.body))
    }
    const csv = await as(app, owner, 'GET', '/api/tasks/stats.csv')
    t.equal(csv.statusCode, 200)
    t.match(csv.body, /Anna/, 'the stats name who did the work…')
    t.notOk(leaks(csv.body), '…and nothing of the private details')
    for (const member of [ben, anna]) {
      t.equal((await as(app, member, 'GET', '/api/tasks/stats.csv')).statusCode, 403, 'staff cannot export stats')
      t.equal(
        (await as(app, member, 'GET', '/api/task-schedules')).statusCode,
        403,
        'nor read the schedules, whose tasks carry private details',
      )
    }
  })

  await t.test('a worker who did not take it sees that there are details, never what they are', async (t) => {
    for (const view of ['open', 'done', 'mine']) {
      const list = await as(app, ben, 'GET', `/api/tasks?view=${view}`)
      t.equal(list.statusCode, 200)
      t.notOk(leaks(bodyOf(list)), `GET /api/tasks?view=${view}`)
    }
    const open = bodyOf<{ tasks: TaskView[] }>(await as(app, ben, 'GET', '/api/tasks?view=open')).tasks
    t.ok(
      open.some((task) => task.id === quote.id),
      'the open list has the tasks…',
    )
    for (const task of [delivery, onBoard, quote]) {
      const one = bodyOf<TaskView & { thread: MessageView[] }>(await as(app, ben, 'GET', `/api/tasks/${task.id}`))
      t.equal(one.hasPrivateDetails, true)
      t.equal(one.privateDetails, null, `GET /api/tasks/${task.id}`)
      t.notOk(leaks(one))
    }
    const channel = await historyOf(app, ben, channelId)
    t.ok(taskIn(channel, delivery.id), 'the history has the task…')
    t.notOk(leaks(channel), '…and not its private details')
    t.notOk(leaks(await historyOf(app, ben, boardId)))
    const caraSees = await historyOf(app, cara, boardId)
    t.equal(taskIn(caraSees, onBoard.id)?.takenBy, null, 'Cara gave hers back…')
    t.notOk(leaks(caraSees), '…and no longer sees its details')
  })

  await t.test('the taker and the dispatchers see them', async (t) => {
    const taker = bodyOf<TaskView>(await as(app, anna, 'GET', `/api/tasks/${delivery.id}`))
    t.equal(taker.privateDetails, privateDetails('Mrs Kay'), 'the taker, in the task')
    t.equal(
      taskIn(await historyOf(app, anna, channelId), delivery.id)?.privateDetails,
      privateDetails('Mrs Kay'),
      'the taker, in the history',
    )
    t.equal(
      taskIn(await historyOf(app, anna, channelId), quote.id)?.privateDetails,
      null,
      'but not those of a task she did not take',
    )
    for (const dispatcher of [owner, manager]) {
      const all = bodyOf<{ tasks: TaskView[] }>(await as(app, dispatcher, 'GET', '/api/tasks?view=all')).tasks
      t.same(
        all
          .filter((task) => [delivery.id, onBoard.id, quote.id].includes(task.id))
          .map((task) => task.privateDetails)
          .sort(),
        [privateDetails('Mr Lim'), privateDetails('Mr Ode'), privateDetails('Mrs Kay')].sort(),
        'a dispatcher, in the list of every task',
      )
      t.equal(taskIn(await historyOf(app, dispatcher, boardId), onBoard.id)?.privateDetails, privateDetails('Mr Ode'))
    }
  })
})

t.test('details before taking: an eligible worker asks, sees them privately, and the reveal is audited', async (t) => {
  const { app, ctx, owner, workers, channelId, post } = await openTaskShop(t, { workers: 2 })
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const quote = await post({
    title: 'Call back for a quote',
    privateDetails: privateDetails('Mr Lim'),
    detailsBeforeTaking: true,
  })
  const afterTaking = await post({ title: 'Fit the blind', privateDetails: privateDetails('Ms Ray') })
  const since = Number(
    (
      await ctx.db
        .selectFrom('event')
        .select((eb) => eb.fn.max<number>('id').as('id'))
        .executeTakeFirst()
    )?.id ?? 0,
  )

  const before = bodyOf<TaskView>(await as(app, anna, 'GET', `/api/tasks/${quote.id}`))
  t.equal(before.detailsBeforeTaking, true)
  t.equal(before.privateDetails, null, 'nobody sees them until they ask')

  const refused = await as(app, anna, 'POST', `/api/tasks/${afterTaking.id}/details`)
  t.equal(refused.statusCode, 403)
  t.equal(bodyOf(refused).code, 'details_after_taking', 'a task that does not allow it keeps them for its taker')
  t.notOk(leaks(bodyOf(refused)))

  const revealed = await as(app, anna, 'POST', `/api/tasks/${quote.id}/details`)
  t.equal(revealed.statusCode, 200)
  t.equal(bodyOf<TaskView>(revealed).privateDetails, privateDetails('Mr Lim'), 'she sees them at once')
  t.equal(bodyOf<TaskView>(revealed).state, 'open', 'without taking the task')
  t.equal(
    bodyOf<TaskView>(await as(app, anna, 'GET', `/api/tasks/${quote.id}`)).privateDetails,
    privateDetails('Mr Lim'),
    'and keeps seeing them',
  )
  t.equal(taskIn(await historyOf(app, anna, channelId), quote.id)?.privateDetails, privateDetails('Mr Lim'))

  t.equal(
    bodyOf<TaskView>(await as(app, ben, 'GET', `/api/tasks/${quote.id}`)).privateDetails,
    null,
    'another worker still does not',
  )
  t.notOk(leaks(await historyOf(app, ben, channelId)))
  t.notOk(leaks(await eventsAfter(ctx, since)), 'the reveal sends the details to no socket')

  const audit = await as(app, owner, 'GET', '/api/audit?action=task.details_revealed')
  t.equal(audit.statusCode, 200)
  t.match(bodyOf<unknown[]>(audit), [{ action: 'task.details_revealed', actorId: anna.id, targetId: quote.id }])
  t.notOk(leaks(bodyOf(audit)), 'the audit says who looked, not what they saw')

  const taken = await as(app, ben, 'POST', `/api/tasks/${quote.id}/take`)
  t.equal(taken.statusCode, 200)
  const late = await as(app, anna, 'POST', `/api/tasks/${afterTaking.id}/details`)
  t.not(late.statusCode, 200)
  t.notOk(leaks(bodyOf(late)))
})

t.test('a wall display cannot ask for the details', async (t) => {
  const { app, manager, owner, post } = await openTaskShop(t, { workers: 0 })
  const boardId = await boardIdOf(app, owner)
  const task = await post({
    title: 'Sign for the parcel',
    privateDetails: privateDetails('Ms Ray'),
    detailsBeforeTaking: true,
    conversationId: boardId,
  })
  const display = await pairDisplay(app, manager)
  const asked = await as(app, display, 'POST', `/api/tasks/${task.id}/details`)
  t.equal(asked.statusCode, 403)
  t.notOk(leaks(bodyOf(asked)))
})

t.test(
  'on Telegram the details go only to the private chats of whoever asked and whoever took it; never to the group',
  { timeout: 240_000 },
  async (t) => {
    const tg = await startTelegramApp(t)
    const [anna, ben, cara] = [
      await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna' }),
      await createMember(tg.app, tg.owner.cookie, { displayName: 'Ben' }),
      await createMember(tg.app, tg.owner.cookie, { displayName: 'Cara' }),
    ]
    const olive = tg.fake.user({ id: 6000, first_name: 'Olive' })
    const annaHandle = tg.fake.user({ id: 6001, first_name: 'Anna' })
    const benHandle = tg.fake.user({ id: 6002, first_name: 'Ben' })
    const caraHandle = tg.fake.user({ id: 6003, first_name: 'Cara' })
    await link(tg, tg.owner, olive)
    await link(tg, anna, annaHandle)
    await link(tg, ben, benHandle)
    await link(tg, cara, caraHandle)
    const channelId = await createChannel(tg.app, tg.owner, 'floor', { members: [anna, ben, cara] })
    const code = bodyOf<{ code: string }>(
      await as(tg.app, tg.owner, 'POST', '/api/telegram/groups/link-code', { conversationId: channelId }),
    ).code
    const group = tg.fake.group({ title: 'Shop floor' })
    annaHandle.in(group).command('link', code)
    await botMessagesIn(tg.fake, group.id, 1)

    const created = await as(tg.app, tg.owner, 'POST', '/api/tasks', {
      conversationId: channelId,
      clientKey: newClientKey('task'),
      title: 'Call back for a quote',
      details: 'About the kitchen',
      privateDetails: privateDetails('Mr Lim'),
      detailsBeforeTaking: true,
    })
    t.equal(created.statusCode, 201)
    const task = bodyOf<TaskView>(created)
    let posted: TgMessage | undefined
    await until('the job in the group', () => {
      posted = tg.fake.botMessages(group.id).find((m) => (m.text ?? '').includes('Call back for a quote'))
      return posted !== undefined
    })
    const button = (text: string) =>
      (posted?.reply_markup?.inline_keyboard.flat() ?? []).find((b) => b.text === text)?.callback_data as string
    t.ok(button('Details privately'), 'the group offers the details privately')

    const asked = annaHandle.in(group).press(posted as TgMessage, button('Details privately')).callbackQuery?.id
    await until('Anna’s press to be answered', () => tg.fake.callbackAnswers.has(asked as string))
    const took = benHandle.in(group).press(posted as TgMessage, button('Take')).callbackQuery?.id
    await until('Ben’s press to be answered', () => tg.fake.callbackAnswers.has(took as string))
    t.equal(
      bodyOf<TaskView>(await as(tg.app, ben, 'GET', `/api/tasks/${task.id}`)).takenBy?.id,
      ben.id,
      'Ben took it from the group',
    )
    await as(tg.app, ben, 'POST', `/api/tasks/${task.id}/done`, { note: 'Quoted' })
    await until('the group message to say it is done', () =>
      (tg.fake.botMessages(group.id).find((m) => m.message_id === posted?.message_id)?.text ?? '').includes('Done'),
    )
    await outboxDrained(tg.ctx)

    t.ok(
      tg.fake.botMessages(annaHandle.chat.id).some((m) => leaks(m.text)),
      'Anna, who asked, has the details in her private chat',
    )
    t.ok(
      tg.fake.botMessages(benHandle.chat.id).some((m) => leaks(m.text)),
      'Ben, who took it, has them in his',
    )
    const allowed = new Set([annaHandle.chat.id, benHandle.chat.id])
    const calls = tg.fake.sent.filter((call) => call.params.chat_id !== undefined)
    t.ok(
      calls.some((call) => Number(call.params.chat_id) === group.id && call.method.toLowerCase().startsWith('edit')),
      'the group message was edited as the task changed',
    )
    t.same(
      calls.filter((call) => leaks(call.params) && !allowed.has(Number(call.params.chat_id))).map((c) => c.method),
      [],
      'nothing the bot sent to the group, Cara or the dispatcher carries the private details',
    )
    t.ok(
      tg.fake.botMessages(caraHandle.chat.id).some((m) => (m.text ?? '').includes('Call back for a quote')),
      'Cara, away, was sent the job itself',
    )
    t.notOk(tg.fake.callbackAnswers.size === 0 || leaks([...tg.fake.callbackAnswers.values()]), 'nor any button answer')
  },
)
