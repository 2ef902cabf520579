/**
 * Reporting a problem from the phone: film it, photograph it, say it or pick a file, choose
 * what kind of problem it is, add a line, send. It becomes a task in the category's queue and
 * the reporter is told when it is done. The capture pieces are chat's own (file inputs with
 * `capture`, the voice recorder, the upload tray).
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { can } from '../../lib/session'
import { Button, LinkButton } from '../../ui/button'
import { Dialog } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Field, FormError } from '../../ui/field'
import { Icon, type IconName } from '../../ui/icons'
import { LoadError } from '../../ui/load-error'
import { FileInputs } from '../chat/attach-menu'
import { TrayView, useAttachmentTray } from '../chat/attachment-tray'
import { newClientKey } from '../chat/chat-api'
import { RecordingBar, useVoiceRecorder } from '../chat/voice-recorder'
import { tasksAdminApi, type ReportCategory } from './admin-api'
import '../chat/chat.css'
import './tasks-admin.css'

export function ReportSheet({ onClose }: { onClose: () => void }) {
  const [categories, setCategories] = useState<ReportCategory[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [isSent, setSent] = useState(false)

  const load = () => {
    setLoadError(null)
    tasksAdminApi
      .categories()
      .then((list) => setCategories(list.filter((category) => !category.isArchived)))
      .catch((error: unknown) => setLoadError(errorMessage(error)))
  }
  useEffect(load, [])

  return (
    <Dialog title={t('taskReport.title')} onClose={onClose}>
      {isSent ? (
        <ReportSent onClose={onClose} />
      ) : loadError ? (
        <LoadError message={loadError} onRetry={load} />
      ) : !categories ? (
        <Loading label={t('common.loading')} />
      ) : categories.length === 0 ? (
        <EmptyState
          icon="alert"
          title={t('taskReport.noCategoriesTitle')}
          action={
            can('settings.manage') ? (
              <LinkButton href="/tasks/setup" variant="primary" icon="settings" onClick={onClose}>
                {t('taskReport.setUpCategories')}
              </LinkButton>
            ) : null
          }
        >
          {t('taskReport.noCategoriesText')}
        </EmptyState>
      ) : (
        <ReportForm categories={categories} onSent={() => setSent(true)} />
      )}
    </Dialog>
  )
}

function ReportSent({ onClose }: { onClose: () => void }) {
  return (
    <div class="report-sent" role="status">
      <span class="report-sent-icon">
        <Icon name="check" size={32} />
      </span>
      <p class="report-sent-text">{t('taskReport.sent')}</p>
      <Button variant="primary" isBlock onClick={onClose}>
        {t('common.done')}
      </Button>
    </div>
  )
}

function ReportForm({ categories, onSent }: { categories: ReportCategory[]; onSent: () => void }) {
  const [categoryId, setCategoryId] = useState<number | null>(() =>
    categories.length === 1 ? (categories[0] as ReportCategory).id : null,
  )
  const [text, setText] = useState('')
  const [errors, setErrors] = useState<{ category?: string; content?: string; form?: string }>({})
  const [isBusy, setBusy] = useState(false)
  const clientKey = useRef(newClientKey())
  const tray = useAttachmentTray()
  const recorder = useVoiceRecorder((blob, duration) => tray.addVoice(blob, duration))
  const photo = useRef<HTMLInputElement>(null)
  const video = useRef<HTMLInputElement>(null)
  const file = useRef<HTMLInputElement>(null)
  const formId = useId()
  const categoryLegendId = useId()

  // A message about what was missing goes as soon as it is no longer missing.
  const contentError = text.trim() || tray.items.length ? undefined : errors.content
  const categoryError = categoryId === null ? errors.category : undefined

  const capture: { icon: IconName; label: string; action: () => void }[] = [
    { icon: 'video', label: t('taskReport.video'), action: () => video.current?.click() },
    { icon: 'camera', label: t('taskReport.photo'), action: () => photo.current?.click() },
    { icon: 'mic', label: t('taskReport.voice'), action: () => void recorder.start() },
    { icon: 'paperclip', label: t('taskReport.file'), action: () => file.current?.click() },
  ]

  const submit = async (event: Event) => {
    event.preventDefault()
    const found: typeof errors = {}
    if (categoryId === null) found.category = t('taskReport.categoryRequired')
    if (!text.trim() && tray.inputs.length === 0) found.content = t('taskReport.contentRequired')
    setErrors(found)
    if (found.category || found.content || categoryId === null) return
    setBusy(true)
    try {
      await tasksAdminApi.report({
        categoryId,
        text: text.trim(),
        attachments: tray.inputs,
        clientKey: clientKey.current,
      })
      tray.clear()
      onSent()
    } catch (error) {
      setErrors({ form: errorMessage(error) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <form id={formId} class="form report-form" onSubmit={submit} noValidate>
      <div class="report-capture" role="group" aria-label={t('taskReport.captureLabel')}>
        {capture.map((option) => (
          <button
            key={option.label}
            type="button"
            class="report-capture-button"
            disabled={recorder.isRecording}
            onClick={option.action}
          >
            <Icon name={option.icon} size={26} />
            <span>{option.label}</span>
          </button>
        ))}
      </div>
      <FileInputs tray={tray} inputs={{ photo, video, file }} />
      {recorder.isRecording ? (
        <div class="report-recording">
          <RecordingBar recorder={recorder} />
        </div>
      ) : null}
      <TrayView tray={tray} />
      {contentError ? (
        <p class="field-error report-content-error" role="alert">
          {contentError}
        </p>
      ) : null}
      <fieldset
        class={categoryError ? 'report-categories field-invalid' : 'report-categories'}
        aria-describedby={categoryError ? `${categoryLegendId}-error` : undefined}
      >
        <legend class="field-label" id={categoryLegendId}>
          {t('taskReport.categoryLabel')}
        </legend>
        <div class="report-chips">
          {categories.map((category) => (
            <label
              key={category.id}
              class={category.id === categoryId ? 'chip chip-on report-chip' : 'chip report-chip'}
            >
              <input
                type="radio"
                class="visually-hidden"
                name={`${formId}-category`}
                value={String(category.id)}
                checked={category.id === categoryId}
                onChange={() => setCategoryId(category.id)}
              />
              <span>{category.name}</span>
            </label>
          ))}
        </div>
        {categoryError ? (
          <p class="field-error" id={`${categoryLegendId}-error`} role="alert">
            {categoryError}
          </p>
        ) : null}
      </fieldset>
      <Field
        label={t('taskReport.textLabel')}
        value={text}
        onValue={setText}
        hint={t('taskReport.textHint')}
        maxLength={500}
        autoComplete="off"
      />
      <FormError message={errors.form} />
      <Button
        type="submit"
        variant="primary"
        icon="send"
        isBlock
        isBusy={isBusy}
        disabled={tray.isBusy || recorder.isRecording}
        class="report-send"
      >
        {tray.isBusy ? t('taskReport.waitForUploads') : t('taskReport.send')}
      </Button>
    </form>
  )
}
