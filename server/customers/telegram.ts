/**
 * Customers through the shop's bot. A private message from someone who is not linked staff
 * (the registry's stranger handler) opens or continues their one conversation; staff
 * replies go back through the bot as registered outbound deliveries (uploaded, never as a
 * URL); new customer messages reach the assignee (or those on shift) in Telegram when they
 * are away, where `#note` keeps a reply internal and `#done` solves.
 */
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import type { StoredEvent } from '../shared/events'
import { AppError } from '../shared/errors'
import type { AttachmentInput } from '../files/service'
import { insertMessage, reindexAndEmit, sendMessage } from '../conversations/messages-service'
import { insertOwnedConversation, updateOwnedConversation } from '../conversations/service'
import { hydrateMessages } from '../conversations/views'
import type { MirrorQueue, Plan, StrangerInput, TelegramRegistry } from '../telegram/registry'
import { isOpenAt, localParts, parseHours } from './hours'
import type { IncomingExtra } from './kind'
import { customerName, firstName, referenceOf } from './names'
import * as repo from './repo'
import { notifiedOf } from './notify'
import { setStatusIn } from './service'
import { emitCustomerChanged } from './events'
import { clientKeyOf } from '../telegram/bridge'
import { DOWNLOAD_LIMIT, mediaOf as messageMedia } from '../telegram/media-in'
import { escapeHtml } from '../telegram/render'

export const CUSTOMER_OUTBOUND = 'customer-reply'
const REPLY_TTL_MS = 7 * 86_400_000
const SOURCE = /^[A-Za-z0-9_-]{1,64}$/

type TgMessage = StrangerInput['message']

/** The files one Telegram message carries, named for what they are: the bridge's one, or a sticker. */
function mediaOf(message: TgMessage): { fileId: string; size: number | undefined; name: string }[] {
  const media = messageMedia(message)
  if (media) return [media]
  const sticker = (
    message as TgMessage & {
      sticker?: { file_id: string; file_size?: number; is_animated?: boolean; is_video?: boolean }
    }
  ).sticker
  if (!sticker) return []
  // A sticker shows as an image: a still one is WebP; animated and video stickers are kept as files.
  const name = sticker.is_video ? 'sticker.webm' : sticker.is_animated ? 'sticker.tgs' : 'sticker.webp'
  return [{ fileId: sticker.file_id, size: sticker.file_size, name }]
}

/** The words of a message: its text or caption, and what a venue, a contact or a sticker says. */
function wordsOf(message: TgMessage): string {
  const m = message as TgMessage & {
    venue?: { title: string; address: string }
    contact?: { first_name: string; last_name?: string; phone_number: string }
    sticker?: { emoji?: string }
  }
  const lines: string[] = []
  if (m.text ?? m.caption) lines.push((m.text ?? m.caption) as string)
  if (m.venue) lines.push(`📍 ${m.venue.title}\n${m.venue.address}`)
  if (m.contact)
    lines.push(
      `👤 Shared contact: ${`${m.contact.first_name} ${m.contact.last_name ?? ''}`.trim()}, ${m.contact.phone_number}`,
    )
  if (m.sticker && lines.length === 0) lines.push(m.sticker.emoji ? `Sticker ${m.sticker.emoji}` : 'Sticker')
  return lines.join('\n')
}

function mb(bytes: number): string {
  return `${Math.max(1, Math.round(bytes / 1024 / 1024))} MB`
}

/**
 * A command a customer may send the bot that another feature answers (`/balance`): a plan
 * that answers in their chat, or null to take the message as an ordinary one.
 */
export type CustomerCommand = (customer: repo.CustomerRow, input: StrangerInput) => Promise<Plan | null>

