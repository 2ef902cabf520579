/**
 * Tasks on Telegram through the strict fake: a job in a linked group with Take and Details
 * privately, taken once whoever presses, the group message edited for everyone, the private
 * details only in the taker's private chat; the commands /tasks, /next, /mine, /done,
 * `#done` in a reply, and /report followed by a photo.
 */
import t, { type Test } from 'tap'
import { bodyOf, createMember, type SignedInMember } from '../helpers/app'
import { as, createChannel, newClientKey, tinyPng } from '../helpers/chat'
import { botMessagesIn, link, outboxDrained, startTelegramApp, until, type TelegramApp } from '../helpers/telegram'
import type { TgMessage, UserHandle } from '../helpers/telegram-fake'
import type { TaskView } from '../../server/tasks/service'
import { runTaskJobs } from '../../server/tasks/jobs'

const bounded = { timeout: 90_000 }
const SECRET = 'Customer: 0400 123 456'

interface Button {
  text: string
  callback_data?: string
  url?: string
}
type Keyed = TgMessage & { reply_markup?: { inline_keyboard: Button[][] } }

const buttonsOf = (message: TgMessage | undefined) =>
  (message as Keyed | undefined)?.reply_markup?.inline_keyboard.flat() ?? []
const dataOf = (message: TgMessage | undefined, text: string | RegExp) =>
  buttonsOf(message).find((b) => (typeof text === 'string' ? b.text === text : text.test(b.text)))?.callback_data

async function shopWithTelegram(t: Test) {
  const tg = await startTelegramApp(t)
  const anna = await createMember(tg.app, tg.owner.cookie, { displayName: 'Anna' })
  const ben = await createMember(tg.app, tg.owner.cookie, { displayName: 'Ben' })
  const owner = tg.fake.user({ id: 5000, first_name: 'Olive' })
  const annaHandle = tg.fake.user({ id: 5001, first_name: 'Anna' })
  const benHandle = tg.fake.user({ id: 5002, first_name: 'Ben' })
  await link(tg, tg.owner, owner)
  await link(tg, anna, annaHandle)
  await link(tg, ben, benHandle)
  const channelId = await createChannel(tg.app, tg.owner, 'floor', { members: [anna, ben] })
  return { tg, anna, ben, owner, annaHandle, benHandle, channelId }
}

async function linkGroup(tg: TelegramApp, channelId: number) {
  const code = bodyOf<{ code: string }>(
    await as(tg.app, tg.owner, 'POST', '/api/telegram/groups/link-code', { conversationId: channelId }),
  )
  const group = tg.fake.group({ title: 'Shop floor' })
  const olga = tg.fake.user({ id: 7001, first_name: 'Olga', last_name: 'Guest' })
  olga.in(group).command('link', code.code)
  await botMessagesIn(tg.fake, group.id, 1)
  return { group, olga }
}

async function postTask(tg: TelegramApp, channelId: number, input: Record<string, unknown>, by?: SignedInMember) {
  const response = await as(tg.app, by ?? tg.owner, 'POST', '/api/tasks', {
    conversationId: channelId,
    clientKey: newClientKey('task'),
    ...input,
  })
  if (response.statusCode !== 201) throw new Error(`task failed: ${response.statusCode} ${response.body}`)
  return bodyOf<TaskView>(response)
}

/** The bot's newest message in a chat whose text matches. */
async function botMessage(tg: TelegramApp, chatId: number, pattern: RegExp, what: string): Promise<TgMessage> {
  let found: TgMessage | undefined
  await until(what, () => {
    found = tg.fake
      .botMessages(chatId)
      .filter((m) => pattern.test(m.text ?? m.caption ?? ''))
      .at(-1)
    return found !== undefined
  })
  return found as TgMessage
}

/** What the bot answered a callback query (its answerCallbackQuery parameters). */
async function answerTo(
  tg: TelegramApp,
  queryId: string,
): Promise<{ text?: string; show_alert?: unknown; url?: string }> {
  let params: Record<string, unknown> | undefined
  await until(`the answer to callback query ${queryId}`, () => {
    params = tg.fake.calls('answerCallbackQuery').find((c) => String(c.params.callback_query_id) === queryId)?.params
    return params !== undefined
  })
  return params as { text?: string; show_alert?: unknown; url?: string }
}

