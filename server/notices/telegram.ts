/**
 * Notices on Telegram, registered on the bridge's registry: /board sends the pinned notices,
 * a notice is mirrored to everyone on the board with its title (a reminder while it waits
 * for the member's acknowledgement), and its Acknowledge button acknowledges and turns
 * into "Acknowledged ✓". buildApp registers this before the bridge is created.
 */
import { AppError } from '../shared/errors'
import type { AppContext } from '../shared/context'
import type { StoredEvent } from '../shared/events'
import type { Keyboard, TelegramRegistry } from '../telegram/registry'
import { escapeHtml, excerpt, formatTime } from '../telegram/render'
import { acknowledge, listPinned } from './service'

const REMINDER_TTL_MS = 12 * 3_600_000
const ACKED_TTL_MS = 2 * 86_400_000
const ACKED = 'Acknowledged ✓'

/** Registers the notice kind's command, button and mirror (buildApp calls it once). */
export function registerNoticeTelegram(registry: TelegramRegistry, ctx: AppContext): void {
  registry.registerCommand({
    name: 'board',
    description: 'Pinned notices on the board',
    help: 'pinned notices',
    handle: async ({ actor, message, updateId, reply, mirror }) => {
      const { notices } = await listPinned(ctx, actor)
      if (notices.length === 0) return { step: reply('No notices are pinned on the board.') }
      return {
        step: async (w) => {
          await reply(`📌 <b>${notices.length} pinned on the board</b>`)(w)
          for (const notice of notices) {
            await mirror.send(w, `board:${updateId}:${notice.id}`, {
              chatId: message.chat.id,
              isGroup: false,
              memberId: actor.member.id,
              messageId: notice.id,
              reason: 'board',
            })
          }
        },
      }
    },
  })

  registry.registerButton({
    prefix: 'a',
    action: 'ack',
    handle: async ({ action, actor, services, answer, mirror }) => {
      if (action.message_id === null) return { step: async () => undefined, after: answer('') }
      const messageId = action.message_id
      let outcome = ACKED
      return {
        step: async (w) => {
          await acknowledge(services(w), actor, messageId).catch((error: unknown) => {
            if (!(error instanceof AppError)) throw error
            outcome = error.message
          })
          // Turn the button into "Acknowledged ✓" even when it was acknowledged before.
          await mirror.settleButtons(w, messageId, actor.member.id)
        },
        after: async () => answer(outcome)(),
      }
    },
  })

  registry.registerMirror({
    kind: 'notice',
    audience: (view, conversation) => (view.notice !== null && conversation.kind === 'board' ? 'notice' : null),
    isUrgent: (view) => view.notice?.isUrgent === true,
    render: async ({ view, conversation, send, who, timezone, callbackData }) => {
      const notice = view.notice
      if (!notice) return {}
      const acked =
        send.memberId === null
          ? undefined
          : await ctx.db
              .selectFrom('notice_ack')
              .select('at')
              .where('message_id', '=', view.id)
              .where('member_id', '=', send.memberId)
              .executeTakeFirst()
      if (send.reason === 'reminder' && acked) return null
      const isReminder = send.reason === 'reminder'
      let body = isReminder ? excerpt(view.body, 600) : view.body
      if (notice.mustAcknowledge && notice.acknowledgeBy !== null) {
        body += `\n\nPlease acknowledge by ${formatTime(notice.acknowledgeBy, timezone)}.`
      }
      const keyboard: Keyboard = []
      if (notice.mustAcknowledge && send.memberId !== null) {
        if (acked) keyboard.push([{ text: ACKED, callback_data: 'noop' }])
        else keyboard.push([{ text: 'Acknowledge', callback_data: await callbackData('a') }])
      }
      return {
        header: isReminder
          ? `⏰ <b>Reminder: ${escapeHtml(notice.title)}</b>\n<i>Waiting for your acknowledgement</i>`
          : `${notice.isUrgent ? '🚨 <b>Urgent</b> · ' : '📌 '}<b>${escapeHtml(notice.title)}</b>\n<i>${escapeHtml(who)} · Board</i>`,
        body,
        keyboard,
        ...(conversation.kind === 'board' ? { appPath: '/board' } : {}),
      }
    },
    settledButtons: (appUrl) => {
      const keyboard: Keyboard = [[{ text: ACKED, callback_data: 'noop' }]]
      if (appUrl) keyboard.push([{ text: 'Open in app', url: `${appUrl}/board` }])
      return keyboard
    },
    onEvent: async (w, event, mirror) => {
      if (event.type === 'notice.reminder') {
        const { messageId, isUrgent, missingMemberIds } = (event as StoredEvent<'notice.reminder'>).data
        const board = await w.trx.selectFrom('conversation').select('id').where('kind', '=', 'board').executeTakeFirst()
        if (!board) return
        await mirror.sendToMembers(w, {
          key: `reminder:${event.id}`,
          conversationId: board.id,
          memberIds: missingMemberIds,
          messageId,
          reason: 'reminder',
          isUrgent,
          ttlMs: REMINDER_TTL_MS,
        })
      } else if (event.type === 'notice.acknowledged') {
        const { messageId, memberId } = (event as StoredEvent<'notice.acknowledged'>).data
        if (await mirror.wasMirrored(w, messageId, memberId)) {
          await mirror.settleButtons(w, messageId, memberId, ACKED_TTL_MS)
        }
      }
    },
  })
}
