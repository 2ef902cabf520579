/**
 * The Bot API through node-telegram-bot-api, loaded only once a shop connects a bot (it is
 * large, and most shops never use it). Errors are sorted into what the bridge acts on, and
 * every message that might carry the token is scrubbed before it is stored or logged.
 */
import type TelegramBotType from 'node-telegram-bot-api'

export type Bot = TelegramBotType
export type TgUpdate = TelegramBotType.Update
export type TgMessage = TelegramBotType.Message
export type TgUser = TelegramBotType.User
export type TgChat = TelegramBotType.Chat

export const DEFAULT_API_ROOT = 'https://api.telegram.org'

let library: typeof TelegramBotType | null = null

async function load(): Promise<typeof TelegramBotType> {
  if (!library) {
    // Opt in to the library's settled behaviour so it prints no deprecation warnings.
    process.env.NTBA_FIX_319 = '1'
    process.env.NTBA_FIX_350 = '1'
    library = (await import('node-telegram-bot-api')).default
  }
  return library
}

export interface BotClients {
  /** For sends and everything short. */
  api: Bot
  /** For media: uploads of up to 50 MB over a shop's uplink take their time. */
  uploader: Bot
  /** For long polling: its HTTP timeout outlasts the poll's. */
  poller: Bot
}

export async function createClients(token: string, apiRoot: string | null, pollTimeoutS: number): Promise<BotClients> {
  const TelegramBot = await load()
  const baseApiUrl = (apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, '')
  const make = (timeoutMs: number) =>
    new TelegramBot(token, {
      polling: false,
      baseApiUrl,
      // The library's typings miss `request` options; they are passed to each HTTP call.
      request: { timeout: timeoutMs } as never,
    })
  return { api: make(20_000), uploader: make(300_000), poller: make((pollTimeoutS + 15) * 1000) }
}

/** A token as BotFather issues it: the bot's id, a colon, 30+ letters, digits, - or _. */
export const TOKEN_PATTERN = /^\d{5,20}:[A-Za-z0-9_-]{30,100}$/

export type Failure =
  | { kind: 'rate_limited'; retryAfterS: number; message: string }
  /** Network error, timeout, a gateway's HTML page, a 5xx: try again later. */
  | { kind: 'unavailable'; message: string }
  /** 401: the token was revoked or is wrong. */
  | { kind: 'unauthorized'; message: string }
  /** 403: the user blocked the bot, or the bot was removed from the group. */
  | { kind: 'forbidden'; message: string }
  /** 409: another program polls with this token, or a webhook is set. */
  | { kind: 'conflict'; message: string }
  /** 400 and the rest: this request will never work. */
  | { kind: 'refused'; message: string }
  /** Not Telegram's answer at all: a problem here (a missing file, a bug). */
  | { kind: 'local'; message: string }

interface LibraryError {
  code?: string
  message?: string
  response?: {
    statusCode?: number
    body?: { error_code?: number; description?: string; parameters?: { retry_after?: number } } | string
  }
}

/** Removes anything that looks like a bot token from a text. */
export function scrub(text: string): string {
  return text.replace(/\d{5,20}:[A-Za-z0-9_-]{30,100}/g, '<token>')
}

export function classify(error: unknown): Failure {
  const e = (error ?? {}) as LibraryError
  const message = scrub(String(e.message ?? error)).slice(0, 300)
  if (e.code === 'ETELEGRAM' && e.response && typeof e.response.body === 'object') {
    const body = e.response.body
    const status = body.error_code ?? e.response.statusCode ?? 0
    const description = scrub(body.description ?? message)
    if (status === 429)
      return { kind: 'rate_limited', retryAfterS: body.parameters?.retry_after ?? 5, message: description }
    if (status === 401 || status === 404) return { kind: 'unauthorized', message: description }
    if (status === 403) return { kind: 'forbidden', message: description }
    if (status === 409) return { kind: 'conflict', message: description }
    if (status >= 500) return { kind: 'unavailable', message: description }
    return { kind: 'refused', message: description }
  }
  // The library's own network (EFATAL) and bad-answer (EPARSE) errors mean Telegram is out of reach.
  if (e.code === 'EFATAL' || e.code === 'EPARSE' || e.code === 'ETELEGRAM') return { kind: 'unavailable', message }
  return { kind: 'local', message }
}
