/**
 * The shape of a card: a snapshot of an answer from an outside system (Xero). Messages of kind
 * `card` carry it, so it lives beside the other message views; server/xero/card.ts has what
 * works on it.
 */

/** Which question a card answers; refresh asks the same question again. */
export type CardTopic =
  | 'invoice'
  | 'invoices'
  | 'owed'
  | 'bills'
  | 'contact'
  | 'bank'
  | 'item'
  | 'sales'
  | 'profit'
  | 'help'
  | 'draft'
  | 'alert'
  | 'digest'
  | 'balance'

export interface CardFigure {
  label: string
  value: string
  /** `bad` for overdue or owing, `good` for paid; drawn in colour, read out in words. */
  tone: 'good' | 'bad' | null
}

export interface CardTable {
  columns: string[]
  rows: string[][]
}

/** A record the card is about, which a member with `xero.read` may open as its own question. */
export interface CardRecord {
  type: 'invoice' | 'contact' | 'item' | 'bill'
  xeroId: string
  label: string
  /** The question that opens it ("invoice INV-0042"). */
  question: string
}

/** One line of a pick-list when a name matched more than one thing. */
export interface CardChoice {
  label: string
  question: string
}

export interface CardBody {
  topic: CardTopic
  title: string
  /** One short line under the title ("Acme Ltd · due 3 Dec"); '' for none. */
  subtitle: string
  figures: CardFigure[]
  table: CardTable | null
  records: CardRecord[]
  /** Non-empty when the question was ambiguous: pick one to ask again. */
  choices: CardChoice[]
  /** A plain sentence under the figures ("3 more not shown"); '' for none. */
  note: string
  /** A link to the record in Xero's own app, for those who can sign in there; null for none. */
  xeroUrl: string | null
}
