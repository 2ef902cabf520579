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
