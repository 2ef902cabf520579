/** Table types for deliveries to the outside world: the outbox, secrets at rest, Web Push, Telegram. */
import type { Generated } from 'kysely'

// Deliveries to the outside world (Web Push, Telegram, Xero writes).

export type OutboxState = 'pending' | 'sending' | 'done' | 'dead' | 'dropped'

export interface OutboxTable {
  id: Generated<number>
  channel: string
  idempotency_key: string
  payload: string
  state: Generated<OutboxState>
  attempts: Generated<number>
  next_attempt_at: number
  expires_at: number | null
  last_error: Generated<string>
  created_at: number
  updated_at: number
}

// Secrets and Web Push.

export type PushLevel = 'all' | 'mentions' | 'urgent' | 'none'

export interface SecretTable {
  name: string
  sealed: string
  updated_at: number
}

export interface PushSubscriptionTable {
  id: Generated<number>
  member_id: number
  session_id: number
  endpoint: string
  p256dh: string
  auth: string
  device_name: Generated<string>
  created_at: number
  last_used_at: number | null
}

// Telegram.

export type TelegramMirror = 'always' | 'away' | 'never'

export interface TelegramBotTable {
  id: number
  bot_id: number
  username: string
  name: string
  connected_at: number
  app_url: Generated<string>
  update_offset: Generated<number>
  last_ok_at: number | null
  failing_since: number | null
  last_error: Generated<string>
}

export interface TelegramLinkTable {
  member_id: number
  telegram_user_id: number
  telegram_name: string
  telegram_username: string | null
  linked_at: number
  last_conversation_id: number | null
}

export interface TelegramCodeTable {
  code_hash: string
  kind: 'member' | 'group'
  member_id: number
  conversation_id: number | null
  created_at: number
  expires_at: number
}

export interface TelegramGroupTable {
  chat_id: number
  title: string
  conversation_id: number
  linked_by: number | null
  linked_at: number
}

export interface TelegramSentTable {
  chat_id: number
  telegram_message_id: number
  message_id: number | null
  conversation_id: number | null
  member_id: number | null
  part: string
  created_at: number
}

export interface TelegramActionTable {
  token: string
  /** The `action` of the Telegram button registered for it (`ack`, `post`...). */
  action: string
  member_id: number
  message_id: number | null
  conversation_id: number | null
  data: Generated<string>
  created_at: number
}
