/**
 * Tasks on Telegram, registered on the bridge's registry before the bridge is created.
 *
 * A task posted in a channel linked to a group appears there with Take (and Details
 * privately when the task allows it); members who are away get it in their private chat
 * with the same buttons when they may take it. Every press and command calls the same
 * service functions as the app, inside the update's transaction, so a double tap or a race
 * with the web app still records one take. Whatever a task's state, every copy the bot sent
 * is edited to say it ("Taken by Anna", no buttons). Private details only ever go to one
 * person's private chat: the taker's, or whoever asked for them before taking.
 *
 * Commands: /tasks, /next, /mine, /done, /report, and /task N (the target of links in
 * the bot's answers). `#done` answering a task's message finishes it too, photos included.
 */
import { AppError } from '../shared/errors'
import type { AppContext } from '../shared/context'
import type { MessageView, PersonRef, StoredEvent, TaskFields } from '../shared/events'
import type { WriteContext } from '../shared/write'
import type { Actor } from '../auth/actor'
import { hydrateMessages } from '../conversations/views'
import type { Keyboard, MirrorInput, MirrorQueue, Step, TelegramRegistry } from '../telegram/registry'
import { escapeHtml, excerpt, formatTime } from '../telegram/render'
import { createReport, listCategories } from './reports'
import {
  candidateOf,
  finishTask,
  getTask,
  listQueues,
  listTasks,
  nextTask,
  revealDetails,
  takeTask,
  type TaskView,
} from './service'
import { ineligibility } from './rules'
import { managerIds } from './push'
import * as repo from './repo'

const ONLY_STAFF = 'Only linked staff can take jobs.'
const LIST_LIMIT = 10
const TAKE = 't'
const DETAILS = 'd'
const NEXT = 'n'
const REPORT_CATEGORY = 'rc'
const REPORT_HANDLER = 'task.report'

/** What a step needs that can only be read outside the update's transaction. */
interface Surroundings {
  appUrl: string | null
  timezone: string
}

const nothing = async (): Promise<void> => undefined

/** The service's words for a refusal; anything that is not a refusal goes on up. */
function refusalOf(error: unknown): AppError {
  if (error instanceof AppError) return error
  throw error
}

function nameOf(person: PersonRef | null, viewerId: number | null): string {
  if (!person) return 'someone'
  return person.id === viewerId ? 'you' : person.displayName
}

/** How the task's state reads on every copy: nothing while it is open. */
function stateLine(task: TaskFields, viewerId: number | null): string {
  switch (task.state) {
    case 'open':
      return ''
    case 'taken':
      return `✋ Taken by ${nameOf(task.takenBy, viewerId)}`
    case 'started':
      return `✋ Taken by ${nameOf(task.takenBy, viewerId)} · started`
    case 'done':
      return `✅ Done by ${nameOf(task.takenBy, viewerId)}`
    case 'cancelled':
      return '✖️ Cancelled'
  }
}

function placeOf(conversation: MirrorInput['conversation']): string {
  if (conversation.kind === 'channel') return `#${conversation.name}`
  if (conversation.kind === 'board') return 'Board'
  return 'direct message'
}

const isPull = (task: Pick<TaskFields, 'queue'>) => task.queue?.mode === 'pull'

/** The lines under a task's details: when, what it needs, and where its private details go. */
function factsOf(task: TaskFields, timezone: string): string[] {
  const facts: string[] = []
  if (task.dueAt !== null) facts.push(`Due ${formatTime(task.dueAt, timezone)}${task.isOverdue ? ' (overdue)' : ''}`)
  if (task.skills.length) facts.push(`Needs: ${task.skills.join(', ')}`)
  if (task.checklist.length) facts.push(`Checklist: ${task.checklist.length} items`)
  if (task.photoRequired) facts.push('A photo is needed to finish it')
  if (task.state === 'open' && task.hasPrivateDetails) {
    facts.push(
      task.detailsBeforeTaking
        ? '🔒 Private details: ask for them privately before taking it'
        : '🔒 Private details go privately to whoever takes it',
    )
  }
  if (task.state === 'open' && isPull(task))
    facts.push(`${task.queue?.name ?? 'This queue'} hands out jobs in order: /next in a private chat with me`)
  return facts
}