export function registerCustomerTelegram(
  registry: TelegramRegistry,
  ctx: AppContext,
  commands: ReadonlyMap<string, CustomerCommand> = new Map(),
): void {
  registry.registerStrangers({
    name: 'customers',
    buttonPrefix: 'csat',
    handle: (input) => planCustomer(ctx, input, commands),
    handleButton: async (input) => {
      // `csat:<up|down>:<conversation id>`, pressed by the customer of that conversation only.
      const [rating, id] = input.payload.split(':')
      const customer = await repo.selectByTelegramUser(ctx.db, input.query.from.id)
      const isTheirs = customer && String(customer.conversation_id) === id && (rating === 'up' || rating === 'down')
      if (!isTheirs || customer.satisfaction !== null)
        return { step: async () => undefined, after: input.answer('Thank you!') }
      return {
        step: async (w) => {
          await w.trx
            .updateTable('customer')
            .set({ satisfaction: rating as 'up' | 'down' })
            .where('id', '=', customer.id)
            .execute()
          const conversation = await w.trx
            .selectFrom('conversation')
            .selectAll()
            .where('id', '=', customer.conversation_id)
            .executeTakeFirstOrThrow()
          await insertMessage(ctx, w, {
            conversation,
            author: null,
            kind: 'system',
            body: '',
            systemData: { action: 'customer.rated', detail: rating === 'up' ? '👍' : '👎' },
          })
          emitCustomerChanged(w, conversation.id, conversation.status ?? 'solved', conversation.assignee_id, null)
        },
        after: input.answer('Thank you for your answer!'),
      }
    },
  })

  registry.registerOutbound({
    name: CUSTOMER_OUTBOUND,
    render: async (send, partsOf) => {
      const data = send.data as { messageId: number; text?: string }
      if (data.text !== undefined) return partsOf('', data.text, [])
      const row = await ctx.db.selectFrom('message').selectAll().where('id', '=', data.messageId).executeTakeFirst()
      if (!row || row.deleted_at !== null) return null
      const customer = await repo.selectByConversation(ctx.db, row.conversation_id)
      if (!customer || customer.blocked_at !== null || customer.unreachable_at !== null || customer.erased_at !== null)
        return null
      const [view] = await hydrateMessages(ctx.kinds, ctx.db, [row])
      if (!view) return null
      const settings = await repo.selectSettings(ctx.db)
      // Customers see a first name at most, never a surname.
      const header =
        settings.sign_replies === 1 && view.author ? `<b>${escapeHtml(firstName(view.author.displayName))}</b>` : ''
      return partsOf(header, view.body, view.attachments)
    },
    delivered: async (send, ids) => {
      const data = send.data as { messageId: number; text?: string }
      if (data.text !== undefined) return
      await ctx.write(async (w) => {
        await w.trx
          .updateTable('customer_message')
          .set({ delivery: 'sent', delivery_error: null, telegram_message_id: ids[0] ?? null })
          .where('message_id', '=', data.messageId)
          .execute()
        w.emit(
          'customer.delivery',
          { kind: 'conversation', id: send.conversationId ?? 0 },
          {
            conversationId: send.conversationId ?? 0,
            messageId: data.messageId,
            delivery: 'sent',
            deliveryError: null,
          },
        )
      })
    },
    failed: async (send, reason, error) => {
      const data = send.data as { messageId: number; text?: string }
      await ctx.write(async (w) => {
        const customer = await w.trx
          .selectFrom('customer')
          .selectAll()
          .where('chat_id', '=', send.chatId)
          .executeTakeFirst()
        const failedIds: number[] = []
        if (reason === 'blocked' && customer) {
          // They blocked the bot: unreachable, and what is still queued for them will not go either.
          await w.trx.updateTable('customer').set({ unreachable_at: w.now }).where('id', '=', customer.id).execute()
          const queued = await w.trx
            .selectFrom('customer_message')
            .select('message_id')
            .where('customer_id', '=', customer.id)
            .where('delivery', '=', 'queued')
            .execute()
          failedIds.push(...queued.map((q) => q.message_id))
        }
        if (data.text === undefined && !failedIds.includes(data.messageId)) failedIds.push(data.messageId)
        const message = reason === 'blocked' ? 'The customer blocked the bot; nothing more can reach them.' : error
        for (const messageId of failedIds) {
          await w.trx
            .updateTable('customer_message')
            .set({ delivery: 'failed', delivery_error: message })
            .where('message_id', '=', messageId)
            .execute()
          w.emit(
            'customer.delivery',
            { kind: 'conversation', id: send.conversationId ?? 0 },
            {
              conversationId: send.conversationId ?? 0,
              messageId,
              delivery: 'failed',
              deliveryError: message,
            },
          )
        }
        if (reason === 'blocked' && customer) {
          const conversation = await w.trx
            .selectFrom('conversation')
            .selectAll()
            .where('id', '=', customer.conversation_id)
            .executeTakeFirstOrThrow()
          emitCustomerChanged(w, conversation.id, conversation.status ?? 'open', conversation.assignee_id, null)
        }
      })
    },
  })

  registry.registerConversationMirror({
    conversationKind: 'customer',
    recipients: (w, view) => notifiedOf(w, view),
    header: (view, conversation) => {
      const who =
        view.customer?.direction === 'in' ? view.customer.customerName : (view.author?.displayName ?? 'Someone')
      const note = view.customer?.isInternal ? ' <i>(internal note)</i>' : ''
      return `<b>${escapeHtml(who)}</b>${note} <i>· customer ${escapeHtml(conversation.name)}</i>`
    },
    onEvent: (w, event, mirror) => onEvent(ctx, w, event, mirror),
  })

  // `#note …` keeps a Telegram reply to a customer conversation internal; `#done` solves it.
  registry.registerInbound({
    name: 'customer-keywords',
    handle: async (input) => {
      const target = input.repliedTo?.conversationId ?? input.target
      const text = (input.message.text ?? input.message.caption ?? '').trim()
      const keyword = /^#(note|done)\b\s*/i.exec(text)
      if (target === null || !keyword) return null
      const conversation = await ctx.db
        .selectFrom('conversation')
        .select(['id', 'kind'])
        .where('id', '=', target)
        .executeTakeFirst()
      if (conversation?.kind !== 'customer') return null
      const rest = text.slice(keyword[0].length)
      const isNote = keyword[1]?.toLowerCase() === 'note'
      const content = isNote || rest || input.message.photo ? await input.content() : null
      if (content && 'refusal' in content) return { step: input.reply(escapeHtml(content.refusal)) }
      return {
        step: async (w) => {
          const services = input.services(w)
          try {
            if (content && (rest || content.attachments.length)) {
              await sendMessage(
                services,
                input.actor,
                target,
                {
                  body: rest,
                  clientKey: clientKeyOf(input.message.chat.id, input.message.message_id),
                  attachments: content.attachments,
                  isInternal: isNote,
                  ...(input.repliedTo ? { replyToId: input.repliedTo.messageId } : {}),
                },
                input.message.chat.id,
              )
            }
            if (!isNote) {
              await setStatusIn(services, w, input.actor, target, 'solved')
              await input.reply('Solved ✓')(w)
            } else await input.reply('Noted (internal) ✓')(w)
          } catch (error) {
            if (!(error instanceof AppError)) throw error
            await input.reply(escapeHtml(error.message))(w)
          }
        },
      }
    },
  })
}

