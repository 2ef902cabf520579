/**
 * Every event a client can receive, as one typed map shared by server and web.
 * Names are `noun.verb`. Events with an id come from the ordered event log and can be
 * resumed; live-only signals (typing) have none.
 */
import type { AudienceKind } from '../db/schema'
import type { CardBody } from './card-body'

export interface MemberSummary {
  id: number
  username: string
  displayName: string
  role: 'owner' | 'manager' | 'staff' | 'display'
  status: 'pending' | 'active' | 'deactivated'
  jobTitle: string
  permissions: string[]
}

export type Presence = 'online' | 'idle' | 'offline'
export type ShiftStatus = 'on_shift' | 'off_shift' | 'away'

export interface PersonRef {
  id: number
  username: string
  displayName: string
}

export interface ConversationView {
  id: number
  kind: 'board' | 'channel' | 'direct' | 'customer' | 'xero'
  name: string
  topic: string
  isPrivate: boolean
  isArchived: boolean
  createdBy: number | null
  createdAt: number
  lastMessageId: number
  lastMessageAt: number | null
  memberCount: number
  /** For direct conversations: who is in it. */
  members: PersonRef[]
  /** A customer conversation's status; null for every other kind. */
  status: 'open' | 'waiting' | 'solved' | null
  /** Who answers a customer conversation; null when nobody is (and on other kinds). */
  assigneeId: number | null
}

export interface AttachmentView {
  id: number
  kind: 'image' | 'video' | 'audio' | 'file' | 'location'
  name: string
  fileId: number | null
  url: string | null
  thumbnailUrl: string | null
  mime: string | null
  size: number | null
  width: number | null
  height: number | null
  latitude: number | null
  longitude: number | null
  accuracyM: number | null
}

export interface ReactionView {
  emoji: string
  count: number
  memberIds: number[]
}

export interface NoticeView {
  title: string
  isUrgent: boolean
  mustAcknowledge: boolean
  acknowledgeBy: number | null
  expiresAt: number | null
  isPinned: boolean
  pinOrder: number
  ackCount: number
  ackTotal: number
}

export type TaskState = 'open' | 'taken' | 'started' | 'done' | 'cancelled'

export interface TaskCheckView {
  id: number
  text: string
  doneAt: number | null
  doneBy: PersonRef | null
}

/** What a task adds to its message (`MessageView.task`); the API's task is this plus the message's own fields. */
export interface TaskFields {
  title: string
  state: TaskState
  /** 0–100, as the dispatcher set it. */
  priority: number
  /** The priority plus what waiting has added (the queue's ageing), at most 100: the queue's order. */
  effectivePriority: number
  /** A score caps compare with; null when not set. */
  value: number | null
  dueAt: number | null
  isOverdue: boolean
  /** Skills a taker must have (all of them). */
  skills: string[]
  /** Roles that may take it; empty for any. */
  roles: string[]
  photoRequired: boolean
  /** Only members with this permission may take it (answering a customer); null for anyone. */
  requiredPermission: string | null
  /** Eligible members may see the private details before deciding to take it. */
  detailsBeforeTaking: boolean
  hasPrivateDetails: boolean
  /** Only for its taker, dispatchers and whoever asked for them before taking; null for everyone else. */
  privateDetails: string | null
  /** Who saw the private details before taking ([] for everyone who cannot see them). */
  revealedTo: number[]
  queue: { id: number; name: string; mode: 'claim' | 'pull' } | null
  takenBy: PersonRef | null
  takenAt: number | null
  startedAt: number | null
  doneAt: number | null
  doneNote: string
  /** The thread line that finished it, with the photos. */
  doneMessageId: number | null
  cancelledAt: number | null
  /** When it last became open: the waiting time counts from here. */
  openedAt: number
  checklist: TaskCheckView[]
  createdBy: PersonRef | null
  reporter: PersonRef | null
  category: { id: number; name: string } | null
  scheduleId: number | null
  /** Messages in its thread (replies to it). */
  threadCount: number
  /** Bumped by every change. */
  version: number
}

export type TaskAction =
  | 'created'
  | 'taken'
  | 'started'
  | 'released'
  | 'returned'
  | 'reassigned'
  | 'done'
  | 'cancelled'
  | 'reopened'
  | 'escalated'
  | 'revealed'
  | 'checked'
  | 'updated'

/** What a message in a customer conversation adds: which way it went and how far it got. */
export interface CustomerMessageFields {
  /** `in` from the customer, `out` from staff (a reply, or an internal note). */
  direction: 'in' | 'out'
  /** A staff note that never goes to the customer. */
  isInternal: boolean
  /** A reply's delivery to the customer: queued, sent, failed; null for the rest. */
  delivery: 'queued' | 'sent' | 'failed' | null
  deliveryError: string | null
  /** The request it belongs to (a new one starts after the shop's quiet period). */
  episode: number
  /** Came in over the customer's rate limit: stored, nobody was notified. */
  isThrottled: boolean
  /** What the customer sent that could not be taken in (a file over 20 MB). */
  notReceived: string | null
  /** The customer's name (on their own messages). */
  customerName: string
}

/** A draft a card stands for, to create in Xero on Confirm. */
export interface CardDraftView {
  kind: 'invoice' | 'bill'
  state: 'preview' | 'created' | 'failed'
  xeroId: string | null
  xeroUrl: string | null
  error: string | null
}

/**
 * A card: a snapshot of an answer from Xero. The body is what this conversation may see (a
 * shared card hides personal details unless its sharer chose to include them); refreshing it
 * or following it further needs `xero.read`, checked by the server.
 */
export interface CardFields {
  cardId: number
  source: 'xero'
  topic: string
  body: CardBody
  organisation: string
  asOf: number
  question: string
  /** Null for the private answer in the asker's own Xero conversation. */
  sharedBy: PersonRef | null
  sharedAt: number | null
  isRedacted: boolean
  draft: CardDraftView | null
}