/** What the taker gets privately: the task with its private details, and how to finish it. */
function yoursText(task: TaskView, surroundings: Surroundings, heading = 'It’s yours'): string {
  const lines = [`✋ <b>${heading}: ${escapeHtml(task.title)}</b> (#${task.id})`]
  if (task.details) lines.push(escapeHtml(task.details))
  if (task.privateDetails) lines.push('', '🔒 <b>Private details</b>', escapeHtml(task.privateDetails))
  if (task.checklist.length) {
    lines.push('', '<b>Checklist</b>', ...task.checklist.map((i) => `${i.doneAt ? '☑' : '☐'} ${escapeHtml(i.text)}`))
  }
  if (task.dueAt !== null) lines.push('', `Due ${formatTime(task.dueAt, surroundings.timezone)}`)
  lines.push(
    '',
    task.photoRequired
      ? `When it is done, send the photo with the caption <code>#done ${task.id}</code> and a note.`
      : `When it is done: <code>/done ${task.id}</code> and a note.`,
  )
  return lines.join('\n')
}

function linkTo(task: { id: number }, surroundings: Surroundings): Keyboard | null {
  return surroundings.appUrl ? [[{ text: 'Open in app', url: `${surroundings.appUrl}/tasks/${task.id}` }]] : null
}

/** One line of a list: number, title and what matters at a glance. */
function listLine(task: TaskView, surroundings: Surroundings, actorId: number): string {
  const bits = [`#${task.id} <b>${escapeHtml(excerpt(task.title, 80))}</b>`]
  if (task.priority >= 80) bits.push('urgent')
  if (task.dueAt !== null)
    bits.push(`due ${formatTime(task.dueAt, surroundings.timezone)}${task.isOverdue ? ' ⚠️' : ''}`)
  if (task.state !== 'open') bits.push(escapeHtml(stateLine(task, actorId)))
  else if (isPull(task)) bits.push(`${escapeHtml(task.queue?.name ?? '')}: /next`)
  return bits.join(' · ')
}

