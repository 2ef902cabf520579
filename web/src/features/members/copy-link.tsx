/** A join link in a read-only field with Copy (and Share where the phone offers it). */
import { useId, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { Button } from '../../ui/button'
import { copyText } from '../../ui/copy'
import { toast } from '../../ui/toast'

export function CopyLink({ url, label }: { url: string; label: string }) {
  const id = useId()
  const [isCopied, setCopied] = useState(false)
  const canShare = typeof navigator.share === 'function'
  const copy = async () => {
    if (await copyText(url)) {
      setCopied(true)
      toast(t('invite.copied'))
      setTimeout(() => setCopied(false), 2500)
    } else {
      toast(t('invite.copyFailed'), 'error')
    }
  }
  return (
    <div class="field copy-link">
      <label class="field-label" for={id}>
        {label}
      </label>
      <div class="input-with-button">
        <input
          id={id}
          class="input input-mono"
          value={url}
          readOnly
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button class="input-addon-button" icon={isCopied ? 'check' : 'copy'} onClick={copy}>
          {isCopied ? t('invite.copiedShort') : t('invite.copy')}
        </Button>
      </div>
      {canShare ? (
        <Button
          variant="ghost"
          icon="share"
          isSmall
          onClick={() => void navigator.share({ title: t('app.name'), url }).catch(() => undefined)}
        >
          {t('invite.share')}
        </Button>
      ) : null}
    </div>
  )
}
