import type { Clock } from '../shared/clock'
import { AppError, tooMany } from '../shared/errors'
import { readRateHeaders, TenantBudget, XERO_LIMITS, type RateHeaders } from './limits'

/** Where the client gets its access token and the organisation it is pinned to. */
export interface XeroTokens {
  /**
   * The current token. `rejected` is a token Xero just answered 401 to: a fresh one is
   * wanted, so a token store that still holds it may refresh before answering.
   */
  accessToken(rejected?: string): Promise<{ token: string; tenantId: string }>
}

export interface XeroClientOptions {
  apiBase: string
  clock: Clock
  tokens: XeroTokens
  fetch?: typeof fetch
  /** How long an answer is reused for the same question. */
  cacheMs?: number
  /** Waits ms of the clock's time; tests drive it with their clock. */
  sleep?: (ms: number) => Promise<void>
  /** A call that would wait longer than this for the minute budget fails at once instead. */
  maxWaitMs?: number
  /** A single request taking longer than this counts as Xero not answering. */
  timeoutMs?: number
}

export interface XeroUsage {
  callsToday: number
  remainingToday: number
  remainingThisMinute: number
  inFlight: number
  heldUntil: number | null
}

/** The longest Retry-After the call that got the 429 waits out before trying once more. */
const RETRY_AFTER_MAX_MS = 60_000
const CACHE_MAX_ENTRIES = 500

const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref()
  })

const unavailable = () =>
  new AppError(503, 'xero_unavailable', 'Xero is not answering right now; try again in a minute.')
const dayLimit = () => tooMany('xero_day_limit', 'Xero’s daily limit is reached; it resets at midnight UTC.', 0)
const busy = (ms: number) => {
  const seconds = Math.max(1, Math.ceil(ms / 1000))
  return tooMany('xero_busy', `Xero is busy; try again in ${seconds} s.`, seconds)
}
const reconnect = () =>
  new AppError(409, 'xero_reconnect', 'Xero no longer accepts this connection; reconnect Xero on More → Xero.')

/** First in, first out: at most `size` holders at once. */
class Gate {
  active = 0
  private waiting: Array<() => void> = []
  constructor(private readonly size: number) {}
  async enter(): Promise<void> {
    if (this.active < this.size) {
      this.active += 1
      return
    }
    // The leaving holder hands its place straight to the next in line.
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }
  leave(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.active -= 1
  }
}

interface Tenant {
  budget: TenantBudget
  gate: Gate
}

type Attempt = { kind: 'ok'; value: unknown } | { kind: 'unauthorized' } | { kind: 'limited'; headers: RateHeaders }

/** One request to the accounting API, as sent (again after a 429 or a 401). */
interface Call {
  method: 'GET' | 'POST' | 'PUT'
  url: string
  headers: Record<string, string>
  body?: Uint8Array<ArrayBuffer> | string
}

export interface SendOptions {
  /** Xero answers a repeated key with the first request's result instead of doing it again. */
  idempotencyKey?: string
  /** For a Buffer body (an attachment's bytes); JSON bodies are sent as application/json. */
  contentType?: string
}

/**
 * Reads Xero's accounting API for the connected organisation within Xero's limits: 5 calls
 * in flight, 60 a minute and 5,000 a UTC day per organisation (lower when Xero's headers say
 * so), a hold after a 429, and a short cache so a repeated question spends no call.
 */
export class XeroClient {
  private readonly apiBase: string
  private readonly clock: Clock
  private readonly tokens: XeroTokens
  private readonly fetch: typeof fetch
  private readonly cacheMs: number
  private readonly sleep: (ms: number) => Promise<void>
  private readonly maxWaitMs: number
  private readonly timeoutMs: number
  private readonly tenants = new Map<string, Tenant>()
  private readonly cache = new Map<string, { until: number; value: unknown }>()
  private readonly pending = new Map<string, Promise<unknown>>()
  private lastTenantId: string | null = null

