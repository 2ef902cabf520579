/** Table types for Kysely. snake_case singular tables; times are epoch milliseconds. */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely'
import type {
  OutboxTable,
  PushLevel,
  PushSubscriptionTable,
  SecretTable,
  TelegramActionTable,
  TelegramBotTable,
  TelegramCodeTable,
  TelegramGroupTable,
  TelegramLinkTable,
  TelegramSentTable,
  TelegramMirror,
} from './schema-outside'
import type {
  ReportCategoryTable,
  TaskChangeTable,
  TaskCheckTable,
  TaskFollowerTable,
  TaskProfileTable,
  TaskQueueTable,
  TaskRevealTable,
  TaskScheduleTable,
  TaskTable,
} from './schema-tasks'
import type {
  CustomerMessageTable,
  CustomerParticipantTable,
  CustomerSettingsTable,
  CustomerTable,
  CustomerTaskTable,
  CustomerUsageTable,
} from './schema-customers'
import type {
  CardMessageTable,
  XeroAlertSeenTable,
  XeroCardTable,
  XeroConnectionTable,
  XeroOauthPendingTable,
  XeroQuestionTable,
  XeroSettingsTable,
} from './schema-xero'

// The tables of deliveries to the outside world, secrets, push and Telegram are declared in
// schema-outside.ts; everything is importable from here.
export type * from './schema-outside'
export type * from './schema-tasks'
export type * from './schema-customers'
export type * from './schema-xero'

export type Role = 'owner' | 'manager' | 'staff' | 'display'
export type MemberStatus = 'pending' | 'active' | 'deactivated'

export interface ShopTable {
  id: number
  name: string
  timezone: string
  join_code: string
  auto_approve: number
  setup_at: number
  max_file_mb: Generated<number>
  member_quota_mb: Generated<number>
  reminder_interval_minutes: Generated<number>
  wall_show_join_qr: Generated<number>
  retention_days: number | null
  push_contact: Generated<string>
  task_active_limit: Generated<number>
  customers_enabled: Generated<number>
}

export interface MemberTable {
  id: Generated<number>
  username: string
  display_name: string
  password_hash: string | null
  role: Role
  status: MemberStatus
  job_title: Generated<string>
  phone: Generated<string>
  created_at: number
  approved_at: number | null
  approved_by: number | null
  deactivated_at: number | null
  invite_id: number | null
  shift_status: Generated<ShiftStatus>
  shift_status_until: number | null
  upload_bytes: Generated<number>
  avatar_file_id: number | null
  shift_status_at: number | null
  push_level: Generated<PushLevel>
  quiet_start_minute: number | null
  quiet_end_minute: number | null
  telegram_mirror: Generated<TelegramMirror>
  /** A wall display's own setting: whether it shows the open tasks. */
  wall_show_tasks: Generated<number>
}

export interface MemberPermissionTable {
  member_id: number
  permission: string
  granted_by: number | null
  granted_at: number
}

export interface SessionTable {
  id: Generated<number>
  member_id: number
  token_hash: string
  created_at: number
  last_seen_at: number
  expires_at: number
  user_agent: string
  ip: string
}

export interface TrustedDeviceTable {
  id: Generated<number>
  member_id: number
  token_hash: string
  created_at: number
  last_used_at: number
}

export interface InviteTable {
  id: Generated<number>
  code: string
  role: Role
  created_by: number
  created_at: number
  expires_at: number
  max_uses: number
  uses: Generated<number>
  revoked_at: number | null
}

export interface AuditTable {
  id: Generated<number>
  at: number
  actor_id: number | null
  actor_name: string
  action: string
  target_id: number | null
  target_name: string
  ip: string
  detail: string
}

export type AudienceKind = 'shop' | 'member' | 'managers' | 'conversation'

export interface EventTable {
  id: Generated<number>
  type: string
  audience_kind: AudienceKind
  audience_id: number | null
  payload: string
  created_at: number
}

export interface DB {
  shop: ShopTable
  member: MemberTable
  member_permission: MemberPermissionTable
  session: SessionTable
  trusted_device: TrustedDeviceTable
  invite: InviteTable
  audit: AuditTable
  event: EventTable
  conversation: ConversationTable
  conversation_member: ConversationMemberTable
  message: MessageTable
  message_mention: MessageMentionTable
  message_revision: MessageRevisionTable
  notice: NoticeTable
  notice_ack: NoticeAckTable
  reaction: ReactionTable
  file: FileTable
  attachment: AttachmentTable
  message_fts: MessageFtsTable
  display_pairing: DisplayPairingTable
  page: PageTable
  page_revision: PageRevisionTable
  page_file: PageFileTable
  page_fts: PageFtsTable
  outbox: OutboxTable
  secret: SecretTable
  push_subscription: PushSubscriptionTable
  telegram_bot: TelegramBotTable
  telegram_link: TelegramLinkTable
  telegram_code: TelegramCodeTable
  telegram_group: TelegramGroupTable
  telegram_sent: TelegramSentTable
  telegram_action: TelegramActionTable
  task_queue: TaskQueueTable
  task_schedule: TaskScheduleTable
  report_category: ReportCategoryTable
  task: TaskTable
  task_check: TaskCheckTable
  task_change: TaskChangeTable
  task_follower: TaskFollowerTable
  task_reveal: TaskRevealTable
  task_profile: TaskProfileTable
  customer_settings: CustomerSettingsTable
  customer: CustomerTable
  customer_message: CustomerMessageTable
  customer_participant: CustomerParticipantTable
  customer_usage: CustomerUsageTable
  customer_task: CustomerTaskTable
  xero_connection: XeroConnectionTable
  xero_oauth_pending: XeroOauthPendingTable
  xero_settings: XeroSettingsTable
  xero_card: XeroCardTable
  card_message: CardMessageTable
  xero_question: XeroQuestionTable
  xero_alert_seen: XeroAlertSeenTable
}

