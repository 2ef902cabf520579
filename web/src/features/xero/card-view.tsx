/**
 * A Xero card: the asker's private answer and the snapshot shared into a conversation are
 * the same component. Everyone in the conversation reads it; members who may read Xero also
 * refresh it, open its records, pick from its choices, share it and confirm its draft (the
 * server checks each of these again). Others see who shared it, and whom to ask.
 */
import './card-messages'
import './card.css'
import { useId, useRef, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { currentPath, navigate } from '../../lib/router'
import { can } from '../../lib/session'
import { Button, LinkButton } from '../../ui/button'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import type { MessageView } from '../chat/chat-api'
import { formatWhen } from '../chat/time'
import {
  cardErrorMessage,
  cardsApi,
  xeroConversationId,
  type CardBody,
  type CardDraftView,
  type CardFields,
  type XeroCardView,
} from './cards-api'
import { ShareDialog } from './share-dialog'

/** What the server puts where it hid an email, a phone number or a bank account (server/xero/card.ts). */
const HIDDEN = '•••'

/** What a card shows, whether it came on a message or straight from the API. */
export type CardSnapshot = Pick<
  CardFields,
  'cardId' | 'body' | 'organisation' | 'asOf' | 'sharedBy' | 'sharedAt' | 'isRedacted' | 'draft'
>

/** The asker's own view of a card, as a snapshot nobody shared. */
export function snapshotOf(view: XeroCardView): CardSnapshot {
  return {
    cardId: view.id,
    body: view.body,
    organisation: view.organisation,
    asOf: view.asOf,
    sharedBy: null,
    sharedAt: null,
    isRedacted: false,
    draft: view.draft,
  }
}

/**
 * Asks a question as its own card in the member's Xero conversation (the server keeps the
 * question and the answer there), then opens that conversation.
 */
export async function askAndOpen(question: string): Promise<void> {
  await cardsApi.ask(question)
  const conversationId = await xeroConversationId()
  const path = `/chat/${conversationId}`
  if (currentPath.value !== path) navigate(path)
}

/** A card message in a conversation; `onRemove` for its sharer and managers (a card shared by mistake). */
export function MessageCard({
  message,
  isHighlighted,
  onRemove,
}: {
  message: MessageView
  isHighlighted?: boolean | undefined
  onRemove?: (() => void) | undefined
}) {
  const card = message.card as CardFields
  // What a refresh or a confirm answered, until the message itself catches up (message.updated).
  const [answered, setAnswered] = useState<{ base: CardFields; view: XeroCardView } | null>(null)
  let shown: CardSnapshot = card
  if (answered?.base === card) {
    // A shared snapshot keeps its own (possibly redacted) body: only the draft's state is taken.
    shown = card.sharedBy ? { ...card, draft: answered.view.draft } : snapshotOf(answered.view)
  }
  return (
    <CardView
      card={shown}
      isHighlighted={isHighlighted}
      onAnswer={(view) => setAnswered({ base: card, view })}
      canShare
      onRemove={card.sharedBy ? onRemove : undefined}
    />
  )
}

interface CardViewProps {
  card: CardSnapshot
  /** Called with the card a refresh or a confirm answered. */
  onAnswer: (view: XeroCardView) => void
  /** False for a draft's preview in its form: it is shared from the conversation, if at all. */
  canShare: boolean
  /** Called once a record or choice was asked (its answer is in the Xero conversation). */
  onAsked?: (() => void) | undefined
  /** Takes a shared card out of its conversation (after asking). */
  onRemove?: (() => void) | undefined
  isHighlighted?: boolean | undefined
}

export function CardView({ card, onAnswer, canShare, onAsked, onRemove, isHighlighted }: CardViewProps) {
  const { body, draft } = card
  const titleId = useId()
  const canRead = can('xero.read')
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isSharing, setSharing] = useState(false)

  const run = async (key: string, action: () => Promise<void>) => {
    if (busy) return
    setBusy(key)
    setError(null)
    try {
      await action()
    } catch (failure) {
      setError(cardErrorMessage(failure))
    } finally {
      setBusy(null)
    }
  }
  const ask = (key: string, question: string) =>
    void run(key, async () => {
      await askAndOpen(question)
      onAsked?.()
    })
  const refresh = () =>
    void run('refresh', async () => {
      onAnswer((await cardsApi.refresh(card.cardId)).card)
      toast(t('xeroCard.refreshed'))
    })

  // A draft is created once, not asked again: no refresh, no sharing of its preview. A
  // pick-list is a question back to the asker, not an answer to share.
  const canRefresh = canRead && draft === null
  const isShareable = canRead && canShare && draft === null && body.choices.length === 0
  const xeroUrl = canRead && !draft?.xeroUrl ? body.xeroUrl : null
  const hasActions = canRefresh || isShareable || xeroUrl !== null || onRemove !== undefined
  const classes = ['xero-card', draft ? 'xero-card-draft' : '', isHighlighted ? 'is-highlighted' : '']
  return (
    <article class={classes.filter(Boolean).join(' ')} aria-labelledby={titleId} data-card-id={card.cardId}>
      <p class="xero-card-kind">{t('xeroCard.kind')}</p>
      <h3 class="xero-card-title" id={titleId}>
        {body.title}
      </h3>
      {body.subtitle ? <p class="xero-card-subtitle">{body.subtitle}</p> : null}
      <Figures figures={body.figures} />
      {body.table && body.table.rows.length > 0 ? <CardTable table={body.table} title={body.title} /> : null}
      {body.note ? <p class="xero-card-note">{body.note}</p> : null}
      {canRead && body.records.length > 0 ? (
        <ul class="xero-records" aria-label={t('xeroCard.recordsLabel')}>
          {body.records.map((record) => {
            const key = `record:${record.type}:${record.xeroId}`
            return (
              <li key={key}>
                <button
                  type="button"
                  class="xero-record"
                  disabled={busy !== null}
                  aria-busy={busy === key ? 'true' : undefined}
                  onClick={() => ask(key, record.question)}
                >
                  {busy === key ? <span class="spinner" aria-hidden="true" /> : null}
                  <span>{record.label}</span>
                  <Icon name="chevronRight" size={16} />
                </button>
              </li>
            )
          })}
        </ul>
      ) : null}
      {canRead && body.choices.length > 0 ? (
        <div class="xero-choices" role="group" aria-label={t('xeroCard.choicesLabel')}>
          {body.choices.map((choice, index) => (
            <Button
              key={choice.question}
              isBlock
              isBusy={busy === `choice:${index}`}
              disabled={busy !== null}
              onClick={() => ask(`choice:${index}`, choice.question)}
            >
              {choice.label}
            </Button>
          ))}
        </div>
      ) : null}
      {draft ? <DraftPart cardId={card.cardId} draft={draft} onAnswer={onAnswer} /> : null}
      {error ? (
        <p class="xero-card-error" role="alert">
          {error}
        </p>
      ) : null}
      <p class="xero-card-foot">
        {card.sharedBy ? <span class="xero-card-shared">{sharedLine(card, canRead)}</span> : null}
        <span>
          {card.organisation
            ? t('xeroCard.asOfOrganisation', { time: formatWhen(card.asOf), organisation: card.organisation })
            : t('xeroCard.asOf', { time: formatWhen(card.asOf) })}
        </span>
        {card.isRedacted && JSON.stringify(body).includes(HIDDEN) ? <span>{t('xeroCard.redacted')}</span> : null}
      </p>
      {hasActions ? (
        <div class="xero-card-actions" role="group" aria-label={t('xeroCard.actionsLabel')}>
          {canRefresh ? (
            <Button isSmall icon="refresh" isBusy={busy === 'refresh'} disabled={busy !== null} onClick={refresh}>
              {t('xeroCard.refresh')}
            </Button>
          ) : null}
          {isShareable ? (
            <Button isSmall icon="share" onClick={() => setSharing(true)}>
              {t('xeroCard.share')}
            </Button>
          ) : null}
          {xeroUrl ? (
            <LinkButton isSmall icon="external" href={xeroUrl} target="_blank" rel="noopener noreferrer">
              {t('xeroCard.openInXero')}
            </LinkButton>
          ) : null}
          {onRemove ? (
            <Button isSmall variant="ghost" icon="trash" onClick={onRemove}>
              {t('xeroCard.remove')}
            </Button>
          ) : null}
        </div>
      ) : null}
      {isSharing ? <ShareDialog cardId={card.cardId} onClose={() => setSharing(false)} /> : null}
    </article>
  )
}

