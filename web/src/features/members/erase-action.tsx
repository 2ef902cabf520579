/** Erasing a deactivated member's personal data (owners only), after a confirmation that spells it out. */
import { useState } from 'preact/hooks'
import { type MemberDetail } from '../../lib/api'
import { systemApi } from '../../lib/api-system'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { Dialog } from '../../ui/dialog'
import { CheckField, FormError } from '../../ui/field'
import { Section } from '../../ui/page'
import { toast } from '../../ui/toast'

/** What erasing leaves behind: the server renames the account to this. */
const formerName = (member: MemberDetail) => `Former member ${member.id}`
const isErased = (member: MemberDetail) => new RegExp(`^former-${member.id}(-\\d+)?$`, 'i').test(member.username)

/** For owners, on a deactivated member: erase their personal data, after a confirmation that spells it out. */
export function EraseAction({
  member,
  onChanged,
}: {
  member: MemberDetail
  onChanged: (member: MemberDetail) => void
}) {
  const [isAsking, setAsking] = useState(false)
  const [isUnderstood, setUnderstood] = useState(false)
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const former = formerName(member)

  if (isErased(member)) {
    return (
      <Section title={t('member.eraseSection')} id="erase">
        <p class="card-text">{t('member.erasedNote')}</p>
      </Section>
    )
  }

  const close = () => {
    if (isBusy) return
    setAsking(false)
    setUnderstood(false)
    setError(null)
  }
  const erase = async () => {
    setBusy(true)
    setError(null)
    try {
      const updated = await systemApi.eraseMember(member.id)
      setAsking(false)
      onChanged(updated)
      toast(t('member.erased', { former: updated.displayName }))
    } catch (caught) {
      setError(errorMessage(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title={t('member.eraseSection')} id="erase" class="card-danger">
      <p class="card-text">{t('member.eraseExplain', { former })}</p>
      <div class="form-actions">
        <Button variant="danger" onClick={() => setAsking(true)}>
          {t('member.erase')}
        </Button>
      </div>
      {isAsking ? (
        <Dialog
          title={t('member.eraseTitle', { name: member.displayName })}
          onClose={close}
          footer={
            <>
              <Button onClick={close} disabled={isBusy}>
                {t('common.cancel')}
              </Button>
              <Button variant="danger" isBusy={isBusy} disabled={!isUnderstood} onClick={() => void erase()}>
                {t('member.erase')}
              </Button>
            </>
          }
        >
          <p class="card-text">{t('member.eraseWhat')}</p>
          <ul class="erase-list">
            <li>{t('member.eraseName', { former })}</li>
            <li>{t('member.eraseDetails')}</li>
            <li>{t('member.eraseMessages')}</li>
            <li>{t('member.eraseNoSignIn')}</li>
          </ul>
          <p class="erase-undo">{t('member.eraseUndo')}</p>
          <CheckField label={t('member.eraseUnderstand')} checked={isUnderstood} onChecked={setUnderstood} />
          <FormError message={error} />
        </Dialog>
      ) : null}
    </Section>
  )
}
