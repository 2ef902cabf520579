/**
 * A fake Telegram Bot API server on 127.0.0.1, faithful enough that a client such as
 * node-telegram-bot-api (pointed at it through its `baseApiUrl` option) cannot tell it from
 * api.telegram.org for the methods a bridge uses. node:http only; nothing ever leaves loopback.
 *
 * What it mirrors from the real server (https://core.telegram.org/bots/api):
 * - routes `/bot<token>/<method>` (method names are case-insensitive, GET or POST) with parameters in
 *   the query string, a JSON body, an urlencoded body or a multipart/form-data body (files);
 *   file downloads at `/file/bot<token>/<file_path>`;
 * - the response envelope `{ ok, result }` / `{ ok: false, error_code, description, parameters? }`
 *   with the HTTP status equal to error_code, and the real error descriptions for the cases covered;
 * - getUpdates offsets (confirming), negative offsets, limit, real long polling (timeout), allowed_updates
 *   (applied to updates created after the call), and 409 Conflict when a second poller takes over;
 * - message ids that increase per chat, `date` in unix seconds, `from` = the bot, entities produced
 *   by parse_mode HTML / MarkdownV2 (with Telegram's "can't parse entities" errors), inline keyboards
 *   echoed back (reply keyboards are not), reply_to_message filled in;
 * - media messages with file_id / file_unique_id / file_size / mime_type as Telegram returns them,
 *   getFile with the 20 MB limit, and downloads of the stored bytes;
 * - group privacy mode: in groups the bot only receives commands, replies to its messages and mentions;
 * - the refusals a bridge must have fallbacks for: deleteMessage after 48 hours ("message can't be
 *   deleted"), inline URL buttons to this machine or the LAN (BUTTON_URL_INVALID), photos over 10 MB or
 *   beyond 10000 px in width plus height or a 1:20 aspect ratio (PHOTO_INVALID_DIMENSIONS), and callback
 *   queries answered more than 15 s after the press ("query is too old");
 * - published rate limits (1 msg/s per private chat, 20 msg/min per group, 30 msg/s overall): always
 *   detected and logged in `violations`, answered with 429 only when enforcement is switched on.
 *
 * What it cannot mirror: it does not transcode or resize media (every PhotoSize serves the uploaded
 * bytes), durations of media come from the `duration` parameter, and URLs are never fetched: a URL
 * must be registered with `serveUrl()` first, otherwise it fails as Telegram does for a bad URL.
 */
import http from 'node:http'
import crypto from 'node:crypto'
import type { AddressInfo, Socket } from 'node:net'

// ---------------------------------------------------------------------------------------------
// Telegram object shapes (the subset the fake produces)

export interface TgUser {
  id: number
  is_bot: boolean
  first_name: string
  last_name?: string
  username?: string
  language_code?: string
}

export type TgChatType = 'private' | 'group' | 'supergroup' | 'channel'

export interface TgChat {
  id: number
  type: TgChatType
  title?: string
  username?: string
  first_name?: string
  last_name?: string
}

export interface TgEntity {
  type: string
  offset: number
  length: number
  url?: string
  language?: string
  user?: TgUser
  custom_emoji_id?: string
}

export interface TgPhotoSize {
  file_id: string
  file_unique_id: string
  width: number
  height: number
  file_size?: number
}

export interface TgFileObject {
  file_id: string
  file_unique_id: string
  file_size?: number
  mime_type?: string
  file_name?: string
  duration?: number
  width?: number
  height?: number
  length?: number
  performer?: string
  title?: string
}

export interface TgInlineButton {
  text: string
  callback_data?: string
  url?: string
  [key: string]: unknown
}

export interface TgInlineKeyboard {
  inline_keyboard: TgInlineButton[][]
}

export interface TgMessage {
  message_id: number
  date: number
  chat: TgChat
  from?: TgUser
  text?: string
  entities?: TgEntity[]
  caption?: string
  caption_entities?: TgEntity[]
  reply_to_message?: TgMessage
  reply_markup?: TgInlineKeyboard
  edit_date?: number
  photo?: TgPhotoSize[]
  video?: TgFileObject
  voice?: TgFileObject
  video_note?: TgFileObject
  audio?: TgFileObject
  document?: TgFileObject
  location?: { latitude: number; longitude: number; horizontal_accuracy?: number }
  [key: string]: unknown
}

export interface TgCallbackQuery {
  id: string
  from: TgUser
  message?: TgMessage
  chat_instance: string
  data?: string
}

export interface TgUpdate {
  update_id: number
  message?: TgMessage
  edited_message?: TgMessage
  callback_query?: TgCallbackQuery
  [key: string]: unknown
}

export interface TgBotCommand {
  command: string
  description: string
}

// ---------------------------------------------------------------------------------------------
// Fake state and controls

export interface UploadedFile {
  field: string
  filename: string
  contentType: string
  data: Buffer
}

export interface CallRecord {
  /** The method as the client spelled it (Telegram method names are case-insensitive). */
  method: string
  httpMethod: string
  /** All parameters merged (query string, then body); values as received (strings for form/query/multipart). */
  params: Record<string, unknown>
  files: UploadedFile[]
  /** Date.now() (real time) when the request was received. */
  time: number
  /** HTTP status answered; undefined while a long poll is still held or when the socket was destroyed. */
  status?: number
  response?: unknown
}

export type FileKind = 'photo' | 'video' | 'voice' | 'video_note' | 'audio' | 'document' | 'thumbnail'

export interface StoredFile {
  file_id: string
  file_unique_id: string
  kind: FileKind
  data: Buffer
  file_path: string
  mime_type?: string
  file_name?: string
  width?: number
  height?: number
}

export interface StoredMessage {
  /** The current state of the message (after edits). */
  message: TgMessage
  /** Earlier states, oldest first. */
  history: TgMessage[]
  deleted: boolean
  /** true when the bot sent it. */
  byBot: boolean
}

export interface ChatState {
  chat: TgChat
  messages: Map<number, StoredMessage>
  nextMessageId: number
  /** The user blocked the bot: sends answer 403 "Forbidden: bot was blocked by the user". */
  blocked: boolean
}

export interface Violation {
  rule: 'private-chat-1-per-second' | 'group-20-per-minute' | 'global-30-per-second'
  method: string
  chatId: number
  /** The clock time (ms) of the offending call. */
  time: number
  /** Whether the fake answered 429 (enforcement on) or only recorded it. */
  rejected: boolean
}

export interface FailSpec {
  status?: number
  retryAfter?: number
  description?: string
  /** Only fail calls to this method (case-insensitive); other calls pass and do not use up the count. */
  method?: string
}

export type OutageMode = 'reset' | 'bad-gateway'

export interface TelegramFakeOptions {
  /** A bot token such as '123456:ABC-DEF'; the bot's id is the part before the colon. */
  token: string
  botUsername: string
  botFirstName?: string
  /** Clock for `date` fields and rate-limit windows (ms). Defaults to Date.now. */
  now?: () => number
  /** Group privacy mode (Telegram's default). Default true. */
  privacyMode?: boolean
  /** Answer 429 on rate-limit violations. Default false (violations are recorded either way). */
  enforceRateLimits?: boolean
  /** Log each call to the console (debugging). */
  verbose?: boolean
}

export interface Injected {
  /** The update queued for the bot, or null when the bot cannot see it (group privacy mode). */
  update: TgUpdate | null
  message?: TgMessage
  callbackQuery?: TgCallbackQuery
}

/** A message id, or any object with one (a TgMessage, node-telegram-bot-api's Message...). */
export type MessageRef = number | { message_id: number }

export interface MediaOptions {
  caption?: string
  mime_type?: string
  file_name?: string
  duration?: number
  width?: number
  height?: number
  length?: number
  performer?: string
  title?: string
  replyTo?: MessageRef
}

export interface UserHandle {
  user: TgUser
  /** The chat this handle sends into (the private chat with the bot unless `in()` was used). */
  chat: TgChat
  /** The same user, sending into another chat (a group made with `fake.group()`). */
  in(chat: TgChat): UserHandle
  text(text: string, opts?: { replyTo?: MessageRef }): Injected
  reply(to: MessageRef, text: string): Injected
  /** `/start` or `/start <payload>` (deep link). */
  start(payload?: string): Injected
  command(command: string, args?: string): Injected
  photo(data: Buffer, opts?: MediaOptions): Injected
  video(data: Buffer, opts?: MediaOptions): Injected
  voice(data: Buffer, opts?: MediaOptions): Injected
  videoNote(data: Buffer, opts?: MediaOptions): Injected
  audio(data: Buffer, opts?: MediaOptions): Injected
  document(data: Buffer, opts?: MediaOptions): Injected
  location(latitude: number, longitude: number): Injected
  /** Edit one of this user's text messages (edited_message update). */
  editText(message: MessageRef, text: string): Injected
  /** Press an inline button (by its callback_data) on a message in this handle's chat. */
  press(message: MessageRef, data: string): Injected
  /** The user blocks / unblocks the bot (private chat only). */
  block(blocked?: boolean): void
}