/** Inside the transaction that stored them: replies to queue for the customer, and the satisfaction question. */
async function onEvent(ctx: AppContext, w: WriteContext, event: StoredEvent, mirror: MirrorQueue): Promise<void> {
  if (event.type === 'message.created') {
    const view = (event as StoredEvent<'message.created'>).data.message
    if (view.customer?.direction !== 'out' || view.customer.isInternal || view.customer.delivery !== 'queued') return
    const customer = await repo.selectByConversation(w.trx, view.conversationId)
    if (!customer) return
    await mirror.sendOut(
      w,
      `customer:${view.id}`,
      {
        name: CUSTOMER_OUTBOUND,
        chatId: customer.chat_id,
        data: { messageId: view.id },
        messageId: view.id,
        conversationId: view.conversationId,
      },
      REPLY_TTL_MS,
    )
    return
  }
  if (event.type === 'task.changed') {
    const data = (event as StoredEvent<'task.changed'>).data
    if (data.action !== 'taken' && data.action !== 'done') return
    const link = await w.trx
      .selectFrom('customer_task')
      .selectAll()
      .where('task_message_id', '=', data.taskId)
      .executeTakeFirst()
    if (!link || link.notify_customer !== 1) return
    const told = data.action === 'taken' ? link.told_taken_at : link.told_done_at
    if (told !== null) return
    const settings = await repo.selectSettings(w.trx)
    const template =
      data.action === 'taken'
        ? (link.taken_text ?? settings.task_taken_text)
        : (link.done_text ?? settings.task_done_text)
    const text = template
      .replace(/\{name\}/g, firstName(data.takenBy?.displayName ?? 'someone'))
      .replace(/\{title\}/g, data.title)
    await w.trx
      .updateTable('customer_task')
      .set(data.action === 'taken' ? { told_taken_at: w.now } : { told_done_at: w.now })
      .where('task_message_id', '=', data.taskId)
      .execute()
    await tellCustomer(w, mirror, link.customer_id, `${data.taskId}:${data.action}`, text)
    // Staff see in the conversation what the customer was told.
    const customer = await w.trx
      .selectFrom('customer')
      .select('conversation_id')
      .where('id', '=', link.customer_id)
      .executeTakeFirst()
    const conversation = customer
      ? await w.trx.selectFrom('conversation').selectAll().where('id', '=', customer.conversation_id).executeTakeFirst()
      : undefined
    if (conversation) {
      await insertMessage(ctx, w, {
        conversation,
        author: null,
        kind: 'system',
        body: '',
        systemData: { action: 'customer.told', detail: text },
      })
    }
    return
  }
  if (event.type === 'customer.changed') {
    const data = (event as StoredEvent<'customer.changed'>).data
    if (data.status !== 'solved' || data.by === null) return
    const settings = await repo.selectSettings(w.trx)
    const customer = await repo.selectByConversation(w.trx, data.conversationId)
    if (!customer || settings.ask_satisfaction !== 1 || customer.satisfaction !== null) return
    // At most once per customer: the question is asked, never repeated.
    if (customer.satisfaction_episode > 0 || customer.blocked_at !== null || customer.unreachable_at !== null) return
    await w.trx
      .updateTable('customer')
      .set({ satisfaction_episode: customer.episode })
      .where('id', '=', customer.id)
      .execute()
    await mirror.queueReply(w, customer.chat_id, `csat:${customer.id}`, 'Was your question answered well?', false, [
      [
        { text: '👍', callback_data: `csat:up:${customer.conversation_id}` },
        { text: '👎', callback_data: `csat:down:${customer.conversation_id}` },
      ],
    ])
  }
}

