/**
 * Test helpers: the real app on a temporary DATA_DIR with a manual clock, and the few
 * requests nearly every test needs (setup, members, cookies). No mocks: every helper goes
 * through the HTTP API the way a browser would.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp, type BuildOptions } from '../../server/app'
import { loadConfig } from '../../server/config'
import { ManualClock } from '../../server/shared/clock'
import type { App } from '../../server/shared/app-types'
import type { AppContext } from '../../server/shared/context'

/** 2026-12-01T09:00:00Z: a fixed, ordinary shop morning. */
export const START_TIME = Date.UTC(2026, 11, 1, 9, 0, 0)

export const OWNER_PASSWORD = 'owner counts the till'
export const MEMBER_PASSWORD = 'stock room shelves'

export interface StartOptions {
  /** Extra environment variables for loadConfig (DATA_DIR is always the temporary folder). */
  env?: Record<string, string>
  clock?: ManualClock
  webRoot?: string | null
  /** Any other buildApp option (jobIntervalMs, https...). */
  build?: Omit<Partial<BuildOptions>, 'config' | 'clock' | 'logger' | 'webRoot'>
}

export interface StartedApp {
  app: App
  ctx: AppContext
  dataDir: string
  clock: ManualClock
  /** Closes the app and removes the temporary folder; safe to call twice. */
  close(): Promise<void>
}

export async function startApp(options: StartOptions = {}): Promise<StartedApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backboard-test-'))
  const clock = options.clock ?? new ManualClock(START_TIME)
  const config = loadConfig({ ...options.env, DATA_DIR: dataDir })
  const { app, ctx } = await buildApp({
    ...options.build,
    config,
    clock,
    logger: false,
    webRoot: options.webRoot ?? null,
  })
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

/** Listens on a random loopback port; returns the base URL, e.g. http://127.0.0.1:41234. */
export async function listen(app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return `http://127.0.0.1:${port}`
}

/** `name=value` for a Cookie header, from a response's Set-Cookie (the session cookie by default). */
export function cookieOf(response: LightMyRequestResponse, base = 'bb_session'): string {
  const cookie = response.cookies.find((c) => c.name === base || c.name === `__Host-${base}`)
  if (!cookie || !cookie.value) {
    throw new Error(`no ${base} cookie in response ${response.statusCode}: ${response.body.slice(0, 200)}`)
  }
  return `${cookie.name}=${cookie.value}`
}

/** The JSON body of a response, typed by the caller. */
export function bodyOf<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return response.json() as T
}

export interface SignedInMember {
  id: number
  username: string
  password: string
  /** `bb_session=...`, for the Cookie header. */
  cookie: string
}

export interface SetupInput {
  shopName?: string
  timezone?: string
  displayName?: string
  username?: string
  password?: string
}

export function setupBody(input: SetupInput = {}) {
  return {
    shopName: input.shopName ?? 'Corner Hardware',
    timezone: input.timezone ?? 'Europe/London',
    displayName: input.displayName ?? 'Olive Owner',
    username: input.username ?? 'olive',
    password: input.password ?? OWNER_PASSWORD,
  }
}

/** Completes first-run setup; returns the owner, signed in. */
export async function setupOwner(app: App, input: SetupInput = {}): Promise<SignedInMember> {
  const payload = setupBody(input)
  const response = await app.inject({ method: 'POST', url: '/api/setup', payload })
  if (response.statusCode !== 201) throw new Error(`setup failed: ${response.statusCode} ${response.body}`)
  const me = bodyOf<{ member: { id: number } }>(response)
  return { id: me.member.id, username: payload.username, password: payload.password, cookie: cookieOf(response) }
}

let addressCounter = 0
/** A distinct client address per call, so per-IP rate limits of one test do not leak into the next. */
export function nextAddress(): string {
  addressCounter += 1
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`
}

let usernameCounter = 0
export function uniqueUsername(prefix = 'member'): string {
  usernameCounter += 1
  return `${prefix}${usernameCounter}`
}

export interface NewMemberInput {
  role?: 'staff' | 'manager' | 'owner'
  username?: string
  displayName?: string
  password?: string
  /** Leave the member pending instead of approving them. */
  isPending?: boolean
}

export interface CreatedMember extends SignedInMember {
  status: 'pending' | 'active'
}

/**
 * Creates an invite as `managerCookie`, joins with it and approves the newcomer. An owner is
 * made by joining as a manager and being promoted.
 */
export async function createMember(
  app: App,
  managerCookie: string,
  input: NewMemberInput = {},
): Promise<CreatedMember> {
  const role = input.role ?? 'staff'
  const invite = await app.inject({
    method: 'POST',
    url: '/api/invites',
    headers: { cookie: managerCookie },
    payload: { role: role === 'owner' ? 'manager' : role, expiresInHours: 24, maxUses: 1 },
  })
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.statusCode} ${invite.body}`)
  const username = input.username ?? uniqueUsername(role)
  const password = input.password ?? MEMBER_PASSWORD
  const joined = await app.inject({
    method: 'POST',
    url: '/api/join',
    remoteAddress: nextAddress(),
    payload: {
      code: bodyOf<{ code: string }>(invite).code,
      displayName: input.displayName ?? `${username} Person`,
      username,
      password,
    },
  })
  if (joined.statusCode !== 201) throw new Error(`join failed: ${joined.statusCode} ${joined.body}`)
  const cookie = cookieOf(joined)
  const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })
  const id = bodyOf<{ member: { id: number } }>(me).member.id
  let status = bodyOf<{ status: 'pending' | 'active' }>(joined).status
  if (status === 'pending' && !input.isPending) {
    const approved = await app.inject({
      method: 'POST',
      url: `/api/members/${id}/approve`,
      headers: { cookie: managerCookie },
    })
    if (approved.statusCode !== 200) throw new Error(`approve failed: ${approved.statusCode} ${approved.body}`)
    status = 'active'
  }
  if (role === 'owner') {
    const promoted = await app.inject({
      method: 'PUT',
      url: `/api/members/${id}/access`,
      headers: { cookie: managerCookie },
      payload: { role: 'owner' },
    })
    if (promoted.statusCode !== 200) throw new Error(`promotion failed: ${promoted.statusCode} ${promoted.body}`)
  }
  return { id, username, password, cookie, status }
}

/** Signs in through /api/auth/login; returns the response so tests can inspect cookies and codes. */
export function login(
  app: App,
  credentials: { username: string; password: string },
  options: { remoteAddress?: string; cookie?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: options.remoteAddress ?? nextAddress(),
    headers: { ...options.headers, ...(options.cookie ? { cookie: options.cookie } : {}) },
    payload: { username: credentials.username, password: credentials.password },
  })
}