export interface MessageView {
  id: number
  conversationId: number
  kind: 'text' | 'notice' | 'system' | 'task' | 'card'
  author: PersonRef | null
  body: string
  replyTo: { id: number; authorName: string; excerpt: string; isDeleted: boolean } | null
  clientKey: string | null
  createdAt: number
  editedAt: number | null
  deletedAt: number | null
  /** Deleted by a manager rather than by its author. */
  isRemovedByManager: boolean
  attachments: AttachmentView[]
  reactions: ReactionView[]
  mentionIds: number[]
  notice: NoticeView | null
  task: TaskFields | null
  customer: CustomerMessageFields | null
  card: CardFields | null
  system: { action: string; actorName: string; detail: string } | null
  /** Someone outside the staff, writing in a linked Telegram group (author is then null). */
  guest: { name: string } | null
  /** The message came in through Telegram. */
  via: 'telegram' | null
}

export interface EventMap {
  /** A newcomer asked to join and waits for approval (to managers). */
  'member.requested': { member: MemberSummary }
  /** Someone became an active member (to the shop). */
  'member.joined': { member: MemberSummary }
  /** Your own join request was approved (to the newcomer). */
  'member.approved': { member: MemberSummary }
  'member.rejected': { memberId: number }
  'member.updated': { member: MemberSummary }
  'member.deactivated': { memberId: number }
  'member.reactivated': { member: MemberSummary }
  'session.revoked': { memberId: number; sessionIds: number[] }
  'shop.updated': { name: string; timezone: string }
  'conversation.created': { conversation: ConversationView; memberIds: number[] }
  'conversation.updated': { conversation: ConversationView }
  'conversation.member_added': { conversationId: number; memberId: number }
  'conversation.member_removed': { conversationId: number; memberId: number }
  'message.created': { message: MessageView }
  'message.updated': { message: MessageView }
  'message.deleted': { conversationId: number; messageId: number; isRemovedByManager: boolean }
  'reaction.changed': { conversationId: number; messageId: number; reactions: ReactionView[] }
  'notice.acknowledged': { messageId: number; memberId: number; at: number; ackCount: number; ackTotal: number }
  'notice.unpinned': { messageId: number; reason: 'expired' | 'unpinned' | 'deleted' }
  /** A task changed state (to its conversation): lists refresh, the taker's screen shows the private details. */
  'task.changed': {
    taskId: number
    conversationId: number
    action: TaskAction
    state: TaskState
    takenBy: PersonRef | null
    by: PersonRef | null
    /** Who the change concerns besides the actor (the new assignee, the member a task went back from). */
    memberId: number | null
    title: string
    version: number
  }
  /** A customer conversation's status, assignee, tags, block or reach changed (to its conversation). */
  'customer.changed': {
    conversationId: number
    status: 'open' | 'waiting' | 'solved'
    assigneeId: number | null
    by: PersonRef | null
  }
  /** A reply to a customer was sent, or failed (to its conversation). */
  'customer.delivery': {
    conversationId: number
    messageId: number
    delivery: 'queued' | 'sent' | 'failed'
    deliveryError: string | null
  }
  /** An open task waited too long (to managers). */
  'task.escalated': { taskId: number; conversationId: number; title: string; waitingMs: number }
  'notice.reminder': { messageId: number; title: string; isUrgent: boolean; missingMemberIds: number[] }
  'read.updated': { conversationId: number; memberId: number; lastReadId: number }
  'directory.changed': { memberId: number }
  'page.changed': { pageId: number; title: string; showOnWall: boolean }
  'page.deleted': { pageId: number }
  /** The bot confirmed a link, or the member unlinked from Telegram (to that member). */
  'telegram.link_changed': { memberId: number; isLinked: boolean }
  /** A Telegram group was linked to a conversation or unlinked (to managers). */
  'telegram.group_changed': { chatId: number; conversationId: number | null }
  'presence.changed': {
    memberId: number
    presence: Presence
    shiftStatus: ShiftStatus
    shiftStatusUntil: number | null
  }
}

export type EventType = keyof EventMap

/** Who may receive an event; the hub filters every event through this. */
export type Audience =
  { kind: 'shop' } | { kind: 'member'; id: number } | { kind: 'managers' } | { kind: 'conversation'; id: number }

export interface NewEvent<T extends EventType = EventType> {
  type: T
  audience: Audience
  data: EventMap[T]
}

export interface StoredEvent<T extends EventType = EventType> extends NewEvent<T> {
  id: number
  at: number
}

/** What travels over /ws from server to client. */
export type ServerFrame =
  | { kind: 'hello'; lastEventId: number; version: string }
  | { kind: 'event'; id: number; type: EventType; data: unknown; at: number }
  | { kind: 'caught-up'; lastEventId: number }
  | { kind: 'resync'; lastEventId: number }
  | { kind: 'signed-out'; reason: 'deactivated' | 'session-revoked' }
  | { kind: 'pong' }
  | { kind: 'typing'; conversationId: number; memberId: number }

/** What a client may send. */
export type ClientFrame =
  { kind: 'ping' } | { kind: 'visibility'; visible: boolean } | { kind: 'typing'; conversationId: number }

export function audienceColumns(audience: Audience): { audience_kind: AudienceKind; audience_id: number | null } {
  return {
    audience_kind: audience.kind,
    audience_id: audience.kind === 'member' || audience.kind === 'conversation' ? audience.id : null,
  }
}

export function audienceFromColumns(kind: AudienceKind, id: number | null): Audience {
  if (kind === 'member' || kind === 'conversation') return { kind, id: id ?? 0 }
  return { kind }
}