/** Queues a short automatic message to a customer (a task taken, done). */
export async function tellCustomer(
  w: WriteContext,
  mirror: MirrorQueue,
  customerId: number,
  key: string,
  text: string,
): Promise<void> {
  const customer = await w.trx.selectFrom('customer').selectAll().where('id', '=', customerId).executeTakeFirst()
  if (!customer || customer.blocked_at !== null || customer.unreachable_at !== null || customer.erased_at !== null)
    return
  await mirror.sendOut(w, `customer-note:${key}`, {
    name: CUSTOMER_OUTBOUND,
    chatId: customer.chat_id,
    data: { messageId: 0, text },
    messageId: null,
    conversationId: customer.conversation_id,
  })
}

/** Plans what a customer's private message does. */
async function planCustomer(
  ctx: AppContext,
  input: StrangerInput,
  commands: ReadonlyMap<string, CustomerCommand>,
): Promise<Plan | null> {
  if (!(await repo.isEnabled(ctx.db))) return null
  const { message, from } = input
  const existing = await repo.selectByTelegramUser(ctx.db, from.id)
  // Blocked: nothing stored, nothing forwarded, and the bot says nothing.
  if (existing?.blocked_at) return { step: async () => undefined }
  if (input.isEdit) return existing ? planEdit(ctx, existing, message) : { step: async () => undefined }
  // A command another feature answers (/balance), for a customer the shop knows.
  const command = /^\/([a-z0-9_]+)(?:@\w+)?\s*$/i.exec(message.text ?? '')
  const answer = command && existing ? commands.get(command[1]!.toLowerCase()) : undefined
  if (answer && existing) {
    const plan = await answer(existing, input)
    if (plan) return plan
  }
  const settings = await repo.selectSettings(ctx.db)
  const timezone = (await ctx.db.selectFrom('shop').select('timezone').executeTakeFirst())?.timezone ?? 'UTC'
  const now = ctx.clock.now()
  const day = localParts(now, timezone).date
  const isStart = input.startPayload !== null
  const source = isStart && SOURCE.test(input.startPayload ?? '') ? (input.startPayload as string) : ''
  // Over the rate limit: stored and shown as throttled, nobody notified, no files fetched.
  const recent = existing ? await repo.countIncomingSince(ctx.db, existing.id, now - 60_000) : 0
  const isThrottled = recent >= settings.rate_per_minute
  const body = isStart ? '' : wordsOf(message)
  const attachments: AttachmentInput[] = []
  const notReceived: string[] = []
  const tellCustomerLines: string[] = []
  const m = message as TgMessage & {
    location?: { latitude: number; longitude: number }
    venue?: { location: { latitude: number; longitude: number } }
  }
  const where = m.venue?.location ?? m.location
  if (!isStart && where) attachments.push({ location: { latitude: where.latitude, longitude: where.longitude } })
  let bytesToday = existing ? await repo.bytesOn(ctx.db, existing.id, day) : 0
  const fetchedIds: number[] = []
  if (!isStart) {
    for (const media of mediaOf(message)) {
      if (isThrottled) {
        notReceived.push(`${media.name} (held: sent too fast)`)
        continue
      }
      if ((media.size ?? 0) > DOWNLOAD_LIMIT) {
        notReceived.push(`${media.name} (${mb(media.size ?? 0)}, over the 20 MB a bot can receive)`)
        tellCustomerLines.push(
          `Sorry, ${media.name} is ${mb(media.size ?? 0)}; we can only receive files up to 20 MB here. Could you send a smaller one, or a link?`,
        )
        continue
      }
      if (bytesToday + (media.size ?? 0) > settings.daily_mb * 1024 * 1024) {
        notReceived.push(`${media.name} (today’s limit of ${settings.daily_mb} MB reached)`)
        tellCustomerLines.push('Sorry, you have sent as many files as we can take today. Please try again tomorrow.')
        continue
      }
      try {
        const fileId = await input.download(media.fileId, media.name)
        fetchedIds.push(fileId)
        attachments.push({ fileId })
        bytesToday += media.size ?? 0
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 413) throw error
        notReceived.push(`${media.name} (over the 20 MB a bot can receive)`)
        tellCustomerLines.push(`Sorry, ${media.name} is larger than 20 MB; we can only receive files up to 20 MB here.`)
      }
    }
  }
  const fileRows = fetchedIds.length
    ? await ctx.db.selectFrom('file').select(['id', 'kind', 'name', 'size']).where('id', 'in', fetchedIds).execute()
    : []
  const isEmpty = !body.trim() && attachments.length === 0 && notReceived.length === 0
  const mediaGroupId = (message as { media_group_id?: string }).media_group_id ?? null
  return {
    step: async (w) => {
      const services = { ...ctx, write: ctx.write.within(w) }
      let customer = await repo.selectByTelegramUser(w.trx, from.id)
      const contact = {
        first_name: from.first_name ?? '',
        last_name: from.last_name ?? '',
        username: from.username ?? '',
        language: from.language_code ?? '',
        chat_id: message.chat.id,
        last_contact_at: w.now,
      }
      const sharedPhone = (message as { contact?: { user_id?: number; phone_number: string } }).contact
      const phone = sharedPhone && sharedPhone.user_id === from.id ? sharedPhone.phone_number : undefined
      if (!customer) {
        const name = customerName(contact)
        const conversation = await insertOwnedConversation(w, {
          kind: 'customer',
          name,
          memberIds: await repo.selectAnswererIds(w.trx),
          status: 'open',
        })
        customer = await w.trx
          .insertInto('customer')
          .values({
            ...contact,
            conversation_id: conversation.id,
            telegram_user_id: from.id,
            phone: phone ?? '',
            source,
            first_contact_at: w.now,
            episode_started_at: w.now,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
      } else {
        await w.trx
          .updateTable('customer')
          .set({
            ...(customer.erased_at === null ? contact : { chat_id: contact.chat_id, last_contact_at: w.now }),
            ...(phone ? { phone } : {}),
            ...(source && !customer.source ? { source } : {}),
            // Writing again after blocking the bot: reachable again.
            unreachable_at: null,
            ...(isThrottled ? { throttled_at: w.now } : {}),
          })
          .where('id', '=', customer.id)
          .execute()
        if (customer.erased_at === null && customerName(contact) !== customerName(customer))
          await updateOwnedConversation(w, customer.conversation_id, { name: customerName(contact) })
      }
      const conversation = await w.trx
        .selectFrom('conversation')
        .selectAll()
        .where('id', '=', customer.conversation_id)
        .executeTakeFirstOrThrow()
      let episode = customer.episode
      // A quiet spell longer than the setting starts a new numbered request in the same history.
      const isNewEpisode =
        settings.episode_after_days !== null &&
        customer.last_contact_at < w.now - settings.episode_after_days * 86_400_000 &&
        customer.first_contact_at !== w.now
      if (isNewEpisode) {
        episode += 1
        await w.trx
          .updateTable('customer')
          .set({ episode, episode_started_at: w.now })
          .where('id', '=', customer.id)
          .execute()
        await insertMessage(ctx, w, {
          conversation,
          author: null,
          kind: 'system',
          body: '',
          systemData: { action: 'customer.episode', detail: `#${episode}` },
        })
      }
      if (!isEmpty) {
        if (conversation.status === 'solved') {
          await updateOwnedConversation(w, conversation.id, { status: 'open' })
          await w.trx.updateTable('customer').set({ solved_at: null }).where('id', '=', customer.id).execute()
          await insertMessage(ctx, w, {
            conversation,
            author: null,
            kind: 'system',
            body: '',
            systemData: { action: 'customer.reopened' },
          })
          emitCustomerChanged(w, conversation.id, 'open', conversation.assignee_id, null)
        } else if (conversation.status === 'waiting') {
          await updateOwnedConversation(w, conversation.id, { status: 'open' })
        }
        const notReceivedText = notReceived.length ? `Not received: ${notReceived.join('; ')}` : null
        const group = mediaGroupId
          ? await w.trx
              .selectFrom('customer_message as cm')
              .innerJoin('message as msg', 'msg.id', 'cm.message_id')
              .selectAll('msg')
              .where('cm.customer_id', '=', customer.id)
              .where('cm.media_group_id', '=', mediaGroupId)
              .executeTakeFirst()
          : undefined
        const rows = fileRows.map((f) => ({
          kind: f.kind,
          file_id: f.id,
          name: f.name,
          latitude: null,
          longitude: null,
          accuracy_m: null,
        }))
        const locations = attachments.flatMap((a) =>
          'location' in a
            ? [
                {
                  kind: 'location' as const,
                  file_id: null,
                  name: '',
                  latitude: a.location.latitude,
                  longitude: a.location.longitude,
                  accuracy_m: null,
                },
              ]
            : [],
        )
        if (group) {
          // The next photo of an album joins the message the album started.
          const position = await w.trx
            .selectFrom('attachment')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('message_id', '=', group.id)
            .executeTakeFirst()
          const start = Number(position?.n ?? 0)
          if (rows.length) {
            await w.trx
              .insertInto('attachment')
              .values(rows.map((r, i) => ({ ...r, message_id: group.id, position: start + i })))
              .execute()
          }
          const nextBody =
            body && !group.body.includes(body) ? (group.body ? `${group.body}\n${body}` : body) : group.body
          await w.trx
            .updateTable('message')
            .set({ has_attachment: 1, body: nextBody })
            .where('id', '=', group.id)
            .execute()
          if (notReceivedText)
            await w.trx
              .updateTable('customer_message')
              .set({ not_received: notReceivedText })
              .where('message_id', '=', group.id)
              .execute()
          await reindexAndEmit(services, w, { ...group, body: nextBody, has_attachment: 1 })
        } else {
          const extra: IncomingExtra = {
            direction: 'in',
            customerId: customer.id,
            telegramMessageId: message.message_id,
            mediaGroupId,
            isThrottled,
            notReceived: notReceivedText,
            episode,
          }
          await insertMessage(ctx, w, {
            conversation: { ...conversation, status: 'open' },
            author: null,
            kind: 'text',
            body: body.slice(0, 4_000),
            replyToId: input.repliedTo?.conversationId === conversation.id ? input.repliedTo.messageId : null,
            clientKey: clientKeyOf(message.chat.id, message.message_id),
            attachments: [...rows, ...locations],
            originChatId: message.chat.id,
            guestName: customerName(customer.erased_at ? { first_name: '', last_name: '', username: '' } : contact),
            extra: extra as unknown as Record<string, unknown>,
          })
        }
        const bytes = fileRows.reduce((sum, f) => sum + f.size, 0)
        await repo.addBytes(w.trx, customer.id, day, bytes)
      }
      const replies: string[] = []
      if (customer.welcomed_episode < episode) {
        replies.push(`${escapeHtml(settings.welcome_text)}\n\nYour reference: <b>${referenceOf(customer.id)}</b>`)
        await w.trx.updateTable('customer').set({ welcomed_episode: episode }).where('id', '=', customer.id).execute()
      }
      if (!isOpenAt(parseHours(settings.hours), w.now, timezone) && customer.away_replied_episode < episode) {
        replies.push(escapeHtml(settings.away_text))
        await w.trx
          .updateTable('customer')
          .set({ away_replied_episode: episode })
          .where('id', '=', customer.id)
          .execute()
      }
      replies.push(...tellCustomerLines.map(escapeHtml))
      if (replies.length) await input.reply(replies.join('\n\n'))(w)
    },
  }
}

/** A customer edited a message: the app keeps what it said before (shown as edited). */
async function planEdit(ctx: AppContext, customer: repo.CustomerRow, message: TgMessage): Promise<Plan> {
  const text = message.text ?? message.caption
  if (text === undefined) return { step: async () => undefined }
  return {
    step: async (w) => {
      const row = await w.trx
        .selectFrom('customer_message as cm')
        .innerJoin('message as m', 'm.id', 'cm.message_id')
        .selectAll('m')
        .where('cm.customer_id', '=', customer.id)
        .where('cm.telegram_message_id', '=', message.message_id)
        .where('cm.direction', '=', 'in')
        .executeTakeFirst()
      if (!row || row.deleted_at !== null || row.body === text) return
      await w.trx
        .insertInto('message_revision')
        .values({ message_id: row.id, body: row.body, title: null, edited_by: null, edited_at: w.now })
        .execute()
      const body = text.slice(0, 4_000)
      await w.trx.updateTable('message').set({ body, edited_at: w.now }).where('id', '=', row.id).execute()
      await reindexAndEmit({ ...ctx, write: ctx.write.within(w) }, w, { ...row, body, edited_at: w.now })
    },
  }
}
