/**
 * The Telegram bridge's HTTP API: the shop's bot (owner), linking your own Telegram
 * account (everyone), and groups linked to channels (managers). Shapes mirror the server's
 * routes in server/telegram/.
 */
import { request } from '../../lib/api'

type Ok = { ok: true }

export type BotState = 'ok' | 'failing' | 'not_set_up'
export type MirrorMode = 'always' | 'away' | 'never'

export interface BotView {
  isConfigured: boolean
  bot: { id: number; username: string; name: string } | null
  status: { state: BotState; detail: string; lastOkAt: number | null; failingSince: number | null }
  linkedMembers: number
}

export interface MyTelegram {
  isAvailable: boolean
  botUsername: string | null
  link: { telegramName: string; telegramUsername: string | null; linkedAt: number } | null
  mirror: MirrorMode
}

export interface LinkCode {
  url: string
  code: string
  expiresAt: number
}

export interface GroupCode extends LinkCode {
  /** What to send in a group the bot is already in, e.g. "/link ABCD1234". */
  command: string
}

export interface LinkedGroup {
  chatId: number
  title: string
  conversation: { id: number; name: string }
  linkedAt: number
  linkedBy: string
}

export const telegramApi = {
  bot: () => request<BotView>('GET', '/api/telegram/bot'),
  connectBot: (token: string) => request<BotView>('PUT', '/api/telegram/bot', { token }),
  disconnectBot: () => request<Ok>('DELETE', '/api/telegram/bot'),

  me: () => request<MyTelegram>('GET', '/api/telegram/me'),
  linkCode: () => request<LinkCode>('POST', '/api/telegram/me/link-code', {}),
  unlink: () => request<Ok>('DELETE', '/api/telegram/me/link'),
  setMirror: (mirror: MirrorMode) => request<MyTelegram>('PUT', '/api/telegram/me/mirror', { mirror }),

  groups: () => request<{ groups: LinkedGroup[] }>('GET', '/api/telegram/groups'),
  groupCode: (conversationId: number) =>
    request<GroupCode>('POST', '/api/telegram/groups/link-code', { conversationId }),
  unlinkGroup: (chatId: number) => request<Ok>('DELETE', `/api/telegram/groups/${chatId}`),
}

/** Roughly a token as BotFather prints it (the bot's id, a colon, the secret); Telegram judges the rest. */
export function looksLikeToken(token: string): boolean {
  return /^\d+:[\w-]+$/.test(token)
}