/** "Shared by Olivia at 14:02", and for those who cannot look further, whom to ask. */
function sharedLine(card: CardSnapshot, canRead: boolean): string {
  const name = card.sharedBy?.displayName ?? t('xeroCard.someone')
  const time = formatWhen(card.sharedAt ?? card.asOf)
  return t(canRead ? 'xeroCard.sharedBy' : 'xeroCard.sharedByAskMore', { name, time })
}

/** Longer than an amount ("£12,345.67"): a phrase, drawn smaller so it does not fill the card. */
const LONG_FIGURE = 12

/** The key figures, big; a good or bad one says so in words as well as in colour. */
function Figures({ figures }: { figures: CardBody['figures'] }) {
  if (figures.length === 0) return null
  return (
    <dl class="xero-figures">
      {figures.map((figure) => (
        <div key={figure.label} class={figure.tone ? `xero-figure xero-tone-${figure.tone}` : 'xero-figure'}>
          <dt>{figure.label}</dt>
          <dd>
            <span
              class={
                figure.value.length > LONG_FIGURE ? 'xero-figure-value xero-figure-value-long' : 'xero-figure-value'
              }
            >
              {figure.value}
            </span>
            {figure.tone ? (
              <span class="xero-tone-word">
                <Icon name={figure.tone === 'good' ? 'check' : 'alert'} size={14} />
                {figure.tone === 'good' ? t('xeroCard.toneGood') : t('xeroCard.toneBad')}
              </span>
            ) : null}
          </dd>
        </div>
      ))}
    </dl>
  )
}

