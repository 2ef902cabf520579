/**
 * Writing a notice: title, Markdown body, attachments, urgent, must-acknowledge with an
 * optional due time, and an optional expiry. The same form edits a notice (without the
 * attachments, which the server does not let you change).
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { addDays, shopMidnight, shopToday } from '../../lib/format'
import { t } from '../../lib/i18n'
import { navigate } from '../../lib/router'
import { Button } from '../../ui/button'
import { confirm, Dialog } from '../../ui/dialog'
import { CheckField, Field, FormError, SelectField } from '../../ui/field'
import { Page } from '../../ui/page'
import { toast } from '../../ui/toast'
import { chatApi, newClientKey, type MessageView } from '../chat/chat-api'
import { AttachMenu } from '../chat/attach-menu'
import { TrayView, useAttachmentTray } from '../chat/attachment-tray'
import { RecordingBar, useVoiceRecorder } from '../chat/voice-recorder'
import '../chat/chat.css'
import './board.css'

type Expiry = 'never' | 'today' | 'tomorrow' | 'week' | 'custom'

/** A datetime-local value read as shop time. */
export function shopLocalToMs(value: string): number | null {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(value)
  if (!match) return null
  const midnight = shopMidnight(match[1] as string)
  if (midnight === undefined) return null
  return midnight + (Number(match[2]) * 60 + Number(match[3])) * 60_000
}

/** Epoch ms as a datetime-local value in shop time. */
export function msToShopLocal(ms: number): string {
  const day = shopToday(ms)
  const minutes = Math.round((ms - (shopMidnight(day) ?? ms)) / 60_000)
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0')
  const mm = String(minutes % 60).padStart(2, '0')
  return `${day}T${hh}:${mm}`
}

function expiryToMs(expiry: Expiry, custom: string, now = Date.now()): number | null {
  const today = shopToday(now)
  switch (expiry) {
    case 'never':
      return null
    case 'today':
      return (shopMidnight(addDays(today, 1)) ?? now) - 60_000
    case 'tomorrow':
      return (shopMidnight(addDays(today, 2)) ?? now) - 60_000
    case 'week':
      return now + 7 * 86_400_000
    case 'custom':
      return shopLocalToMs(custom)
  }
}

interface FormState {
  title: string
  body: string
  isUrgent: boolean
  mustAcknowledge: boolean
  due: string
  expiry: Expiry
  customExpiry: string
}

function fromMessage(message: MessageView | null): FormState {
  const notice = message?.notice
  return {
    title: notice?.title ?? '',
    body: message?.body ?? '',
    isUrgent: notice?.isUrgent ?? false,
    mustAcknowledge: notice?.mustAcknowledge ?? false,
    due: notice?.acknowledgeBy ? msToShopLocal(notice.acknowledgeBy) : '',
    expiry: notice?.expiresAt ? 'custom' : 'never',
    customExpiry: notice?.expiresAt ? msToShopLocal(notice.expiresAt) : '',
  }
}

const FIELD_OF_CODE: Record<string, keyof FormState> = {
  invalid_title: 'title',
  title_too_long: 'title',
  invalid_expiry: 'customExpiry',
  invalid_due_time: 'due',
  message_too_long: 'body',
}

