/**
 * Take and Next under real concurrency: members press at the same moment over real sockets
 * on 127.0.0.1 (each with their own connection, like separate phones), and the database,
 * the event log and the outbox must show exactly one outcome per task.
 */
import http from 'node:http'
import t, { type Test } from 'tap'
import { bodyOf, createMember, listen, type CreatedMember, type SignedInMember } from '../helpers/app'
import { as, createChannel, eventsAfter, lastEventId, newClientKey, sleep } from '../helpers/chat'
import { botMessagesIn, link, outboxDrained, startTelegramApp, until } from '../helpers/telegram'
import type { TgMessage, UserHandle } from '../helpers/telegram-fake'
import { makeSubscription, startPushEndpoint } from '../helpers/push-endpoint'
import type { App } from '../../server/shared/app-types'
import type { AppContext } from '../../server/shared/context'
import { claim } from '../../server/tasks/repo'
import type { TaskView } from '../../server/tasks/service'
import { openTaskShop } from './helpers'

// Fifty members are made through the API (a password hash each) and 25 are linked to
// Telegram: minutes, on a busy machine.
t.setTimeout(600_000)

interface Answer {
  status: number
  body: Record<string, unknown> | null
}

/** A member's phone: one kept-alive connection to the server, opened before anyone presses. */
class Phone {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  constructor(
    private readonly base: string,
    readonly member: SignedInMember,
  ) {}

