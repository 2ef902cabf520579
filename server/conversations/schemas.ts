import { Type } from 'typebox'
import { Body, EpochMs, Nullable } from '../shared/schemas'
import type { MessageKinds } from './kinds'

export const PersonRefSchema = Type.Object({ id: Type.Integer(), username: Type.String(), displayName: Type.String() })

export const ConversationKindSchema = Type.Union([
  Type.Literal('board'),
  Type.Literal('channel'),
  Type.Literal('direct'),
  Type.Literal('customer'),
  Type.Literal('xero'),
])

const conversationFields = {
  id: Type.Integer(),
  kind: ConversationKindSchema,
  name: Type.String(),
  topic: Type.String(),
  isPrivate: Type.Boolean(),
  isArchived: Type.Boolean(),
  createdBy: Nullable(Type.Integer()),
  createdAt: Type.Number(),
  lastMessageId: Type.Integer(),
  lastMessageAt: Nullable(Type.Number()),
  memberCount: Type.Integer(),
  members: Type.Array(PersonRefSchema),
  /** A customer conversation's status; null for every other kind. */
  status: Nullable(Type.Union([Type.Literal('open'), Type.Literal('waiting'), Type.Literal('solved')])),
  /** Who answers a customer conversation; null when nobody is. */
  assigneeId: Nullable(Type.Integer()),
}

export const ConversationSchema = Type.Object(conversationFields)

export const ConversationListItemSchema = Type.Object({
  ...conversationFields,
  unreadCount: Type.Integer(),
  mentionCount: Type.Integer(),
  lastReadId: Type.Integer(),
  isAdmin: Type.Boolean(),
  mutedUntil: Nullable(Type.Number()),
  lastMessage: Nullable(
    Type.Object({
      id: Type.Integer(),
      author: Nullable(Type.Object({ id: Type.Integer(), displayName: Type.String() })),
      preview: Type.String(),
      kind: Type.Union([
        Type.Literal('text'),
        Type.Literal('notice'),
        Type.Literal('system'),
        Type.Literal('task'),
        Type.Literal('card'),
      ]),
      at: Type.Number(),
    }),
  ),
})

export const ConversationDetailSchema = Type.Object({
  ...conversationFields,
  people: Type.Array(
    Type.Object({
      id: Type.Integer(),
      username: Type.String(),
      displayName: Type.String(),
      isAdmin: Type.Boolean(),
      lastReadId: Type.Integer(),
    }),
  ),
})

export const AttachmentSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.Union([
    Type.Literal('image'),
    Type.Literal('video'),
    Type.Literal('audio'),
    Type.Literal('file'),
    Type.Literal('location'),
  ]),
  name: Type.String(),
  fileId: Nullable(Type.Integer()),
  url: Nullable(Type.String()),
  thumbnailUrl: Nullable(Type.String()),
  mime: Nullable(Type.String()),
  size: Nullable(Type.Integer()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  latitude: Nullable(Type.Number()),
  longitude: Nullable(Type.Number()),
  accuracyM: Nullable(Type.Number()),
})

export const ReactionSchema = Type.Object({
  emoji: Type.String(),
  count: Type.Integer(),
  memberIds: Type.Array(Type.Integer()),
})

/**
 * The fields every message has on the wire. A kind's own field (a notice's `notice`) comes
 * from the kind registry: see `messageSchema`.
 */
export const messageCoreFields = {
  id: Type.Integer(),
  conversationId: Type.Integer(),
  kind: Type.Union([
    Type.Literal('text'),
    Type.Literal('notice'),
    Type.Literal('system'),
    Type.Literal('task'),
    Type.Literal('card'),
  ]),
  author: Nullable(PersonRefSchema),
  body: Type.String(),
  replyTo: Nullable(
    Type.Object({ id: Type.Integer(), authorName: Type.String(), excerpt: Type.String(), isDeleted: Type.Boolean() }),
  ),
  clientKey: Nullable(Type.String()),
  createdAt: Type.Number(),
  editedAt: Nullable(Type.Number()),
  deletedAt: Nullable(Type.Number()),
  isRemovedByManager: Type.Boolean(),
  attachments: Type.Array(AttachmentSchema),
  reactions: Type.Array(ReactionSchema),
  mentionIds: Type.Array(Type.Integer()),
  system: Nullable(Type.Object({ action: Type.String(), actorName: Type.String(), detail: Type.String() })),
  guest: Nullable(Type.Object({ name: Type.String() })),
  via: Nullable(Type.Literal('telegram')),
}