/** Amounts, quantities and dates line up on the right. */
const NUMERIC = /^[-−+]?[^\d\s]{0,3}\s?[\d.,]+\s?%?[^\d\s]{0,3}$/

/** A short table that scrolls sideways inside the card, so a phone's page never widens. */
function CardTable({ table, title }: { table: NonNullable<CardBody['table']>; title: string }) {
  const numeric = table.columns.map((_, column) =>
    table.rows.every((row) => (row[column] ?? '') === '' || NUMERIC.test((row[column] ?? '').trim())),
  )
  const align = (column: number) => (numeric[column] ? 'xero-num' : undefined)
  return (
    <div class="xero-table-scroll" role="region" aria-label={t('xeroCard.tableLabel', { title })} tabIndex={0}>
      <table class="xero-table">
        <thead>
          <tr>
            {table.columns.map((column, index) => (
              <th key={index} scope="col" class={align(index)}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, rowIndex) => (
            <tr key={rowIndex}>
              {row.map((cell, index) => (
                <td key={index} class={align(index)}>
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/**
 * A draft's step: the preview's Confirm (sent once however often it is tapped; the server
 * keeps an idempotency key too), then "Draft created in Xero" with its link, or why not.
 */
function DraftPart({
  cardId,
  draft,
  onAnswer,
}: {
  cardId: number
  draft: CardDraftView
  onAnswer: (view: XeroCardView) => void
}) {
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  // A second tap can land before the re-render that disables the button.
  const isSending = useRef(false)
  const confirm = async () => {
    if (isSending.current) return
    isSending.current = true
    setBusy(true)
    setError(null)
    try {
      onAnswer((await cardsApi.confirm(cardId)).card)
    } catch (failure) {
      setError(cardErrorMessage(failure))
    } finally {
      isSending.current = false
      setBusy(false)
    }
  }

  const confirmButton = (label: string) =>
    can('xero.write') ? (
      <Button variant="primary" isBlock icon="check" isBusy={isBusy} onClick={() => void confirm()}>
        {label}
      </Button>
    ) : (
      <p class="xero-draft-hint">{t('xeroCard.draftNeedsWrite')}</p>
    )
  const errorLine = error ? (
    <p class="xero-card-error" role="alert">
      {error}
    </p>
  ) : null

  if (draft.state === 'created') {
    return (
      <div class="xero-draft xero-draft-created" role="status">
        <p class="xero-draft-title">
          <Icon name="check" size={20} /> {t('xeroCard.draftCreated')}
        </p>
        {draft.xeroUrl ? (
          <LinkButton isSmall icon="external" href={draft.xeroUrl} target="_blank" rel="noopener noreferrer">
            {t('xeroCard.openDraft')}
          </LinkButton>
        ) : null}
        {/* Created, but a bill's photo did not attach (the note says so): Confirm again attaches it. */}
        {draft.error ? confirmButton(t('xeroCard.confirmAgain')) : null}
        {errorLine}
      </div>
    )
  }
  const hasFailed = draft.state === 'failed'
  return (
    <div class={hasFailed ? 'xero-draft xero-draft-failed' : 'xero-draft'}>
      {/* The preview's own note says nothing is in Xero yet; a failure says why here. */}
      {hasFailed ? (
        <p class="xero-draft-hint">{[t('xeroCard.draftFailed'), draft.error].filter(Boolean).join(' ')}</p>
      ) : null}
      {confirmButton(hasFailed ? t('xeroCard.confirmAgain') : t('xeroCard.confirm'))}
      {errorLine}
    </div>
  )
}
