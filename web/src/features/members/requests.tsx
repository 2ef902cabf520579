/** Join requests waiting for a manager: approve or reject each one. */
import { useState } from 'preact/hooks'
import { api, type MemberDetail } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatRelative } from '../../lib/format'
import { t } from '../../lib/i18n'
import { Avatar } from '../../ui/avatar'
import { Button } from '../../ui/button'
import { confirm } from '../../ui/dialog'
import { toast } from '../../ui/toast'
import { roleLabel } from './labels'

export function RequestList({ requests, onChanged }: { requests: MemberDetail[]; onChanged: () => void }) {
  return (
    <ul class="rows" aria-label={t('members.requestsTitle')}>
      {requests.map((member) => (
        <RequestRow key={member.id} member={member} onChanged={onChanged} />
      ))}
    </ul>
  )
}

function RequestRow({ member, onChanged }: { member: MemberDetail; onChanged: () => void }) {
  const [busy, setBusy] = useState<'approve' | 'reject' | null>(null)
  const name = member.displayName

  const approve = async () => {
    setBusy('approve')
    try {
      await api.approve(member.id)
      toast(t('members.approved', { name }))
      onChanged()
    } catch (error) {
      toast(errorMessage(error), 'error')
      setBusy(null)
    }
  }

  const reject = async () => {
    const ok = await confirm({
      title: t('members.rejectTitle', { name }),
      body: t('members.rejectBody'),
      confirmLabel: t('members.reject'),
      isDanger: true,
    })
    if (!ok) return
    setBusy('reject')
    try {
      await api.reject(member.id)
      toast(t('members.rejected', { name }))
      onChanged()
    } catch (error) {
      toast(errorMessage(error), 'error')
      setBusy(null)
    }
  }

  return (
    <li class="row-item request">
      <div class="row">
        <Avatar name={name} />
        <span class="row-main">
          <a class="row-title" href={`/members/${member.id}`}>
            {name}
          </a>
          <span class="row-sub">
            @{member.username} · {roleLabel(member.role)} ·{' '}
            {t('members.askedAgo', { when: formatRelative(member.createdAt) })}
          </span>
        </span>
      </div>
      <div class="request-actions">
        <Button
          variant="ghost"
          isSmall
          onClick={reject}
          isBusy={busy === 'reject'}
          disabled={busy !== null}
          aria-label={t('members.rejectNamed', { name })}
        >
          {t('members.reject')}
        </Button>
        <Button
          variant="primary"
          isSmall
          icon="check"
          onClick={approve}
          isBusy={busy === 'approve'}
          disabled={busy !== null}
          aria-label={t('members.approveNamed', { name })}
        >
          {t('members.approve')}
        </Button>
      </div>
    </li>
  )
}
