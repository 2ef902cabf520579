/** Create an invite link: choose role, expiry and uses, then show its QR code and link. */
import { useState } from 'preact/hooks'
import { api, type Invite } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatDateTime } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { me } from '../../lib/session'
import { Button } from '../../ui/button'
import { CopyField } from '../../ui/copy-field'
import { Dialog } from '../../ui/dialog'
import { Field, FormError, SelectField } from '../../ui/field'
import { QrImage } from '../../ui/qr-image'
import { invitableRoles } from './access'
import { roleLabel } from './labels'

const EXPIRY_HOURS = [24, 72, 168, 720] as const

function expiryLabel(hours: number): string {
  return hours < 48 ? tn('invite.expiresHours', hours) : tn('invite.expiresDays', hours / 24)
}

export function InviteDialog({ onClose, onCreated }: { onClose: () => void; onCreated?: () => void }) {
  const actor = me.value?.member
  const roles = actor ? invitableRoles(actor) : ['staff' as const]
  const [role, setRole] = useState<'staff' | 'manager'>('staff')
  const [expiresInHours, setExpiry] = useState('168')
  const [maxUses, setMaxUses] = useState('1')
  const [usesError, setUsesError] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const [created, setCreated] = useState<(Invite & { qrSvg: string }) | null>(null)

  const create = async (event: Event) => {
    event.preventDefault()
    const uses = Number(maxUses)
    if (!Number.isInteger(uses) || uses < 1 || uses > 100) {
      setUsesError(t('invite.usesRange'))
      return
    }
    setUsesError(null)
    setBusy(true)
    setError(null)
    try {
      setCreated(await api.createInvite({ role, expiresInHours: Number(expiresInHours), maxUses: uses }))
      onCreated?.()
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  if (created) {
    return (
      <Dialog
        title={t('invite.readyTitle')}
        onClose={onClose}
        footer={
          <Button variant="primary" isBlock onClick={onClose}>
            {t('common.done')}
          </Button>
        }
      >
        <div class="invite-ready" data-testid="invite-ready">
          <QrImage svg={created.qrSvg} alt={t('invite.qrAlt')} size={232} />
          <p class="invite-instructions">{t('invite.scanInstructions')}</p>
          <CopyField label={t('invite.link')} value={created.url} isShareable />
          <p class="muted">
            {t('invite.summary', {
              role: roleLabel(created.role),
              uses: tn('invite.people', created.maxUses),
              expires: formatDateTime(created.expiresAt),
            })}
          </p>
        </div>
      </Dialog>
    )
  }

  return (
    <Dialog title={t('invite.title')} onClose={onClose}>
      <form class="form" onSubmit={create} noValidate>
        <p class="muted">{t('invite.intro')}</p>
        {roles.length > 1 ? (
          <SelectField
            label={t('invite.role')}
            value={role}
            onValue={(value) => setRole(value === 'manager' ? 'manager' : 'staff')}
            options={roles.map((value) => ({ value, label: roleLabel(value) }))}
            hint={role === 'manager' ? t('invite.managerHint') : t('invite.staffHint')}
          />
        ) : null}
        <SelectField
          label={t('invite.expiry')}
          value={expiresInHours}
          onValue={setExpiry}
          options={EXPIRY_HOURS.map((hours) => ({ value: String(hours), label: expiryLabel(hours) }))}
        />
        <Field
          label={t('invite.maxUses')}
          type="number"
          inputMode="numeric"
          min={1}
          max={100}
          value={maxUses}
          onValue={setMaxUses}
          hint={t('invite.maxUsesHint')}
          error={usesError}
        />
        <FormError message={error} />
        <div class="form-actions">
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" icon="qr" isBusy={isBusy}>
            {t('invite.create')}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