function NoticeForm({
  message,
  onDone,
  onCancel,
}: {
  message: MessageView | null
  onDone: (saved: MessageView) => void
  onCancel?: () => void
}) {
  const [form, setForm] = useState<FormState>(() => fromMessage(message))
  const [errors, setErrors] = useState<{ form: string | null; fields: Partial<Record<keyof FormState, string>> }>({
    form: null,
    fields: {},
  })
  const [isBusy, setBusy] = useState(false)
  const clientKey = useRef(newClientKey())
  const tray = useAttachmentTray()
  const recorder = useVoiceRecorder((blob, duration) => tray.addVoice(blob, duration))
  const bodyId = useId()
  const isNew = message === null
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }))
  const formRef = useRef<HTMLFormElement>(null)
  const shouldFocusInvalid = useRef(false)
  useEffect(() => {
    if (!shouldFocusInvalid.current) return
    shouldFocusInvalid.current = false
    // After a failed submit, take the person to what needs fixing instead of leaving them on the button.
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [errors])

  /** A new notice with a title, text or photo is not thrown away without asking. */
  const cancel = async () => {
    const hasWork = isNew && (form.title.trim() || form.body.trim() || tray.items.length > 0)
    if (hasWork) {
      const isSure = await confirm({
        title: t('board.discardTitle'),
        body: t('board.discardBody'),
        confirmLabel: t('chat.discard'),
        isDanger: true,
      })
      if (!isSure) return
    }
    if (onCancel) onCancel()
    else navigate('/board')
  }

  const submit = async (event: Event) => {
    event.preventDefault()
    if (!form.title.trim()) {
      shouldFocusInvalid.current = true
      setErrors({ form: null, fields: { title: t('board.titleRequired') } })
      return
    }
    const expiresAt = expiryToMs(form.expiry, form.customExpiry)
    if (form.expiry === 'custom' && expiresAt === null) {
      shouldFocusInvalid.current = true
      setErrors({ form: null, fields: { customExpiry: t('board.chooseTime') } })
      return
    }
    const acknowledgeBy = form.mustAcknowledge && form.due ? shopLocalToMs(form.due) : null
    setBusy(true)
    setErrors({ form: null, fields: {} })
    try {
      const fields = {
        title: form.title.trim(),
        body: form.body,
        isUrgent: form.isUrgent,
        mustAcknowledge: form.mustAcknowledge,
        acknowledgeBy,
        expiresAt,
      }
      const saved = isNew
        ? await chatApi.postNotice({ ...fields, clientKey: clientKey.current, attachments: tray.inputs })
        : await chatApi.patchNotice(message.id, fields)
      onDone(saved)
    } catch (error) {
      const field = error instanceof ApiError ? FIELD_OF_CODE[error.code] : undefined
      shouldFocusInvalid.current = true
      setErrors(
        field ? { form: null, fields: { [field]: errorMessage(error) } } : { form: errorMessage(error), fields: {} },
      )
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="form notice-form" onSubmit={submit} noValidate ref={formRef}>
      <Field
        label={t('board.titleLabel')}
        value={form.title}
        onValue={(value) => set('title', value)}
        error={errors.fields.title}
        hint={t('board.titleHint')}
        maxLength={200}
        required
      />
      <div class={errors.fields.body ? 'field field-invalid' : 'field'}>
        <label class="field-label" for={bodyId}>
          {t('board.bodyLabel')}
        </label>
        <textarea
          id={bodyId}
          class="input textarea"
          rows={6}
          value={form.body}
          maxLength={4000}
          onInput={(event) => set('body', event.currentTarget.value)}
          aria-invalid={errors.fields.body ? 'true' : undefined}
          aria-describedby={errors.fields.body ? `${bodyId}-hint ${bodyId}-error` : `${bodyId}-hint`}
        />
        <p class="field-hint" id={`${bodyId}-hint`}>
          {t('board.bodyHint')}
        </p>
        {errors.fields.body ? (
          <p class="field-error" id={`${bodyId}-error`} role="alert">
            {errors.fields.body}
          </p>
        ) : null}
      </div>
      {isNew ? (
        <div class="field notice-attach">
          <span class="field-label">{t('chat.attachments')}</span>
          <TrayView tray={tray} />
          <div class="notice-attach-row">
            <AttachMenu tray={tray} onVoice={() => void recorder.start()} isDisabled={recorder.isRecording} />
            {recorder.isRecording ? (
              <RecordingBar recorder={recorder} />
            ) : (
              <span class="muted">{t('board.attachHint')}</span>
            )}
          </div>
        </div>
      ) : null}
      <CheckField
        label={t('board.urgentLabel')}
        hint={t('board.urgentHint')}
        checked={form.isUrgent}
        onChecked={(value) => set('isUrgent', value)}
        isSwitch
      />
      <CheckField
        label={t('board.mustAckLabel')}
        hint={t('board.mustAckHint')}
        checked={form.mustAcknowledge}
        onChecked={(value) => set('mustAcknowledge', value)}
        isSwitch
      />
      {form.mustAcknowledge ? (
        <Field
          label={t('board.dueLabel')}
          type="datetime-local"
          value={form.due}
          onValue={(value) => set('due', value)}
          hint={t('board.dueHint')}
          error={errors.fields.due}
        />
      ) : null}
      <SelectField
        label={t('board.expiryLabel')}
        value={form.expiry}
        onValue={(value) => set('expiry', value as Expiry)}
        options={[
          { value: 'never', label: t('board.expiryNever') },
          { value: 'today', label: t('board.expiryToday') },
          { value: 'tomorrow', label: t('board.expiryTomorrow') },
          { value: 'week', label: t('board.expiryWeek') },
          { value: 'custom', label: t('board.expiryCustom') },
        ]}
        hint={t('board.expiryHint')}
      />
      {form.expiry === 'custom' ? (
        <Field
          label={t('board.expiryAt')}
          type="datetime-local"
          value={form.customExpiry}
          onValue={(value) => set('customExpiry', value)}
          error={errors.fields.customExpiry}
        />
      ) : null}
      <FormError message={errors.form} />
      <div class="form-actions">
        <Button onClick={() => void cancel()}>{t('common.cancel')}</Button>
        <Button type="submit" variant="primary" icon="megaphone" isBusy={isBusy} disabled={tray.isBusy}>
          {isNew ? t('board.post') : t('common.saveChanges')}
        </Button>
      </div>
    </form>
  )
}

export function NewNoticePage() {
  return (
    <Page title={t('board.newNotice')} back={{ href: '/board', label: t('chat.navBoard') }}>
      <div class="card">
        <NoticeForm
          message={null}
          onDone={() => {
            toast(t('board.posted'))
            navigate('/board')
          }}
        />
      </div>
    </Page>
  )
}

export function EditNoticeDialog({ message, onClose }: { message: MessageView; onClose: () => void }) {
  return (
    <Dialog title={t('board.editTitle')} onClose={onClose}>
      <NoticeForm
        message={message}
        onCancel={onClose}
        onDone={() => {
          toast(t('board.saved'))
          onClose()
        }}
      />
    </Dialog>
  )
}
