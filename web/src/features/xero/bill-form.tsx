/**
 * A bill (or receipt) from a photo: the photo or PDF uploads as soon as it is picked, the
 * way chat attachments do; the supplier, total, date and reference are typed. The preview's
 * Confirm creates the draft bill in Xero with the photo attached.
 */
import './card-messages'
import '../chat/chat.css'
import { useEffect, useRef, useState } from 'preact/hooks'
import { shopToday } from '../../lib/format'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { Field, FormError } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { FileInputs } from '../chat/attach-menu'
import { TrayView, useAttachmentTray } from '../chat/attachment-tray'
import { cardErrorMessage, cardsApi, type XeroCardView } from './cards-api'
import { parseAmount } from './amount'
import { DraftDialog } from './draft-form'

interface BillErrors {
  photo?: string
  supplier?: string
  amount?: string
  form?: string
}

export function BillDialog({ onClose }: { onClose: () => void }) {
  const [supplier, setSupplier] = useState('')
  const [amount, setAmount] = useState('')
  const [date, setDate] = useState(() => shopToday())
  const [reference, setReference] = useState('')
  const [errors, setErrors] = useState<BillErrors>({})
  const [isBusy, setBusy] = useState(false)
  const [preview, setPreview] = useState<XeroCardView | null>(null)
  const tray = useAttachmentTray()
  const photo = useRef<HTMLInputElement>(null)
  const video = useRef<HTMLInputElement>(null)
  const file = useRef<HTMLInputElement>(null)

  // One bill, one photo: a newer pick replaces the one before.
  useEffect(() => {
    for (const item of tray.items.slice(0, -1)) tray.remove(item.id)
  }, [tray.items.length])

  const fileId = tray.inputs[0] && 'fileId' in tray.inputs[0] ? tray.inputs[0].fileId : null
  const photoError = fileId === null && tray.items.length === 0 ? errors.photo : undefined

  const submit = async (event: Event) => {
    event.preventDefault()
    if (isBusy) return
    const total = parseAmount(amount)
    const found: BillErrors = {}
    if (fileId === null) found.photo = t('xeroCard.photoRequired')
    if (!supplier.trim()) found.supplier = t('xeroCard.supplierRequired')
    if (total === null || total <= 0) found.amount = t('xeroCard.amountRequired')
    setErrors(found)
    if (fileId === null || total === null || Object.keys(found).length > 0) return
    setBusy(true)
    try {
      const { card } = await cardsApi.draftBill({
        supplier: supplier.trim(),
        amount: total,
        fileId,
        ...(date ? { date } : {}),
        ...(reference.trim() ? { reference: reference.trim() } : {}),
      })
      setPreview(card)
    } catch (failure) {
      setErrors({ form: cardErrorMessage(failure) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <DraftDialog
      title={t('xeroCard.billTitle')}
      preview={preview}
      onPreview={setPreview}
      onChange={() => setPreview(null)}
      onClose={onClose}
    >
      <form class="form xero-draft-form" onSubmit={submit} noValidate>
        <fieldset class="xero-bill-photo">
          <legend class="field-label">{t('xeroCard.billPhotoLegend')}</legend>
          <div class="xero-bill-pick">
            <Button icon="camera" onClick={() => photo.current?.click()}>
              {t('xeroCard.takePhoto')}
            </Button>
            <Button icon="paperclip" onClick={() => file.current?.click()}>
              {t('xeroCard.chooseFile')}
            </Button>
          </div>
          <FileInputs tray={tray} inputs={{ photo, video, file }} />
          <TrayView tray={tray} />
          {photoError ? (
            <p class="field-error" role="alert">
              <Icon name="alert" size={16} /> {photoError}
            </p>
          ) : null}
        </fieldset>
        <Field
          label={t('xeroCard.supplier')}
          value={supplier}
          onValue={setSupplier}
          error={errors.supplier}
          maxLength={200}
          autoComplete="off"
        />
        <Field
          label={t('xeroCard.amount')}
          value={amount}
          onValue={setAmount}
          error={errors.amount}
          inputMode="decimal"
          maxLength={14}
        />
        <Field label={t('xeroCard.date')} type="date" value={date} onValue={setDate} />
        <Field
          label={t('xeroCard.reference')}
          hint={t('xeroCard.referenceHint')}
          value={reference}
          onValue={setReference}
          maxLength={255}
          autoComplete="off"
        />
        <FormError message={errors.form} />
        <Button type="submit" variant="primary" isBlock icon="eye" isBusy={isBusy} disabled={tray.isBusy}>
          {t('xeroCard.preview')}
        </Button>
      </form>
    </DraftDialog>
  )
}