/** A press of a button that was on `message` when the presser's app last showed it (a stale keyboard). */
function stalePress(tg: TelegramApp, who: UserHandle, message: TgMessage, data: string, id: string) {
  tg.fake.userSends({
    callback_query: { id, from: who.user, message, chat_instance: '1', data },
  } as never)
  return id
}

async function changes(tg: TelegramApp, taskId: number, action: string): Promise<number> {
  const row = await tg.ctx.db
    .selectFrom('task_change')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('task_id', '=', taskId)
    .where('action', '=', action)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

t.test(
  'a job in a linked group: one Take wins, the group message says who, details go privately, the dispatcher is told',
  bounded,
  async (t) => {
    const { tg, owner, annaHandle, benHandle, channelId } = await shopWithTelegram(t)
    const { group, olga } = await linkGroup(tg, channelId)
    const task = await postTask(tg, channelId, {
      title: 'Fix the till',
      details: 'Drawer sticks',
      privateDetails: SECRET,
      detailsBeforeTaking: true,
      priority: 70,
    })

    const posted = await botMessage(tg, group.id, /Fix the till/, 'the job in the group')
    t.match(posted.text, /Drawer sticks/)
    t.same(
      buttonsOf(posted).map((b) => [b.text, b.callback_data]),
      [
        ['Take', 't:group'],
        ['Details privately', 'd:group'],
      ],
      'Take and Details privately, for anyone in the group',
    )
    const annaCopy = await botMessage(tg, annaHandle.chat.id, /Fix the till/, 'the job in Anna’s private chat')
    t.match(dataOf(annaCopy, 'Take'), /^t:[A-Za-z0-9_-]{22}$/, 'away, she gets it privately with her own Take')

    const guestPress = olga.in(group).press(posted, 't:group').callbackQuery?.id as string
    t.match(await answerTo(tg, guestPress), { text: 'Only linked staff can take jobs.', show_alert: 'true' })
    t.equal(await changes(tg, task.id, 'taken'), 0, 'a guest takes nothing')

    const annaPress = annaHandle.in(group).press(posted, 't:group').callbackQuery?.id as string
    t.match((await answerTo(tg, annaPress)).text, /It’s yours/)
    await until('the group message to say who took it', () =>
      tg.fake
        .botMessages(group.id)
        .some((m) => m.message_id === posted.message_id && /Taken by Anna/.test(m.text ?? '')),
    )
    const edited = tg.fake.botMessages(group.id).find((m) => m.message_id === posted.message_id)
    t.same(buttonsOf(edited), [], 'without buttons')
    await until('Anna’s own copy to lose its Take button too', () =>
      tg.fake
        .botMessages(annaHandle.chat.id)
        .some((m) => m.message_id === annaCopy.message_id && /Taken by you/.test(m.text ?? '') && !dataOf(m, 'Take')),
    )

    const yours = await botMessage(tg, annaHandle.chat.id, /It’s yours: Fix the till/, 'the details privately to Anna')
    t.match(yours.text, /0400 123 456/, 'with the private details')
    t.same(
      buttonsOf(yours).map((b) => b.url),
      [`https://shop.example.org/tasks/${task.id}`],
      'and a link to the job',
    )
    const told = await botMessage(tg, owner.chat.id, /Anna took: Fix the till/, 'the dispatcher to be told')
    t.notMatch(told.text, /0400/)

    // Ben's app still showed the button: he is told who has it, and nothing changes.
    const benPress = stalePress(tg, benHandle.in(group), posted, 't:group', 'cq-ben-late')
    t.match(await answerTo(tg, benPress), { text: /Already taken by Anna/, show_alert: 'true' })
    // Anna taps again on what her app still shows: one take, and her answer is the same.
    const again = stalePress(tg, annaHandle.in(group), posted, 't:group', 'cq-anna-again')
    t.match((await answerTo(tg, again)).text, /It’s yours/)
    await outboxDrained(tg.ctx)
    t.equal(await changes(tg, task.id, 'taken'), 1, 'one take recorded')
    t.equal(
      tg.fake.botMessages(owner.chat.id).filter((m) => /Anna took/.test(m.text ?? '')).length,
      1,
      'one word to the dispatcher',
    )
    const state = bodyOf<TaskView>(await as(tg.app, tg.owner, 'GET', `/api/tasks/${task.id}`))
    t.equal(state.takenBy?.displayName, 'Anna')

    // Nothing the group was ever sent, first versions and edits alike, carries the private details.
    const toGroup = tg.fake.sent.filter((c) => Number(c.params.chat_id) === group.id)
    t.ok(toGroup.length >= 3, 'the link answer, the job and its edit went to the group')
    t.notOk(JSON.stringify(toGroup).includes('0400 123 456'), 'no call to the group carries them')
    const groupMessages = [...(tg.fake.chats.get(group.id)?.messages.values() ?? [])]
    t.notOk(JSON.stringify(groupMessages).includes('0400 123 456'), 'nor any version of a message there')
    t.notOk(
      JSON.stringify(tg.fake.sent.filter((c) => Number(c.params.chat_id) === benHandle.chat.id)).includes('0400'),
      'nor Ben’s private chat',
    )
  },
)

t.test(
  'Details privately reaches only the presser; a taker who blocked the bot gets a link to start it',
  bounded,
  async (t) => {
    const { tg, annaHandle, benHandle, channelId } = await shopWithTelegram(t)
    const { group } = await linkGroup(tg, channelId)
    const task = await postTask(tg, channelId, {
      title: 'Call back Mrs Lee',
      privateDetails: SECRET,
      detailsBeforeTaking: true,
    })
    const posted = await botMessage(tg, group.id, /Call back Mrs Lee/, 'the job in the group')

    const benAsks = benHandle.in(group).press(posted, 'd:group').callbackQuery?.id as string
    t.match((await answerTo(tg, benAsks)).text, /in your private chat/)
    const details = await botMessage(tg, benHandle.chat.id, /Details of Call back Mrs Lee/, 'the details to Ben')
    t.match(details.text, /0400 123 456/)
    const reveal = await tg.ctx.db.selectFrom('task_reveal').selectAll().where('task_id', '=', task.id).execute()
    t.equal(reveal.length, 1, 'the reveal is recorded')

    annaHandle.block()
    const annaTakes = annaHandle.in(group).press(posted, 't:group').callbackQuery?.id as string
    const answer = await answerTo(tg, annaTakes)
    t.match(answer.text, /cannot write to you privately/)
    t.match(answer.text, new RegExp(`t\\.me/corner_shop_bot\\?start=task_${task.id}`))
    t.equal(answer.url, `https://t.me/corner_shop_bot?start=task_${task.id}`, 'the answer opens the bot')
    t.equal(bodyOf<TaskView>(await as(tg.app, tg.owner, 'GET', `/api/tasks/${task.id}`)).takenBy?.displayName, 'Anna')

    // She unblocks and presses Start in the chat the link opened: the job, with its details.
    annaHandle.block(false)
    annaHandle.start(`task_${task.id}`)
    const job = await botMessage(tg, annaHandle.chat.id, /Your job: Call back Mrs Lee/, 'the job after Start')
    t.match(job.text, /0400 123 456/)
    t.notOk(
      JSON.stringify(tg.fake.sent.filter((c) => Number(c.params.chat_id) === group.id)).includes('0400'),
      'never in the group',
    )
  },
)

t.test('/tasks, a double tap on Take, /mine, /done N, /next, #done and /done in a reply', bounded, async (t) => {
  const { tg, owner, annaHandle, channelId } = await shopWithTelegram(t)
  const first = await postTask(tg, channelId, {
    title: 'Restock shelf 4',
    privateDetails: 'Key in the blue box',
    priority: 80,
  })
  // Next hands out the jobs of queues; this one is handed out in order only.
  const yard = bodyOf<{ id: number }>(
    await as(tg.app, tg.owner, 'POST', '/api/task-queues', { name: 'Yard', mode: 'pull' }),
  )
  const second = await postTask(tg, channelId, {
    title: 'Sweep the yard',
    priority: 20,
    queueId: yard.id,
    conversationId: undefined,
  })
  const secondCopy = await botMessage(tg, annaHandle.chat.id, /Sweep the yard/, 'the second job privately')
  t.same(
    buttonsOf(secondCopy).map((b) => b.text),
    ['Next job', 'Open in app'],
    'a job of a pull queue offers Next, not Take',
  )
  await outboxDrained(tg.ctx)

  annaHandle.command('tasks')
  const list = await botMessage(tg, annaHandle.chat.id, /Open to you/, 'the list of open jobs')
  t.match(
    list.text,
    new RegExp(`#${first.id} Restock shelf 4 · urgent[\\s\\S]*#${second.id} Sweep the yard`),
    'in order',
  )
  const take = dataOf(list, new RegExp(`^Take #${first.id}`)) as string
  t.ok(take, 'a Take button per job')
  const tap1 = annaHandle.press(list, take).callbackQuery?.id as string
  const tap2 = annaHandle.press(list, take).callbackQuery?.id as string
  t.match((await answerTo(tg, tap1)).text, /It’s yours/)
  t.match((await answerTo(tg, tap2)).text, /It’s yours/, 'the second tap changes nothing')
  t.equal(await changes(tg, first.id, 'taken'), 1, 'a double tap records one take')
  await botMessage(tg, annaHandle.chat.id, /It’s yours: Restock shelf 4[\s\S]*Key in the blue box/, 'the details')

  annaHandle.command('mine')
  const mine = await botMessage(tg, annaHandle.chat.id, /Your jobs/, '/mine')
  t.match(mine.text, new RegExp(`#${first.id} Restock shelf 4`))
  t.match(mine.text, /Key in the blue box/, 'her own job’s private details, in her private chat')
  t.notMatch(mine.text, /Sweep the yard/)

  annaHandle.command('next')
  await botMessage(tg, annaHandle.chat.id, /Finish or give back the job you have/, '/next at her limit')

  annaHandle.command('done', `${first.id} shelf is full`)
  await botMessage(tg, annaHandle.chat.id, /✅ Done: Restock shelf 4/, '/done N')
  const done = bodyOf<TaskView>(await as(tg.app, tg.owner, 'GET', `/api/tasks/${first.id}`))
  t.equal(done.state, 'done')
  t.equal(done.doneNote, 'shelf is full')
  await botMessage(tg, owner.chat.id, /Done: Restock shelf 4[\s\S]*shelf is full/, 'the dispatcher told it is done')

  annaHandle.command('next')
  await botMessage(tg, annaHandle.chat.id, /Your next job: Sweep the yard/, '/next gives the other job')
  annaHandle.reply(secondCopy, '#done swept, bins out')
  await botMessage(tg, annaHandle.chat.id, /✅ Done: Sweep the yard/, '#done in a reply')
  const swept = bodyOf<TaskView>(await as(tg.app, tg.owner, 'GET', `/api/tasks/${second.id}`))
  t.equal(swept.state, 'done')
  t.equal(swept.doneNote, 'swept, bins out')
  const thread = bodyOf<{ thread: { body: string; system: unknown }[] }>(
    await as(tg.app, tg.owner, 'GET', `/api/tasks/${second.id}`),
  ).thread
  t.notOk(
    thread.some((m) => m.system === null && /#done/.test(m.body)),
    '#done is taken as the action, not posted as a comment',
  )
  annaHandle.command('next')
  await botMessage(tg, annaHandle.chat.id, /Nothing for you right now/, '/next with nothing left')

  // `/done` as a reply to the job's own message.
  const third = await postTask(tg, channelId, {
    title: 'Fold the boxes',
    priority: 10,
    queueId: yard.id,
    conversationId: undefined,
  })
  const thirdCopy = await botMessage(tg, annaHandle.chat.id, /Fold the boxes/, 'the third job privately')
  annaHandle.command('next')
  await botMessage(tg, annaHandle.chat.id, /Your next job: Fold the boxes/, '/next gives the third job')
  annaHandle.reply(thirdCopy, '/done flat and stacked')
  await botMessage(tg, annaHandle.chat.id, /✅ Done: Fold the boxes/, '/done as a reply')
  const folded = bodyOf<TaskView>(await as(tg.app, tg.owner, 'GET', `/api/tasks/${third.id}`))
  t.equal(folded.state, 'done', '/done as a reply finishes the job replied to')
  t.equal(folded.doneNote, 'flat and stacked')
})

t.test('/report: the next photo becomes a report; the reporter hears when it is done', bounded, async (t) => {
  const { tg, anna, annaHandle, benHandle } = await shopWithTelegram(t)
  const queue = bodyOf<{ id: number; conversationId: number }>(
    await as(tg.app, tg.owner, 'POST', '/api/task-queues', { name: 'Repairs', mode: 'claim' }),
  )
  for (const name of ['Broken', 'Spill']) {
    const made = await as(tg.app, tg.owner, 'POST', '/api/report-categories', { name, queueId: queue.id })
    t.equal(made.statusCode, 201)
  }
  annaHandle.command('report')
  const ask = await botMessage(tg, annaHandle.chat.id, /What kind of problem/, 'the categories')
  t.same(
    buttonsOf(ask).map((b) => b.text),
    ['Broken', 'Spill'],
  )
  annaHandle.press(ask, dataOf(ask, 'Broken') as string)
  await botMessage(tg, annaHandle.chat.id, /Report a problem in Broken/, 'the prompt')
  annaHandle.photo(tinyPng(8, 8), { caption: 'Fridge door hinge snapped' })
  const reported = await botMessage(tg, annaHandle.chat.id, /Reported: Fridge door hinge snapped/, 'the report')
  const id = Number(/#(\d+)/.exec(reported.text ?? '')?.[1])
  const task = bodyOf<TaskView & { reporter: { id: number } | null; category: { name: string } | null }>(
    await as(tg.app, tg.owner, 'GET', `/api/tasks/${id}`),
  )
  t.equal(task.reporter?.id, anna.id)
  t.equal(task.category?.name, 'Broken')
  t.equal(task.queue?.id, queue.id)
  t.equal(task.attachments.length, 1, 'with the photo')

  // The next message is an ordinary one again.
  t.equal(
    (await tg.ctx.db.selectFrom('telegram_action').select('token').where('action', 'like', 'await:%').execute()).length,
    0,
    'the wait is over',
  )

  const benCopy = await botMessage(tg, benHandle.chat.id, /Fridge door hinge snapped/, 'the report to Ben as a job')
  benHandle.press(benCopy, dataOf(benCopy, 'Take') as string)
  await botMessage(tg, benHandle.chat.id, /It’s yours: Fridge door hinge snapped/, 'Ben takes it')
  benHandle.photo(tinyPng(8, 8), { caption: `#done ${id} new hinge fitted` })
  await botMessage(tg, benHandle.chat.id, /✅ Done: Fridge door hinge snapped/, 'done with a photo')
  const told = await botMessage(tg, annaHandle.chat.id, /Done: Fridge door hinge snapped/, 'the reporter told')
  t.match(told.caption ?? told.text, /new hinge fitted/, 'with the note')
  t.ok(told.photo, 'and the photo')
})

t.test('a job waiting too long reaches the managers who are away, once', bounded, async (t) => {
  const { tg, owner, annaHandle, channelId } = await shopWithTelegram(t)
  const queue = bodyOf<{ id: number }>(
    await as(tg.app, tg.owner, 'POST', '/api/task-queues', {
      name: 'Repairs',
      mode: 'claim',
      conversationId: channelId,
      escalateAfterMinutes: 30,
    }),
  )
  const task = await postTask(tg, channelId, { title: 'Freezer alarm', queueId: queue.id })
  await tg.ctx.db
    .updateTable('task')
    .set({ opened_at: Date.now() - 31 * 60_000 })
    .where('message_id', '=', task.id)
    .execute()
  const escalationsSentTo = (chatId: number) =>
    tg.fake
      .calls('sendMessage')
      .filter((c) => String(c.params.chat_id) === String(chatId) && /Waiting too long/.test(String(c.params.text)))
      .length
  await runTaskJobs(tg.ctx)
  await runTaskJobs(tg.ctx)
  await botMessage(tg, owner.chat.id, /Waiting too long: Freezer alarm/, 'the escalation to the owner')
  await outboxDrained(tg.ctx)
  t.equal(
    // Sent once; later changes of the job edit that copy into the job as it stands.
    escalationsSentTo(owner.chat.id),
    1,
    'once, however often the timers run',
  )
  t.equal(escalationsSentTo(annaHandle.chat.id), 0, 'not to staff')
})