export interface TelegramFake {
  /** Pass as node-telegram-bot-api's `baseApiUrl`, e.g. http://127.0.0.1:PORT */
  apiRoot: string
  port: number
  token: string
  bot: TgUser
  /** Every call received, in order. */
  sent: CallRecord[]
  /** Chats by id, with every message (user's and bot's), edits and deletions. */
  chats: Map<number, ChatState>
  /** Files by file_id. */
  files: Map<string, StoredFile>
  /** Updates not yet confirmed by an offset. */
  pendingUpdates: TgUpdate[]
  /** Every update ever queued, oldest first (confirmed or not). */
  updates: TgUpdate[]
  violations: Violation[]
  /** answerCallbackQuery calls by callback query id. */
  callbackAnswers: Map<string, Record<string, unknown>>
  /** Commands per scope key (JSON of scope + language_code). */
  commands: Map<string, TgBotCommand[]>
  /** Calls to one method (case-insensitive). */
  calls(method: string): CallRecord[]
  /** Messages in a chat, oldest first, excluding deleted ones unless asked. */
  messages(chatId: number, opts?: { includeDeleted?: boolean }): TgMessage[]
  /** Messages the bot sent (not deleted), oldest first, across chats or in one chat. */
  botMessages(chatId?: number): TgMessage[]
  user(user: {
    id: number
    first_name: string
    last_name?: string
    username?: string
    language_code?: string
  }): UserHandle
  /** Create a group or supergroup the bot is a member of. */
  group(opts: { title: string; type?: 'group' | 'supergroup'; id?: number; username?: string }): TgChat
  /** Queue a raw update (update_id is assigned when missing). */
  userSends(update: Omit<TgUpdate, 'update_id'> & { update_id?: number }): TgUpdate | null
  /** Store bytes as a file and return it (to pass its file_id to the bot, for example). */
  addFile(kind: FileKind, data: Buffer, opts?: { mime_type?: string; file_name?: string }): StoredFile
  /** Make an http(s) URL "fetchable" for send* methods given a URL (nothing is fetched from the network). */
  serveUrl(url: string, data: Buffer, mimeType?: string): void
  failNext(n: number, spec?: FailSpec): void
  /**
   * Serves these already-sent updates (same update_id) again in the next getUpdates answer,
   * whatever its offset: an answer repeated on the way, so the bot sees an update it applied.
   */
  redeliver(updateIds: number[]): void
  /**
   * Forgets the confirmation of every update from `updateId` on: they are served again to a
   * poll whose offset does not go past them, as after a bot died before its next getUpdates.
   */
  unconfirm(updateId: number): void
  setOutage(on: boolean, mode?: OutageMode): void
  enforceRateLimits(on: boolean): void
  /** Resolves when a call to `method` has been answered (or already was, counting from `since` calls). */
  waitForCall(method: string, opts?: { timeoutMs?: number; since?: number }): Promise<CallRecord>
  stop(): Promise<void>
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description)
  }
}

const bad = (what: string) => new ApiError(400, `Bad Request: ${what}`)

const MAX_UPLOAD = 50 * 1024 * 1024
const MAX_DOWNLOAD = 20 * 1024 * 1024
const MAX_PHOTO = 10 * 1024 * 1024
/** A bot may delete a message only within 48 hours of its sending. */
const DELETE_WINDOW_MS = 48 * 3_600_000
/** A callback query must be answered within about 15 seconds of the press. */
const CALLBACK_ANSWER_MS = 15_000
const ALL_UPDATE_TYPES = new Set([
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'message_reaction',
  'message_reaction_count',
  'inline_query',
  'chosen_inline_result',
  'callback_query',
  'shipping_query',
  'pre_checkout_query',
  'purchased_paid_media',
  'poll',
  'poll_answer',
  'my_chat_member',
  'chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
])
const NOT_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count'])

/**
 * Whether Telegram takes this URL for an inline button: http(s) to a public host name or
 * address, or tg://. Loopback, private and link-local addresses, localhost and names
 * without a dot (a NAS on the LAN) are refused.
 */
export function isButtonUrlAccepted(raw: string): boolean {
  if (/^tg:\/\/\S+$/.test(raw)) return true
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '')
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return false
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host)
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])]
    return !(
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    )
  }
  if (host.includes(':')) return !(host === '::1' || host === '::' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host))
  return host.includes('.')
}

// ---------------------------------------------------------------------------------------------
// Request parsing

function parseMultipart(body: Buffer, contentType: string): { fields: Record<string, string>; files: UploadedFile[] } {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const boundary = m?.[1] ?? m?.[2]?.trim()
  if (!boundary) throw bad('invalid multipart boundary')
  const delimiter = Buffer.from(`--${boundary}`)
  const fields: Record<string, string> = {}
  const files: UploadedFile[] = []
  let pos = body.indexOf(delimiter)
  if (pos < 0) throw bad('invalid multipart body')
  for (;;) {
    pos += delimiter.length
    // "--" after a delimiter closes the body
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break
    // skip the CRLF after the delimiter
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2
    const headerEnd = body.indexOf('\r\n\r\n', pos)
    if (headerEnd < 0) throw bad('invalid multipart body')
    const headers = body.subarray(pos, headerEnd).toString('utf8')
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4)
    if (next < 0) throw bad('invalid multipart body')
    const content = body.subarray(headerEnd + 4, next)
    let name = ''
    let filename: string | undefined
    let partType = 'application/octet-stream'
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon < 0) continue
      const key = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (key === 'content-disposition') {
        name = /(?:^|;)\s*name="([^"]*)"/i.exec(value)?.[1] ?? /(?:^|;)\s*name=([^;]+)/i.exec(value)?.[1] ?? ''
        const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(value)?.[1]
        const plain = /filename="([^"]*)"/i.exec(value)?.[1] ?? /filename=([^;]+)/i.exec(value)?.[1]
        filename = star ? decodeURIComponent(star.trim()) : plain
      } else if (key === 'content-type') {
        partType = value
      }
    }
    if (filename !== undefined) {
      files.push({ field: name, filename, contentType: partType, data: Buffer.from(content) })
    } else {
      fields[name] = content.toString('utf8')
    }
    pos = next + 2
  }
  return { fields, files }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_UPLOAD + 1024 * 1024) tooLarge = true
      if (!tooLarge) chunks.push(chunk)
    })
    req.on('end', () =>
      tooLarge ? reject(new ApiError(413, 'Request Entity Too Large')) : resolve(Buffer.concat(chunks)),
    )
    req.on('error', reject)
  })
}

// ---------------------------------------------------------------------------------------------
// parse_mode

function utf8Offset(s: string, index: number): number {
  return Buffer.byteLength(s.slice(0, index), 'utf8')
}

const HTML_TAGS: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  code: 'code',
  pre: 'pre',
  a: 'text_link',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
}