export type Member = Selectable<MemberTable>
export type NewMember = Insertable<MemberTable>
export type MemberUpdate = Updateable<MemberTable>
export type Session = Selectable<SessionTable>
export type Invite = Selectable<InviteTable>
export type Shop = Selectable<ShopTable>

// Conversations (board, channels, direct), messages, notices, files.

export type ConversationKind = 'board' | 'channel' | 'direct' | 'customer' | 'xero'
export type MessageKind = 'text' | 'notice' | 'system' | 'task' | 'card'
export type ShiftStatus = 'on_shift' | 'off_shift' | 'away'

export interface ConversationTable {
  id: Generated<number>
  kind: ConversationKind
  name: Generated<string>
  topic: Generated<string>
  is_private: Generated<number>
  direct_key: string | null
  created_by: number | null
  created_at: number
  archived_at: number | null
  last_message_id: Generated<number>
  last_message_at: number | null
  /** A customer conversation's status; null for the others. */
  status: 'open' | 'waiting' | 'solved' | null
  /** Who answers a customer conversation; null when nobody is assigned. */
  assignee_id: number | null
}

export interface ConversationMemberTable {
  conversation_id: number
  member_id: number
  is_admin: Generated<number>
  joined_at: number
  last_read_id: Generated<number>
  last_read_at: number | null
  muted_until: number | null
}

export interface MessageTable {
  id: Generated<number>
  conversation_id: number
  author_id: number | null
  kind: MessageKind
  body: Generated<string>
  reply_to_id: number | null
  client_key: string | null
  created_at: number
  edited_at: number | null
  deleted_at: number | null
  deleted_by: number | null
  has_attachment: Generated<number>
  system_data: string | null
  guest_name: string | null
  origin_chat_id: number | null
}

export interface MessageMentionTable {
  message_id: number
  member_id: number
}

export interface NoticeTable {
  message_id: number
  title: string
  is_urgent: Generated<number>
  must_acknowledge: Generated<number>
  acknowledge_by: number | null
  expires_at: number | null
  is_pinned: Generated<number>
  pin_order: Generated<number>
  next_reminder_at: number | null
  expired_handled: Generated<number>
}

export interface NoticeAckTable {
  message_id: number
  member_id: number
  at: number
}

export interface ReactionTable {
  message_id: number
  member_id: number
  emoji: string
  created_at: number
}

export type FileKind = 'image' | 'video' | 'audio' | 'file'

export interface FileTable {
  id: Generated<number>
  sha256: string
  size: number
  mime: string
  kind: FileKind
  name: string
  width: number | null
  height: number | null
  thumbnail_id: number | null
  uploaded_by: number | null
  created_at: number
}

export type AttachmentKind = FileKind | 'location'

export interface AttachmentTable {
  id: Generated<number>
  message_id: number
  position: number
  kind: AttachmentKind
  file_id: number | null
  name: Generated<string>
  latitude: number | null
  longitude: number | null
  accuracy_m: number | null
}

export interface MessageFtsTable {
  rowid: number
  title: string
  body: string
  names: string
}

// Wall displays, directory and info pages.

export interface DisplayPairingTable {
  id: Generated<number>
  code: string
  poll_hash: string
  created_at: number
  expires_at: number
  member_id: number | null
  claimed_at: number | null
}

export interface PageTable {
  id: Generated<number>
  title: string
  section: Generated<string>
  position: Generated<number>
  body: Generated<string>
  show_on_wall: Generated<number>
  created_at: number
  updated_at: number
  updated_by: number | null
  deleted_at: number | null
}

export interface PageRevisionTable {
  id: Generated<number>
  page_id: number
  title: string
  section: string
  body: string
  author_id: number | null
  created_at: number
  note: Generated<string>
}

export interface PageFileTable {
  page_id: number
  file_id: number
}

/** A message's text (and a notice's title) before one edit, and who made that edit. */
export interface MessageRevisionTable {
  id: Generated<number>
  message_id: number
  body: string
  title: string | null
  edited_by: number | null
  edited_at: number
}

export interface PageFtsTable {
  rowid: number
  title: string
  body: string
}