  request(method: 'GET' | 'POST', path: string, payload?: unknown): Promise<Answer> {
    const data = payload === undefined ? undefined : JSON.stringify(payload)
    return new Promise((resolve, reject) => {
      const request = http.request(
        `${this.base}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            cookie: this.member.cookie,
            ...(data === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            resolve({
              status: response.statusCode ?? 0,
              body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
            })
          })
        },
      )
      request.on('error', reject)
      request.end(data)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

/** Phones for `members`, each already connected (a first request made), so the presses race. */
async function phonesFor(t: Test, base: string, members: SignedInMember[]): Promise<Phone[]> {
  const phones = members.map((member) => new Phone(base, member))
  t.teardown(() => phones.forEach((phone) => phone.close()))
  const warmed = await Promise.all(phones.map((phone) => phone.request('GET', '/api/me')))
  if (warmed.some((answer) => answer.status !== 200)) throw new Error('a phone could not sign in')
  return phones
}

async function changesOf(ctx: AppContext, taskId: number, action: string) {
  return ctx.db
    .selectFrom('task_change')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('action', '=', action)
    .execute()
}

t.test(
  '50 members press Take on one task at once: one wins, 49 are told who, one assignment, one notice to the dispatcher',
  async (t) => {
    const endpoint = await startPushEndpoint()
    t.teardown(() => endpoint.stop())
    const { app, ctx, manager, workers, post } = await openTaskShop(t, {
      workers: 50,
      build: { pushAgent: endpoint.agent, pushEndpoints: { allowEndpoint: endpoint.allows }, outboxPollMs: 20 },
    })
    // The dispatcher is away with a subscribed phone: any notification about the take would be queued for it.
    const device = makeSubscription(endpoint.origin)
    const subscribed = await as(app, manager, 'POST', '/api/push/subscriptions', {
      endpoint: device.endpoint,
      keys: device.keys,
      deviceName: 'Mona’s phone',
    })
    t.equal(subscribed.statusCode, 201)
    await as(app, manager, 'PUT', '/api/me/notifications', {
      level: 'all',
      quietStartMinute: null,
      quietEndMinute: null,
    })

    const task = await post({ title: 'Deliver the fridge', privateDetails: 'Mrs Kay, 0400 555 111' }, manager)
    const base = await listen(app)
    const phones = await phonesFor(t, base, workers)
    const before = await lastEventId(ctx)
    const beforeOutbox = await lastOutboxId(ctx)

    const answers = await Promise.all(phones.map((phone) => phone.request('POST', `/api/tasks/${task.id}/take`)))

    const winners = answers.filter((answer) => answer.status === 200)
    t.equal(winners.length, 1, 'exactly one member wins')
    const winner = winners[0]?.body as unknown as TaskView
    const winnerName = (
      await ctx.db
        .selectFrom('member')
        .select('display_name')
        .where('id', '=', winner.takenBy?.id ?? -1)
        .executeTakeFirstOrThrow()
    ).display_name
    t.equal(winner.privateDetails, 'Mrs Kay, 0400 555 111', 'the winner gets the private details')
    const losers = answers.filter((answer) => answer.status !== 200)
    t.equal(losers.length, 49)
    t.ok(
      losers.every(
        (answer) =>
          answer.status === 409 &&
          answer.body?.code === 'task_taken' &&
          answer.body.message === `Already taken by ${winnerName}.` &&
          (answer.body.takenBy as { id: number } | undefined)?.id === winner.takenBy?.id,
      ),
      'everyone else gets 409 task_taken naming the winner',
    )
    t.notOk(JSON.stringify(losers).includes('0400 555 111'), 'no loser sees the private details')

    const row = await ctx.db.selectFrom('task').selectAll().where('message_id', '=', task.id).executeTakeFirstOrThrow()
    t.equal(row.state, 'taken')
    t.equal(row.taken_by, winner.takenBy?.id)
    t.equal(row.version, task.version + 1, 'the row changed once')
    t.equal((await changesOf(ctx, task.id, 'taken')).length, 1, 'one assignment is recorded')

    const events = await eventsAfter(ctx, before)
    const taken = events.filter((e) => e.type === 'task.changed' && e.data.action === 'taken')
    t.equal(taken.length, 1, 'the dispatcher is told once')
    t.match(taken[0]?.data, { taskId: task.id, takenBy: { id: winner.takenBy?.id, displayName: winnerName } })
    const lines = await ctx.db
      .selectFrom('message')
      .select('system_data')
      .where('reply_to_id', '=', task.id)
      .where('kind', '=', 'system')
      .execute()
    t.equal(lines.filter((line) => (line.system_data ?? '').includes('task.taken')).length, 1, 'one line in the thread')

    const pushes = await pushRowsAfter(ctx, beforeOutbox)
    const perDevice = new Map<number, number>()
    for (const push of pushes) perDevice.set(push.subscriptionId, (perDevice.get(push.subscriptionId) ?? 0) + 1)
    t.ok(
      [...perDevice.values()].every((n) => n <= 1),
      `at most one push per device about the take (${JSON.stringify([...perDevice])})`,
    )
    t.same(
      pushes.map((push) => push.payload.title),
      [`${winnerName} took Deliver the fridge`],
      'the dispatcher’s phone is told once, with the taker’s name',
    )
  },
)

t.test(
  '50 members press Take at once, half on the web and half in the Telegram group: one wins, 49 are told who',
  { timeout: 300_000 },
  async (t) => {
    const tg = await startTelegramApp(t)
    const members: CreatedMember[] = []
    for (let i = 0; i < 50; i++) {
      members.push(await createMember(tg.app, tg.owner.cookie, { username: `taker${i}`, displayName: `Taker ${i}` }))
    }
    const onWeb = members.slice(0, 25)
    const onTelegram = members.slice(25)
    const channelId = await createChannel(tg.app, tg.owner, 'floor', { members })
    const dispatcher = tg.fake.user({ id: 9000, first_name: 'Olive' })
    await link(tg, tg.owner, dispatcher)
    const handles: UserHandle[] = []
    for (const [i, member] of onTelegram.entries()) {
      const handle = tg.fake.user({ id: 9100 + i, first_name: `Taker ${25 + i}` })
      await link(tg, member, handle)
      handles.push(handle)
    }
    const code = bodyOf<{ code: string }>(
      await as(tg.app, tg.owner, 'POST', '/api/telegram/groups/link-code', { conversationId: channelId }),
    ).code
    const group = tg.fake.group({ title: 'Shop floor' })
    ;(handles[0] as UserHandle).in(group).command('link', code)
    await botMessagesIn(tg.fake, group.id, 1)

    const base = await listen(tg.app)
    const phones = await phonesFor(t, base, onWeb)

    // Two races, both surfaces in flight together: first the group's presses reach the bot and
    // the web presses follow; then the web presses leave first and the group's follow at once.
    for (const [round, isWebFirst] of [false, true].entries()) {
      const title = `Deliver fridge ${round + 1}`
      const created = await as(tg.app, tg.owner, 'POST', '/api/tasks', {
        conversationId: channelId,
        clientKey: newClientKey('task'),
        title,
        privateDetails: 'Mrs Kay, 0400 555 111',
      })
      t.equal(created.statusCode, 201)
      const task = bodyOf<TaskView>(created)
      let posted: TgMessage | undefined
      await until('the job in the group', () => {
        posted = tg.fake.botMessages(group.id).find((m) => (m.text ?? '').includes(title))
        return posted !== undefined
      })
      const take = (posted?.reply_markup?.inline_keyboard.flat() ?? []).find((b) => b.text === 'Take')?.callback_data
      t.ok(take, 'the group message has a Take button')
      await outboxDrained(tg.ctx)
      const beforeEvents = await lastEventId(tg.ctx)
      const dispatcherChatBefore = tg.fake.botMessages(dispatcher.chat.id).length

      const held = tg.fake.sent.findLastIndex((call) => call.method.toLowerCase() === 'getupdates')
      const since = held >= 0 && tg.fake.sent[held]?.status === undefined ? held : tg.fake.sent.length
      const pressOnWeb = () => Promise.all(phones.map((phone) => phone.request('POST', `/api/tasks/${task.id}/take`)))
      const early = isWebFirst ? pressOnWeb() : null
      const queryIds = handles.map(
        (handle) => handle.in(group).press(posted as TgMessage, take as string).callbackQuery?.id as string,
      )
      await tg.fake.waitForCall('getUpdates', { since, timeoutMs: 10_000 })
      // A few milliseconds let the bot start on the group's presses: far less than applying all 25 takes.
      if (!isWebFirst) await sleep(5)
      const webAnswers = await (early ?? pressOnWeb())
      await until(
        'every Telegram press to be answered',
        () => queryIds.every((id) => tg.fake.callbackAnswers.has(id)),
        20_000,
      )
      const telegramAnswers = queryIds.map((id) => String(tg.fake.callbackAnswers.get(id)?.text ?? ''))

      const row = await tg.ctx.db
        .selectFrom('task')
        .selectAll()
        .where('message_id', '=', task.id)
        .executeTakeFirstOrThrow()
      t.equal(row.state, 'taken')
      const winner = members.find((member) => member.id === row.taken_by) as CreatedMember
      t.ok(winner, 'one of the 50 holds it')
      const winnerName = `Taker ${members.indexOf(winner)}`
      const webWinners = webAnswers.filter((answer) => answer.status === 200)
      const telegramWinners = telegramAnswers.filter((text) => text.startsWith('It’s yours'))
      t.equal(webWinners.length + telegramWinners.length, 1, 'exactly one press wins, on either surface')
      t.comment(`round ${round + 1} won on ${webWinners.length ? 'the web' : 'Telegram'}`)
      t.ok(
        webAnswers.every(
          (answer) =>
            answer.status === 200 ||
            (answer.status === 409 &&
              answer.body?.code === 'task_taken' &&
              (answer.body.takenBy as { id: number }).id === winner.id),
        ),
        'every other web press: 409 task_taken naming the winner',
      )
      t.same(
        telegramAnswers.filter((text) => !text.startsWith('It’s yours')),
        Array.from({ length: 25 - telegramWinners.length }, () => `Already taken by ${winnerName}.`),
        'every other Telegram press: "Already taken by …"',
      )
      t.equal((await changesOf(tg.ctx, task.id, 'taken')).length, 1, 'one assignment is recorded')
      const events = await eventsAfter(tg.ctx, beforeEvents, 'task.changed')
      t.equal(events.filter((e) => e.data.action === 'taken').length, 1, 'one taken event')

      await until('the group message to say who took it', () => {
        const now = tg.fake.botMessages(group.id).find((m) => m.message_id === posted?.message_id)
        return (now?.text ?? '').includes(`Taken by ${winnerName}`) && !now?.reply_markup?.inline_keyboard.flat().length
      })
      await outboxDrained(tg.ctx)
      const told = tg.fake
        .botMessages(dispatcher.chat.id)
        .slice(dispatcherChatBefore)
        .filter((m) => /took/.test(m.text ?? ''))
      t.equal(told.length, 1, 'the dispatcher, away, is told once on Telegram')
      t.match(told[0]?.text, winnerName)
      // The winner finishes, so everyone is free to take in the next round.
      const done = await as(tg.app, winner, 'POST', `/api/tasks/${task.id}/done`, {})
      t.equal(done.statusCode, 200)
    }
    const toGroup = [...tg.fake.calls('sendMessage'), ...tg.fake.calls('editMessageText')].filter(
      (call) => Number(call.params.chat_id) === group.id,
    )
    t.notOk(JSON.stringify(toGroup).includes('0400 555 111'), 'the group never sees the private details')
  },
)

async function createQueue(app: App, owner: SignedInMember, input: Record<string, unknown>): Promise<number> {
  const response = await as(app, owner, 'POST', '/api/task-queues', input)
  if (response.statusCode !== 201) throw new Error(`queue failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ id: number }>(response).id
}

t.test(
  '20 members press Next at once on 10 queued tasks: 10 distinct assignments, 10 × 204, no task twice',
  async (t) => {
    const { app, ctx, owner, workers, post } = await openTaskShop(t, { workers: 20 })
    const queueId = await createQueue(app, owner, { name: 'Deliveries', mode: 'pull' })
    const tasks: TaskView[] = []
    for (let i = 0; i < 10; i++) tasks.push(await post({ title: `Delivery ${i + 1}`, queueId, priority: 10 + i * 5 }))
    const base = await listen(app)
    const phones = await phonesFor(t, base, workers)

    const answers = await Promise.all(phones.map((phone) => phone.request('POST', '/api/tasks/next', { queueId })))

    const assigned = answers
      .filter((answer) => answer.status === 200)
      .map((answer) => answer.body as unknown as TaskView)
    t.equal(assigned.length, 10, '10 members get a task')
    t.equal(answers.filter((answer) => answer.status === 204).length, 10, '10 members are told there is none')
    t.same(
      assigned.map((task) => task.id).sort((a, b) => a - b),
      tasks.map((task) => task.id).sort((a, b) => a - b),
      'every task is handed out once, none twice',
    )
    t.equal(new Set(assigned.map((task) => task.takenBy?.id)).size, 10, 'to 10 different members')
    const rows = await ctx.db
      .selectFrom('task')
      .select(['message_id', 'state', 'taken_by'])
      .where('queue_id', '=', queueId)
      .execute()
    t.ok(
      rows.every(
        (row) =>
          row.state === 'taken' && assigned.find((task) => task.id === row.message_id)?.takenBy?.id === row.taken_by,
      ),
      'the database holds the same assignments the members were answered',
    )
    const changes = await ctx.db
      .selectFrom('task_change')
      .innerJoin('task', 'task.message_id', 'task_change.task_id')
      .select(['task_change.task_id', 'task.priority'])
      .where('task_change.action', '=', 'taken')
      .where('task.queue_id', '=', queueId)
      .orderBy('task_change.id')
      .execute()
    t.equal(changes.length, 10, 'one assignment recorded per task')
    const priorities = changes.map((change) => change.priority)
    t.same(
      priorities,
      [...priorities].sort((a, b) => b - a),
      'handed out in the queue’s order: whoever was served first got the most important',
    )
  },
)

t.test(
  'one member pressing Next twice at once gets one task; the other press is refused with active_limit',
  async (t) => {
    const { app, ctx, owner, workers, post } = await openTaskShop(t, { workers: 1 })
    const [anna] = workers as [SignedInMember]
    const queueId = await createQueue(app, owner, { name: 'Repairs', mode: 'pull' })
    for (let i = 0; i < 3; i++) await post({ title: `Repair ${i + 1}`, queueId })
    const base = await listen(app)
    // Two taps from two of her devices, or a double tap that the phone sent twice.
    const [phone, tablet] = await phonesFor(t, base, [anna, anna])

    const answers = await Promise.all([
      (phone as Phone).request('POST', '/api/tasks/next', { queueId }),
      (tablet as Phone).request('POST', '/api/tasks/next', { queueId }),
    ])

    t.same(answers.map((answer) => answer.status).sort(), [200, 409])
    t.equal(answers.find((answer) => answer.status === 409)?.body?.code, 'active_limit')
    const held = await ctx.db
      .selectFrom('task')
      .select('message_id')
      .where('taken_by', '=', anna.id)
      .where('state', 'in', ['taken', 'started'])
      .execute()
    t.equal(held.length, 1, 'she holds one task')
  },
)

t.test('one member pressing Take on two tasks at once gets one of them (limit 1)', async (t) => {
  const { app, ctx, workers, post } = await openTaskShop(t, { workers: 1 })
  const [anna] = workers as [SignedInMember]
  const first = await post({ title: 'Sweep the yard' })
  const second = await post({ title: 'Stack the pallets' })
  const base = await listen(app)
  const [phone, tablet] = await phonesFor(t, base, [anna, anna])

  const answers = await Promise.all([
    (phone as Phone).request('POST', `/api/tasks/${first.id}/take`),
    (tablet as Phone).request('POST', `/api/tasks/${second.id}/take`),
  ])

  t.same(answers.map((answer) => answer.status).sort(), [200, 409])
  t.equal(answers.find((answer) => answer.status === 409)?.body?.code, 'active_limit')
  const held = await ctx.db.selectFrom('task').select('message_id').where('taken_by', '=', anna.id).execute()
  t.equal(held.length, 1, 'she holds one task')
})

t.test('the claim itself is conditional: claiming a task someone holds changes nothing', async (t) => {
  const { app, ctx, workers, post } = await openTaskShop(t, { workers: 2 })
  const [anna, ben] = workers as [SignedInMember, SignedInMember]
  const task = await post({ title: 'Mop the aisle' })
  t.equal((await as(app, anna, 'POST', `/api/tasks/${task.id}/take`)).statusCode, 200)
  // What a second transaction would do if it had read the task as open before Anna's committed.
  const isClaimed = await ctx.write((w) => claim(w.trx, task.id, ben.id, w.now))
  t.equal(isClaimed, false)
  const row = await ctx.db.selectFrom('task').selectAll().where('message_id', '=', task.id).executeTakeFirstOrThrow()
  t.equal(row.taken_by, anna.id, 'Anna keeps it')
  t.equal(row.version, task.version + 1)
})

async function lastOutboxId(ctx: AppContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirst()
  return Number(row?.id ?? 0)
}

async function pushRowsAfter(ctx: AppContext, afterId: number) {
  const rows = await ctx.db
    .selectFrom('outbox')
    .select('payload')
    .where('channel', '=', 'push')
    .where('id', '>', afterId)
    .execute()
  return rows.map((row) => JSON.parse(row.payload) as { subscriptionId: number; payload: { title: string } })
}
