/** Table types of customer conversations through the shop's Telegram bot. */
import type { Generated } from 'kysely'

export type CustomerStatus = 'open' | 'waiting' | 'solved'
export type CustomerDelivery = 'queued' | 'sent' | 'failed'

export interface CustomerSettingsTable {
  id: number
  welcome_text: string
  away_text: string
  /** JSON `BusinessHours`; null: always open. */
  hours: string | null
  sign_replies: Generated<number>
  episode_after_days: number | null
  rate_per_minute: Generated<number>
  daily_mb: Generated<number>
  ask_satisfaction: Generated<number>
  retention_days: number | null
  task_taken_text: string
  task_done_text: string
  queue_id: number | null
}

export interface CustomerTable {
  id: Generated<number>
  conversation_id: number
  telegram_user_id: number
  chat_id: number
  first_name: Generated<string>
  last_name: Generated<string>
  username: Generated<string>
  language: Generated<string>
  phone: Generated<string>
  source: Generated<string>
  /** JSON array of strings. */
  tags: Generated<string>
  first_contact_at: number
  last_contact_at: number
  episode: Generated<number>
  episode_started_at: number
  welcomed_episode: Generated<number>
  away_replied_episode: Generated<number>
  satisfaction_episode: Generated<number>
  satisfaction: 'up' | 'down' | null
  solved_at: number | null
  throttled_at: number | null
  blocked_at: number | null
  blocked_by: number | null
  unreachable_at: number | null
  /** The Xero contact the shop linked this customer to (for /balance); null for none. */
  xero_contact_id: string | null
  xero_contact_name: string | null
  erased_at: number | null
}

export interface CustomerMessageTable {
  message_id: number
  customer_id: number
  direction: 'in' | 'out'
  is_internal: Generated<number>
  delivery: CustomerDelivery | null
  delivery_error: string | null
  telegram_message_id: number | null
  media_group_id: string | null
  episode: Generated<number>
  is_throttled: Generated<number>
  not_received: string | null
  created_at: number
}

export interface CustomerParticipantTable {
  customer_id: number
  member_id: number
  added_at: number
}

export interface CustomerUsageTable {
  customer_id: number
  day: string
  bytes: Generated<number>
}

export interface CustomerTaskTable {
  task_message_id: number
  customer_id: number
  source_message_id: number | null
  purpose: Generated<'work' | 'answer'>
  notify_customer: Generated<number>
  taken_text: string | null
  done_text: string | null
  told_taken_at: number | null
  told_done_at: number | null
}
