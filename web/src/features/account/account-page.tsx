/** /account — your profile, password, signed-in devices, and signing out. */
import { useEffect, useState } from 'preact/hooks'
import { api, type Session } from '../../lib/api'
import { errorMessage, formErrors, noErrors, type FormErrors } from '../../lib/errors'
import { formatDateTime, formatRelative } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { applyMe, me, signOut } from '../../lib/session'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { Loading } from '../../ui/empty-state'
import { Field, FormError, PasswordField } from '../../ui/field'
import { Icon } from '../../ui/icons'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import { permissionText, roleLabel } from '../members/labels'
import { PERMISSIONS } from '../members/access'
import { passwordProblem } from '../auth/account-rules'
import { ShiftStatusButton } from '../chat/presence'
import { describeUserAgent } from './user-agent'
import { NotificationsSection } from '../notifications/notifications-section'
import { TelegramSection } from '../telegram/telegram-account'

export function AccountPage() {
  const [isSigningOut, setSigningOut] = useState(false)
  const member = me.value!.member
  const held = PERMISSIONS.filter((permission) => member.permissions.includes(permission))
  return (
    <Page title={t('account.title')} subtitle={`@${member.username} · ${roleLabel(member.role)}`}>
      <ProfileForm />
      <Section title={t('chat.shiftTitle')} id="shift" class="shift-section">
        <p class="card-text muted">{t('chat.shiftExplain')}</p>
        <ShiftStatusButton isLarge />
      </Section>
      <NotificationsSection />
      <TelegramSection />
      <Section title={t('account.accessTitle')} id="my-access">
        {held.length ? (
          <ul class="plain-list">
            {held.map((permission) => (
              <li key={permission}>
                <Icon name="check" size={18} /> {permissionText(permission).label}
              </li>
            ))}
          </ul>
        ) : (
          <p class="card-text muted">{t('account.noExtraAccess')}</p>
        )}
      </Section>
      <PasswordForm />
      <Sessions />
      <Button
        isBlock
        icon="logout"
        isBusy={isSigningOut}
        onClick={async () => {
          setSigningOut(true)
          await signOut()
        }}
      >
        {t('account.signOut')}
      </Button>
    </Page>
  )
}

