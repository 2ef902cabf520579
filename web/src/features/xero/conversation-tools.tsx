/**
 * Above the composer of a member's Xero conversation: the common questions one tap away, and
 * for those who may change Xero (when the owner turned writes on) the invoice and bill forms.
 */
import './card-messages'
import './card.css'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import type { MessageKey } from '../../lib/i18n'
import { can } from '../../lib/session'
import { Icon } from '../../ui/icons'
import { toast } from '../../ui/toast'
import { lazyPage } from '../../ui/lazy-page'
import { askAndOpen } from './card-view'
import { cardErrorMessage, cardsApi } from './cards-api'

const InvoiceDraftDialog = lazyPage(() => import('./draft-form').then((m) => m.InvoiceDraftDialog))
const BillDialog = lazyPage(() => import('./bill-form').then((m) => m.BillDialog))

/** The questions are the words the server understands, so they are not translated. */
const QUICK: readonly { label: MessageKey; question: string }[] = [
  { label: 'xeroCard.quickOwed', question: 'who owes us' },
  { label: 'xeroCard.quickBank', question: 'bank balances' },
  { label: 'xeroCard.quickSales', question: 'sales today' },
  { label: 'xeroCard.quickHelp', question: 'help' },
]

export function XeroConversationTools() {
  const [canWrite, setCanWrite] = useState(false)
  const [asking, setAsking] = useState<string | null>(null)
  const [form, setForm] = useState<'invoice' | 'bill' | null>(null)

  useEffect(() => {
    if (!can('xero.write')) return
    cardsApi.status().then(
      (status) => setCanWrite(status.canWrite),
      () => undefined,
    )
  }, [])

  const ask = async (question: string) => {
    if (asking) return
    setAsking(question)
    try {
      await askAndOpen(question)
    } catch (failure) {
      toast(cardErrorMessage(failure), 'error')
    } finally {
      setAsking(null)
    }
  }

  return (
    <div class="xero-tools" role="group" aria-label={t('xeroCard.toolsLabel')}>
      {canWrite ? (
        <>
          <button type="button" class="chip xero-tool" onClick={() => setForm('invoice')}>
            <Icon name="file" size={18} />
            {t('xeroCard.newInvoice')}
          </button>
          <button type="button" class="chip xero-tool" onClick={() => setForm('bill')}>
            <Icon name="camera" size={18} />
            {t('xeroCard.billFromPhoto')}
          </button>
        </>
      ) : null}
      {QUICK.map((quick) => (
        <button
          key={quick.question}
          type="button"
          class="chip xero-tool"
          disabled={asking !== null}
          aria-busy={asking === quick.question ? 'true' : undefined}
          onClick={() => void ask(quick.question)}
        >
          {asking === quick.question ? <span class="spinner" aria-hidden="true" /> : null}
          {t(quick.label)}
        </button>
      ))}
      {form === 'invoice' ? <InvoiceDraftDialog onClose={() => setForm(null)} /> : null}
      {form === 'bill' ? <BillDialog onClose={() => setForm(null)} /> : null}
    </div>
  )
}
