/**
 * The card kind on the message registry: a message of kind `card` carries a snapshot of an
 * answer from Xero in `MessageView.card`. Everyone who can read the conversation sees the
 * snapshot as it was shared (personal details hidden unless the sharer included them);
 * refreshing it or following it further goes through the Xero routes, which check
 * `xero.read`. Search, push and the Telegram mirror only ever see the message body, which is
 * the snapshot as text. buildApp registers it.
 */
import type { Kysely, Selectable } from 'kysely'
import { Type } from 'typebox'
import type { DB, MessageTable, XeroCardTable } from '../db/schema'
import type { CardDraftView, CardFields, PersonRef } from '../shared/events'
import type { CardBody } from '../shared/card-body'
import { Nullable } from '../shared/schemas'
import type { MessageKinds } from '../conversations/kinds'
import { PersonRefSchema } from '../conversations/schemas'

type MessageRow = Selectable<MessageTable>
type CardRow = Selectable<XeroCardTable>

const FigureSchema = Type.Object({
  label: Type.String(),
  value: Type.String(),
  tone: Nullable(Type.Union([Type.Literal('good'), Type.Literal('bad')])),
})

export const CardBodySchema = Type.Object({
  topic: Type.String(),
  title: Type.String(),
  subtitle: Type.String(),
  figures: Type.Array(FigureSchema),
  table: Nullable(Type.Object({ columns: Type.Array(Type.String()), rows: Type.Array(Type.Array(Type.String())) })),
  records: Type.Array(
    Type.Object({
      type: Type.Union([Type.Literal('invoice'), Type.Literal('contact'), Type.Literal('item'), Type.Literal('bill')]),
      xeroId: Type.String(),
      label: Type.String(),
      question: Type.String(),
    }),
  ),
  choices: Type.Array(Type.Object({ label: Type.String(), question: Type.String() })),
  note: Type.String(),
  xeroUrl: Nullable(Type.String()),
})

export const CardDraftSchema = Type.Object({
  kind: Type.Union([Type.Literal('invoice'), Type.Literal('bill')]),
  state: Type.Union([Type.Literal('preview'), Type.Literal('created'), Type.Literal('failed')]),
  xeroId: Nullable(Type.String()),
  xeroUrl: Nullable(Type.String()),
  error: Nullable(Type.String()),
})

/** A card message's field on the wire (`MessageView.card`). */
export const CardFieldsSchema = Type.Object({
  cardId: Type.Integer(),
  source: Type.Literal('xero'),
  topic: Type.String(),
  body: CardBodySchema,
  organisation: Type.String(),
  asOf: Type.Number(),
  question: Type.String(),
  sharedBy: Nullable(PersonRefSchema),
  sharedAt: Nullable(Type.Number()),
  isRedacted: Type.Boolean(),
  draft: Nullable(CardDraftSchema),
})

/** The draft a card stands for, as the card shows it; null for an answer. */
export function draftView(
  card: Pick<CardRow, 'draft_kind' | 'draft_state' | 'draft_xero_id' | 'draft_xero_url' | 'draft_error'>,
): CardDraftView | null {
  if (card.draft_kind === null || card.draft_state === null) return null
  return {
    kind: card.draft_kind,
    state: card.draft_state,
    xeroId: card.draft_xero_id,
    xeroUrl: card.draft_xero_url,
    error: card.draft_error,
  }
}

export function parseBody(json: string): CardBody {
  return JSON.parse(json) as CardBody
}

/** Card fields for card messages, in two queries for the whole batch. */
export async function cardFields(db: Kysely<DB>, messageIds: readonly number[]): Promise<Map<number, CardFields>> {
  const map = new Map<number, CardFields>()
  if (messageIds.length === 0) return map
  const rows = await db
    .selectFrom('card_message as cm')
    .innerJoin('xero_card as c', 'c.id', 'cm.card_id')
    .leftJoin('member as m', 'm.id', 'cm.shared_by')
    .select([
      'cm.message_id',
      'cm.card_id',
      'cm.body',
      'cm.as_of',
      'cm.shared_at',
      'cm.include_personal',
      'cm.shared_by',
      'm.username',
      'm.display_name',
      'c.topic',
      'c.question',
      'c.organisation',
      'c.draft_kind',
      'c.draft_state',
      'c.draft_xero_id',
      'c.draft_xero_url',
      'c.draft_error',
    ])
    .where('cm.message_id', 'in', messageIds)
    .execute()
  for (const row of rows) {
    const sharedBy: PersonRef | null =
      row.shared_by === null || row.username === null || row.display_name === null
        ? null
        : { id: row.shared_by, username: row.username, displayName: row.display_name }
    map.set(row.message_id, {
      cardId: row.card_id,
      source: 'xero',
      topic: row.topic,
      body: parseBody(row.body),
      organisation: row.organisation,
      asOf: row.as_of,
      question: row.question,
      sharedBy,
      sharedAt: row.shared_at,
      isRedacted: row.include_personal === 0,
      draft: draftView(row),
    })
  }
  return map
}

/**
 * The card as the message's text: what search indexes and what push and the Telegram mirror
 * show, built from the snapshot this conversation may see and nothing else.
 */
export function cardText(body: CardBody): string {
  const lines = [body.title]
  if (body.subtitle) lines.push(body.subtitle)
  for (const figure of body.figures) lines.push(`${figure.label}: ${figure.value}`)
  if (body.table)
    for (const row of body.table.rows.slice(0, 8)) lines.push(row.filter((cell) => cell !== '').join(' · '))
  if (body.note) lines.push(body.note)
  return lines.join('\n').slice(0, 4000)
}

export function registerCardKind(kinds: MessageKinds): void {
  kinds.register({
    kind: 'card',
    field: 'card',
    schema: CardFieldsSchema,
    hydrate: (db, rows: readonly MessageRow[]) =>
      cardFields(
        db,
        rows.map((row) => row.id),
      ),
    searchText: (view) => view.card?.body.title ?? '',
    notification: (view) => ({
      title: view.card?.sharedBy ? `${view.card.sharedBy.displayName} shared from Xero` : 'Xero',
      body: view.card?.body.title ?? '',
      tag: `message-${view.conversationId}`,
      url: `/chat/${view.conversationId}?at=${view.id}`,
      isUrgent: false,
    }),
  })
}
