/**
 * On a member's page, for dispatchers: what jobs the member may take — their skills, how many
 * jobs they may hold at once (their own limit or the shop's) and a cap on a job's value, so
 * a newcomer gets small jobs until a manager lifts it.
 */
import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { Loading } from '../../ui/empty-state'
import { Field, FormError } from '../../ui/field'
import { LoadError } from '../../ui/load-error'
import { Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { wholeNumber, wordList } from './admin-fields'
import { tasksAdminApi, type TaskProfile } from './admin-api'
import './tasks-admin.css'

interface FormState {
  skills: string
  activeLimit: string
  scoreCap: string
}

function formOf(profile: TaskProfile): FormState {
  return {
    skills: profile.skills.join(', '),
    activeLimit: profile.activeLimit?.toString() ?? '',
    scoreCap: profile.scoreCap?.toString() ?? '',
  }
}

export function TaskProfileSection({ memberId, name }: { memberId: number; name: string }) {
  const [profile, setProfile] = useState<TaskProfile | null>(null)
  const [shopLimit, setShopLimit] = useState<number | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [form, setForm] = useState<FormState>({ skills: '', activeLimit: '', scoreCap: '' })
  const [errors, setErrors] = useState<Partial<Record<keyof FormState | 'form', string>>>({})
  const [isBusy, setBusy] = useState(false)

  const load = () =>
    Promise.all([tasksAdminApi.profile(memberId), tasksAdminApi.settings()])
      .then(([found, settings]) => {
        setProfile(found)
        setShopLimit(settings.activeLimit)
        setForm(formOf(found))
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))
  useEffect(() => {
    void load()
  }, [memberId])

  const isDirty = profile !== null && JSON.stringify(formOf(profile)) !== JSON.stringify(form)

  const save = async (event: Event) => {
    event.preventDefault()
    const activeLimit = wholeNumber(form.activeLimit)
    const scoreCap = wholeNumber(form.scoreCap)
    const found: typeof errors = {}
    if (activeLimit === undefined || (activeLimit !== null && (activeLimit < 1 || activeLimit > 20)))
      found.activeLimit = t('taskProfile.limitRange')
    if (scoreCap === undefined) found.scoreCap = t('tasksSetup.wholeNumber')
    setErrors(found)
    if (Object.keys(found).length || activeLimit === undefined || scoreCap === undefined) return
    setBusy(true)
    try {
      const saved = await tasksAdminApi.updateProfile(memberId, {
        skills: wordList(form.skills),
        activeLimit,
        scoreCap,
      })
      setProfile(saved)
      setForm(formOf(saved))
      toast(t('taskProfile.saved', { name }))
    } catch (error) {
      setErrors({ form: errorMessage(error) })
    } finally {
      setBusy(false)
    }
  }

  const set = (key: keyof FormState) => (value: string) => setForm((f) => ({ ...f, [key]: value }))
  return (
    <Section title={t('taskProfile.title')} id="task-profile">
      {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
      {!profile && !loadError ? <Loading label={t('common.loading')} /> : null}
      {profile ? (
        <form class="form" onSubmit={save} noValidate>
          <p class="card-text">{t('taskProfile.intro', { name })}</p>
          <Field
            label={t('taskProfile.skills')}
            hint={t('taskProfile.skillsHint')}
            value={form.skills}
            onValue={set('skills')}
            error={errors.skills}
            autoComplete="off"
          />
          <Field
            label={t('taskProfile.activeLimit')}
            hint={t('taskProfile.activeLimitHint', { limit: shopLimit ?? profile.effectiveLimit })}
            type="number"
            inputMode="numeric"
            min={1}
            max={20}
            value={form.activeLimit}
            onValue={set('activeLimit')}
            error={errors.activeLimit}
            class="tasks-number"
          />
          <Field
            label={t('taskProfile.scoreCap')}
            hint={t('taskProfile.scoreCapHint')}
            type="number"
            inputMode="numeric"
            min={0}
            value={form.scoreCap}
            onValue={set('scoreCap')}
            error={errors.scoreCap}
            class="tasks-number"
          />
          <FormError message={errors.form} />
          <div class="form-actions">
            <Button type="submit" variant="primary" isBusy={isBusy} disabled={!isDirty}>
              {t('taskProfile.save')}
            </Button>
          </div>
        </form>
      ) : null}
    </Section>
  )
}
