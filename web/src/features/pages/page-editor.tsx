/**
 * /pages/new and /pages/:id/edit — writing an info page in Markdown, with a preview, an
 * image upload that inserts the image where the cursor is, and "show on the wall".
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { wallApi, type PageSummary } from '../../lib/api-wall'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { Markdown } from '../../lib/markdown'
import { navigate } from '../../lib/router'
import { Button, LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { CheckField, Field, FormError } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import './pages.css'

interface Draft {
  title: string
  section: string
  body: string
  showOnWall: boolean
}

const EMPTY: Draft = { title: '', section: '', body: '', showOnWall: false }

/** The Markdown for an uploaded image; brackets in the name would end the alt text early. */
export function imageMarkdown(name: string, fileId: number): string {
  const alt =
    name
      .replace(/\.[a-z0-9]+$/i, '')
      .replace(/[[\]\\]/g, ' ')
      .trim() || 'image'
  return `![${alt}](/api/files/${fileId})`
}

export function PageEditorPage({ id }: { id: number | null }) {
  const [original, setOriginal] = useState<Draft | null>(id === null ? EMPTY : null)
  const [draft, setDraft] = useState<Draft>(EMPTY)
  const [sections, setSections] = useState<string[]>([])
  const [loadError, setLoadError] = useState<string | null>(null)
  const [errors, setErrors] = useState<{ title?: string; form?: string }>({})
  const [isPreview, setPreview] = useState(false)
  const [isSaving, setSaving] = useState(false)
  const [isUploading, setUploading] = useState(false)
  const bodyRef = useRef<HTMLTextAreaElement>(null)
  const bodyId = useId()
  const fileId = useId()
  const sectionId = useId()

  useEffect(() => {
    wallApi
      .pages()
      .then((list: PageSummary[]) => setSections([...new Set(list.map((page) => page.section).filter(Boolean))].sort()))
      .catch(() => undefined)
    if (id === null) return
    wallApi
      .page(id)
      .then((page) => {
        const loaded = { title: page.title, section: page.section, body: page.body, showOnWall: page.showOnWall }
        setOriginal(loaded)
        setDraft(loaded)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))
  }, [id])

  const change = (patch: Partial<Draft>) => setDraft((current) => ({ ...current, ...patch }))

  const insertAtCursor = (text: string) => {
    const area = bodyRef.current
    const body = draft.body
    const start = area && !isPreview ? area.selectionStart : body.length
    const end = area && !isPreview ? area.selectionEnd : body.length
    const before = body.slice(0, start)
    const after = body.slice(end)
    const lead = before && !before.endsWith('\n') ? '\n\n' : ''
    const trail = after.startsWith('\n') ? '' : '\n'
    const next = before + lead + text + trail + after
    change({ body: next })
    const caret = (before + lead + text + trail).length
    requestAnimationFrame(() => {
      if (!bodyRef.current) return
      bodyRef.current.focus()
      bodyRef.current.setSelectionRange(caret, caret)
    })
  }

  const upload = async (file: File) => {
    setUploading(true)
    try {
      const stored = await wallApi.uploadFile(file, file.name)
      if (stored.kind !== 'image') {
        toast(t('pages.notAnImage'), 'error')
        return
      }
      setPreview(false)
      insertAtCursor(imageMarkdown(file.name, stored.id))
      toast(t('pages.imageAdded'))
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setUploading(false)
    }
  }

  const save = async (event: Event) => {
    event.preventDefault()
    if (!draft.title.trim()) {
      setErrors({ title: t('pages.titleRequired') })
      return
    }
    setSaving(true)
    setErrors({})
    const input = {
      title: draft.title.trim(),
      section: draft.section.trim(),
      body: draft.body,
      showOnWall: draft.showOnWall,
    }
    try {
      const saved = id === null ? await wallApi.createPage(input) : await wallApi.updatePage(id, input)
      toast(t('pages.saved', { title: saved.title }))
      navigate(`/pages/${saved.id}`, { replace: true })
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code === 'invalid_title') setErrors({ title: errorMessage(error) })
      else setErrors({ form: errorMessage(error) })
    } finally {
      setSaving(false)
    }
  }

  const title = id === null ? t('pages.newTitle') : t('pages.editTitle')
  const back =
    id === null ? { href: '/pages', label: t('pages.title') } : { href: `/pages/${id}`, label: t('pages.backToPage') }
  if (loadError) {
    return (
      <Page title={title} back={back}>
        <Section>
          <EmptyState
            icon="alert"
            title={loadError}
            action={<LinkButton href="/pages">{t('pages.backToList')}</LinkButton>}
          />
        </Section>
      </Page>
    )
  }
  if (!original) {
    return (
      <Page title={title} back={back}>
        <Loading label={t('pages.loadingOne')} />
      </Page>
    )
  }
  const isDirty = JSON.stringify(draft) !== JSON.stringify(original)
  return (
    <Page title={title} back={back}>
      <form class="form" onSubmit={save} noValidate>
        <Section>
          <Field
            label={t('pages.fieldTitle')}
            value={draft.title}
            onValue={(title) => change({ title })}
            error={errors.title}
            maxLength={120}
            required
          />
          <div class="field">
            <label class="field-label" for={sectionId}>
              {t('pages.fieldSection')}
            </label>
            <input
              id={sectionId}
              class="input"
              value={draft.section}
              maxLength={60}
              autoComplete="off"
              list={`${sectionId}-list`}
              aria-describedby={`${sectionId}-hint`}
              onInput={(event) => change({ section: event.currentTarget.value })}
            />
            <datalist id={`${sectionId}-list`}>
              {sections.map((section) => (
                <option key={section} value={section} />
              ))}
            </datalist>
            <p class="field-hint" id={`${sectionId}-hint`}>
              {t('pages.fieldSectionHint')}
            </p>
          </div>
          <div class="field">
            <div class="editor-bar">
              <label class="field-label" for={bodyId}>
                {t('pages.fieldBody')}
              </label>
              <div class="editor-tabs" role="group" aria-label={t('pages.viewMode')}>
                <button
                  type="button"
                  class={isPreview ? 'chip' : 'chip chip-on'}
                  aria-pressed={isPreview ? 'false' : 'true'}
                  onClick={() => setPreview(false)}
                >
                  {t('pages.write')}
                </button>
                <button
                  type="button"
                  class={isPreview ? 'chip chip-on' : 'chip'}
                  aria-pressed={isPreview ? 'true' : 'false'}
                  onClick={() => setPreview(true)}
                >
                  {t('pages.preview')}
                </button>
              </div>
            </div>
            <textarea
              ref={bodyRef}
              id={bodyId}
              class="input editor-body"
              hidden={isPreview}
              value={draft.body}
              rows={14}
              maxLength={50_000}
              aria-describedby={`${bodyId}-hint`}
              onInput={(event) => change({ body: event.currentTarget.value })}
            />
            {isPreview ? (
              <div class="editor-preview" data-testid="page-preview">
                {draft.body.trim() ? (
                  <Markdown text={draft.body} surface="page" />
                ) : (
                  <p class="muted">{t('pages.empty')}</p>
                )}
              </div>
            ) : null}
            <p class="field-hint" id={`${bodyId}-hint`}>
              {t('pages.markdownHint')}
            </p>
          </div>
          <div class="editor-image">
            <input
              id={fileId}
              class="visually-hidden"
              type="file"
              accept="image/jpeg,image/png,image/webp,image/gif"
              disabled={isUploading}
              onChange={(event) => {
                const file = event.currentTarget.files?.[0]
                event.currentTarget.value = ''
                if (file) void upload(file)
              }}
            />
            <label for={fileId} class="button button-secondary button-small file-button" aria-busy={isUploading}>
              {isUploading ? <span class="spinner" aria-hidden="true" /> : <Icon name="image" size={20} />}
              <span>{isUploading ? t('pages.uploading') : t('pages.addImage')}</span>
            </label>
          </div>
          <CheckField
            label={t('pages.showOnWall')}
            hint={t('pages.showOnWallHint')}
            checked={draft.showOnWall}
            onChecked={(showOnWall) => change({ showOnWall })}
          />
        </Section>
        <FormError message={errors.form} />
        <div class="form-actions form-actions-page">
          <LinkButton href={back.href}>{t('common.cancel')}</LinkButton>
          <Button type="submit" variant="primary" isBusy={isSaving} disabled={!isDirty && id !== null}>
            {id === null ? t('pages.create') : t('common.saveChanges')}
          </Button>
        </div>
      </form>
    </Page>
  )
}
