/**
 * Web Push: VAPID keys made on first start (the private key encrypted at rest), one
 * subscription per device, notification preferences, and delivery from the outbox. Whom to
 * push is decided in queue.ts, inside the transaction that stored the message or reminder.
 */
import { createECDH } from 'node:crypto'
import type { Agent } from 'node:https'
import type WebPush from 'web-push'
import type { AppContext } from '../shared/context'
import { badRequest, notFound } from '../shared/errors'
import type { SecretBox } from '../shared/secrets'
import type { Actor } from '../auth/actor'
import type { PushLevel } from '../db/schema'
import type { DeliveryResult, OutboxItem } from '../outbox/service'
import { PUSH_CHANNEL, PushQueue, type PushPayload, type QueuedPush } from './queue'
import {
  checkPushEndpoint,
  NotPublicAddressError,
  publicOnlyAgent,
  resolveWithSystem,
  type EndpointCheck,
  type ResolveHost,
} from './endpoints'

/**
 * The web-push library (its crypto and HTTP helpers), loaded on the first key pair made or
 * push sent: most of the day, and in a shop with no device subscribed, it is not needed.
 */
let webPushLibrary: Promise<typeof WebPush> | null = null
function loadWebPush(): Promise<typeof WebPush> {
  webPushLibrary ??= import('web-push').then((module) => module.default)
  return webPushLibrary
}

/**
 * A VAPID key pair as web-push makes it (P-256, base64url, the private key padded to 32
 * bytes), made here so that the first start need not load the library.
 */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const curve = createECDH('prime256v1')
  curve.generateKeys()
  const privateKey = curve.getPrivateKey()
  return {
    publicKey: curve.getPublicKey().toString('base64url'),
    privateKey: Buffer.concat([Buffer.alloc(Math.max(0, 32 - privateKey.length)), privateKey]).toString('base64url'),
  }
}

/** Keeps a payload well inside what every push service accepts (4 kB less encryption overhead). */
export const MAX_PAYLOAD_BYTES = 3_000