/** Telegram's HTML style: supported tags only, entities &lt; &gt; &amp; &quot; and numeric ones. */
export function parseHtml(input: string): { text: string; entities: TgEntity[] } {
  let text = ''
  const entities: TgEntity[] = []
  const stack: { tag: string; entity: TgEntity | null }[] = []
  let i = 0
  const fail = (why: string): never => {
    throw bad(`can't parse entities: ${why}`)
  }
  while (i < input.length) {
    const c = input[i]
    if (c === '&') {
      const semi = input.indexOf(';', i)
      const name = semi > i ? input.slice(i + 1, semi) : ''
      const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' }
      if (named[name] !== undefined) {
        text += named[name]
        i = semi + 1
        continue
      }
      const num = /^#(x[0-9a-f]+|\d+)$/i.exec(name)
      if (num?.[1]) {
        const code = num[1][0] === 'x' || num[1][0] === 'X' ? parseInt(num[1].slice(1), 16) : parseInt(num[1], 10)
        text += String.fromCodePoint(code)
        i = semi + 1
        continue
      }
      text += '&'
      i++
      continue
    }
    if (c !== '<') {
      text += c
      i++
      continue
    }
    const close = input.indexOf('>', i)
    if (close < 0) fail(`Unexpected end of name token at byte offset ${utf8Offset(input, i)}`)
    const inner = input.slice(i + 1, close)
    if (inner.startsWith('/')) {
      const tag = inner.slice(1).trim().toLowerCase()
      const open = stack.pop()
      if (!open) fail(`Unexpected end tag at byte offset ${utf8Offset(input, i)}`)
      else if (open.tag !== tag)
        fail(`Unmatched end tag at byte offset ${utf8Offset(input, i)}, expected "</${open.tag}>", found "</${tag}>"`)
      else if (open.entity) {
        open.entity.length = text.length - open.entity.offset
        if (open.entity.length > 0) entities.push(open.entity)
      }
      i = close + 1
      continue
    }
    const tagMatch = /^([a-zA-Z][\w-]*)\s*(.*)$/s.exec(inner)
    const tag = tagMatch?.[1]?.toLowerCase() ?? ''
    const attrs = tagMatch?.[2] ?? ''
    const type = HTML_TAGS[tag]
    if (!type) fail(`Unsupported start tag "${tag}" at byte offset ${utf8Offset(input, i)}`)
    const attr = (name: string) => new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs)
    let entity: TgEntity | null = { type: type as string, offset: text.length, length: 0 }
    if (tag === 'span') {
      if (!/class\s*=\s*["']?tg-spoiler/i.test(attrs))
        fail(`Unsupported start tag "span" at byte offset ${utf8Offset(input, i)}`)
    } else if (tag === 'a') {
      const href = attr('href')
      const url = href ? (href[1] ?? href[2] ?? href[3] ?? '') : ''
      const mention = /^tg:\/\/user\?id=(\d+)$/.exec(url)
      if (mention?.[1]) {
        entity = {
          type: 'text_mention',
          offset: text.length,
          length: 0,
          user: { id: Number(mention[1]), is_bot: false, first_name: '' },
        }
      } else if (url) {
        entity.url = url
      } else {
        entity = null
      }
    } else if (tag === 'code') {
      const parent = stack[stack.length - 1]
      const lang = attr('class')
      const language = lang ? (lang[1] ?? lang[2] ?? lang[3] ?? '') : ''
      if (parent?.tag === 'pre' && parent.entity && language.startsWith('language-')) {
        parent.entity.language = language.slice('language-'.length)
        entity = null
      }
    } else if (tag === 'blockquote' && /expandable/i.test(attrs)) {
      entity.type = 'expandable_blockquote'
    } else if (tag === 'tg-emoji') {
      const id = attr('emoji-id')
      entity.custom_emoji_id = id ? (id[1] ?? id[2] ?? id[3] ?? '') : ''
    }
    stack.push({ tag, entity })
    i = close + 1
  }
  const open = stack.pop()
  if (open) fail(`Can't find end tag corresponding to start tag "${open.tag}"`)
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text, entities }
}

const MDV2_RESERVED = new Set('_*[]()~`>#+-=|{}.!'.split(''))

/** Telegram's MarkdownV2 style, including its insistence on escaping reserved characters. */
export function parseMarkdownV2(input: string): { text: string; entities: TgEntity[] } {
  let text = ''
  const entities: TgEntity[] = []
  const open: { marker: string; type: string; offset: number; at: number }[] = []
  const fail = (why: string): never => {
    throw bad(`can't parse entities: ${why}`)
  }
  const markers: [string, string][] = [
    ['__', 'underline'],
    ['||', 'spoiler'],
    ['*', 'bold'],
    ['_', 'italic'],
    ['~', 'strikethrough'],
  ]
  let i = 0
  while (i < input.length) {
    const c = input[i] as string
    if (c === '\\') {
      const next = input[i + 1]
      if (next === undefined) fail(`Character '\\' is reserved and must be escaped with the preceding '\\'`)
      text += next
      i += 2
      continue
    }
    if (input.startsWith('```', i)) {
      const end = input.indexOf('```', i + 3)
      if (end < 0) fail(`Can't find end of Pre entity at byte offset ${utf8Offset(input, i)}`)
      let body = input.slice(i + 3, end)
      let language: string | undefined
      const nl = body.indexOf('\n')
      if (nl >= 0 && /^[\w+-]+$/.test(body.slice(0, nl))) {
        language = body.slice(0, nl)
        body = body.slice(nl + 1)
      }
      const unescaped = body.replace(/\\([`\\])/g, '$1')
      const entity: TgEntity = { type: 'pre', offset: text.length, length: unescaped.length }
      if (language) entity.language = language
      text += unescaped
      if (entity.length > 0) entities.push(entity)
      i = end + 3
      continue
    }
    if (c === '`') {
      const end = input.indexOf('`', i + 1)
      if (end < 0) fail(`Can't find end of Code entity at byte offset ${utf8Offset(input, i)}`)
      const unescaped = input.slice(i + 1, end).replace(/\\([`\\])/g, '$1')
      if (unescaped.length > 0) entities.push({ type: 'code', offset: text.length, length: unescaped.length })
      text += unescaped
      i = end + 1
      continue
    }
    if (c === '[') {
      // [text](url): find the matching "](" allowing escaped characters inside
      let j = i + 1
      let label = ''
      while (j < input.length && input[j] !== ']') {
        if (input[j] === '\\' && j + 1 < input.length) {
          label += input[j + 1]
          j += 2
        } else {
          if (MDV2_RESERVED.has(input[j] as string))
            fail(`Character '${input[j]}' is reserved and must be escaped with the preceding '\\'`)
          label += input[j]
          j++
        }
      }
      if (input[j] !== ']' || input[j + 1] !== '(')
        fail(`Can't find end of TextUrl entity at byte offset ${utf8Offset(input, i)}`)
      const urlEnd = input.indexOf(')', j + 2)
      if (urlEnd < 0) fail(`Can't find end of TextUrl entity at byte offset ${utf8Offset(input, i)}`)
      const url = input.slice(j + 2, urlEnd).replace(/\\([)\\])/g, '$1')
      if (label.length > 0) entities.push({ type: 'text_link', offset: text.length, length: label.length, url })
      text += label
      i = urlEnd + 1
      continue
    }
    const marker = markers.find(([m]) => input.startsWith(m, i))
    if (marker) {
      const [m, type] = marker
      const top = open[open.length - 1]
      const openIdx = open.findIndex((o) => o.marker === m)
      if (openIdx >= 0) {
        if (top && top.marker !== m) fail(`Can't find end of ${entityName(top.type)} entity at byte offset ${top.at}`)
        const o = open.splice(openIdx, 1)[0] as (typeof open)[number]
        if (text.length > o.offset) entities.push({ type: o.type, offset: o.offset, length: text.length - o.offset })
      } else {
        open.push({ marker: m, type, offset: text.length, at: utf8Offset(input, i) })
      }
      i += m.length
      continue
    }
    if (c === '>' && (i === 0 || input[i - 1] === '\n')) {
      // block quotation: one line per '>'; merged with the previous line's quote when adjacent
      const lineEnd = input.indexOf('\n', i)
      const prev = entities[entities.length - 1]
      const start = text.length
      i++
      const rest = parseMarkdownV2(input.slice(i, lineEnd < 0 ? input.length : lineEnd))
      for (const e of rest.entities) entities.push({ ...e, offset: e.offset + start })
      text += rest.text
      if (prev && prev.type === 'blockquote' && prev.offset + prev.length + 1 === start)
        prev.length = text.length - prev.offset
      else entities.push({ type: 'blockquote', offset: start, length: text.length - start })
      i = lineEnd < 0 ? input.length : lineEnd
      continue
    }
    if (MDV2_RESERVED.has(c)) fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`)
    text += c
    i++
  }
  const unclosed = open[0]
  if (unclosed) fail(`Can't find end of ${entityName(unclosed.type)} entity at byte offset ${unclosed.at}`)
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text, entities }
}

function entityName(type: string): string {
  return type === 'strikethrough' ? 'Strikethrough' : type.charAt(0).toUpperCase() + type.slice(1)
}

/** Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url); no escaping of other characters. */
export function parseMarkdown(input: string): { text: string; entities: TgEntity[] } {
  let text = ''
  const entities: TgEntity[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i] as string
    const pairs: Record<string, string> = { '*': 'bold', _: 'italic', '`': 'code' }
    if (input.startsWith('```', i)) {
      const end = input.indexOf('```', i + 3)
      if (end < 0)
        throw bad(`can't parse entities: Can't find end of the entity starting at byte offset ${utf8Offset(input, i)}`)
      const body = input.slice(i + 3, end)
      entities.push({ type: 'pre', offset: text.length, length: body.length })
      text += body
      i = end + 3
    } else if (pairs[c]) {
      const end = input.indexOf(c, i + 1)
      if (end < 0)
        throw bad(`can't parse entities: Can't find end of the entity starting at byte offset ${utf8Offset(input, i)}`)
      const body = input.slice(i + 1, end)
      if (body.length > 0) entities.push({ type: pairs[c] as string, offset: text.length, length: body.length })
      text += body
      i = end + 1
    } else if (c === '[') {
      const m = /^\[([^\]]*)\]\(([^)]*)\)/.exec(input.slice(i))
      if (!m)
        throw bad(`can't parse entities: Can't find end of the entity starting at byte offset ${utf8Offset(input, i)}`)
      const label = m[1] ?? ''
      if (label) entities.push({ type: 'text_link', offset: text.length, length: label.length, url: m[2] ?? '' })
      text += label
      i += m[0].length
    } else {
      text += c
      i++
    }
  }
  return { text, entities }
}

function applyParseMode(input: string, parseMode: unknown): { text: string; entities?: TgEntity[] } {
  let parsed: { text: string; entities: TgEntity[] }
  if (parseMode === undefined || parseMode === '') return { text: input, ...autoEntities(input) }
  const mode = String(parseMode).toLowerCase()
  if (mode === 'html') parsed = parseHtml(input)
  else if (mode === 'markdownv2') parsed = parseMarkdownV2(input)
  else if (mode === 'markdown') parsed = parseMarkdown(input)
  else throw bad('unsupported parse_mode')
  const auto = autoEntities(parsed.text).entities ?? []
  const entities = [...parsed.entities, ...auto].sort((a, b) => a.offset - b.offset || b.length - a.length)
  return entities.length > 0 ? { text: parsed.text, entities } : { text: parsed.text }
}

/** Entities Telegram detects by itself: bot commands, mentions, hashtags, URLs. */
function autoEntities(text: string): { entities?: TgEntity[] } {
  const entities: TgEntity[] = []
  const re =
    /(^|\s)(\/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{5,32})?|@[a-zA-Z0-9_]{5,32}|#[\p{L}\p{N}_]+|https?:\/\/[^\s]+)/gu
  for (const m of text.matchAll(re)) {
    const token = m[2] as string
    const offset = (m.index ?? 0) + (m[1] as string).length
    const type = token.startsWith('/')
      ? 'bot_command'
      : token.startsWith('@')
        ? 'mention'
        : token.startsWith('#')
          ? 'hashtag'
          : 'url'
    if (type === 'bot_command' && offset !== 0 && text[offset - 1] !== '\n' && text[offset - 1] !== ' ') continue
    entities.push({ type, offset, length: token.length })
  }
  return entities.length > 0 ? { entities } : {}
}

// ---------------------------------------------------------------------------------------------
// media helpers

function imageSize(data: Buffer): { width: number; height: number } | null {
  if (data.length >= 24 && data.readUInt32BE(0) === 0x89504e47) {
    return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
  }
  if (data.length >= 10 && data.toString('ascii', 0, 3) === 'GIF') {
    return { width: data.readUInt16LE(6), height: data.readUInt16LE(8) }
  }
  if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8) {
    let pos = 2
    while (pos + 9 < data.length) {
      if (data[pos] !== 0xff) return null
      const marker = data[pos + 1] as number
      const length = data.readUInt16BE(pos + 2)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: data.readUInt16BE(pos + 5), width: data.readUInt16BE(pos + 7) }
      }
      pos += 2 + length
    }
    return null
  }
  if (data.length >= 30 && data.toString('ascii', 0, 4) === 'RIFF' && data.toString('ascii', 8, 12) === 'WEBP') {
    const chunk = data.toString('ascii', 12, 16)
    if (chunk === 'VP8X') return { width: data.readUIntLE(24, 3) + 1, height: data.readUIntLE(27, 3) + 1 }
    if (chunk === 'VP8 ') return { width: data.readUInt16LE(26) & 0x3fff, height: data.readUInt16LE(28) & 0x3fff }
    if (chunk === 'VP8L') {
      const bits = data.readUInt32LE(21)
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
    }
  }
  return null
}