/** A message on the wire: the core fields and each registered kind's field (null on other kinds' messages). */
export function messageSchema(kinds: MessageKinds) {
  return Type.Object({ ...messageCoreFields, ...kinds.viewFieldSchemas() })
}

export const MyAcksSchema = Type.Array(Type.Object({ messageId: Type.Integer(), at: Type.Number() }))

/** A page of history for the web app: its messages and the reader's own acknowledgements among them. */
export function historySchema(kinds: MessageKinds) {
  return Type.Object({ messages: Type.Array(messageSchema(kinds)), acknowledged: MyAcksSchema })
}

export const ClientKey = Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })

export const AttachmentInputSchema = Type.Union([
  Type.Object(
    {
      fileId: Type.Integer({ minimum: 1 }),
      thumbnailFileId: Type.Optional(Type.Integer({ minimum: 1 })),
      name: Type.Optional(Type.String({ maxLength: 200 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      location: Type.Object(
        {
          latitude: Type.Number({ minimum: -90, maximum: 90 }),
          longitude: Type.Number({ minimum: -180, maximum: 180 }),
          accuracyM: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
])

/** Generous at the schema level (multi-byte text); the service enforces 4,000 characters. */
export const MessageText = Type.String({ maxLength: 16_000 })

export const SendBody = Body({
  body: MessageText,
  clientKey: ClientKey,
  replyToId: Type.Optional(Type.Integer({ minimum: 1 })),
  attachments: Type.Optional(Type.Array(AttachmentInputSchema, { maxItems: 10 })),
  /** In a customer conversation: a note for colleagues, never sent to the customer. */
  isInternal: Type.Optional(Type.Boolean()),
})

export const EditBody = Body({ body: MessageText })

export const MessageRevisionSchema = Type.Object({
  id: Type.Integer(),
  body: Type.String(),
  title: Nullable(Type.String()),
  editedAt: Type.Number(),
  editedBy: Nullable(PersonRefSchema),
})

export const ReactionBody = Body({ emoji: Type.String({ minLength: 1, maxLength: 32 }), isOn: Type.Boolean() })

export const NewConversationBody = Type.Union([
  Body({
    kind: Type.Literal('channel'),
    name: Type.String({ minLength: 1, maxLength: 60 }),
    topic: Type.Optional(Type.String({ maxLength: 250 })),
    isPrivate: Type.Boolean(),
    memberIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 500 })),
  }),
  Body({
    kind: Type.Literal('direct'),
    memberIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 7 }),
  }),
])

export const UpdateConversationBody = Body({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  topic: Type.Optional(Type.String({ maxLength: 250 })),
})

export const MemberIdsBody = Body({
  memberIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 500 }),
})

export const HistoryQuerySchema = Type.Object(
  {
    beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
    afterId: Type.Optional(Type.Integer({ minimum: 0 })),
    aroundId: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
)

// Past the newest message means "read up to the end"; past what JSON carries exactly is a mistake.
export const ReadBody = Body({ lastReadId: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) })

export const SearchQuerySchema = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 200 }),
    conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
    authorId: Type.Optional(Type.Integer({ minimum: 1 })),
    hasAttachment: Type.Optional(Type.Boolean()),
    from: Type.Optional(EpochMs),
    to: Type.Optional(EpochMs),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
)

export const SearchHitSchema = Type.Object({
  messageId: Type.Integer(),
  pageId: Nullable(Type.Integer()),
  conversationId: Type.Integer(),
  conversationName: Type.String(),
  conversationKind: Type.String(),
  author: Nullable(PersonRefSchema),
  guestName: Nullable(Type.String()),
  createdAt: Type.Number(),
  kind: Type.String(),
  snippet: Type.String(),
})

export const ConversationMemberParams = Type.Object(
  { id: Type.Integer({ minimum: 1 }), memberId: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
