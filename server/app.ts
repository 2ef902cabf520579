/**
 * buildApp() returns a ready Fastify instance without listening: main.ts listens, tests
 * inject or listen on a random port. Features register their routes here, in one place.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Fastify, { type FastifyServerOptions } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyWebsocket from '@fastify/websocket'
import type { Config } from './config'
import {
  consumeCleanClose,
  markClosedCleanly,
  migrateToLatest,
  openDatabase,
  pendingMigrations,
  quickCheck,
} from './db/database'
import { backUpAndPrune, isBackupRunning, listBackups, removeInterruptedBackups, takeBackup } from './backup/service'
import { systemClock, type Clock } from './shared/clock'
import { createWriter } from './shared/write'
import { AppError } from './shared/errors'
import { ErrorBody } from './shared/schemas'
import type { App } from './shared/app-types'
import type { AppContext } from './shared/context'
import { createSerializerCompiler, createValidatorCompiler } from './http/validation'
import { recordRoutesForOpenApi } from './http/openapi'
import { registerSecurity } from './http/security'
import { registerErrorHandling } from './http/errors'
import { registerDefaultWriteLimits } from './http/rate-limits'
import { Hub } from './realtime/hub'
import { registerPresenceRoutes, registerRealtimeRoutes } from './realtime/routes'
import { PresenceTracker } from './realtime/presence'
import { pruneEventLog } from './realtime/event-log'
import { MembershipIndex } from './conversations/membership-index'
import { registerConversationRoutes } from './conversations/routes'
import { registerNoticeRoutes } from './notices/routes'
import { registerNoticeKind } from './notices/kind'
import { registerTaskKind } from './tasks/kind'
import { registerTaskRoutes } from './tasks/routes'
import { registerTaskAdminRoutes } from './tasks/admin-routes'
import { registerTaskTelegram } from './tasks/telegram'
import { registerCustomerKind } from './customers/kind'
import { registerCustomerRoutes } from './customers/routes'
import { registerCustomerTelegram } from './customers/telegram'
import { eraseSolvedBefore, registerAnswererSync } from './customers/service'
import { registerCustomerQueue } from './customers/queue'
import { registerXeroRoutes } from './xero/routes'
import { XeroClient } from './xero/client'
import { XeroAssistant } from './xero/assistant'
import { registerXeroCardRoutes } from './xero/card-routes'
import { registerCardKind } from './xero/cards'
import { registerXeroDraftRoutes } from './xero/draft-routes'
import { XeroAlerts } from './xero/alerts'
import { registerXeroTelegram } from './xero/telegram'
import { customerBalanceCommand } from './xero/balance'
import { runTaskJobs } from './tasks/jobs'
import { MessageKinds } from './conversations/kinds'
import { runNoticeJobs } from './notices/service'
import { purgeMessagesBefore } from './conversations/messages-service'
import { registerFileRoutes } from './files/routes'
import { deleteOrphanFiles } from './files/service'
import { Outbox } from './outbox/service'
import { insertOutboxItem } from './outbox/repo'
import { registerSystemRoutes } from './system/routes'
import { diskSpace } from './system/service'
import { registerExportRoutes } from './export/routes'
import { PushService, type PushOptions } from './push/service'
import { registerPushRoutes } from './push/routes'
import { TelegramService } from './telegram/service'
import { TelegramRegistry } from './telegram/registry'
import { registerNoticeTelegram } from './notices/telegram'
import { registerTelegramRoutes } from './telegram/routes'
import { SecretBox } from './shared/secrets'
import type { Agent } from 'node:https'
import { registerMetrics } from './system/metrics'
import { registerWallRoutes } from './wall/routes'
import { registerDirectoryRoutes } from './directory/routes'
import { registerPageRoutes } from './pages/routes'
import { registerAccess } from './auth/access'
import { registerWeb } from './http/web'
import { LoginThrottle } from './auth/throttle'
import { registerAuthRoutes } from './auth/routes'
import { registerMemberRoutes } from './auth/members-routes'
import { registerInviteRoutes } from './auth/invites-routes'
import { registerSettingsRoutes } from './settings/routes'
import { registerAuditRoutes } from './audit/routes'
import { deleteExpiredSessions } from './auth/repo'

export const VERSION = process.env.BACKBOARD_VERSION ?? '0.1.0'

export interface BuildOptions {
  config: Config
  clock?: Clock
  /** Folder with the built web app; served at / when it exists. */
  webRoot?: string | null
  /** Fastify logger options; false in tests. */
  logger?: FastifyServerOptions['logger']
  /** Where the default logger writes (stdout when not given); tests read the lines back. */
  logStream?: { write(line: string): void }
  https?: { cert: Buffer; key: Buffer } | null
  /** How often background jobs (notice expiry and reminders) run; tests shorten it. */
  jobIntervalMs?: number
  /** How often the retention job runs (hourly); tests shorten it. */
  retentionIntervalMs?: number
  /** How often the outbox looks for due deliveries besides being woken by commits. */
  outboxPollMs?: number
  /** For tests: an HTTPS agent trusting a local push endpoint. */
  pushAgent?: Agent
  /** For tests, never from config: a fake resolver, and the local push endpoint let past the address rule. */
  pushEndpoints?: Pick<PushOptions, 'resolve' | 'allowEndpoint'>
  /** Telegram long-poll timeout in seconds (25 by default); tests shorten it. */
  telegramPollTimeoutS?: number
  /** For tests: Telegram behaviours of a test feature, registered after the app's own. */
  telegramBehaviours?: (registry: TelegramRegistry) => void
  /**
   * For tests: a message kind of their own, registered in place of Xero's cards (the message
   * table accepts only the app's kind names, so a test kind takes the name "card").
   */
  cardKind?: (kinds: MessageKinds) => void
  /** For load tests that play a shop's week in a minute: false lifts the per-route rate limits. */
  rateLimits?: boolean
  /** For tests: how much disk is free (the System page warns under 1 GB); statfs by default. */
  diskSpace?: AppContext['diskSpace']
}

