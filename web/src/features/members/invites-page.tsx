/** /members/invites — the shop's join code and every invite link, with QR codes. */
import { useEffect, useState } from 'preact/hooks'
import { api, type Invite, type JoinCode } from '../../lib/api'
import { errorMessage } from '../../lib/errors'
import { formatDateTime, formatRelative } from '../../lib/format'
import { t, tn } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { Button } from '../../ui/button'
import { confirm, Dialog } from '../../ui/dialog'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Page, Section } from '../../ui/page'
import { QrImage } from '../../ui/qr-image'
import { copyText } from '../../ui/copy'
import { CopyField } from '../../ui/copy-field'
import { toast } from '../../ui/toast'
import { InviteDialog } from './invite-dialog'
import { roleLabel } from './labels'

function inviteState(invite: Invite): { label: string; tone: string } {
  if (invite.revokedAt !== null) return { label: t('invites.revoked'), tone: 'deactivated' }
  if (invite.uses >= invite.maxUses) return { label: t('invites.usedUp'), tone: 'muted' }
  if (!invite.isUsable) return { label: t('invites.expired'), tone: 'muted' }
  return { label: t('invites.usable'), tone: 'active' }
}

export function InvitesPage() {
  const [joinCode, setJoinCode] = useState<JoinCode | null>(null)
  const [invites, setInvites] = useState<Invite[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isCreating, setCreating] = useState(false)
  const [isRotating, setRotating] = useState(false)
  const [qrFor, setQrFor] = useState<{ invite: Invite; svg: string } | null>(null)
  const [showAll, setShowAll] = useState(false)

  const load = () =>
    Promise.all([api.joinCode(), api.invites()])
      .then(([code, list]) => {
        setJoinCode(code)
        setInvites(list)
        setError(null)
      })
      .catch((caught: unknown) => setError(errorMessage(caught)))

  useEffect(() => {
    void load()
  }, [])
  // A join uses up an invite: refresh the counts.
  useLive(['member.requested', 'member.joined'], () => void load())

  const rotate = async () => {
    const ok = await confirm({
      title: t('joinCode.rotateTitle'),
      body: t('joinCode.rotateBody'),
      confirmLabel: t('joinCode.rotate'),
      isDanger: true,
    })
    if (!ok) return
    setRotating(true)
    try {
      setJoinCode(await api.rotateJoinCode())
      toast(t('joinCode.rotated'))
    } catch (caught) {
      toast(errorMessage(caught), 'error')
    } finally {
      setRotating(false)
    }
  }

  const revoke = async (invite: Invite) => {
    const ok = await confirm({
      title: t('invites.revokeTitle'),
      body: t('invites.revokeBody'),
      confirmLabel: t('invites.revoke'),
      isDanger: true,
    })
    if (!ok) return
    try {
      await api.revokeInvite(invite.id)
      toast(t('invites.revokedToast'))
      void load()
    } catch (caught) {
      toast(errorMessage(caught), 'error')
    }
  }

  const showQr = async (invite: Invite) => {
    try {
      const { qrSvg } = await api.inviteQr(invite.id)
      setQrFor({ invite, svg: qrSvg })
    } catch (caught) {
      toast(errorMessage(caught), 'error')
    }
  }

  const usable = (invites ?? []).filter((invite) => invite.isUsable)
  const finished = (invites ?? []).filter((invite) => !invite.isUsable)
  const listed = showAll ? [...usable, ...finished] : usable

  return (
    <Page
      title={t('invites.title')}
      back={{ href: '/members', label: t('members.title') }}
      primary={
        <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>
          {t('members.invite')}
        </Button>
      }
    >
      {isCreating ? <InviteDialog onClose={() => setCreating(false)} onCreated={() => void load()} /> : null}
      {qrFor ? (
        <Dialog title={t('invites.qrTitle', { role: roleLabel(qrFor.invite.role) })} onClose={() => setQrFor(null)}>
          <div class="invite-ready">
            <QrImage svg={qrFor.svg} alt={t('invite.qrAlt')} size={232} />
            <CopyField label={t('invite.link')} value={qrFor.invite.url} isShareable />
          </div>
        </Dialog>
      ) : null}
      {error ? (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      {!joinCode && !error ? <Loading label={t('common.loading')} /> : null}
      {joinCode ? (
        <Section title={t('joinCode.title')} id="join-code">
          <div class="join-code">
            <QrImage svg={joinCode.qrSvg} alt={t('joinCode.qrAlt')} size={200} />
            <div class="join-code-text">
              <p class="card-text">{t('joinCode.explain')}</p>
              <p
                class="join-code-value"
                aria-label={t('joinCode.codeLabel', { code: joinCode.code.split('').join(' ') })}
              >
                {joinCode.code}
              </p>
              <CopyField label={t('joinCode.link')} value={joinCode.url} isShareable />
              <Button icon="refresh" isSmall onClick={rotate} isBusy={isRotating}>
                {t('joinCode.rotate')}
              </Button>
            </div>
          </div>
        </Section>
      ) : null}
      {invites ? (
        <Section
          title={t('invites.listTitle')}
          id="invites"
          actions={
            finished.length ? (
              <Button
                variant="ghost"
                isSmall
                onClick={() => setShowAll(!showAll)}
                aria-pressed={showAll ? 'true' : 'false'}
              >
                {showAll ? t('invites.hideFinished') : tn('invites.showFinished', finished.length)}
              </Button>
            ) : null
          }
        >
          {listed.length ? (
            <ul class="rows">
              {listed.map((invite) => {
                const state = inviteState(invite)
                return (
                  <li key={invite.id} class="row-item invite-row">
                    <div class="row">
                      <span class="row-main">
                        <span class="row-title">
                          {t('invites.rowTitle', { role: roleLabel(invite.role) })}{' '}
                          <span class={`badge badge-${state.tone}`}>{state.label}</span>
                        </span>
                        <span class="row-sub">
                          {t('invites.uses', { uses: invite.uses, max: invite.maxUses })} ·{' '}
                          {invite.isUsable
                            ? t('invites.expiresIn', { when: formatRelative(invite.expiresAt) })
                            : t('invites.createdAt', { when: formatDateTime(invite.createdAt) })}
                        </span>
                      </span>
                    </div>
                    {invite.isUsable ? (
                      <div class="request-actions">
                        <Button isSmall icon="qr" onClick={() => void showQr(invite)}>
                          {t('invites.showQr')}
                        </Button>
                        <Button
                          isSmall
                          icon="copy"
                          onClick={async () =>
                            toast((await copyText(invite.url)) ? t('invite.copied') : t('invite.copyFailed'))
                          }
                        >
                          {t('invite.copy')}
                        </Button>
                        <Button isSmall variant="ghost" onClick={() => void revoke(invite)}>
                          {t('invites.revoke')}
                        </Button>
                      </div>
                    ) : null}
                  </li>
                )
              })}
            </ul>
          ) : (
            <EmptyState
              icon="link"
              title={t('invites.none')}
              action={
                <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>
                  {t('members.invite')}
                </Button>
              }
            >
              {t('invites.noneHint')}
            </EmptyState>
          )}
        </Section>
      ) : null}
    </Page>
  )
}