/** Registers the task kind's commands, buttons and mirror (buildApp calls it once). */
export function registerTaskTelegram(registry: TelegramRegistry, ctx: AppContext): void {
  async function surroundingsOf(mirror: MirrorQueue): Promise<Surroundings> {
    const shop = await ctx.db.selectFrom('shop').select('timezone').executeTakeFirst()
    return { appUrl: await mirror.appUrl(), timezone: shop?.timezone ?? 'UTC' }
  }

  /** Queues the task with its private details to the taker's private chat, once per take. */
  async function tellTaker(
    w: WriteContext,
    mirror: MirrorQueue,
    task: TaskView,
    chatId: number,
    surroundings: Surroundings,
    heading?: string,
  ): Promise<void> {
    await mirror.queueReply(
      w,
      chatId,
      `task-yours:${task.id}:${task.takenBy?.id ?? 0}:${task.takenAt ?? 0}`,
      yoursText(task, surroundings, heading),
      false,
      linkTo(task, surroundings),
    )
  }

  async function tellDetails(
    w: WriteContext,
    mirror: MirrorQueue,
    task: TaskView,
    chatId: number,
    memberId: number,
  ): Promise<void> {
    const text = [
      `🔒 <b>Details of ${escapeHtml(task.title)}</b> (#${task.id})`,
      escapeHtml(task.privateDetails ?? ''),
      '',
      task.state === 'open' ? 'Take it with the Take button on the job.' : escapeHtml(stateLine(task, memberId)),
    ]
    await mirror.queueReply(w, chatId, `task-details:${task.id}:${memberId}`, text.join('\n'))
  }

  /** Whether the member may take the task now (for its buttons and whether it is sent at all). */
  async function mayTake(memberId: number, view: MessageView): Promise<boolean> {
    const task = view.task
    if (!task || task.state !== 'open') return false
    const member = await ctx.db.selectFrom('member').selectAll().where('id', '=', memberId).executeTakeFirst()
    if (!member) return false
    const queue = task.queue ? await repo.selectQueue(ctx.db, task.queue.id) : undefined
    const candidate = await candidateOf(ctx.db, member, ctx.clock.now())
    return ineligibility(candidate, { ...task, requiresOnShift: queue?.requires_on_shift === 1 }) === null
  }

  // Take: in a private chat the button is the member's own; in a group anyone may press it.
  registry.registerButton({
    prefix: TAKE,
    action: 'task.take',
    handle: async ({ action, actor, query, services, answer, mirror }) => {
      const taskId = action.message_id
      if (taskId === null) return { step: nothing, after: answer('') }
      const surroundings = await surroundingsOf(mirror)
      let outcome = ''
      let isTaken = false
      return {
        step: async (w) => {
          try {
            const task = await takeTask(services(w), actor, taskId)
            outcome = `It’s yours: ${excerpt(task.title, 80)}. The details are below.`
            isTaken = true
            await tellTaker(w, mirror, task, query.from.id, surroundings)
          } catch (error) {
            outcome = refusalOf(error).message
          }
        },
        after: async () => answer(outcome, !isTaken)(),
      }
    },
    handleInGroup: async ({ actor, messageId, query, services, answer, mirror, canWritePrivately, startLink }) => {
      if (!actor) return { step: nothing, after: answer(ONLY_STAFF, true) }
      const surroundings = await surroundingsOf(mirror)
      let taken: TaskView | null = null
      let refusal = ''
      return {
        step: async (w) => {
          try {
            taken = await takeTask(services(w), actor, messageId)
            await tellTaker(w, mirror, taken, query.from.id, surroundings)
          } catch (error) {
            refusal = refusalOf(error).message
          }
        },
        after: async () => {
          if (!taken) return answer(refusal, true)()
          if (await canWritePrivately()) return answer('It’s yours. The details are in your private chat with me.')()
          const link = startLink(`task_${taken.id}`)
          return answer(
            `It’s yours, but I cannot write to you privately: open ${link ?? 'your private chat with me'}, press Start, and I will send you the details.`,
            true,
            link ?? undefined,
          )()
        },
      }
    },
  })

  registry.registerButton({
    prefix: DETAILS,
    action: 'task.details',
    handle: async ({ action, actor, query, services, answer, mirror }) => {
      const taskId = action.message_id
      if (taskId === null) return { step: nothing, after: answer('') }
      let refusal: string | null = null
      return {
        step: async (w) => {
          try {
            const task = await revealDetails(services(w), actor, taskId)
            await tellDetails(w, mirror, task, query.from.id, actor.member.id)
          } catch (error) {
            refusal = refusalOf(error).message
          }
        },
        after: async () => (refusal === null ? answer('The details are below.') : answer(refusal, true))(),
      }
    },
    handleInGroup: async ({ actor, messageId, query, services, answer, mirror, canWritePrivately, startLink }) => {
      if (!actor) return { step: nothing, after: answer(ONLY_STAFF, true) }
      let revealed: TaskView | null = null
      let refusal = ''
      return {
        step: async (w) => {
          try {
            revealed = await revealDetails(services(w), actor, messageId)
            await tellDetails(w, mirror, revealed, query.from.id, actor.member.id)
          } catch (error) {
            refusal = refusalOf(error).message
          }
        },
        after: async () => {
          if (!revealed) return answer(refusal, true)()
          if (await canWritePrivately()) return answer('The details are in your private chat with me.')()
          const link = startLink(`task_${revealed.id}`)
          return answer(
            `I cannot write to you privately: open ${link ?? 'your private chat with me'}, press Start, and I will send you the details.`,
            true,
            link ?? undefined,
          )()
        },
      }
    },
  })

  // Next on a job of a pull queue: the top job of that queue, which may be another one.
  registry.registerButton({
    prefix: NEXT,
    action: 'task.next',
    handle: async ({ action, actor, query, services, answer, mirror }) => {
      const queueId =
        action.message_id === null ? null : ((await repo.selectTask(ctx.db, action.message_id))?.queue_id ?? null)
      const surroundings = await surroundingsOf(mirror)
      let outcome = ''
      return {
        step: async (w) => {
          try {
            const task = await nextTask(services(w), actor, queueId)
            outcome = task ? `Your next job: ${task.title}.` : 'Nothing for you right now.'
            if (task) await tellTaker(w, mirror, task, query.from.id, surroundings, 'Your next job')
          } catch (error) {
            outcome = refusalOf(error).message
          }
        },
        after: async () => answer(outcome)(),
      }
    },
  })

  registry.registerCommand({
    name: 'tasks',
    description: 'Jobs open to you',
    help: 'jobs open to you, with a Take button each',
    handle: async ({ actor, reply, button, mirror }) => {
      const tasks = await listTasks(ctx, actor, { view: 'open', limit: LIST_LIMIT })
      if (tasks.length === 0) return { step: reply('Nothing is open for you right now.') }
      const surroundings = await surroundingsOf(mirror)
      return {
        step: async (w) => {
          const keyboard: Keyboard = []
          for (const task of tasks) {
            if (isPull(task)) continue
            const data = await button(w, TAKE, { messageId: task.id })
            keyboard.push([{ text: `Take #${task.id} · ${excerpt(task.title, 40)}`, callback_data: data }])
          }
          const lines = tasks.map((task) => listLine(task, surroundings, actor.member.id))
          await reply(`<b>Open to you</b>\n${lines.join('\n')}`, keyboard)(w)
        },
      }
    },
  })

  registry.registerCommand({
    name: 'next',
    description: 'Take the next job',
    help: 'take the most important job you may do (/next Repairs: from one queue)',
    handle: async ({ actor, args, message, reply, services, mirror }) => {
      let queueId: number | null = null
      if (args) {
        const queue = (await listQueues(ctx)).find((q) => !q.isArchived && q.name.toLowerCase() === args.toLowerCase())
        if (!queue) return { step: reply(`There is no queue called ${escapeHtml(args)}.`) }
        queueId = queue.id
      }
      const surroundings = await surroundingsOf(mirror)
      return {
        step: async (w) => {
          try {
            const task = await nextTask(services(w), actor, queueId)
            if (task) await tellTaker(w, mirror, task, message.chat.id, surroundings, 'Your next job')
            else await reply('Nothing for you right now.')(w)
          } catch (error) {
            await reply(escapeHtml(refusalOf(error).message))(w)
          }
        },
      }
    },
  })

  registry.registerCommand({
    name: 'mine',
    description: 'Your jobs',
    help: 'the jobs you have',
    handle: async ({ actor, reply, mirror }) => {
      const tasks = await listTasks(ctx, actor, { view: 'mine' })
      if (tasks.length === 0) return { step: reply('You have no jobs right now. /tasks shows what is open.') }
      const surroundings = await surroundingsOf(mirror)
      const lines = tasks.map((task) => {
        const line = listLine(task, surroundings, actor.member.id)
        return task.privateDetails ? `${line}\n🔒 ${escapeHtml(task.privateDetails)}` : line
      })
      return { step: reply(`<b>Your jobs</b>\n${lines.join('\n')}\n\nWhen one is done: /done and its number.`) }
    },
  })

  registry.registerCommand({
    name: 'done',
    description: 'Finish a job',
    help: 'finish a job: /done 12 and a note, or /done as a reply to the job',
    handle: async ({ actor, args, repliedTo, reply, services }) => {
      const numbered = /^#?(\d+)(?:\s+([\s\S]*))?$/.exec(args)
      let taskId = numbered ? Number(numbered[1]) : (repliedTo?.messageId ?? null)
      const note = numbered ? (numbered[2] ?? '') : args
      if (taskId === null) {
        const mine = await listTasks(ctx, actor, { view: 'mine' })
        if (mine.length !== 1) {
          return {
            step: reply(
              mine.length === 0
                ? 'You have no jobs to finish.'
                : `Which one? ${mine.map((t) => `/done ${t.id}`).join(', ')} (or /done as a reply to the job).`,
            ),
          }
        }
        taskId = (mine[0] as TaskView).id
      }
      const id = taskId
      return {
        step: async (w) => {
          try {
            const task = await finishTask(services(w), actor, id, { note })
            await reply(`✅ Done: <b>${escapeHtml(task.title)}</b>`)(w)
          } catch (error) {
            const refusal = refusalOf(error)
            const hint =
              refusal.code === 'photo_required'
                ? ` Send the photo with the caption <code>#done ${id}</code> and a note.`
                : ''
            await reply(`${escapeHtml(refusal.message)}${hint}`)(w)
          }
        },
      }
    },
  })

  // Where links in the bot's answers lead (t.me/<bot>?start=task_12): the job, as the member may see it.
  registry.registerCommand({
    name: 'task',
    handle: async ({ actor, args, reply, button, mirror }) => {
      const id = Number(/^#?(\d+)$/.exec(args)?.[1] ?? NaN)
      if (!Number.isInteger(id)) return { step: reply('Which job? /task and its number, e.g. /task 12.') }
      let task: TaskView
      try {
        task = await getTask(ctx, actor, id)
      } catch (error) {
        return { step: reply(escapeHtml(refusalOf(error).message)) }
      }
      const surroundings = await surroundingsOf(mirror)
      const isMine = task.takenBy?.id === actor.member.id
      return {
        step: async (w) => {
          if (isMine) {
            await reply(yoursText(task, surroundings, 'Your job'), linkTo(task, surroundings))(w)
            return
          }
          const lines = [`<b>${escapeHtml(task.title)}</b> (#${task.id})`]
          if (task.details) lines.push(escapeHtml(task.details))
          if (task.privateDetails) lines.push('', '🔒 <b>Private details</b>', escapeHtml(task.privateDetails))
          const state = stateLine(task, actor.member.id)
          if (state) lines.push('', escapeHtml(state))
          const keyboard: Keyboard = []
          if (task.state === 'open' && !isPull(task))
            keyboard.push([{ text: 'Take', callback_data: await button(w, TAKE, { messageId: task.id }) }])
          keyboard.push(...(linkTo(task, surroundings) ?? []))
          await reply(lines.join('\n'), keyboard)(w)
        },
      }
    },
  })

  /** Files the report and tells the reporter; a refusal is said in the chat. */
  async function fileReport(
    w: WriteContext,
    services: (w: WriteContext) => AppContext,
    actor: Actor,
    input: { categoryId: number; text: string; attachments?: Parameters<typeof createReport>[2]['attachments'] },
    clientKey: string,
    say: (html: string) => Step,
  ): Promise<void> {
    try {
      const { task } = await createReport(services(w), actor, { ...input, clientKey })
      await say(`📣 Reported: <b>${escapeHtml(task.title)}</b> (#${task.id}). I will tell you when it is done.`)(w)
    } catch (error) {
      await say(escapeHtml(refusalOf(error).message))(w)
    }
  }

  const reportPrompt = (category: string) =>
    `📣 Report a problem in <b>${escapeHtml(category)}</b>: send a photo, a video, a voice note or a line of text now.`

  registry.registerCommand({
    name: 'report',
    description: 'Report a problem',
    help: 'report a problem: then send a photo, video, voice note or text',
    handle: async ({ actor, args, message, updateId, reply, button, awaitNext, services }) => {
      const categories = (await listCategories(ctx)).filter((c) => !c.isArchived)
      if (categories.length === 0) return { step: reply('No kinds of problem are set up yet: ask a manager.') }
      const only = categories.length === 1 ? (categories[0] as (typeof categories)[number]) : null
      if (only && args) {
        const key = `tg_report_${message.chat.id}_${message.message_id}`.replace(/-/g, '_')
        return {
          step: (w) => fileReport(w, services, actor, { categoryId: only.id, text: args }, key, (html) => reply(html)),
        }
      }
      if (only) {
        return {
          step: async (w) => {
            await awaitNext(w, REPORT_HANDLER, { categoryId: only.id })
            await reply(reportPrompt(only.name))(w)
          },
        }
      }
      return {
        step: async (w) => {
          const keyboard: Keyboard = []
          for (const category of categories) {
            const data = await button(w, REPORT_CATEGORY, { data: { categoryId: category.id, text: args, updateId } })
            keyboard.push([{ text: category.name, callback_data: data }])
          }
          await reply('📣 What kind of problem is it?', keyboard)(w)
        },
      }
    },
  })

  registry.registerButton({
    prefix: REPORT_CATEGORY,
    action: 'task.report_category',
    handle: async ({ action, actor, query, services, answer, awaitNext, mirror }) => {
      const { categoryId, text, updateId } = JSON.parse(action.data) as {
        categoryId: number
        text: string
        updateId: number
      }
      const category = (await listCategories(ctx)).find((c) => c.id === categoryId && !c.isArchived)
      const chatId = query.message?.chat.id ?? query.from.id
      const say = (html: string) => (w: WriteContext) => mirror.queueReply(w, chatId, `report:${action.token}`, html)
      if (!category) return { step: say('That kind of problem is no longer offered.'), after: answer('') }
      return {
        step: async (w) => {
          // Keyed by the /report it answers: pressing again, or another category, files it once.
          if (text) {
            await fileReport(w, services, actor, { categoryId, text }, `tg_report_${updateId}`, say)
            return
          }
          await awaitNext(w, REPORT_HANDLER, { categoryId })
          await say(reportPrompt(category.name))(w)
        },
        after: answer(category.name),
      }
    },
  })

  // After /report: the member's next message (photo, video, voice note or text) is the report.
  registry.registerInbound({
    name: REPORT_HANDLER,
    handle: async ({ actor, awaited, message, content, services, reply }) => {
      const categoryId = (awaited as { categoryId?: number } | undefined)?.categoryId
      if (categoryId === undefined) return null
      const got = await content()
      if ('refusal' in got) return { step: reply(escapeHtml(got.refusal)) }
      const key = `tg_report_${message.chat.id}_${message.message_id}`.replace(/-/g, '_')
      return {
        step: (w) =>
          fileReport(w, services, actor, { categoryId, text: got.body, attachments: got.attachments }, key, (html) =>
            reply(html),
          ),
      }
    },
  })

  // `#done` (or `/done` under a photo) answering a job's message, or with its number: finishes it.
  registry.registerInbound({
    name: 'task.done',
    handle: async ({ actor, message, isGroup, repliedTo, content, services, reply }) => {
      const match = /^\s*[#/]done(?:@\w+)?(?:\s+#?(\d+)(?=\s|$))?\s*([\s\S]*)$/i.exec(
        message.text ?? message.caption ?? '',
      )
      if (!match) return null
      let taskId = match[1] ? Number(match[1]) : null
      if (taskId === null && repliedTo) {
        const task = await repo.selectTask(ctx.db, repliedTo.messageId)
        if (task) taskId = task.message_id
      }
      // Not about a job: in a group it is just chat; in private the member meant one.
      if (taskId === null) return isGroup ? null : { step: reply('Which job? Reply #done to the job, or /done 12.') }
      const got = await content()
      if ('refusal' in got) return { step: reply(escapeHtml(got.refusal)) }
      const id = taskId
      const note = (match[2] ?? '').trim()
      return {
        step: async (w) => {
          try {
            const task = await finishTask(services(w), actor, id, { note, attachments: got.attachments })
            // In the group its message now says so; in private, say it.
            if (!isGroup) await reply(`✅ Done: <b>${escapeHtml(task.title)}</b>`)(w)
          } catch (error) {
            await reply(escapeHtml(refusalOf(error).message))(w)
          }
        },
      }
    },
  })

  registry.registerMirror({
    kind: 'task',
    // A new job goes to every linked member of its conversation (who is away and may take it).
    audience: (view) => (view.task ? 'task' : null),
    render: async (input) => {
      const { view, conversation, send, timezone, callbackData } = input
      const task = view.task
      if (!task) return {}
      const appPath = `/tasks/${view.id}`
      const title = escapeHtml(task.title)
      const where = escapeHtml(placeOf(conversation))
      switch (send.reason) {
        case 'task.taken':
          if (!task.takenBy) return null
          return {
            header: `✋ <b>${escapeHtml(task.takenBy.displayName)} took: ${title}</b>\n<i>${where}</i>`,
            body: '',
            attachments: [],
            appPath,
          }
        case 'task.returned':
          if (task.state !== 'open') return null
          return {
            header: `↩️ <b>Back in the queue: ${title}</b>\n<i>${where}</i>`,
            body: 'Nobody started it in time.',
            attachments: [],
            appPath,
          }
        case 'task.assigned':
          if (task.takenBy?.id !== send.memberId) return null
          return {
            header: `✋ <b>You have a job: ${title}</b>\n<i>${where}</i>`,
            body: view.body,
            appPath,
          }
        case 'task.done':
          return { ...(await doneRendering(view, where)), appPath }
        case 'task.escalated':
          if (task.state !== 'open') return null
          return {
            header: `⏰ <b>Waiting too long: ${title}</b>\n<i>${where}</i>`,
            body: `Nobody has taken it since ${formatTime(task.openedAt, timezone)}.`,
            attachments: [],
            appPath,
          }
      }
      const isGroup = send.isGroup
      const canTake = !isGroup && send.memberId !== null && (await mayTake(send.memberId, view))
      // A new job goes privately only to those who may take it, while it is still open.
      if (send.reason === 'task' && !canTake) return null
      const state = stateLine(task, send.memberId)
      const urgent = task.priority >= 80 ? '🚨 ' : '🛠 '
      const header = [
        `${urgent}<b>${title}</b>`,
        `<i>${escapeHtml(input.who)}${isGroup ? '' : ` · ${where}`}</i>`,
        ...(state ? [`<b>${escapeHtml(state)}</b>`] : []),
      ].join('\n')
      const facts = factsOf(task, timezone)
      const body = [view.body, facts.join('\n')].filter(Boolean).join('\n\n')
      const keyboard: Keyboard = []
      if (task.state === 'open' && (isGroup || canTake)) {
        const row = []
        if (!isPull(task)) row.push({ text: 'Take', callback_data: await callbackData(TAKE) })
        else if (!isGroup) row.push({ text: 'Next job', callback_data: await callbackData(NEXT) })
        if (task.detailsBeforeTaking && task.hasPrivateDetails)
          row.push({ text: 'Details privately', callback_data: await callbackData(DETAILS) })
        if (row.length) keyboard.push(row)
      }
      return { header, body, keyboard, appPath }
    },
    onEvent: async (w, event, mirror) => {
      if (event.type === 'task.escalated') {
        const { taskId, conversationId } = (event as StoredEvent<'task.escalated'>).data
        await mirror.sendToMembers(w, {
          key: `task.escalated:${event.id}`,
          conversationId,
          memberIds: await managerIds(w.trx),
          messageId: taskId,
          reason: 'task.escalated',
          isUrgent: false,
        })
        return
      }
      if (event.type !== 'task.changed') return
      const { taskId, conversationId, action, by, memberId } = (event as StoredEvent<'task.changed'>).data
      const task = await w.trx
        .selectFrom('task')
        .select('created_by')
        .where('message_id', '=', taskId)
        .executeTakeFirst()
      if (!task) return
      // Nobody is told about what they did themselves.
      const others = (ids: readonly (number | null)[]) =>
        [...new Set(ids)].filter((id): id is number => id !== null && id !== by?.id)
      let memberIds: number[]
      let reason: string
      switch (action) {
        case 'taken':
        case 'returned':
          memberIds = others([task.created_by])
          reason = `task.${action}`
          break
        case 'done': {
          const followers = await w.trx
            .selectFrom('task_follower')
            .select('member_id')
            .where('task_id', '=', taskId)
            .execute()
          memberIds = others([task.created_by, ...followers.map((f) => f.member_id)])
          reason = 'task.done'
          break
        }
        case 'reassigned':
          memberIds = others([memberId])
          reason = 'task.assigned'
          break
        default:
          return
      }
      if (memberIds.length === 0) return
      await mirror.sendToMembers(w, {
        key: `${reason}:${event.id}`,
        conversationId,
        memberIds,
        messageId: taskId,
        reason,
        isUrgent: false,
      })
    },
  })

  /** "Done: title", with the note and the photos of the done line. */
  async function doneRendering(view: MessageView, where: string) {
    const task = view.task as TaskFields
    let attachments: MessageView['attachments'] = []
    if (task.doneMessageId !== null) {
      const line = await ctx.db
        .selectFrom('message')
        .selectAll()
        .where('id', '=', task.doneMessageId)
        .executeTakeFirst()
      const [lineView] = line ? await hydrateMessages(ctx.kinds, ctx.db, [line]) : []
      attachments = lineView?.attachments ?? []
    }
    return {
      header: `✅ <b>Done: ${escapeHtml(task.title)}</b>\n<i>${escapeHtml(nameOf(task.takenBy, null))} · ${where}</i>`,
      body: task.doneNote,
      attachments,
    }
  }
}