export interface BuiltApp {
  app: App
  ctx: AppContext
}

const SECRET_PATHS = ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]']

export async function buildApp(options: BuildOptions): Promise<BuiltApp> {
  const { config } = options
  const clock = options.clock ?? systemClock
  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      redact: SECRET_PATHS,
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Fastify accepts a hop count at run time though its types do not say so.
    trustProxy: config.trustProxy as boolean | string,
    bodyLimit: 64 * 1024,
    // Both are defaults we rely on: no prototype pollution through JSON bodies.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: { customOptions: { removeAdditional: false } },
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as App
  if (config.trustProxy === true) {
    app.log.warn(
      'TRUST_PROXY=true believes X-Forwarded-For from any client that reaches this port; set it to the proxy\'s address (or "loopback") instead',
    )
  }

  const dbFile = path.join(config.dataDir, 'backboard.db')
  // quick_check reads every page (about a second per 20 MB on a loaded Pi), so like fsck it
  // runs after a crash or power cut, or when anything else touched the file since we closed it.
  const isCleanRestart = consumeCleanClose(dbFile)
  const { db, sqlite } = openDatabase(dbFile)
  const damage = isCleanRestart ? [] : quickCheck(sqlite)
  if (damage.length) {
    throw new Error(
      `the database is damaged (${damage.slice(0, 3).join('; ')}). Restore a backup: node dist/server.js restore <backup folder>`,
    )
  }
  removeInterruptedBackups(config.backupDir)
  const { pending, hasApplied } = await pendingMigrations(db)
  if (pending.length && hasApplied) {
    // An upgrade is about to change the schema: keep the data as it was first.
    const backup = await takeBackup({
      sqlite,
      dataDir: config.dataDir,
      backupDir: config.backupDir,
      reason: 'pre-migration',
      now: clock.now(),
      version: VERSION,
    })
    app.log.info({ backup: backup.name, pending }, 'backup taken before migrating')
  }
  await migrateToLatest(db)
  // The writer stores queued deliveries with the outbox's own insert (shared/ names no feature).
  const write = createWriter(db, clock, insertOutboxItem)
  const hub = new Hub(db, buildVersion(options.webRoot ?? null))
  write.onCommit((events) => hub.publish(events))
  // Message kinds plug into conversations before anything reads or writes a message, in
  // this order: notices, tasks, customer conversations, cards.
  const kinds = new MessageKinds()
  registerNoticeKind(kinds)
  registerTaskKind(kinds, clock)
  registerCustomerKind(kinds)
  ;(options.cardKind ?? registerCardKind)(kinds)
  // Presence and the outbox need the context they are part of: they are plugged in next.
  const base: Omit<AppContext, 'presence' | 'outbox'> = {
    config,
    db,
    sqlite,
    write,
    clock,
    hub,
    kinds,
    log: app.log,
    version: VERSION,
    integrations: new Map(),
    diskSpace: options.diskSpace ?? diskSpace,
  }
  const ctx = base as AppContext
  ctx.presence = new PresenceTracker(ctx, hub)
  ctx.outbox = new Outbox(ctx, options.outboxPollMs)
  write.onEnqueued(() => ctx.outbox.wake())
  const memberships = new MembershipIndex()
  await memberships.load(db)
  hub.setConversationAccess((memberId, conversationId) => memberships.has(conversationId, memberId))
  hub.addApplier((event) => memberships.apply(event))

  app.setValidatorCompiler(createValidatorCompiler())
  // Only JSON bodies: a cross-site HTML form cannot send one without a CORS preflight.
  app.removeContentTypeParser('text/plain')
  app.addSchema(ErrorBody)
  app.setSerializerCompiler(createSerializerCompiler({ Error: ErrorBody }))
  registerErrorHandling(app)
  registerSecurity(app, config.publicUrl)

  await app.register(fastifyCookie)
  registerDefaultWriteLimits(app)
  await app.register(fastifyRateLimit, {
    global: false,
    allowList: options.rateLimits === false ? () => true : undefined,
    // Signed-in requests count per member (many phones may share one address behind a
    // proxy); anonymous ones per address.
    keyGenerator: (request) => (request.actor ? `member:${request.actor.member.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'rate_limited', 'Too many requests. Wait a moment and try again.', {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  })
  const openApiDocument = recordRoutesForOpenApi(app, {
    sharedSchemas: [ErrorBody],
    swagger: {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'Backboard', version: VERSION, description: "The shop's noticeboard and chat." },
        components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'bb_session' } } },
        security: [{ session: [] }],
      },
    },
  })
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } })

  registerAccess(app, ctx)
  const throttle = new LoginThrottle(clock)

  app.get('/healthz', { config: { access: 'always' }, schema: { hide: true } }, async (_request, reply) => {
    try {
      sqlite.prepare('select 1').get()
      return { status: 'ok', version: VERSION }
    } catch {
      return reply.status(503).send({ code: 'database_unavailable', message: 'The database does not answer.' })
    }
  })
  app.get('/api/openapi.json', { config: { access: 'always' }, schema: { hide: true } }, () => openApiDocument())

  registerAuthRoutes(app, ctx, throttle)
  registerMemberRoutes(app, ctx)
  registerInviteRoutes(app, ctx)
  registerSettingsRoutes(app, ctx)
  registerAuditRoutes(app, ctx)
  registerRealtimeRoutes(app, ctx, hub)
  registerPresenceRoutes(app, ctx)
  registerConversationRoutes(app, ctx)
  registerNoticeRoutes(app, ctx)
  registerTaskRoutes(app, ctx)
  registerTaskAdminRoutes(app, ctx)
  registerCustomerRoutes(app, ctx)
  // Xero: the connection (its tokens) and the one client every question goes through.
  const xero = registerXeroRoutes(app, ctx)
  const xeroClient = new XeroClient({
    apiBase: config.xeroApiBase ?? 'https://api.xero.com',
    clock,
    tokens: xero.tokens,
  })
  xero.callsLeftToday = (tenantId) => xeroClient.usage(tenantId).remainingToday
  const assistant = new XeroAssistant(ctx, xero, xeroClient)
  assistant.watch()
  registerXeroCardRoutes(app, ctx, assistant, xero)
  // Drafts written back to Xero, customers linked to Xero contacts, and alerts (started when ready).
  registerXeroDraftRoutes(app, ctx, assistant, xero)
  const xeroAlerts = new XeroAlerts(ctx, assistant, xero)
  app.addHook('onReady', async () => xeroAlerts.start())
  app.addHook('preClose', async () => {
    xeroAlerts.stop()
    await xeroAlerts.idle()
  })
  registerAnswererSync(ctx)
  registerCustomerQueue(ctx)
  registerFileRoutes(app, ctx)
  registerWallRoutes(app, ctx)
  registerDirectoryRoutes(app, ctx)
  registerPageRoutes(app, ctx)
  registerSystemRoutes(app, ctx)
  registerExportRoutes(app, ctx)
  const secrets = SecretBox.open(config.dataDir)
  const push = new PushService(ctx, secrets, {
    ...options.pushEndpoints,
    ...(options.pushAgent ? { agent: options.pushAgent } : {}),
  })
  await push.start()
  registerPushRoutes(app, push)
  // Features add their Telegram commands, buttons and renderers before the bridge adds its
  // own: the command menu and /help list them in this order.
  const telegramRegistry = new TelegramRegistry()
  registerNoticeTelegram(telegramRegistry, ctx)
  // Customers first: its `#done` is for customer conversations only, the tasks' for jobs.
  registerCustomerTelegram(telegramRegistry, ctx, new Map([['balance', customerBalanceCommand(ctx, assistant)]]))
  registerTaskTelegram(telegramRegistry, ctx)
  registerXeroTelegram(telegramRegistry, ctx, assistant)
  options.telegramBehaviours?.(telegramRegistry)
  const telegram = new TelegramService(
    ctx,
    secrets,
    telegramRegistry,
    options.telegramPollTimeoutS === undefined ? {} : { pollTimeoutS: options.telegramPollTimeoutS },
  )
  registerTelegramRoutes(app, telegram)
  registerMetrics(app, ctx, config.metricsToken)

  registerWeb(app, options.webRoot ?? null)

  const timers = [
    every(3_600_000, () => deleteExpiredSessions(db, clock.now())),
    every(options.jobIntervalMs ?? 15_000, () => runNoticeJobs(ctx)),
    every(options.jobIntervalMs ?? 15_000, () => runTaskJobs(ctx)),
    every(60_000, () => ctx.presence.expireShiftStatuses()),
    every(3_600_000, () => dailyBackup()),
    every(3_600_000, () => ctx.outbox.prune()),
    every(options.retentionIntervalMs ?? 3_600_000, () => applyRetention()),
  ]
  /** Deletes what the shop's retention setting says to, and events too old to resume from. */
  async function applyRetention(): Promise<void> {
    const shop = await db.selectFrom('shop').select('retention_days').executeTakeFirst()
    if (shop?.retention_days) await purgeMessagesBefore(ctx, clock.now() - shop.retention_days * 86_400_000)
    await eraseSolvedBefore(ctx, clock.now())
    await deleteOrphanFiles(ctx)
    // A client further back than what is kept resyncs instead of replaying.
    await pruneEventLog(db, clock.now())
  }

  /** A backup when the newest is a day old, then the retention policy. */
  async function dailyBackup(): Promise<void> {
    if (isBackupRunning(config.backupDir)) return
    const newest = listBackups(config.backupDir)[0]
    if (newest && clock.now() - newest.createdAt < 23 * 3_600_000) return
    const { backup, pruned } = await backUpAndPrune(ctx, 'daily')
    app.log.info({ backup: backup.name, pruned }, 'daily backup taken')
  }
  function every(ms: number, job: () => Promise<unknown>): NodeJS.Timeout {
    const timer = setInterval(() => {
      job().catch((error: unknown) => app.log.error({ err: error }, 'background job failed'))
    }, ms)
    timer.unref()
    return timer
  }

  // Before Fastify closes the server: tell live clients we are going away (1001), so
  // they reconnect to the next start instead of treating it as an error.
  app.addHook('preClose', async () => {
    hub.closeAll()
  })
  app.addHook('onReady', async () => {
    await telegram.start()
    await ctx.outbox.start()
    assistant.resume()
  })
  app.addHook('onClose', async () => {
    for (const timer of timers) clearInterval(timer)
    assistant.stop()
    await assistant.idle()
    await telegram.shutdown()
    await ctx.outbox.stop()
    ctx.presence.stop()
    hub.closeAll()
    // Fold the WAL back into the database so the file on disk is complete by itself.
    sqlite.pragma('wal_checkpoint(TRUNCATE)')
    await db.destroy()
    markClosedCleanly(dbFile)
  })
  return { app, ctx }
}

/** The version plus a fingerprint of the built web app: open pages reload when it changes. */
function buildVersion(webRoot: string | null): string {
  const index = webRoot ? path.join(webRoot, 'index.html') : null
  if (!index || !fs.existsSync(index)) return VERSION
  return `${VERSION}+${createHash('sha256').update(fs.readFileSync(index)).digest('hex').slice(0, 12)}`
}
