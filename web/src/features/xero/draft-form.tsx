/**
 * A new invoice draft: who it is for and its lines, then the preview card Xero's figures
 * came back on, whose Confirm creates the draft in Xero. Nothing reaches Xero before that.
 */
import './card-messages'
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { Dialog } from '../../ui/dialog'
import { Field, FormError } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { parseAmount } from './amount'
import { CardView, snapshotOf } from './card-view'
import { cardErrorMessage, cardsApi, type InvoiceLineInput, type XeroCardView } from './cards-api'

/**
 * The two steps of a draft in one dialog: the form, then its preview with Confirm. "Change"
 * goes back to the form as it was; once the draft is created there is only "Done".
 */
export function DraftDialog({
  title,
  preview,
  onChange,
  onPreview,
  onClose,
  children,
}: {
  title: string
  preview: XeroCardView | null
  onChange: () => void
  onPreview: (view: XeroCardView) => void
  onClose: () => void
  children: ComponentChildren
}) {
  const isCreated = preview?.draft?.state === 'created'
  return (
    <Dialog title={title} onClose={onClose}>
      {preview ? (
        <div class="xero-draft-preview">
          {/* A name that matched several contacts comes back as a pick-list: a pick drafts again in the conversation. */}
          <CardView card={snapshotOf(preview)} onAnswer={onPreview} canShare={false} onAsked={onClose} />
          {isCreated ? (
            <Button variant="primary" isBlock onClick={onClose}>
              {t('common.done')}
            </Button>
          ) : (
            <Button variant="ghost" isBlock icon="edit" onClick={onChange}>
              {t('xeroCard.change')}
            </Button>
          )}
        </div>
      ) : (
        children
      )}
    </Dialog>
  )
}

interface LineDraft {
  key: number
  description: string
  itemCode: string
  quantity: string
  unitAmount: string
}

interface LineErrors {
  what?: string
  quantity?: string
  unitAmount?: string
}

const MAX_LINES = 20
let nextLineKey = 1

function emptyLine(): LineDraft {
  return { key: nextLineKey++, description: '', itemCode: '', quantity: '1', unitAmount: '' }
}

export function InvoiceDraftDialog({ onClose }: { onClose: () => void }) {
  const [contact, setContact] = useState('')
  const [reference, setReference] = useState('')
  const [lines, setLines] = useState<LineDraft[]>(() => [emptyLine()])
  const [errors, setErrors] = useState<{ contact?: string; lines: LineErrors[]; form?: string }>({ lines: [] })
  const [isBusy, setBusy] = useState(false)
  const [preview, setPreview] = useState<XeroCardView | null>(null)

  const patchLine = (key: number, change: Partial<LineDraft>) =>
    setLines((list) => list.map((line) => (line.key === key ? { ...line, ...change } : line)))

  const submit = async (event: Event) => {
    event.preventDefault()
    if (isBusy) return
    const lineErrors: LineErrors[] = []
    const inputs: InvoiceLineInput[] = []
    for (const line of lines) {
      const found: LineErrors = {}
      const quantity = parseAmount(line.quantity)
      const unitAmount = parseAmount(line.unitAmount)
      if (!line.description.trim() && !line.itemCode.trim()) found.what = t('xeroCard.lineNeedsWhat')
      if (quantity === null || quantity <= 0) found.quantity = t('xeroCard.numberNeeded')
      if (unitAmount === null) found.unitAmount = t('xeroCard.numberNeeded')
      lineErrors.push(found)
      inputs.push({
        ...(line.description.trim() ? { description: line.description.trim() } : {}),
        ...(line.itemCode.trim() ? { itemCode: line.itemCode.trim() } : {}),
        quantity: quantity ?? 0,
        unitAmount: unitAmount ?? 0,
      })
    }
    const contactError = contact.trim() ? undefined : t('xeroCard.contactRequired')
    setErrors({ contact: contactError, lines: lineErrors })
    if (contactError || lineErrors.some((found) => Object.keys(found).length > 0)) return
    setBusy(true)
    try {
      const { card } = await cardsApi.draftInvoice({
        contact: contact.trim(),
        lines: inputs,
        ...(reference.trim() ? { reference: reference.trim() } : {}),
      })
      setPreview(card)
    } catch (failure) {
      setErrors({ lines: [], form: cardErrorMessage(failure) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <DraftDialog
      title={t('xeroCard.invoiceTitle')}
      preview={preview}
      onPreview={setPreview}
      onChange={() => setPreview(null)}
      onClose={onClose}
    >
      <form class="form xero-draft-form" onSubmit={submit} noValidate>
        <Field
          label={t('xeroCard.contact')}
          hint={t('xeroCard.contactHint')}
          value={contact}
          onValue={setContact}
          error={errors.contact}
          maxLength={200}
          autoComplete="off"
        />
        {lines.map((line, index) => {
          const found = errors.lines[index] ?? {}
          const n = index + 1
          return (
            <fieldset key={line.key} class="xero-line">
              <legend class="field-label">{t('xeroCard.lineLegend', { n })}</legend>
              {lines.length > 1 ? (
                <button
                  type="button"
                  class="icon-button xero-line-remove"
                  aria-label={t('xeroCard.removeLine', { n })}
                  onClick={() => setLines((list) => list.filter((other) => other.key !== line.key))}
                >
                  <Icon name="trash" size={20} />
                </button>
              ) : null}
              <Field
                label={t('xeroCard.description')}
                value={line.description}
                onValue={(description) => patchLine(line.key, { description })}
                error={found.what}
                maxLength={500}
              />
              <Field
                label={t('xeroCard.itemCode')}
                hint={t('xeroCard.itemCodeHint')}
                value={line.itemCode}
                onValue={(itemCode) => patchLine(line.key, { itemCode })}
                maxLength={30}
                autoComplete="off"
              />
              <div class="xero-line-numbers">
                <Field
                  label={t('xeroCard.quantity')}
                  value={line.quantity}
                  onValue={(quantity) => patchLine(line.key, { quantity })}
                  error={found.quantity}
                  inputMode="decimal"
                  maxLength={12}
                />
                <Field
                  label={t('xeroCard.unitAmount')}
                  value={line.unitAmount}
                  onValue={(unitAmount) => patchLine(line.key, { unitAmount })}
                  error={found.unitAmount}
                  inputMode="decimal"
                  maxLength={14}
                />
              </div>
            </fieldset>
          )
        })}
        {lines.length < MAX_LINES ? (
          <Button variant="ghost" icon="plus" onClick={() => setLines((list) => [...list, emptyLine()])}>
            {t('xeroCard.addLine')}
          </Button>
        ) : null}
        <Field
          label={t('xeroCard.reference')}
          hint={t('xeroCard.referenceHint')}
          value={reference}
          onValue={setReference}
          maxLength={255}
          autoComplete="off"
        />
        <FormError message={errors.form} />
        <Button type="submit" variant="primary" isBlock icon="eye" isBusy={isBusy}>
          {t('xeroCard.preview')}
        </Button>
      </form>
    </DraftDialog>
  )
}