/** JSON of the payload, with the body shortened until it fits; it never fails for size. */
export function encodePayload(payload: PushPayload): string {
  let body = payload.body
  for (;;) {
    const json = JSON.stringify({ ...payload, body })
    if (Buffer.byteLength(json) <= MAX_PAYLOAD_BYTES || body.length === 0) return json
    body = `${[...body].slice(0, Math.max(0, Math.floor([...body].length * 0.8) - 1)).join('')}…`
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export interface PushOptions {
  /** For tests: an HTTPS agent that trusts a local push endpoint's certificate. */
  agent?: Agent
  /** For tests: how push hosts resolve (the system resolver by default). */
  resolve?: ResolveHost
  /**
   * For tests, and settable only from code: endpoints let through although the address
   * rule would refuse them (a local fake push service on 127.0.0.1 and a random port).
   */
  allowEndpoint?: (url: URL) => boolean
}

export class PushService {
  private publicKey = ''
  private privateKey = ''
  private hasSubscriptions = false
  private readonly resolve: ResolveHost
  private readonly agent: Agent
  private readonly queue: PushQueue

  constructor(
    private readonly ctx: AppContext,
    private readonly secrets: SecretBox,
    private readonly options: PushOptions = {},
  ) {
    this.resolve = options.resolve ?? resolveWithSystem
    this.agent = options.agent ?? publicOnlyAgent(this.resolve)
    this.queue = new PushQueue(ctx, () => this.hasSubscriptions)
  }

  /** The push endpoint rule (see endpoints.ts), with the test seam for a local push service. */
  private async checkEndpoint(endpoint: string): Promise<EndpointCheck> {
    const url = URL.canParse(endpoint) ? new URL(endpoint) : null
    if (url && this.options.allowEndpoint?.(url)) return { isAllowed: true, url, addresses: [] }
    return checkPushEndpoint(endpoint, this.resolve)
  }

  /** Loads (or makes, the first time) the VAPID key pair, and registers delivery. */
  async start(): Promise<void> {
    const row = await this.ctx.db.selectFrom('secret').select('sealed').where('name', '=', 'vapid').executeTakeFirst()
    let keys: { publicKey: string; privateKey: string } | null = null
    if (row) {
      try {
        keys = JSON.parse(this.secrets.decrypt(row.sealed)) as { publicKey: string; privateKey: string }
      } catch {
        // DATA_DIR/secret.key is not the one these keys were sealed with (restored without
        // it?). Start over with new keys: devices subscribed to the old ones re-subscribe.
        this.ctx.log.error('the VAPID keys cannot be decrypted with DATA_DIR/secret.key; making new ones')
        await this.ctx.db.deleteFrom('push_subscription').execute()
        await this.ctx.db.deleteFrom('secret').where('name', '=', 'vapid').execute()
        return this.start()
      }
    }
    if (keys) {
      this.publicKey = keys.publicKey
      this.privateKey = keys.privateKey
    } else {
      const keys = generateVapidKeys()
      await this.ctx.db
        .insertInto('secret')
        .values({ name: 'vapid', sealed: this.secrets.encrypt(JSON.stringify(keys)), updated_at: this.ctx.clock.now() })
        .onConflict((oc) => oc.doNothing())
        .execute()
      return this.start()
    }
    this.hasSubscriptions =
      (await this.ctx.db.selectFrom('push_subscription').select('id').limit(1).executeTakeFirst()) !== undefined
    this.ctx.outbox.register(PUSH_CHANNEL, (item) => this.deliver(item), {
      concurrency: 8,
      maxAttempts: 10,
      baseBackoffMs: 10_000,
    })
    this.ctx.write.onStored((w, events) => this.queue.queueFor(w, events))
    this.ctx.integrations.set('push', () => ({
      name: 'Web Push',
      state: 'ok',
      detail: this.hasSubscriptions
        ? 'Devices subscribed; deliveries are listed under the outbox.'
        : 'No device has turned notifications on yet.',
    }))
  }

  get vapidPublicKey(): string {
    return this.publicKey
  }

  /**
   * Turns notifications on for the actor's device. The endpoint must pass the address rule
   * (`https`, port 443, a host on public addresses only), or nothing is stored and the
   * answer is 400 `invalid_push_endpoint`: the server POSTs to it later, and must not be
   * made to reach into the shop's own network.
   */
  async subscribe(actor: Actor, input: { endpoint: string; p256dh: string; auth: string; deviceName: string }) {
    if (!URL.canParse(input.endpoint)) throw badRequest('invalid_subscription', 'That is not a push subscription.')
    if (Buffer.from(input.p256dh, 'base64url').length !== 65 || Buffer.from(input.auth, 'base64url').length !== 16) {
      throw badRequest('invalid_subscription', 'The subscription keys are not valid.')
    }
    const check = await this.checkEndpoint(input.endpoint)
    if (!check.isAllowed) throw badRequest('invalid_push_endpoint', check.message, { reason: check.reason })
    // Stored as parsed, so the sender reads the very host that was checked.
    const endpoint = check.url.href
    const id = await this.ctx.write(async ({ trx, now }) => {
      // The same device re-subscribing (or moving to another member) replaces its old entry.
      await trx.deleteFrom('push_subscription').where('endpoint', '=', endpoint).execute()
      const row = await trx
        .insertInto('push_subscription')
        .values({
          member_id: actor.member.id,
          session_id: actor.sessionId,
          endpoint,
          p256dh: input.p256dh,
          auth: input.auth,
          device_name: input.deviceName.trim().slice(0, 80),
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    })
    this.hasSubscriptions = true
    return id
  }

  async list(actor: Actor) {
    const rows = await this.ctx.db
      .selectFrom('push_subscription')
      .select(['id', 'device_name', 'created_at', 'last_used_at', 'session_id', 'endpoint'])
      .where('member_id', '=', actor.member.id)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map((row) => ({
      id: row.id,
      deviceName: row.device_name,
      service: new URL(row.endpoint).hostname,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      isThisDevice: row.session_id === actor.sessionId,
    }))
  }

  async remove(actor: Actor, id: number): Promise<void> {
    const result = await this.ctx.db
      .deleteFrom('push_subscription')
      .where('id', '=', id)
      .where('member_id', '=', actor.member.id)
      .executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) throw notFound('subscription_not_found', 'No such device.')
  }

  async preferences(actor: Actor) {
    const row = await this.ctx.db
      .selectFrom('member')
      .select(['push_level', 'quiet_start_minute', 'quiet_end_minute'])
      .where('id', '=', actor.member.id)
      .executeTakeFirstOrThrow()
    return { level: row.push_level, quietStartMinute: row.quiet_start_minute, quietEndMinute: row.quiet_end_minute }
  }

  async setPreferences(
    actor: Actor,
    input: { level: PushLevel; quietStartMinute: number | null; quietEndMinute: number | null },
  ) {
    if ((input.quietStartMinute === null) !== (input.quietEndMinute === null)) {
      throw badRequest('invalid_quiet_hours', 'Quiet hours need both a start and an end.')
    }
    await this.ctx.db
      .updateTable('member')
      .set({
        push_level: input.level,
        quiet_start_minute: input.quietStartMinute,
        quiet_end_minute: input.quietEndMinute,
      })
      .where('id', '=', actor.member.id)
      .execute()
    return this.preferences(actor)
  }

  /** Mutes a conversation for the actor until a time (null: unmute). */
  async mute(actor: Actor, conversationId: number, until: number | null): Promise<void> {
    const result = await this.ctx.db
      .updateTable('conversation_member')
      .set({ muted_until: until })
      .where('conversation_id', '=', conversationId)
      .where('member_id', '=', actor.member.id)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0)
      throw notFound('conversation_not_found', 'No such conversation, or you are not in it.')
  }

  private subject(contact: string): string {
    if (/^mailto:.+@.+/.test(contact) || contact.startsWith('https://')) return contact
    if (contact.includes('@')) return `mailto:${contact}`
    if (this.ctx.config.publicUrl?.protocol === 'https:') return this.ctx.config.publicUrl.origin
    return 'mailto:backboard@example.com'
  }

  async deliver(item: OutboxItem): Promise<DeliveryResult> {
    const queued = item.payload as QueuedPush
    const subscription = await this.ctx.db
      .selectFrom('push_subscription')
      .selectAll()
      .where('id', '=', queued.subscriptionId)
      .executeTakeFirst()
    // The device was removed meanwhile: nothing to deliver to.
    if (!subscription) return { kind: 'done' }
    // Checked again: the host may resolve elsewhere now than when the device subscribed.
    const check = await this.checkEndpoint(subscription.endpoint)
    if (!check.isAllowed) {
      // No answer from DNS (the internet is down?) is a reason to wait, not to give up.
      if (check.reason === 'unresolved') return { kind: 'retry', error: check.message }
      return this.refuseEndpoint(subscription.id, check.message)
    }
    const shop = await this.ctx.db.selectFrom('shop').select('push_contact').executeTakeFirst()
    const remainingTtl = Math.max(
      0,
      Math.floor((item.createdAt + queued.ttlSeconds * 1000 - this.ctx.clock.now()) / 1000),
    )
    const webpush = await loadWebPush()
    try {
      await webpush.sendNotification(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        encodePayload(queued.payload),
        {
          TTL: remainingTtl,
          urgency: queued.urgency,
          topic: queued.topic,
          contentEncoding: 'aes128gcm',
          vapidDetails: {
            subject: this.subject(shop?.push_contact ?? ''),
            publicKey: this.publicKey,
            privateKey: this.privateKey,
          },
          timeout: 10_000,
          // Its lookup refuses addresses that are not public; redirects are never followed.
          agent: this.agent,
        },
      )
      await this.ctx.db
        .updateTable('push_subscription')
        .set({ last_used_at: this.ctx.clock.now() })
        .where('id', '=', subscription.id)
        .execute()
      return { kind: 'done' }
    } catch (error) {
      if (error instanceof NotPublicAddressError) return this.refuseEndpoint(subscription.id, error.message)
      if (error instanceof webpush.WebPushError) {
        if (error.statusCode === 404 || error.statusCode === 410) {
          // The browser unsubscribed or the subscription expired: forget the device.
          await this.ctx.db.deleteFrom('push_subscription').where('id', '=', subscription.id).execute()
          return { kind: 'done' }
        }
        if (error.statusCode === 429 || error.statusCode >= 500) {
          const retry = retryAfterMs(
            (error.headers as Record<string, string | undefined>)['retry-after'],
            this.ctx.clock.now(),
          )
          return {
            kind: 'retry',
            error: `push service answered ${error.statusCode}`,
            ...(retry === undefined ? {} : { afterMs: retry }),
          }
        }
        return { kind: 'dead', error: `push service refused: ${error.statusCode} ${error.body?.slice(0, 200) ?? ''}` }
      }
      return { kind: 'retry', error: error instanceof Error ? error.message : String(error) }
    }
  }

  /**
   * An endpoint that fails the address rule at delivery is forgotten like one the push
   * service expired (the member turns notifications on again, and is told why if it still
   * fails), and the delivery is dead, never retried: nothing is sent to that address.
   */
  private async refuseEndpoint(subscriptionId: number, reason: string): Promise<DeliveryResult> {
    await this.ctx.db.deleteFrom('push_subscription').where('id', '=', subscriptionId).execute()
    return { kind: 'dead', error: `push endpoint refused, device removed: ${reason}` }
  }
}
