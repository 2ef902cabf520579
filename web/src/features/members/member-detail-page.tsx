/** /members/:id — one member: profile, role and permissions, approval, deactivation. */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, ApiError, type MemberDetail, type Role } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatDate, formatDateTime } from '../../lib/format'
import { t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { navigate } from '../../lib/router'
import { can, me } from '../../lib/session'
import { Avatar } from '../../ui/avatar'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { CheckField, FormError, SelectField } from '../../ui/field'
import { Page, Section } from '../../ui/page'
import { toast } from '../../ui/toast'
import '../system/system.css'
import { assignableRoles, canManage, PERMISSIONS, roleDefaults, type Permission } from './access'
import { permissionText, roleLabel, statusLabel } from './labels'
import { EraseAction } from './erase-action'
import { TaskProfileSection } from '../tasks/task-profile-section'

export function MemberDetailPage({ id }: { id: number }) {
  const [member, setMember] = useState<MemberDetail | null>(null)
  const [missing, setMissing] = useState<string | null>(null)

  const load = () =>
    api
      .member(id)
      .then((found) => {
        setMember(found)
        setMissing(null)
      })
      .catch((error: unknown) => {
        setMissing(error instanceof ApiError && error.status === 404 ? t('member.notFound') : errorMessage(error))
      })

  useEffect(() => {
    setMember(null)
    void load()
  }, [id])

  useLive(['member.'], (event) => {
    if (!event) return void load()
    if (event.type === 'member.rejected' && event.data.memberId === id) {
      navigate('/members', { replace: true })
      return
    }
    const data = event.data as { memberId?: number; member?: { id: number } }
    if (data.memberId === id || data.member?.id === id) void load()
  })

  const back = { href: '/members', label: t('members.title') }
  if (missing) {
    return (
      <Page title={t('member.title')} back={back}>
        <div class="card">
          <EmptyState icon="user" title={missing} />
        </div>
      </Page>
    )
  }
  if (!member) {
    return (
      <Page title={t('member.title')} back={back}>
        <Loading label={t('common.loading')} />
      </Page>
    )
  }
  return <MemberDetailView member={member} onChanged={setMember} />
}

function MemberDetailView({ member, onChanged }: { member: MemberDetail; onChanged: (member: MemberDetail) => void }) {
  const actor = me.value?.member
  const isSelf = actor?.id === member.id
  const isManageable = !!actor && !isSelf && canManage(actor, member)

  return (
    <Page
      title={member.displayName}
      subtitle={
        <>
          @{member.username} · {roleLabel(member.role)}
          {member.status !== 'active' ? (
            <>
              {' '}
              <span class={`badge badge-${member.status}`}>{statusLabel(member.status)}</span>
            </>
          ) : null}
        </>
      }
      back={{ href: '/members', label: t('members.title') }}
    >
      <div class="member-hero">
        <Avatar name={member.displayName} size="large" />
      </div>
      {member.status === 'pending' && isManageable ? <PendingActions member={member} /> : null}
      <Section title={t('member.profile')} id="profile">
        <dl class="facts">
          <div>
            <dt>{t('account.jobTitle')}</dt>
            <dd>{member.jobTitle || <span class="muted">{t('member.notSet')}</span>}</dd>
          </div>
          <div>
            <dt>{t('account.phone')}</dt>
            <dd>
              {member.phone ? (
                <a href={`tel:${member.phone.replace(/[^+0-9]/g, '')}`}>{member.phone}</a>
              ) : (
                <span class="muted">{t('member.notSet')}</span>
              )}
            </dd>
          </div>
          <div>
            <dt>{member.status === 'pending' ? t('member.askedOn') : t('member.joinedOn')}</dt>
            <dd>{formatDate(member.approvedAt ?? member.createdAt)}</dd>
          </div>
          {member.deactivatedAt ? (
            <div>
              <dt>{t('member.deactivatedOn')}</dt>
              <dd>{formatDateTime(member.deactivatedAt)}</dd>
            </div>
          ) : null}
        </dl>
        {isSelf ? (
          <p class="card-text">
            {t('member.thisIsYou')} <a href="/account">{t('member.editOnAccount')}</a>
          </p>
        ) : null}
      </Section>
      {isManageable && member.status !== 'pending' && member.role !== 'display' ? (
        <AccessEditor
          key={member.id + member.role + member.grantedPermissions.join()}
          member={member}
          onChanged={onChanged}
        />
      ) : null}
      {can('tasks.dispatch') && member.status === 'active' && member.role !== 'display' ? (
        <TaskProfileSection memberId={member.id} name={member.displayName} />
      ) : null}
      {isManageable && member.status !== 'pending' ? <StatusActions member={member} onChanged={onChanged} /> : null}
      {actor?.role === 'owner' && !isSelf && member.status === 'deactivated' ? (
        <EraseAction member={member} onChanged={onChanged} />
      ) : null}
      {!isManageable && !isSelf ? <p class="muted">{t('member.cannotManage')}</p> : null}
    </Page>
  )
}

function PendingActions({ member }: { member: MemberDetail }) {
  const [busy, setBusy] = useState(false)
  const name = member.displayName
  const act = async (action: 'approve' | 'reject') => {
    if (action === 'reject') {
      const ok = await confirm({
        title: t('members.rejectTitle', { name }),
        body: t('members.rejectBody'),
        confirmLabel: t('members.reject'),
        isDanger: true,
      })
      if (!ok) return
    }
    setBusy(true)
    try {
      if (action === 'approve') {
        await api.approve(member.id)
        toast(t('members.approved', { name }))
      } else {
        await api.reject(member.id)
        toast(t('members.rejected', { name }))
        navigate('/members', { replace: true })
      }
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setBusy(false)
    }
  }
  return (
    <Section title={t('member.requestTitle')} id="request" class="card-highlight">
      <p class="card-text">{t('member.requestExplain', { name })}</p>
      <div class="form-actions">
        <Button variant="ghost" disabled={busy} onClick={() => void act('reject')}>
          {t('members.reject')}
        </Button>
        <Button variant="primary" icon="check" disabled={busy} onClick={() => void act('approve')}>
          {t('members.approve')}
        </Button>
      </div>
    </Section>
  )
}

function AccessEditor({ member, onChanged }: { member: MemberDetail; onChanged: (member: MemberDetail) => void }) {
  const actor = me.value!.member
  const roles = assignableRoles(actor)
  const [role, setRole] = useState<Role>(member.role)
  const [checked, setChecked] = useState<Set<string>>(() => new Set(member.permissions))
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const included = useMemo(() => roleDefaults(role), [role])
  const held = new Set(actor.permissions)

  const isChecked = (permission: Permission) => included.has(permission) || checked.has(permission)
  const granted = PERMISSIONS.filter((permission) => checked.has(permission) && !included.has(permission))
  const wasGranted = member.grantedPermissions.filter(
    (permission) => !roleDefaults(member.role).has(permission as Permission),
  )
  const isDirty = role !== member.role || granted.join() !== [...wasGranted].sort().join()
  const roleOptions = roles.includes(member.role) ? roles : [member.role, ...roles]

  const save = async (event: Event) => {
    event.preventDefault()
    if (role !== member.role && (role === 'owner' || member.role === 'owner')) {
      const ok = await confirm({
        title: t('member.roleChangeTitle'),
        body:
          role === 'owner'
            ? t('member.makeOwnerBody', { name: member.displayName })
            : t('member.removeOwnerBody', { name: member.displayName }),
        confirmLabel: t('member.saveAccess'),
      })
      if (!ok) return
    }
    setBusy(true)
    setError(null)
    try {
      const updated = await api.updateAccess(member.id, {
        ...(role !== member.role ? { role } : {}),
        permissions: granted,
      })
      onChanged(updated)
      toast(t('member.accessSaved', { name: member.displayName }))
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title={t('member.accessTitle')} id="access">
      <form class="form" onSubmit={save}>
        {roleOptions.length > 1 ? (
          <SelectField
            label={t('member.role')}
            value={role}
            onValue={(value) => setRole(value as Role)}
            options={roleOptions.map((value) => ({ value, label: roleLabel(value) }))}
            hint={t(`member.roleHint.${role === 'display' ? 'staff' : role}`)}
          />
        ) : null}
        <fieldset class="checks">
          <legend class="field-label">{t('member.permissions')}</legend>
          {PERMISSIONS.map((permission) => {
            const text = permissionText(permission)
            const isIncluded = included.has(permission)
            const isHeld = held.has(permission)
            return (
              <CheckField
                key={permission}
                label={text.label}
                hint={
                  isIncluded
                    ? t('member.includedWithRole', { role: roleLabel(role) })
                    : !isHeld
                      ? t('member.notHeld')
                      : text.hint
                }
                checked={isChecked(permission)}
                disabled={isIncluded || !isHeld || role === 'owner'}
                onChecked={(on) => {
                  const next = new Set(checked)
                  if (on) next.add(permission)
                  else next.delete(permission)
                  setChecked(next)
                }}
              />
            )
          })}
        </fieldset>
        <FormError message={error} />
        <div class="form-actions">
          <Button type="submit" variant="primary" isBusy={isBusy} disabled={!isDirty}>
            {t('member.saveAccess')}
          </Button>
        </div>
      </form>
    </Section>
  )
}

function StatusActions({ member, onChanged }: { member: MemberDetail; onChanged: (member: MemberDetail) => void }) {
  const [isBusy, setBusy] = useState(false)
  const name = member.displayName
  const isDeactivated = member.status === 'deactivated'

  const run = async () => {
    const ok = await confirm(
      isDeactivated
        ? {
            title: t('member.reactivateTitle', { name }),
            body: t('member.reactivateBody'),
            confirmLabel: t('member.reactivate'),
          }
        : {
            title: t('member.deactivateTitle', { name }),
            body: t('member.deactivateBody', { name }),
            confirmLabel: t('member.deactivate'),
            isDanger: true,
          },
    )
    if (!ok) return
    setBusy(true)
    try {
      const updated = isDeactivated ? await api.reactivate(member.id) : await api.deactivate(member.id)
      onChanged(updated)
      toast(isDeactivated ? t('member.reactivated', { name }) : t('member.deactivated', { name }))
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section
      title={isDeactivated ? t('member.reactivateSection') : t('member.deactivateSection')}
      id="status"
      class={isDeactivated ? undefined : 'card-danger'}
    >
      <p class="card-text">{isDeactivated ? t('member.reactivateExplain') : t('member.deactivateExplain')}</p>
      <div class="form-actions">
        <Button variant={isDeactivated ? 'primary' : 'danger'} isBusy={isBusy} onClick={() => void run()}>
          {isDeactivated ? t('member.reactivate') : t('member.deactivate')}
        </Button>
      </div>
    </Section>
  )
}