  constructor(options: XeroClientOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '')
    this.clock = options.clock
    this.tokens = options.tokens
    this.fetch = options.fetch ?? fetch
    this.cacheMs = options.cacheMs ?? 60_000
    this.sleep = options.sleep ?? realSleep
    this.maxWaitMs = options.maxWaitMs ?? 10_000
    this.timeoutMs = options.timeoutMs ?? 30_000
  }

  /** GET {apiBase}/api.xro/2.0/{path}. The answer may be shared with other callers: do not change it. */
  async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const first = await this.tokens.accessToken()
    const search = new URLSearchParams(Object.entries(query).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    const url = this.url(path, search)
    const key = `${first.tenantId} ${url}`
    const cached = this.cache.get(key)
    if (cached && cached.until > this.clock.now()) return cached.value as T
    const shared = this.pending.get(key)
    if (shared) return (await shared) as T
    const call = this.fetchAnswer({ method: 'GET', url, headers: {} }, first)
      .then((value) => {
        this.remember(key, value)
        return value
      })
      .finally(() => this.pending.delete(key))
    this.pending.set(key, call)
    return (await call) as T
  }

  /**
   * GET with `If-Modified-Since`: only records changed since `since` (ms). Never cached nor
   * shared, since the answer depends on the moment asked.
   */
  async getChanged<T>(path: string, query: Record<string, string>, since: number): Promise<T> {
    const first = await this.tokens.accessToken()
    // Xero reads the header as a UTC time without a zone: 2026-12-02T09:15:00.
    const headers = { 'If-Modified-Since': new Date(since).toISOString().slice(0, 19) }
    return (await this.fetchAnswer(
      { method: 'GET', url: this.url(path, new URLSearchParams(query)), headers },
      first,
    )) as T
  }

  /**
   * POST or PUT {apiBase}/api.xro/2.0/{path}: a write, never cached nor shared. A Buffer body
   * goes as it is (an attachment), anything else as JSON. It keeps the same limits as reads
   * and is tried again only when Xero certainly did not act on it (a 429, a 401).
   */
  async send<T>(method: 'POST' | 'PUT', path: string, body: unknown, options: SendOptions = {}): Promise<T> {
    const first = await this.tokens.accessToken()
    const isRaw = Buffer.isBuffer(body)
    const headers: Record<string, string> = {
      'Content-Type': isRaw ? (options.contentType ?? 'application/octet-stream') : 'application/json',
    }
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey
    const call: Call = {
      method,
      url: this.url(path, new URLSearchParams()),
      headers,
      body: isRaw ? new Uint8Array(body) : JSON.stringify(body),
    }
    return (await this.fetchAnswer(call, first)) as T
  }

  /** Calls spent and left, for the System page; without a tenant, the one asked last. */
  usage(tenantId?: string): XeroUsage {
    const id = tenantId ?? this.lastTenantId
    const tenant = id === null ? undefined : this.tenants.get(id)
    const now = this.clock.now()
    if (!tenant) {
      return {
        callsToday: 0,
        remainingToday: XERO_LIMITS.perDay,
        remainingThisMinute: XERO_LIMITS.perMinute,
        inFlight: 0,
        heldUntil: null,
      }
    }
    return { ...tenant.budget.usage(now), inFlight: tenant.gate.active }
  }

  private url(path: string, search: URLSearchParams): string {
    return `${this.apiBase}/api.xro/2.0/${path.replace(/^\/+/, '')}${search.size > 0 ? `?${search}` : ''}`
  }

  private tenant(id: string): Tenant {
    let tenant = this.tenants.get(id)
    if (!tenant) {
      tenant = { budget: new TenantBudget(this.clock.now()), gate: new Gate(XERO_LIMITS.inFlight) }
      this.tenants.set(id, tenant)
    }
    this.lastTenantId = id
    return tenant
  }

  private remember(key: string, value: unknown): void {
    if (this.cacheMs <= 0) return
    const now = this.clock.now()
    if (this.cache.size >= CACHE_MAX_ENTRIES) {
      for (const [old, entry] of this.cache) if (entry.until <= now) this.cache.delete(old)
      // Still full of live answers: drop the oldest (a Map iterates in insertion order).
      while (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!)
    }
    this.cache.set(key, { until: now + this.cacheMs, value })
  }

  /** One answer, with one retry after a short 429 and one after a 401 with a fresh token. */
  private async fetchAnswer(call: Call, first: { token: string; tenantId: string }): Promise<unknown> {
    let auth = first
    let retriedLimit = false
    let retriedAuth = false
    let maxWait = this.maxWaitMs
    for (;;) {
      const tenant = this.tenant(auth.tenantId)
      const attempt = await this.attempt(tenant, call, auth, maxWait)
      if (attempt.kind === 'ok') return attempt.value
      if (attempt.kind === 'unauthorized') {
        if (retriedAuth) throw reconnect()
        retriedAuth = true
        const fresh = await this.tokens.accessToken(auth.token)
        // The same token again would only be refused again.
        if (fresh.token === auth.token) throw reconnect()
        auth = fresh
        continue
      }
      const { headers } = attempt
      if (headers.problem === 'day') throw dayLimit()
      const wait = headers.retryAfterMs ?? RETRY_AFTER_MAX_MS
      if (retriedLimit || wait > RETRY_AFTER_MAX_MS) throw busy(wait)
      retriedLimit = true
      maxWait = RETRY_AFTER_MAX_MS
    }
  }

  /** Waits for a place and a slot, then makes one request. */
  private async attempt(
    tenant: Tenant,
    call: Call,
    auth: { token: string; tenantId: string },
    maxWait: number,
  ): Promise<Attempt> {
    // Refuse before queueing when the answer is already known.
    this.slot(tenant, maxWait)
    await tenant.gate.enter()
    try {
      for (;;) {
        const at = this.slot(tenant, maxWait)
        const now = this.clock.now()
        if (at <= now) {
          tenant.budget.take(now)
          break
        }
        await this.sleep(at - now)
      }
      return await this.request(tenant, call, auth)
    } finally {
      tenant.gate.leave()
    }
  }

  /** When the next call may start, or the error saying why not soon enough. */
  private slot(tenant: Tenant, maxWait: number): number {
    const now = this.clock.now()
    const decision = tenant.budget.earliest(now)
    if (decision.kind === 'day') throw dayLimit()
    if (decision.at - now > maxWait) throw busy(decision.at - now)
    return decision.at
  }

  private async request(tenant: Tenant, call: Call, auth: { token: string; tenantId: string }): Promise<Attempt> {
    let response: Response
    try {
      response = await this.fetch(call.url, {
        method: call.method,
        headers: {
          ...call.headers,
          Authorization: `Bearer ${auth.token}`,
          'xero-tenant-id': auth.tenantId,
          Accept: 'application/json',
        },
        ...(call.body === undefined ? {} : { body: call.body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch {
      throw unavailable()
    }
    const now = this.clock.now()
    const headers = readRateHeaders(response.headers, now)
    tenant.budget.observe(headers, now)
    if (response.status === 429) {
      await response.body?.cancel()
      tenant.budget.hold(now + (headers.retryAfterMs ?? RETRY_AFTER_MAX_MS))
      return { kind: 'limited', headers }
    }
    if (response.status === 401) {
      await response.body?.cancel()
      return { kind: 'unauthorized' }
    }
    if (response.status >= 500) {
      await response.body?.cancel()
      throw unavailable()
    }
    if (!response.ok) throw await refused(response, call.method !== 'GET')
    try {
      return { kind: 'ok', value: await response.json() }
    } catch {
      throw unavailable()
    }
  }
}

/**
 * Xero's own words for a 4xx, trimmed: its answers carry a Detail or Message field, and a
 * refused write names the first thing wrong in Elements[].ValidationErrors[].
 */
async function refused(response: Response, isWrite: boolean): Promise<AppError> {
  let detail = ''
  try {
    const body = (await response.json()) as {
      Detail?: unknown
      Message?: unknown
      detail?: unknown
      Elements?: Array<{ ValidationErrors?: Array<{ Message?: unknown }> }>
    }
    const validation = body.Elements?.flatMap((element) => element.ValidationErrors ?? [])[0]?.Message
    const text = validation ?? body.Detail ?? body.Message ?? body.detail
    if (typeof text === 'string') detail = text.slice(0, 200)
  } catch {
    // No readable body: the status says enough.
  }
  if (response.status === 404) return new AppError(404, 'xero_not_found', 'Xero has no such record.')
  if (response.status === 403) {
    return new AppError(
      403,
      'xero_scope',
      `The Xero connection is not allowed to ${isWrite ? 'change' : 'read'} this; reconnect with that access.`,
    )
  }
  return new AppError(502, 'xero_refused', detail ? `Xero refused the request: ${detail}` : 'Xero refused the request.')
}
