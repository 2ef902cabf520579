/**
 * Sharing a card into a conversation the member may write in. The card is fetched first to
 * learn whether it holds emails, phone numbers or bank details: only then is there a choice
 * to include them, and it starts off.
 */
import './card-messages'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { can } from '../../lib/session'
import { Button } from '../../ui/button'
import { Dialog } from '../../ui/dialog'
import { Loading } from '../../ui/empty-state'
import { CheckField, FormError, SelectField } from '../../ui/field'
import { LoadError } from '../../ui/load-error'
import { toast } from '../../ui/toast'
import type { ConversationItem } from '../chat/chat-api'
import { conversationTitle } from '../chat/people'
import { sortedConversations } from '../chat/store'
import { cardErrorMessage, cardsApi, type XeroCardView } from './cards-api'

/** Where a card may go: not back into a Xero conversation, not the board without the right to post there. */
function canShareTo(conversation: ConversationItem): boolean {
  if (conversation.isArchived || conversation.kind === 'xero') return false
  return conversation.kind !== 'board' || can('board.post')
}

function targetLabel(conversation: ConversationItem): string {
  const title = conversationTitle(conversation)
  return conversation.kind === 'channel' ? `#${title}` : title
}

export function ShareDialog({ cardId, onClose }: { cardId: number; onClose: () => void }) {
  // The most recent conversations first; the board, which everyone sees, last.
  const targets = sortedConversations.value
    .filter(canShareTo)
    .sort((a, b) => Number(a.kind === 'board') - Number(b.kind === 'board'))
  const [card, setCard] = useState<XeroCardView | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [targetId, setTargetId] = useState(String(targets[0]?.id ?? ''))
  const [includePersonal, setIncludePersonal] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  const load = () => {
    setLoadError(null)
    cardsApi.card(cardId).then(setCard, (failure: unknown) => setLoadError(cardErrorMessage(failure)))
  }
  useEffect(load, [cardId])

  const submit = async () => {
    const target = targets.find((conversation) => String(conversation.id) === targetId)
    if (!target || isBusy) return
    setBusy(true)
    setError(null)
    try {
      await cardsApi.share(cardId, target.id, !!card?.hasPersonalDetails && includePersonal)
      toast(t('xeroCard.shared', { name: targetLabel(target) }))
      onClose()
    } catch (failure) {
      setError(cardErrorMessage(failure))
      setBusy(false)
    }
  }

  return (
    <Dialog
      title={t('xeroCard.shareTitle')}
      onClose={onClose}
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            variant="primary"
            icon="share"
            isBusy={isBusy}
            disabled={!card || !targetId}
            onClick={() => void submit()}
          >
            {t('xeroCard.shareButton')}
          </Button>
        </>
      }
    >
      {targets.length === 0 ? (
        <p class="muted">{t('xeroCard.shareNowhere')}</p>
      ) : loadError ? (
        <LoadError message={loadError} onRetry={load} />
      ) : !card ? (
        <Loading label={t('xeroCard.loading')} />
      ) : (
        <>
          <p class="xero-share-card">{card.body.title}</p>
          <SelectField
            label={t('xeroCard.shareTo')}
            value={targetId}
            onValue={setTargetId}
            options={targets.map((conversation) => ({
              value: String(conversation.id),
              label: targetLabel(conversation),
            }))}
            hint={t('xeroCard.shareHint')}
          />
          {card.hasPersonalDetails ? (
            <CheckField
              label={t('xeroCard.shareIncludePersonal')}
              hint={t('xeroCard.shareIncludePersonalHint')}
              checked={includePersonal}
              onChecked={setIncludePersonal}
            />
          ) : null}
        </>
      )}
      <FormError message={error} />
    </Dialog>
  )
}
