/**
 * /displays and /pair/:code — the shop's wall screens for managers: pair a new screen
 * with the code it shows (the screen's QR code opens /pair/CODE with the code filled in),
 * see which screens are online, choose which show the open tasks, and revoke one at once.
 */
import { useEffect, useState } from 'preact/hooks'
import { wallApi, type DisplayView } from '../../lib/api-wall'
import { errorMessage } from '../../lib/errors'
import { formatDate, formatRelative } from '../../lib/format'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { navigate } from '../../lib/router'
import { Button, LinkButton } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { CheckField, Field, FormError } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import './displays.css'
import { LoadError } from '../../ui/load-error'

/** What people type: "k7p q2m" or "K7P-Q2M" are the same code. */
export function cleanCode(code: string): string {
  return code.replace(/[\s-]+/g, '').toUpperCase()
}

export function DisplaysPage({ code: givenCode }: { code?: string }) {
  const [displays, setDisplays] = useState<DisplayView[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)

  const load = () =>
    wallApi
      .displays()
      .then((list) => {
        setDisplays(list)
        setLoadError(null)
      })
      .catch((error: unknown) => setLoadError(errorMessage(error)))

  useEffect(() => {
    void load()
  }, [])
  // A screen connecting or going away changes its "online"; pairing and revoking its row.
  useLive(['member.joined', 'member.deactivated', 'member.updated', 'presence.changed'], () => void load())

  const revoke = async (display: DisplayView) => {
    const ok = await confirm({
      title: t('displays.revokeTitle', { name: display.name }),
      body: t('displays.revokeBody'),
      confirmLabel: t('displays.revoke'),
      isDanger: true,
    })
    if (!ok) return
    try {
      await wallApi.revokeDisplay(display.id)
      toast(t('displays.revoked', { name: display.name }))
      void load()
    } catch (error) {
      toast(errorMessage(error), 'error')
    }
  }

  const setShowTasks = async (display: DisplayView, showTasks: boolean) => {
    // Shown at once; put back if the server refuses.
    setDisplays((list) => list?.map((d) => (d.id === display.id ? { ...d, showTasks } : d)) ?? list)
    try {
      const saved = await wallApi.setDisplayShowsTasks(display.id, showTasks)
      setDisplays((list) => list?.map((d) => (d.id === saved.id ? saved : d)) ?? list)
      toast(t(showTasks ? 'displays.tasksShown' : 'displays.tasksHidden', { name: display.name }))
    } catch (error) {
      setDisplays((list) => list?.map((d) => (d.id === display.id ? display : d)) ?? list)
      toast(errorMessage(error), 'error')
    }
  }

  const active = (displays ?? []).filter((display) => display.status === 'active')
  const revoked = (displays ?? []).filter((display) => display.status !== 'active')

  return (
    <Page
      title={t('displays.title')}
      subtitle={t('displays.subtitle')}
      back={{ href: '/members', label: t('displays.backToMembers') }}
      actions={
        <LinkButton href="/wall" icon="device" isSmall>
          {t('displays.preview')}
        </LinkButton>
      }
    >
      <PairForm
        initialCode={givenCode ?? ''}
        onPaired={() => {
          if (givenCode) navigate('/displays', { replace: true })
          void load()
        }}
      />
      <Section title={t('displays.listTitle')} id="displays">
        {loadError ? <LoadError message={loadError} onRetry={() => void load()} /> : null}
        {!displays && !loadError ? <Loading label={t('common.loading')} /> : null}
        {displays && !displays.length ? (
          <EmptyState icon="device" title={t('displays.none')}>
            {t('displays.noneHint')}
          </EmptyState>
        ) : null}
        {displays && displays.length ? (
          <ul class="rows" aria-label={t('displays.listTitle')}>
            {[...active, ...revoked].map((display) => (
              <li key={display.id} class="row-item display-row" data-testid="display-row">
                <div class="row">
                  <span class="row-icon">
                    <Icon name="device" size={20} />
                  </span>
                  <span class="row-main">
                    <span class="row-title">
                      {display.name}{' '}
                      {display.status === 'active' ? (
                        <span class={display.isOnline ? 'badge badge-active' : 'badge'}>
                          <span class={display.isOnline ? 'dot dot-online' : 'dot'} aria-hidden="true" />
                          {display.isOnline ? t('displays.online') : t('displays.offline')}
                        </span>
                      ) : (
                        <span class="badge badge-deactivated">{t('displays.revokedBadge')}</span>
                      )}
                    </span>
                    <span class="row-sub">
                      {display.lastSeenAt
                        ? t('displays.lastSeen', { when: formatRelative(display.lastSeenAt) })
                        : t('displays.neverSeen')}{' '}
                      · {t('displays.pairedOn', { date: formatDate(display.pairedAt) })}
                    </span>
                  </span>
                </div>
                {display.status === 'active' ? (
                  <div class="display-options">
                    <CheckField
                      isSwitch
                      label={t('displays.showTasks')}
                      hint={t('displays.showTasksHint')}
                      checked={display.showTasks}
                      onChecked={(checked) => void setShowTasks(display, checked)}
                    />
                  </div>
                ) : null}
                {display.status === 'active' ? (
                  <div class="request-actions">
                    <Button
                      isSmall
                      variant="ghost"
                      aria-label={t('displays.revokeNamed', { name: display.name })}
                      onClick={() => void revoke(display)}
                    >
                      {t('displays.revoke')}
                    </Button>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
      </Section>
    </Page>
  )
}

function PairForm({ initialCode, onPaired }: { initialCode: string; onPaired: () => void }) {
  const [code, setCode] = useState(cleanCode(initialCode))
  const [name, setName] = useState('')
  const [errors, setErrors] = useState<{ code?: string; name?: string; form?: string }>({})
  const [isBusy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const cleaned = cleanCode(code)
    const next: typeof errors = {}
    if (cleaned.length < 4) next.code = t('displays.codeRequired')
    if (!name.trim()) next.name = t('displays.nameRequired')
    setErrors(next)
    if (next.code || next.name) return
    setBusy(true)
    try {
      const paired = await wallApi.claimPairing(cleaned, name.trim())
      toast(t('displays.paired', { name: paired.name }))
      setCode('')
      setName('')
      onPaired()
    } catch (error) {
      const message = errorMessage(error)
      const code = (error as { code?: string }).code
      if (code === 'pairing_not_found') setErrors({ code: message })
      else if (code === 'invalid_name') setErrors({ name: message })
      else setErrors({ form: message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title={t('displays.pairTitle')} id="pair" class={initialCode ? 'card-highlight' : undefined}>
      <p class="card-text muted">{t('displays.pairExplain')}</p>
      <form class="form pair-form" onSubmit={submit} noValidate>
        <Field
          label={t('displays.code')}
          value={code}
          onValue={(value) => setCode(value.toUpperCase())}
          hint={t('displays.codeHint')}
          error={errors.code}
          autoComplete="off"
          autocapitalize="characters"
          spellcheck={false}
          maxLength={16}
          class="pair-code-field"
          required
        />
        <Field
          label={t('displays.name')}
          value={name}
          onValue={setName}
          hint={t('displays.nameHint')}
          error={errors.name}
          autoComplete="off"
          maxLength={60}
          required
        />
        <FormError message={errors.form} />
        <div class="form-actions">
          <Button type="submit" variant="primary" icon="check" isBusy={isBusy}>
            {t('displays.pair')}
          </Button>
        </div>
      </form>
    </Section>
  )
}