const FILE_DIRS: Record<FileKind, [string, string]> = {
  photo: ['photos', 'jpg'],
  video: ['videos', 'mp4'],
  voice: ['voice', 'oga'],
  video_note: ['video_notes', 'mp4'],
  audio: ['music', 'mp3'],
  document: ['documents', ''],
  thumbnail: ['thumbnails', 'jpg'],
}

const FILE_ID_PREFIX: Record<FileKind, string> = {
  photo: 'AgACAgIAAxkBAAI',
  video: 'BAACAgIAAxkBAAI',
  voice: 'AwACAgIAAxkBAAI',
  video_note: 'DQACAgIAAxkBAAI',
  audio: 'CQACAgIAAxkBAAI',
  document: 'BQACAgIAAxkBAAI',
  thumbnail: 'AAMCAgADGQEAAg',
}

// ---------------------------------------------------------------------------------------------

export async function startTelegramFake(options: TelegramFakeOptions): Promise<TelegramFake> {
  const { token, botUsername } = options
  const now = options.now ?? Date.now
  const privacyMode = options.privacyMode ?? true
  let enforce = options.enforceRateLimits ?? false
  const botId = Number(token.split(':')[0])
  if (!Number.isSafeInteger(botId) || botId <= 0) throw new Error(`token must look like "123456:secret", got ${token}`)
  const bot: TgUser = {
    id: botId,
    is_bot: true,
    first_name: options.botFirstName ?? botUsername,
    username: botUsername,
  }

  const sent: CallRecord[] = []
  const chats = new Map<number, ChatState>()
  const files = new Map<string, StoredFile>()
  const filesByPath = new Map<string, StoredFile>()
  const urls = new Map<string, { data: Buffer; mimeType?: string }>()
  const pendingUpdates: TgUpdate[] = []
  const updates: TgUpdate[] = []
  const replay: TgUpdate[] = []
  const violations: Violation[] = []
  const callbackAnswers = new Map<string, Record<string, unknown>>()
  /** Callback queries not answered yet, with the time (clock ms) of the press. */
  const openCallbacks = new Map<string, number>()
  const commands = new Map<string, TgBotCommand[]>()
  const failures: { remaining: number; spec: FailSpec }[] = []
  const sends: { chatId: number; type: TgChatType; time: number }[] = []
  const sockets = new Set<Socket>()
  const callWaiters: (() => void)[] = []
  let outage: OutageMode | null = null
  let nextUpdateId = 100_000_001
  let nextFileNo = 1
  let allowedUpdates = new Set([...ALL_UPDATE_TYPES].filter((a) => !NOT_BY_DEFAULT.has(a)))
  let poller: { wake: () => void; conflict: () => void } | null = null

  const seconds = () => Math.floor(now() / 1000)
  const clone = <T>(v: T): T => structuredClone(v)
  const randomId = (bytes: number) => crypto.randomBytes(bytes).toString('base64url')

  function chatState(chat: TgChat): ChatState {
    let state = chats.get(chat.id)
    if (!state) {
      state = { chat: clone(chat), messages: new Map(), nextMessageId: 1, blocked: false }
      chats.set(chat.id, state)
    }
    return state
  }

  function resolveChat(raw: unknown): ChatState {
    if (raw === undefined || raw === '') throw bad('chat_id is empty')
    const s = String(raw)
    let state: ChatState | undefined
    if (s.startsWith('@'))
      state = [...chats.values()].find((c) => c.chat.username?.toLowerCase() === s.slice(1).toLowerCase())
    else if (/^-?\d+$/.test(s)) state = chats.get(Number(s))
    if (!state) throw bad('chat not found')
    return state
  }

  function addFile(kind: FileKind, data: Buffer, opts: { mime_type?: string; file_name?: string } = {}): StoredFile {
    const [dir, defaultExt] = FILE_DIRS[kind]
    const ext = opts.file_name?.includes('.') ? (opts.file_name.split('.').pop() as string) : defaultExt
    const file: StoredFile = {
      file_id: `${FILE_ID_PREFIX[kind]}${randomId(48)}`,
      file_unique_id: `AgAD${randomId(9)}`,
      kind,
      data,
      file_path: `${dir}/file_${nextFileNo++}${ext ? `.${ext}` : ''}`,
    }
    if (opts.mime_type) file.mime_type = opts.mime_type
    if (opts.file_name) file.file_name = opts.file_name
    if (kind === 'photo') {
      const size = imageSize(data)
      if (size) Object.assign(file, size)
    }
    files.set(file.file_id, file)
    filesByPath.set(file.file_path, file)
    return file
  }

  /** Telegram stores a photo in several sizes, the largest side at most 90, 320, 800 and 1280 pixels. */
  function photoSizes(file: StoredFile, data: Buffer): TgPhotoSize[] {
    const width = file.width ?? 1
    const height = file.height ?? 1
    const longest = Math.max(width, height)
    const dims: { w: number; h: number }[] = []
    for (const limit of [90, 320, 800, 1280]) {
      const scale = Math.min(1, limit / longest)
      const w = Math.max(1, Math.round(width * scale))
      const h = Math.max(1, Math.round(height * scale))
      if (!dims.some((d) => d.w === w && d.h === h)) dims.push({ w, h })
      if (longest <= limit) break
    }
    return dims.map(({ w, h }, i) => {
      // the largest size is the uploaded file itself; the smaller ones are extra files (same bytes: no resizing here)
      const variant = i === dims.length - 1 ? file : addFile('photo', data, {})
      Object.assign(variant, { width: w, height: h })
      return {
        file_id: variant.file_id,
        file_unique_id: variant.file_unique_id,
        file_size: data.length,
        width: w,
        height: h,
      }
    })
  }

  function fileObject(file: StoredFile, kind: FileKind, params: Record<string, unknown>): TgFileObject {
    const obj: TgFileObject = { file_id: file.file_id, file_unique_id: file.file_unique_id }
    const num = (key: string) => (params[key] !== undefined ? Number(params[key]) : undefined)
    if (kind === 'video' || kind === 'voice' || kind === 'video_note' || kind === 'audio')
      obj.duration = num('duration') ?? 0
    if (kind === 'video') {
      obj.width = num('width') ?? 0
      obj.height = num('height') ?? 0
    }
    if (kind === 'video_note') obj.length = num('length') ?? 240
    if (kind === 'audio') {
      if (params.performer !== undefined) obj.performer = String(params.performer)
      if (params.title !== undefined) obj.title = String(params.title)
    }
    if ((kind === 'video' || kind === 'audio' || kind === 'document') && file.file_name) obj.file_name = file.file_name
    if (kind !== 'video_note' && file.mime_type) obj.mime_type = file.mime_type
    obj.file_size = file.data.length
    return obj
  }

  // ---- updates -----------------------------------------------------------------------------

  function queueUpdate(update: Omit<TgUpdate, 'update_id'> & { update_id?: number }): TgUpdate | null {
    const type = Object.keys(update).find((k) => k !== 'update_id')
    if (type && !allowedUpdates.has(type)) return null
    const full = { ...update, update_id: update.update_id ?? nextUpdateId } as TgUpdate
    nextUpdateId = Math.max(nextUpdateId, full.update_id) + 1
    pendingUpdates.push(full)
    updates.push(clone(full))
    poller?.wake()
    return full
  }

  function storeMessage(state: ChatState, message: TgMessage, byBot: boolean): TgMessage {
    state.messages.set(message.message_id, { message: clone(message), history: [], deleted: false, byBot })
    return message
  }

  function liveMessage(state: ChatState, id: unknown): StoredMessage | undefined {
    const stored = state.messages.get(Number(id))
    return stored && !stored.deleted ? stored : undefined
  }

  function replyCopy(stored: StoredMessage): TgMessage {
    const copy = clone(stored.message)
    delete copy.reply_to_message
    return copy
  }

  // ---- rate limits -------------------------------------------------------------------------

  function checkRate(method: string, state: ChatState) {
    const t = now()
    const chatId = state.chat.id
    const type = state.chat.type
    const found: { rule: Violation['rule']; retry: number }[] = []
    const recent = (ms: number, pred: (s: (typeof sends)[number]) => boolean) =>
      sends.filter((s) => t - s.time < ms && pred(s))
    if (type === 'private') {
      const last = recent(1000, (s) => s.chatId === chatId)
      if (last.length >= 1)
        found.push({ rule: 'private-chat-1-per-second', retry: 1000 - (t - (last[0] as { time: number }).time) })
    } else if (type === 'group' || type === 'supergroup') {
      const minute = recent(60_000, (s) => s.chatId === chatId)
      if (minute.length >= 20)
        found.push({
          rule: 'group-20-per-minute',
          retry: 60_000 - (t - (minute[minute.length - 20] as { time: number }).time),
        })
    }
    const second = recent(1000, () => true)
    if (second.length >= 30)
      found.push({
        rule: 'global-30-per-second',
        retry: 1000 - (t - (second[second.length - 30] as { time: number }).time),
      })
    for (const v of found) violations.push({ rule: v.rule, method, chatId, time: t, rejected: enforce })
    if (found.length > 0 && enforce) {
      const retryAfter = Math.max(1, Math.ceil(Math.max(...found.map((v) => v.retry)) / 1000))
      throw new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter })
    }
    sends.push({ chatId, type, time: t })
    while (sends.length > 0 && t - (sends[0] as { time: number }).time > 60_000) sends.shift()
  }

  // ---- parameter helpers ---------------------------------------------------------------------

  function json<T>(params: Record<string, unknown>, key: string): T | undefined {
    const v = params[key]
    if (v === undefined || v === '') return undefined
    if (typeof v !== 'string') return v as T
    try {
      return JSON.parse(v) as T
    } catch {
      throw bad(`can't parse ${key} JSON object`)
    }
  }

  function bool(params: Record<string, unknown>, key: string): boolean {
    const v = params[key]
    return v === true || v === 'true' || v === '1' || v === 1
  }

  function inlineKeyboard(params: Record<string, unknown>): TgInlineKeyboard | undefined {
    const markup = json<Record<string, unknown>>(params, 'reply_markup')
    if (!markup) return undefined
    if (typeof markup !== 'object') throw bad("can't parse reply keyboard markup JSON object")
    if (!('inline_keyboard' in markup)) {
      // reply keyboards, remove_keyboard and force_reply are accepted but not echoed in the message
      if (!('keyboard' in markup) && !('remove_keyboard' in markup) && !('force_reply' in markup))
        throw bad('object expected as reply markup')
      return undefined
    }
    const rows = markup.inline_keyboard
    if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r)))
      throw bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    for (const row of rows as unknown[][]) {
      for (const b of row as TgInlineButton[]) {
        if (!b || typeof b.text !== 'string') throw bad('can\'t find field "text"')
        const kinds = [
          'callback_data',
          'url',
          'web_app',
          'login_url',
          'switch_inline_query',
          'switch_inline_query_current_chat',
          'switch_inline_query_chosen_chat',
          'copy_text',
          'callback_game',
          'pay',
        ]
        if (!kinds.some((k) => k in b)) throw bad('text buttons are unallowed in the inline keyboard')
        if (b.text === '') throw bad('BUTTON_TEXT_INVALID')
        if (b.callback_data !== undefined) {
          const len = Buffer.byteLength(String(b.callback_data), 'utf8')
          if (len < 1 || len > 64) throw bad('BUTTON_DATA_INVALID')
        }
        if (b.url !== undefined && !isButtonUrlAccepted(String(b.url))) throw bad('BUTTON_URL_INVALID')
      }
    }
    return { inline_keyboard: clone(rows as TgInlineButton[][]) }
  }

  function replyTarget(params: Record<string, unknown>, state: ChatState): TgMessage | undefined {
    const rp = json<{ message_id?: number; chat_id?: number | string; allow_sending_without_reply?: boolean }>(
      params,
      'reply_parameters',
    )
    const id =
      rp?.message_id ?? (params.reply_to_message_id !== undefined ? Number(params.reply_to_message_id) : undefined)
    if (id === undefined) return undefined
    const target = rp?.chat_id !== undefined ? resolveChat(rp.chat_id) : state
    const stored = liveMessage(target, id)
    if (!stored) {
      if (rp?.allow_sending_without_reply || bool(params, 'allow_sending_without_reply')) return undefined
      throw bad('message to be replied not found')
    }
    return replyCopy(stored)
  }

  /** Validates everything, then applies the rate limits, then stores the new message (so refused calls leave no trace). */
  function newBotMessage(method: string, params: Record<string, unknown>, body: Partial<TgMessage>): TgMessage {
    const state = resolveChat(params.chat_id)
    const reply = replyTarget(params, state)
    const markup = inlineKeyboard(params)
    if (state.blocked) throw new ApiError(403, 'Forbidden: bot was blocked by the user')
    checkRate(method, state)
    const message: TgMessage = {
      message_id: state.nextMessageId++,
      from: clone(bot),
      chat: clone(state.chat),
      date: seconds(),
    }
    if (reply) message.reply_to_message = reply
    Object.assign(message, body)
    if (markup) message.reply_markup = markup
    return storeMessage(state, message, true)
  }

  function captionFields(params: Record<string, unknown>): Partial<TgMessage> {
    if (params.caption === undefined || params.caption === '') return {}
    const parsed = applyParseMode(String(params.caption), params.parse_mode)
    if (parsed.text.length > 1024) throw bad('message caption is too long')
    const out: Partial<TgMessage> = { caption: parsed.text }
    if (parsed.entities) out.caption_entities = parsed.entities
    return out
  }

  function inputFile(kind: FileKind, params: Record<string, unknown>, uploads: UploadedFile[]): StoredFile {
    const field = kind
    const raw = params[field]
    let upload = uploads.find((f) => f.field === field)
    if (!upload && typeof raw === 'string' && raw.startsWith('attach://'))
      upload = uploads.find((f) => f.field === raw.slice(9))
    if (upload) {
      if (upload.data.length === 0) throw bad('file must be non-empty')
      const mime =
        upload.contentType && upload.contentType !== 'application/octet-stream' ? upload.contentType : undefined
      const defaults: Partial<Record<FileKind, string>> = {
        voice: 'audio/ogg',
        video: 'video/mp4',
        video_note: 'video/mp4',
        audio: 'audio/mpeg',
      }
      const file = addFile(kind, upload.data, {
        mime_type: kind === 'photo' ? undefined : (mime ?? defaults[kind] ?? 'application/octet-stream'),
        file_name: kind === 'photo' || kind === 'voice' || kind === 'video_note' ? undefined : upload.filename,
      })
      if (kind === 'photo') checkPhoto(file)
      return file
    }
    if (raw === undefined || raw === '') throw bad(`there is no ${field} in the request`)
    const s = String(raw)
    if (/^https?:\/\//i.test(s)) {
      const served = urls.get(s)
      if (!served) throw bad('wrong file identifier/HTTP URL specified')
      const name = new URL(s).pathname.split('/').pop() || undefined
      const file = addFile(kind, served.data, {
        mime_type: kind === 'photo' ? undefined : served.mimeType,
        file_name: name,
      })
      if (kind === 'photo') checkPhoto(file)
      return file
    }
    const existing = files.get(s)
    if (!existing) throw bad('wrong file identifier/HTTP URL specified')
    return existing
  }

  /** Telegram's limits for a new photo: 10 MB, width + height at most 10000, sides at most 1:20. */
  function checkPhoto(file: StoredFile) {
    const refuse = (what: string): never => {
      files.delete(file.file_id)
      filesByPath.delete(file.file_path)
      throw bad(what)
    }
    const size = imageSize(file.data)
    if (!size) refuse('IMAGE_PROCESS_FAILED')
    if (file.data.length > MAX_PHOTO) refuse('PHOTO_SAVE_FILE_INVALID')
    const { width, height } = size as { width: number; height: number }
    if (width + height > 10_000 || Math.max(width, height) / Math.max(1, Math.min(width, height)) > 20)
      refuse('PHOTO_INVALID_DIMENSIONS')
  }

  function sendMedia(kind: Exclude<FileKind, 'thumbnail'>) {
    return (method: string, params: Record<string, unknown>, uploads: UploadedFile[]) => {
      resolveChat(params.chat_id)
      const file = inputFile(kind, params, uploads)
      const caption = kind === 'video_note' ? {} : captionFields(params)
      const media =
        kind === 'photo' ? { photo: photoSizes(file, file.data) } : { [kind]: fileObject(file, kind, params) }
      return newBotMessage(method, params, { ...media, ...caption })
    }
  }

  function editTarget(params: Record<string, unknown>): StoredMessage {
    if (params.inline_message_id !== undefined) throw bad('MESSAGE_ID_INVALID')
    const state = resolveChat(params.chat_id)
    if (params.message_id === undefined) throw bad('message identifier is not specified')
    const stored = liveMessage(state, params.message_id)
    if (!stored) throw bad('message to edit not found')
    if (!stored.byBot) throw bad("message can't be edited")
    return stored
  }

  function applyEdit(
    stored: StoredMessage,
    change: Partial<TgMessage>,
    markup: TgInlineKeyboard | undefined,
  ): TgMessage {
    const before = stored.message
    const next: TgMessage = { ...clone(before), ...change }
    if (markup) next.reply_markup = markup
    else delete next.reply_markup
    if (!change.entities && 'text' in change) delete next.entities
    const same = (a: TgMessage, b: TgMessage) =>
      JSON.stringify([a.text, a.entities, a.caption, a.caption_entities, a.reply_markup]) ===
      JSON.stringify([b.text, b.entities, b.caption, b.caption_entities, b.reply_markup])
    if (same(before, next))
      throw bad(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      )
    next.edit_date = seconds()
    stored.history.push(before)
    stored.message = next
    return clone(next)
  }

  // ---- methods -----------------------------------------------------------------------------

  type Handler = (
    method: string,
    params: Record<string, unknown>,
    uploads: UploadedFile[],
    req: http.IncomingMessage,
  ) => unknown | Promise<unknown>

  const methods: Record<string, Handler> = {
    getme: () => ({
      ...bot,
      can_join_groups: true,
      can_read_all_group_messages: !privacyMode,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    }),
    logout: () => true,
    close: () => true,
    deletewebhook: (_m, params) => {
      if (bool(params, 'drop_pending_updates')) pendingUpdates.length = 0
      return true
    },
    getwebhookinfo: () => ({ url: '', has_custom_certificate: false, pending_update_count: pendingUpdates.length }),
    getupdates: (_m, params, _u, req) => {
      const offset = params.offset !== undefined ? Number(params.offset) : 0
      const limit = Math.min(100, Math.max(1, params.limit !== undefined ? Number(params.limit) : 100))
      const timeout = Math.max(0, params.timeout !== undefined ? Number(params.timeout) : 0)
      const allowed = json<string[]>(params, 'allowed_updates')
      if (allowed !== undefined) {
        if (!Array.isArray(allowed)) throw bad("can't parse allowed updates")
        const known = allowed.filter((a) => ALL_UPDATE_TYPES.has(a))
        allowedUpdates = new Set(known.length > 0 ? known : [...ALL_UPDATE_TYPES].filter((a) => !NOT_BY_DEFAULT.has(a)))
      }
      if (offset < 0) pendingUpdates.splice(0, Math.max(0, pendingUpdates.length + offset))
      else if (offset > 0)
        while (pendingUpdates.length > 0 && (pendingUpdates[0] as TgUpdate).update_id < offset) pendingUpdates.shift()
      const take = () =>
        clone(
          [...replay.splice(0), ...pendingUpdates.filter((u) => offset <= 0 || u.update_id >= offset)].slice(0, limit),
        )
      // a newer getUpdates terminates the one being held, as on Telegram
      poller?.conflict()
      poller = null
      if (pendingUpdates.length > 0 || replay.length > 0 || timeout === 0) return take()
      return new Promise((resolve, reject) => {
        let done = false
        const finish = (fn: () => void) => {
          if (done) return
          done = true
          clearTimeout(timer)
          req.socket.off('close', onClose)
          if (poller === me) poller = null
          fn()
        }
        const onClose = () => finish(() => resolve([]))
        const me = {
          wake: () => finish(() => resolve(take())),
          conflict: () =>
            finish(() =>
              reject(
                new ApiError(
                  409,
                  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
                ),
              ),
            ),
        }
        const timer = setTimeout(() => finish(() => resolve([])), Math.min(timeout, 50) * 1000)
        req.socket.on('close', onClose)
        poller = me
      })
    },
    sendmessage: (method, params) => {
      if (params.text === undefined || String(params.text) === '') throw bad('message text is empty')
      const parsed = applyParseMode(String(params.text), params.parse_mode)
      if (parsed.text.trim() === '') throw bad('text must be non-empty')
      if (parsed.text.length > 4096) throw bad('message is too long')
      const body: Partial<TgMessage> = { text: parsed.text }
      if (parsed.entities) body.entities = parsed.entities
      const lp = json<Record<string, unknown>>(params, 'link_preview_options')
      if (lp) body.link_preview_options = lp
      return newBotMessage(method, params, body)
    },
    sendphoto: sendMedia('photo'),
    sendvideo: sendMedia('video'),
    sendvoice: sendMedia('voice'),
    sendvideonote: sendMedia('video_note'),
    sendaudio: sendMedia('audio'),
    senddocument: sendMedia('document'),
    sendlocation: (method, params) => {
      const latitude = Number(params.latitude)
      const longitude = Number(params.longitude)
      if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) throw bad('wrong latitude')
      if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) throw bad('wrong longitude')
      return newBotMessage(method, params, { location: { latitude, longitude } })
    },
    sendchataction: (_m, params) => {
      const state = resolveChat(params.chat_id)
      if (state.blocked) throw new ApiError(403, 'Forbidden: bot was blocked by the user')
      if (!params.action) throw bad('action is empty')
      return true
    },
    getfile: (_m, params) => {
      const id = params.file_id
      if (id === undefined || id === '') throw bad('file_id is empty')
      const file = files.get(String(id))
      if (!file) throw bad('invalid file_id')
      if (file.data.length > MAX_DOWNLOAD) throw bad('file is too big')
      return {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.data.length,
        file_path: file.file_path,
      }
    },
    editmessagetext: (_m, params) => {
      const stored = editTarget(params)
      if (params.text === undefined || String(params.text) === '') throw bad('message text is empty')
      if (stored.message.text === undefined) throw bad('there is no text in the message to edit')
      const parsed = applyParseMode(String(params.text), params.parse_mode)
      if (parsed.text.length > 4096) throw bad('MESSAGE_TOO_LONG')
      const change: Partial<TgMessage> = { text: parsed.text }
      if (parsed.entities) change.entities = parsed.entities
      return applyEdit(stored, change, inlineKeyboard(params))
    },
    editmessagecaption: (_m, params) => {
      const stored = editTarget(params)
      const caption = captionFields(params)
      const next = applyEdit(stored, { ...caption }, inlineKeyboard(params))
      if (!caption.caption) {
        delete stored.message.caption
        delete stored.message.caption_entities
        delete next.caption
        delete next.caption_entities
      }
      return next
    },
    editmessagereplymarkup: (_m, params) => {
      const stored = editTarget(params)
      return applyEdit(stored, {}, inlineKeyboard(params))
    },
    deletemessage: (_m, params) => {
      const state = resolveChat(params.chat_id)
      if (params.message_id === undefined) throw bad('message identifier is not specified')
      const stored = liveMessage(state, params.message_id)
      if (!stored) throw bad('message to delete not found')
      if (!stored.byBot && state.chat.type !== 'private') throw bad("message can't be deleted")
      if (now() - stored.message.date * 1000 >= DELETE_WINDOW_MS) throw bad("message can't be deleted")
      stored.deleted = true
      return true
    },
    answercallbackquery: (_m, params) => {
      const id = String(params.callback_query_id ?? '')
      const pressedAt = openCallbacks.get(id)
      openCallbacks.delete(id)
      if (pressedAt === undefined || now() - pressedAt > CALLBACK_ANSWER_MS)
        throw bad('query is too old and response timeout expired or query ID is invalid')
      const answer: Record<string, unknown> = {}
      for (const key of ['text', 'show_alert', 'url', 'cache_time'])
        if (params[key] !== undefined) answer[key] = params[key]
      if (typeof answer.text === 'string' && answer.text.length > 200) throw bad('MESSAGE_TOO_LONG')
      callbackAnswers.set(id, answer)
      return true
    },
    setmycommands: (_m, params) => {
      const list = json<TgBotCommand[]>(params, 'commands')
      if (!Array.isArray(list)) throw bad('field "commands" must be an Array')
      if (list.length > 100) throw bad('BOT_COMMANDS_TOO_MUCH')
      for (const c of list) {
        if (!c || typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command))
          throw bad('BOT_COMMAND_INVALID')
        if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256)
          throw bad('BOT_COMMAND_DESCRIPTION_INVALID')
      }
      commands.set(
        commandsKey(params),
        list.map((c) => ({ command: c.command, description: c.description })),
      )
      return true
    },
    getmycommands: (_m, params) => clone(commands.get(commandsKey(params)) ?? []),
    deletemycommands: (_m, params) => {
      commands.delete(commandsKey(params))
      return true
    },
  }

  function commandsKey(params: Record<string, unknown>): string {
    const scope = json<Record<string, unknown>>(params, 'scope') ?? { type: 'default' }
    return JSON.stringify([scope, params.language_code ?? ''])
  }

  // ---- HTTP --------------------------------------------------------------------------------

  function sendJson(res: http.ServerResponse, status: number, body: unknown) {
    if (res.destroyed || res.headersSent) return
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }

  function errorBody(e: ApiError) {
    const body: Record<string, unknown> = { ok: false, error_code: e.status, description: e.description }
    if (e.parameters) body.parameters = e.parameters
    return body
  }

  function badGateway(res: http.ServerResponse) {
    const html =
      '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n'
    res.writeHead(502, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) })
    res.end(html)
  }

  function takeFailure(method: string): FailSpec | null {
    const idx = failures.findIndex((f) => !f.spec.method || f.spec.method.toLowerCase() === method.toLowerCase())
    if (idx < 0) return null
    const f = failures[idx] as (typeof failures)[number]
    f.remaining--
    if (f.remaining <= 0) failures.splice(idx, 1)
    return f.spec
  }

  function failureError(spec: FailSpec): ApiError {
    const status = spec.status ?? 429
    if (status === 429) {
      const retryAfter = spec.retryAfter ?? 1
      return new ApiError(429, spec.description ?? `Too Many Requests: retry after ${retryAfter}`, {
        retry_after: retryAfter,
      })
    }
    const defaults: Record<number, string> = {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden: bot was blocked by the user',
      404: 'Not Found',
      409: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      500: 'Internal Server Error',
    }
    return new ApiError(status, spec.description ?? defaults[status] ?? 'Internal Server Error')
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    if (outage === 'reset') {
      req.socket.destroy()
      return
    }
    if (outage === 'bad-gateway') {
      req.resume()
      badGateway(res)
      return
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const fileRoute = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname)
    if (fileRoute) {
      req.resume()
      const file = filesByPath.get(decodeURIComponent(fileRoute[2] as string))
      if (fileRoute[1] !== token) return sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' })
      if (!file || file.data.length > MAX_DOWNLOAD)
        return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
      res.writeHead(200, {
        'content-type': file.mime_type ?? 'application/octet-stream',
        'content-length': file.data.length,
      })
      res.end(file.data)
      return
    }
    const route = /^\/bot([^/]+)\/([^/]*)$/.exec(url.pathname)
    if (!route) {
      req.resume()
      return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    }
    const method = route[2] as string
    const record: CallRecord = { method, httpMethod: req.method ?? 'GET', params: {}, files: [], time: Date.now() }
    const answer = (status: number, body: Record<string, unknown>) => {
      record.status = status
      record.response = body
      sendJson(res, status, body)
      if (options.verbose) console.log('[telegram-fake]', method, JSON.stringify(record.params), '→', status)
      for (const w of callWaiters.splice(0)) w()
    }
    try {
      const body = await readBody(req)
      for (const [k, v] of url.searchParams) record.params[k] = v
      const type = (req.headers['content-type'] ?? '').toLowerCase()
      if (body.length > 0) {
        if (type.startsWith('application/json')) {
          let parsed: unknown
          try {
            parsed = JSON.parse(body.toString('utf8'))
          } catch {
            throw bad("can't parse JSON object")
          }
          if (parsed && typeof parsed === 'object') Object.assign(record.params, parsed)
        } else if (type.startsWith('multipart/form-data')) {
          const parts = parseMultipart(body, req.headers['content-type'] ?? '')
          Object.assign(record.params, parts.fields)
          record.files = parts.files
        } else if (type.startsWith('application/x-www-form-urlencoded')) {
          for (const [k, v] of new URLSearchParams(body.toString('utf8'))) record.params[k] = v
        }
      }
      sent.push(record)
      if (route[1] !== token) throw new ApiError(401, 'Unauthorized')
      const handler = methods[method.toLowerCase()]
      if (!handler) throw new ApiError(404, 'Not Found')
      const failure = takeFailure(method)
      if (failure) throw failureError(failure)
      const result = await handler(method, record.params, record.files, req)
      answer(200, { ok: true, result: clone(result) })
    } catch (e) {
      if (!sent.includes(record)) sent.push(record)
      if (e instanceof ApiError) answer(e.status, errorBody(e))
      else answer(500, { ok: false, error_code: 500, description: `Internal Server Error: ${(e as Error).message}` })
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.keepAliveTimeout = 60_000
  server.on('connection', (socket: Socket) => {
    if (outage === 'reset') {
      socket.destroy()
      return
    }
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  // ---- users -------------------------------------------------------------------------------

  function visibleToBot(chat: TgChat, message: TgMessage): boolean {
    if (chat.type === 'private' || !privacyMode) return true
    const text = message.text ?? message.caption ?? ''
    if (text.startsWith('/')) {
      const at = /^\/[a-zA-Z0-9_]+(?:@([a-zA-Z0-9_]+))?/.exec(text)?.[1]
      return !at || at.toLowerCase() === botUsername.toLowerCase()
    }
    if (message.reply_to_message?.from?.id === bot.id) return true
    return text.toLowerCase().includes(`@${botUsername.toLowerCase()}`)
  }

  function makeUser(user: TgUser, chat: TgChat): UserHandle {
    const state = () => chatState(chat)
    const findMessage = (m: MessageRef) => {
      const id = typeof m === 'number' ? m : m.message_id
      const stored = liveMessage(state(), id)
      if (!stored) throw new Error(`telegram-fake: no message ${id} in chat ${chat.id}`)
      return stored
    }
    const post = (body: Partial<TgMessage>, replyTo?: MessageRef): Injected => {
      const s = state()
      const message: TgMessage = {
        message_id: s.nextMessageId++,
        from: clone(user),
        chat: clone(s.chat),
        date: seconds(),
      }
      if (replyTo !== undefined) message.reply_to_message = replyCopy(findMessage(replyTo))
      Object.assign(message, body)
      storeMessage(s, message, false)
      const update = visibleToBot(s.chat, message) ? queueUpdate({ message: clone(message) }) : null
      return { update, message: clone(message) }
    }
    const textBody = (text: string): Partial<TgMessage> => ({ text, ...autoEntities(text) })
    const captioned = (opts: MediaOptions): Partial<TgMessage> => {
      if (!opts.caption) return {}
      const auto = autoEntities(opts.caption).entities
      return auto ? { caption: opts.caption, caption_entities: auto } : { caption: opts.caption }
    }
    const media = (kind: Exclude<FileKind, 'thumbnail'>, data: Buffer, opts: MediaOptions = {}): Injected => {
      const mimeDefaults: Partial<Record<FileKind, string>> = {
        voice: 'audio/ogg',
        video: 'video/mp4',
        audio: 'audio/mpeg',
        document: 'application/octet-stream',
      }
      const file = addFile(kind, data, {
        mime_type: kind === 'photo' || kind === 'video_note' ? undefined : (opts.mime_type ?? mimeDefaults[kind]),
        file_name: kind === 'photo' || kind === 'voice' || kind === 'video_note' ? undefined : opts.file_name,
      })
      if (kind === 'photo' && opts.width && opts.height) Object.assign(file, { width: opts.width, height: opts.height })
      const params: Record<string, unknown> = { ...opts }
      const body =
        kind === 'photo'
          ? { photo: photoSizes(file, data) }
          : ({ [kind]: fileObject(file, kind, params) } as Partial<TgMessage>)
      return post({ ...body, ...captioned(opts) }, opts.replyTo)
    }
    const userHandle: UserHandle = {
      user: clone(user),
      chat: clone(chat),
      in: (other) => makeUser(user, chats.get(other.id)?.chat ?? other),
      text: (text, opts = {}) => post(textBody(text), opts.replyTo),
      reply: (to, text) => post(textBody(text), to),
      start: (payload) => post(textBody(payload ? `/start ${payload}` : '/start')),
      command: (command, args) => post(textBody(args ? `/${command} ${args}` : `/${command}`)),
      photo: (data, opts) => media('photo', data, opts),
      video: (data, opts) => media('video', data, opts),
      voice: (data, opts) => media('voice', data, opts),
      videoNote: (data, opts) => media('video_note', data, opts),
      audio: (data, opts) => media('audio', data, opts),
      document: (data, opts) => media('document', data, opts),
      location: (latitude, longitude) => post({ location: { latitude, longitude } }),
      editText: (m, text) => {
        const stored = findMessage(m)
        if (stored.message.from?.id !== user.id)
          throw new Error('telegram-fake: a user can only edit their own messages')
        stored.history.push(stored.message)
        stored.message = { ...clone(stored.message), ...textBody(text), edit_date: seconds() }
        if (!autoEntities(text).entities) delete stored.message.entities
        const message = clone(stored.message)
        const update = visibleToBot(state().chat, message) ? queueUpdate({ edited_message: message }) : null
        return { update, message: clone(message) }
      },
      press: (m, data) => {
        const stored = findMessage(m)
        const buttons = stored.message.reply_markup?.inline_keyboard.flat() ?? []
        if (!buttons.some((b) => b.callback_data === data))
          throw new Error(
            `telegram-fake: message ${stored.message.message_id} has no inline button with callback_data ${data}`,
          )
        const id = BigInt.asUintN(63, crypto.randomBytes(8).readBigUInt64BE()).toString()
        const callbackQuery: TgCallbackQuery = {
          id,
          from: clone(user),
          message: clone(stored.message),
          chat_instance: String(BigInt.asIntN(63, BigInt(chat.id) * 2654435761n + BigInt(bot.id))),
          data,
        }
        openCallbacks.set(id, now())
        const update = queueUpdate({ callback_query: clone(callbackQuery) })
        return { update, callbackQuery }
      },
      block: (blocked = true) => {
        state().blocked = blocked
      },
    }
    return userHandle
  }

  const fake: TelegramFake = {
    apiRoot: `http://127.0.0.1:${port}`,
    port,
    token,
    bot,
    sent,
    chats,
    files,
    pendingUpdates,
    updates,
    violations,
    callbackAnswers,
    commands,
    calls: (method) => sent.filter((c) => c.method.toLowerCase() === method.toLowerCase()),
    messages: (chatId, opts = {}) =>
      [...(chats.get(chatId)?.messages.values() ?? [])]
        .filter((m) => opts.includeDeleted || !m.deleted)
        .map((m) => m.message),
    botMessages: (chatId) =>
      [...chats.values()]
        .filter((c) => chatId === undefined || c.chat.id === chatId)
        .flatMap((c) => [...c.messages.values()].filter((m) => m.byBot && !m.deleted).map((m) => m.message)),
    user: (u) => {
      const user: TgUser = { id: u.id, is_bot: false, first_name: u.first_name }
      if (u.last_name) user.last_name = u.last_name
      if (u.username) user.username = u.username
      if (u.language_code) user.language_code = u.language_code
      const chat: TgChat = { id: u.id, type: 'private', first_name: u.first_name }
      if (u.last_name) chat.last_name = u.last_name
      if (u.username) chat.username = u.username
      chatState(chat)
      return makeUser(user, chat)
    },
    group: (opts) => {
      const type = opts.type ?? 'group'
      const id =
        opts.id ??
        (type === 'supergroup'
          ? -1_000_000_000_000 - crypto.randomInt(1e9)
          : -crypto.randomInt(100_000_000, 999_999_999))
      const chat: TgChat = { id, type, title: opts.title }
      if (opts.username) chat.username = opts.username
      return clone(chatState(chat).chat)
    },
    userSends: (update) => queueUpdate(update),
    addFile,
    serveUrl: (url, data, mimeType) => {
      urls.set(url, mimeType ? { data, mimeType } : { data })
    },
    failNext: (n, spec = {}) => {
      if (n > 0) failures.push({ remaining: n, spec })
    },
    redeliver: (updateIds) => {
      for (const id of updateIds) {
        const update = updates.find((u) => u.update_id === id)
        if (!update) throw new Error(`telegram-fake: no update ${id} was ever sent`)
        replay.push(clone(update))
      }
      poller?.wake()
    },
    unconfirm: (updateId) => {
      const again = updates.filter(
        (u) => u.update_id >= updateId && !pendingUpdates.some((p) => p.update_id === u.update_id),
      )
      pendingUpdates.push(...again.map((u) => clone(u)))
      pendingUpdates.sort((a, b) => a.update_id - b.update_id)
      poller?.wake()
    },
    setOutage: (on, mode = 'reset') => {
      outage = on ? mode : null
      if (on && mode === 'reset') for (const s of sockets) s.destroy()
    },
    enforceRateLimits: (on) => {
      enforce = on
    },
    waitForCall: (method, opts = {}) => {
      const since = opts.since ?? 0
      const find = () =>
        sent.slice(since).find((c) => c.method.toLowerCase() === method.toLowerCase() && c.status !== undefined)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`telegram-fake: no ${method} call within ${opts.timeoutMs ?? 2000} ms`)),
          opts.timeoutMs ?? 2000,
        )
        const check = () => {
          const found = find()
          if (found) {
            clearTimeout(timer)
            resolve(found)
          } else callWaiters.push(check)
        }
        check()
      })
    },
    stop: async () => {
      poller?.wake()
      poller = null
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      for (const s of sockets) s.destroy()
      await closed
    },
  }
  return fake
}
