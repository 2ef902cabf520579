/**
 * Helpers for the board-and-chat tests: requests as a member, conversations, messages,
 * uploads, a tiny real PNG, the stored event log and a seeded random source. Everything
 * goes through the HTTP API except reading the event table, which tests compare against.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../server/app'
import { loadConfig } from '../../server/config'
import { ManualClock } from '../../server/shared/clock'
import type { App } from '../../server/shared/app-types'
import type { AppContext } from '../../server/shared/context'
import type { ConversationView } from '../../server/shared/events'
import type { MessageView } from '../../server/realtime/events'
import { bodyOf, cookieOf, nextAddress, START_TIME, type SignedInMember, type StartedApp } from './app'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * A request as `member`. Each request comes from its own address so that per-IP rate
 * limits (120 messages a minute) never decide a test that sends many messages.
 */
export function as(
  app: App,
  member: Pick<SignedInMember, 'cookie'>,
  method: Method,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    remoteAddress: nextAddress(),
    headers: { cookie: member.cookie, ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
}

/** Starts the real app with options the shared helper does not pass (e.g. a short job interval). */
export async function startAppWith(options: { jobIntervalMs?: number; clock?: ManualClock } = {}): Promise<StartedApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-chat-test-'))
  const clock = options.clock ?? new ManualClock(START_TIME)
  const config = loadConfig({ DATA_DIR: dataDir })
  const buildOptions = { config, clock, logger: false as const, webRoot: null, jobIntervalMs: options.jobIntervalMs }
  const { app, ctx } = await buildApp(buildOptions)
  await app.ready()
  let isClosed = false
  const close = async () => {
    if (isClosed) return
    isClosed = true
    await app.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  return { app, ctx, dataDir, clock, close }
}

let keyCounter = 0
/** A fresh idempotency key for a send. */
export function newClientKey(prefix = 'key'): string {
  keyCounter += 1
  return `${prefix}-${process.pid}-${keyCounter}`.replace(/[^A-Za-z0-9_-]/g, '_').padEnd(8, '0')
}

export interface ConversationItem {
  id: number
  kind: ConversationView['kind']
  name: string
  isPrivate: boolean
  isArchived: boolean
  unreadCount: number
  mentionCount: number
  lastReadId: number
  lastMessageId: number
  memberCount: number
  members: { id: number; username: string; displayName: string }[]
}

export async function conversationsOf(app: App, member: SignedInMember): Promise<ConversationItem[]> {
  const response = await as(app, member, 'GET', '/api/conversations')
  if (response.statusCode !== 200) throw new Error(`conversations failed: ${response.statusCode} ${response.body}`)
  return bodyOf<ConversationItem[]>(response)
}

export async function conversationOf(
  app: App,
  member: SignedInMember,
  id: number,
): Promise<ConversationItem | undefined> {
  return (await conversationsOf(app, member)).find((c) => c.id === id)
}

export async function boardIdOf(app: App, member: SignedInMember): Promise<number> {
  const board = (await conversationsOf(app, member)).find((c) => c.kind === 'board')
  if (!board) throw new Error('no board')
  return board.id
}

/** Creates a channel as `creator`; returns its id. */
export async function createChannel(
  app: App,
  creator: SignedInMember,
  name: string,
  options: { isPrivate?: boolean; members?: SignedInMember[] } = {},
): Promise<number> {
  const response = await as(app, creator, 'POST', '/api/conversations', {
    kind: 'channel',
    name,
    isPrivate: options.isPrivate ?? false,
    memberIds: (options.members ?? []).map((m) => m.id),
  })
  if (response.statusCode !== 201) throw new Error(`channel failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ id: number }>(response).id
}

export async function openDirect(app: App, starter: SignedInMember, others: SignedInMember[]): Promise<number> {
  const response = await as(app, starter, 'POST', '/api/conversations', {
    kind: 'direct',
    memberIds: others.map((m) => m.id),
  })
  if (response.statusCode !== 200) throw new Error(`direct failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ id: number }>(response).id
}

export interface SendOptions {
  clientKey?: string
  replyToId?: number
  attachments?: unknown[]
}

export function sendRequest(
  app: App,
  author: SignedInMember,
  conversationId: number,
  body: string,
  options: SendOptions = {},
): Promise<LightMyRequestResponse> {
  return as(app, author, 'POST', `/api/conversations/${conversationId}/messages`, {
    body,
    clientKey: options.clientKey ?? newClientKey(),
    ...(options.replyToId === undefined ? {} : { replyToId: options.replyToId }),
    ...(options.attachments === undefined ? {} : { attachments: options.attachments }),
  })
}

/** Sends a message and insists it was created. */
export async function send(
  app: App,
  author: SignedInMember,
  conversationId: number,
  body: string,
  options: SendOptions = {},
): Promise<MessageView> {
  const response = await sendRequest(app, author, conversationId, body, options)
  if (response.statusCode !== 201) throw new Error(`send failed: ${response.statusCode} ${response.body}`)
  return bodyOf<MessageView>(response)
}

export async function historyOf(app: App, member: SignedInMember, conversationId: number): Promise<MessageView[]> {
  const response = await as(app, member, 'GET', `/api/conversations/${conversationId}/messages?limit=100`)
  if (response.statusCode !== 200) throw new Error(`history failed: ${response.statusCode} ${response.body}`)
  return bodyOf<{ messages: MessageView[] }>(response).messages
}

export interface UploadedFile {
  id: number
  name: string
  mime: string
  kind: string
  size: number
  width: number | null
  height: number | null
  url: string
}

export function uploadRequest(
  app: App,
  member: SignedInMember,
  bytes: Buffer,
  name: string,
  contentType = 'application/octet-stream',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/api/files?name=${encodeURIComponent(name)}`,
    remoteAddress: nextAddress(),
    headers: { cookie: member.cookie, 'content-type': contentType },
    payload: bytes,
  })
}

export async function upload(app: App, member: SignedInMember, bytes: Buffer, name: string, contentType?: string) {
  const response = await uploadRequest(app, member, bytes, name, contentType)
  if (response.statusCode !== 201) throw new Error(`upload failed: ${response.statusCode} ${response.body}`)
  return bodyOf<UploadedFile>(response)
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** One PNG chunk: length, type, data and CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}

/** A real, valid RGB PNG of the given size, filled with one colour. */
export function tinyPng(width: number, height: number, rgb: [number, number, number] = [200, 40, 40]): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())])
  const pixels = Buffer.concat(Array.from({ length: height }, () => row))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', zlib.deflateSync(pixels)),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

export interface StoredEventRow {
  id: number
  type: string
  audienceKind: string
  audienceId: number | null
  data: Record<string, unknown>
}

/** Events in the log after `afterId`, optionally of one type. */
export async function eventsAfter(ctx: AppContext, afterId = 0, type?: string): Promise<StoredEventRow[]> {
  let query = ctx.db.selectFrom('event').selectAll().where('id', '>', afterId)
  if (type) query = query.where('type', '=', type)
  const rows = await query.orderBy('id').execute()
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    audienceKind: row.audience_kind,
    audienceId: row.audience_id,
    data: JSON.parse(row.payload) as Record<string, unknown>,
  }))
}

export async function lastEventId(ctx: AppContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('event')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirst()
  return Number(row?.id ?? 0)
}

/** mulberry32: a small seeded PRNG, so a failing random run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Polls `check` until it returns true. When `timeoutMs` passes first it throws, naming `what`,
 * so a wait can never stand in for a check: the test fails where the wait timed out.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  stepMs = 20,
  what = 'the condition',
): Promise<true> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(stepMs)
  }
}

/** Pairs a wall display as `manager` (the screen asks, the manager claims, the screen polls); returns it signed in. */
export async function pairDisplay(app: App, manager: SignedInMember, name = 'Back wall'): Promise<SignedInMember> {
  const started = await app.inject({ method: 'POST', url: '/api/wall/pairings', remoteAddress: nextAddress() })
  if (started.statusCode !== 201) throw new Error(`pairing failed: ${started.statusCode} ${started.body}`)
  const { code, pollToken } = bodyOf<{ code: string; pollToken: string }>(started)
  const claimed = await as(app, manager, 'POST', '/api/wall/pairings/claim', { code, name })
  if (claimed.statusCode !== 201) throw new Error(`claim failed: ${claimed.statusCode} ${claimed.body}`)
  const polled = await app.inject({
    method: 'POST',
    url: '/api/wall/pairings/poll',
    remoteAddress: nextAddress(),
    payload: { pollToken },
  })
  if (polled.statusCode !== 200) throw new Error(`poll failed: ${polled.statusCode} ${polled.body}`)
  const id = bodyOf<{ id: number }>(claimed).id
  return { id, username: `display-${id}`, password: '', cookie: cookieOf(polled) }
}
