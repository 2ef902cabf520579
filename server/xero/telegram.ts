/**
 * Xero on Telegram: `/xero <question>` in the private chat with the bot, for linked staff who
 * may read Xero, answered with the card as a formatted message. A pick-list comes as buttons
 * that ask the choice; a draft's preview comes with Confirm, which calls the same confirm as
 * the app. Groups get no Xero data: `/xero` there is answered with "ask me privately".
 */
import type { AppContext } from '../shared/context'
import { AppError } from '../shared/errors'
import { can, type Actor } from '../auth/actor'
import type { WriteContext } from '../shared/write'
import type { Keyboard, Plan, TelegramRegistry } from '../telegram/registry'
import { escapeHtml, excerpt, formatTime } from '../telegram/render'
import type { BuiltCard, NewDraft, XeroAssistant, XeroCardView } from './assistant'
import { cardAsTelegramHtml, type CardBody } from './card'

const ASK = 'xq'
const CONFIRM = 'xc'
const REFUSAL = 'Only staff who may read Xero can ask it.'
const USAGE =
  'Ask Xero in words after /xero, for example:\n/xero who owes us\n/xero invoice INV-0042\n/xero invoices for Acme\n/xero help'
const IN_GROUP =
  'Ask me privately: open a private chat with me and send /xero with your question. Xero answers stay out of groups.'

const nothing = async (): Promise<void> => undefined

/** Makes callback data for one of this feature's buttons, in the step's transaction. */
type ButtonMaker = (w: WriteContext, prefix: string, data: unknown) => Promise<string>

/** Registers `/xero`, its buttons and the refusal in groups (buildApp calls it once). */
export function registerXeroTelegram(registry: TelegramRegistry, ctx: AppContext, assistant: XeroAssistant): void {
  async function timezone(): Promise<string> {
    const shop = await ctx.db.selectFrom('shop').select('timezone').executeTakeFirst()
    return shop?.timezone ?? 'UTC'
  }

  function html(body: CardBody, organisation: string, asOf: number, zone: string): string {
    return cardAsTelegramHtml(body, [organisation, `as of ${formatTime(asOf, zone)}`].filter(Boolean).join(' · '))
  }

  /**
   * Asks Xero while planning (outside the update's transaction); the plan's step keeps the
   * card and sends it. Refusals and Xero's own errors are answered in words.
   */
  async function ask(
    actor: Actor,
    question: string,
    send: (w: WriteContext, html: string, keyboard: Keyboard | null, cardId: number | null) => Promise<void>,
    button: ButtonMaker,
  ): Promise<Plan> {
    if (!can(actor, 'xero.read')) {
      await assistant.deny(actor, 'telegram')
      return { step: (w) => send(w, escapeHtml(REFUSAL), null, null) }
    }
    if (question.trim() === '') return { step: (w) => send(w, escapeHtml(USAGE), null, null) }
    let built: BuiltCard & { draft?: NewDraft }
    try {
      built = await assistant.build(actor, question)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      const message = escapeHtml(error.message)
      return { step: (w) => send(w, message, null, null) }
    }
    const zone = await timezone()
    return {
      step: async (w) => {
        const card = await assistant.storeCard(w, actor, built, 'telegram')
        const keyboard: Keyboard = []
        for (const choice of built.body.choices) {
          keyboard.push([
            { text: excerpt(choice.label, 60), callback_data: await button(w, ASK, { question: choice.question }) },
          ])
        }
        if (built.draft) {
          keyboard.push([
            { text: 'Confirm: create the draft in Xero', callback_data: await button(w, CONFIRM, { cardId: card.id }) },
          ])
        }
        await send(
          w,
          html(built.body, built.organisation, card.as_of, zone),
          keyboard.length ? keyboard : null,
          card.id,
        )
      },
    }
  }

  registry.registerCommand({
    name: 'xero',
    description: 'Ask Xero (staff who may read it)',
    help: 'ask Xero: /xero who owes us, /xero invoice INV-0042, /xero help',
    handle: async ({ actor, args, reply, button }) =>
      ask(
        actor,
        args,
        (w, text, keyboard) => reply(text, keyboard)(w),
        (w, prefix, data) => button(w, prefix, { data }),
      ),
  })

  // A choice of a pick-list: its question, asked as if typed.
  registry.registerButton({
    prefix: ASK,
    action: 'xero.ask',
    handle: async ({ actor, action, query, answer, button, mirror }) => {
      const question = (JSON.parse(action.data ?? '{}') as { question?: string }).question ?? ''
      const chatId = query.message?.chat.id ?? query.from.id
      const plan = await ask(
        actor,
        question,
        (w, text, keyboard, cardId) =>
          mirror.queueReply(w, chatId, `xero-ask:${action.token}:${cardId ?? w.now}`, text, false, keyboard),
        (w, prefix, data) => button(w, prefix, { data }),
      )
      return { ...plan, after: answer('') }
    },
  })

  // Confirm on a draft's preview: the app's confirm, so a second press makes no second draft.
  registry.registerButton({
    prefix: CONFIRM,
    action: 'xero.confirm',
    handle: async ({ actor, action, query, answer, mirror }) => {
      const cardId = (JSON.parse(action.data ?? '{}') as { cardId?: number }).cardId ?? 0
      let card: XeroCardView
      try {
        if (!assistant.drafts) throw new AppError(409, 'xero_writes_off', 'Drafting in Xero is not available.')
        card = await assistant.drafts.confirm(actor, cardId)
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        return { step: nothing, after: answer(error.message, true) }
      }
      const zone = await timezone()
      const chatId = query.message?.chat.id ?? query.from.id
      return {
        step: (w) =>
          mirror.queueReply(
            w,
            chatId,
            `xero-confirmed:${card.id}`,
            html(card.body, card.organisation, card.asOf, zone),
          ),
        after: answer(card.draft?.error ?? 'The draft is in Xero.'),
      }
    },
  })

  // `/xero` in a linked group: nothing from Xero is said where everyone reads.
  registry.registerInbound({
    name: 'xero.group',
    handle: async ({ isGroup, message, reply }) => {
      if (!isGroup || !/^\/xero(?:@\w+)?(?:\s|$)/i.test(message.text ?? '')) return null
      return { step: reply(escapeHtml(IN_GROUP)) }
    },
  })
}