function ProfileForm() {
  const member = me.value!.member
  const [displayName, setDisplayName] = useState(member.displayName)
  const [jobTitle, setJobTitle] = useState(member.jobTitle)
  const [phone, setPhone] = useState(member.phone)
  const [errors, setErrors] = useState<FormErrors>(noErrors)
  const [isBusy, setBusy] = useState(false)
  const isDirty = displayName !== member.displayName || jobTitle !== member.jobTitle || phone !== member.phone

  const save = async (event: Event) => {
    event.preventDefault()
    if (!displayName.trim()) {
      setErrors({ form: null, fields: { displayName: t('auth.displayNameRequired') } })
      return
    }
    setBusy(true)
    setErrors(noErrors)
    try {
      await api.updateProfile(member.id, {
        displayName: displayName.trim(),
        jobTitle: jobTitle.trim(),
        phone: phone.trim(),
      })
      applyMe(await api.me())
      toast(t('account.profileSaved'))
    } catch (error) {
      setErrors(formErrors(error, ['displayName', 'phone']))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title={t('account.profileTitle')} id="profile">
      <form class="form" onSubmit={save} noValidate>
        <Field
          label={t('auth.displayName')}
          value={displayName}
          onValue={setDisplayName}
          error={errors.fields.displayName}
          autoComplete="name"
          maxLength={80}
          required
        />
        <Field
          label={t('account.jobTitle')}
          value={jobTitle}
          onValue={setJobTitle}
          hint={t('account.jobTitleHint')}
          autoComplete="organization-title"
          maxLength={80}
        />
        <Field
          label={t('account.phone')}
          type="tel"
          value={phone}
          onValue={setPhone}
          error={errors.fields.phone}
          hint={t('account.phoneHint')}
          autoComplete="tel"
          maxLength={32}
        />
        <FormError message={errors.form} />
        <div class="form-actions">
          <Button type="submit" variant="primary" isBusy={isBusy} disabled={!isDirty}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </Section>
  )
}

function PasswordForm() {
  const [currentPassword, setCurrent] = useState('')
  const [newPassword, setNew] = useState('')
  const [repeat, setRepeat] = useState('')
  const [errors, setErrors] = useState<FormErrors>(noErrors)
  const [isBusy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const fields: Record<string, string> = {}
    if (!currentPassword) fields.currentPassword = t('account.currentPasswordRequired')
    const problem = passwordProblem(newPassword)
    if (problem) fields.newPassword = problem
    else if (newPassword !== repeat) fields.repeat = t('account.passwordsDiffer')
    if (Object.keys(fields).length) {
      setErrors({ form: null, fields })
      return
    }
    setBusy(true)
    setErrors(noErrors)
    try {
      await api.changePassword({ currentPassword, newPassword })
      setCurrent('')
      setNew('')
      setRepeat('')
      toast(t('account.passwordChanged'))
    } catch (error) {
      setErrors(formErrors(error, ['currentPassword', 'newPassword'], { password: 'newPassword' }))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title={t('account.passwordTitle')} id="password">
      <form class="form" onSubmit={submit} noValidate>
        <PasswordField
          label={t('account.currentPassword')}
          value={currentPassword}
          onValue={setCurrent}
          error={errors.fields.currentPassword}
          autoComplete="current-password"
        />
        <PasswordField
          label={t('account.newPassword')}
          value={newPassword}
          onValue={setNew}
          error={errors.fields.newPassword}
          hint={t('auth.passwordHint')}
          autoComplete="new-password"
        />
        <PasswordField
          label={t('account.repeatPassword')}
          value={repeat}
          onValue={setRepeat}
          error={errors.fields.repeat}
          autoComplete="new-password"
        />
        <p class="muted card-text">{t('account.passwordEndsSessions')}</p>
        <FormError message={errors.form} />
        <div class="form-actions">
          <Button type="submit" variant="primary" isBusy={isBusy}>
            {t('account.changePassword')}
          </Button>
        </div>
      </form>
    </Section>
  )
}

function Sessions() {
  const [sessions, setSessions] = useState<Session[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busyId, setBusyId] = useState<number | 'others' | null>(null)

  const load = () =>
    api
      .sessions()
      .then((list) => {
        setSessions(list.sort((a, b) => Number(b.isCurrent) - Number(a.isCurrent) || b.lastSeenAt - a.lastSeenAt))
        setError(null)
      })
      .catch((caught: unknown) => setError(errorMessage(caught)))
  useEffect(() => {
    void load()
  }, [])
  useLive(['session.'], () => void load())

  const endOne = async (session: Session) => {
    if (session.isCurrent) {
      await signOut()
      return
    }
    setBusyId(session.id)
    try {
      await api.endSession(session.id)
      toast(t('account.deviceSignedOut'))
      await load()
    } catch (caught) {
      toast(errorMessage(caught), 'error')
    } finally {
      setBusyId(null)
    }
  }

  const endOthers = async () => {
    const ok = await confirm({
      title: t('account.endOthersTitle'),
      body: t('account.endOthersBody'),
      confirmLabel: t('account.endOthers'),
      isDanger: true,
    })
    if (!ok) return
    setBusyId('others')
    try {
      const { ended } = await api.endOtherSessions()
      toast(tn('account.endedOthers', ended))
      await load()
    } catch (caught) {
      toast(errorMessage(caught), 'error')
    } finally {
      setBusyId(null)
    }
  }

  const others = (sessions ?? []).filter((session) => !session.isCurrent)
  return (
    <Section title={t('account.devicesTitle')} id="devices">
      {error ? <p class="notice notice-error">{error}</p> : null}
      {!sessions && !error ? <Loading label={t('common.loading')} /> : null}
      {sessions ? (
        <ul class="rows">
          {sessions.map((session) => {
            const { browser, system } = describeUserAgent(session.userAgent)
            const name =
              browser && system
                ? t('account.deviceName', { browser, system })
                : browser || system || t('account.unknownDevice')
            return (
              <li key={session.id} class="row-item">
                <div class="row">
                  <span class="row-icon">
                    <Icon name="device" size={20} />
                  </span>
                  <span class="row-main">
                    <span class="row-title">
                      {name}{' '}
                      {session.isCurrent ? <span class="badge badge-active">{t('account.thisDevice')}</span> : null}
                    </span>
                    <span class="row-sub">
                      {t('account.lastActive', { when: formatRelative(session.lastSeenAt) })} ·{' '}
                      {t('account.signedInAt', { when: formatDateTime(session.createdAt) })}
                      {session.ip ? ` · ${session.ip}` : ''}
                    </span>
                  </span>
                  <Button
                    isSmall
                    variant="ghost"
                    isBusy={busyId === session.id}
                    onClick={() => void endOne(session)}
                    aria-label={
                      session.isCurrent
                        ? t('account.signOutThisDevice')
                        : t('account.signOutDeviceNamed', { device: name })
                    }
                  >
                    {t('account.signOutDevice')}
                  </Button>
                </div>
              </li>
            )
          })}
        </ul>
      ) : null}
      {others.length ? (
        <div class="form-actions">
          <Button variant="danger" isBusy={busyId === 'others'} onClick={() => void endOthers()}>
            {t('account.endOthers')}
          </Button>
        </div>
      ) : null}
    </Section>
  )
}
