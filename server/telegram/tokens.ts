/**
 * Callback data the bridge issues for a registered button: `prefix:token`, the token a
 * random 22 characters standing for a stored action (which button, for which member, on
 * which message or conversation). Telegram only ever sees the token.
 */
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import type { ButtonGrant, TelegramRegistry } from './registry'

/**
 * The callback data of a button on a group's message is `prefix:group`: it stands for no
 * member, and the press itself says which group message it is on and who pressed.
 */
export const GROUP_BUTTON = 'group'

/**
 * Issues callback data for the button registered under `prefix`. A grant on a message
 * gets the same token each time (a message re-rendered for an edit keeps its button).
 */
export async function issueCallbackData(
  db: Kysely<DB>,
  registry: TelegramRegistry,
  prefix: string,
  grant: ButtonGrant,
  now: number,
): Promise<string> {
  const button = registry.button(prefix)
  if (!button) throw new Error(`no Telegram button "${prefix}" is registered`)
  const messageId = grant.messageId ?? null
  if (messageId !== null) {
    const existing = await db
      .selectFrom('telegram_action')
      .select('token')
      .where('action', '=', button.action)
      .where('member_id', '=', grant.memberId)
      .where('message_id', '=', messageId)
      .executeTakeFirst()
    if (existing) return `${prefix}:${existing.token}`
  }
  const token = randomBytes(16).toString('base64url')
  await db
    .insertInto('telegram_action')
    .values({
      token,
      action: button.action,
      member_id: grant.memberId,
      message_id: messageId,
      conversation_id: grant.conversationId ?? null,
      ...(grant.data === undefined ? {} : { data: JSON.stringify(grant.data) }),
      created_at: now,
    })
    .execute()
  return `${prefix}:${token}`
}

/** How long the bot waits for the message a feature asked for (`awaitNext`). */
export const AWAIT_TTL_MS = 30 * 60_000
const AWAIT = 'await:'

/**
 * The member's next message goes to the inbound handler `name` with `data`; a newer wait
 * replaces an older one. Stored like a button's action, so it outlives a restart.
 */
export async function awaitNext(
  db: Kysely<DB>,
  memberId: number,
  name: string,
  data: unknown,
  now: number,
): Promise<void> {
  await clearAwaited(db, memberId)
  await db
    .insertInto('telegram_action')
    .values({
      token: randomBytes(16).toString('base64url'),
      action: `${AWAIT}${name}`,
      member_id: memberId,
      data: JSON.stringify(data ?? null),
      created_at: now,
    })
    .execute()
}

/** What the member's next message is awaited for, while the wait is fresh. */
export async function awaitedBy(
  db: Kysely<DB>,
  memberId: number,
  now: number,
): Promise<{ name: string; data: unknown } | null> {
  const row = await db
    .selectFrom('telegram_action')
    .select(['action', 'data'])
    .where('member_id', '=', memberId)
    .where('action', 'like', `${AWAIT}%`)
    .where('created_at', '>', now - AWAIT_TTL_MS)
    .orderBy('created_at', 'desc')
    .executeTakeFirst()
  return row ? { name: row.action.slice(AWAIT.length), data: JSON.parse(row.data) as unknown } : null
}

export async function clearAwaited(db: Kysely<DB>, memberId: number): Promise<void> {
  await db
    .deleteFrom('telegram_action')
    .where('member_id', '=', memberId)
    .where('action', 'like', `${AWAIT}%`)
    .execute()
}
