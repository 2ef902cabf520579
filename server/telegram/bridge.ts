/**
 * The state the bridge's parts share: the app context, the registry features filled, and
 * the bot (null until the owner connects one). TelegramService holds it; each part is
 * handed it rather than importing the service, so the parts form no circle.
 */
import type { AppContext } from '../shared/context'
import type { WriteContext } from '../shared/write'
import type { BotClients } from './client'
import type { Plan, TelegramRegistry } from './registry'

export interface BotInfo {
  id: number
  username: string
  name: string
}

export interface Bridge {
  readonly ctx: AppContext
  readonly registry: TelegramRegistry
  clients: BotClients | null
  bot: BotInfo | null
  /** Set while the app shuts down: deliveries stop starting new sends. */
  isStopping: boolean
}

/** The app's services, writing inside the transaction `w` (an update's, a delivery's). */
export function servicesIn(ctx: AppContext, w: WriteContext): AppContext {
  return { ...ctx, write: ctx.write.within(w) }
}

/** The client key of a message that came from a Telegram chat: one message, one key. */
export function clientKeyOf(chatId: number, telegramMessageId: number): string {
  return `tg${chatId}_${telegramMessageId}`.replace(/[^A-Za-z0-9_-]/g, '_')
}

/** The app's address for links to it (PUBLIC_URL, else where the owner connected from); null when Telegram would refuse it. */
export async function appUrlOf(ctx: AppContext): Promise<string | null> {
  const fromConfig = ctx.config.publicUrl?.origin
  const stored = (await ctx.db.selectFrom('telegram_bot').select('app_url').executeTakeFirst())?.app_url
  const url = fromConfig ?? (stored || null)
  if (!url) return null
  const host = new URL(url).hostname
  // Telegram refuses buttons that point at this machine itself.
  if (host === 'localhost' || host.startsWith('127.') || host === '[::1]') return null
  return url.replace(/\/+$/, '')
}

/** A plan that changes nothing (the update is still marked done). */
export function nothing(): Plan {
  return { step: async () => undefined }
}
