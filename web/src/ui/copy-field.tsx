/** A read-only field with a Copy button (and Share where the phone offers it): join links, Telegram commands. */
import { useId, useState } from 'preact/hooks'
import { t } from '../lib/i18n'
import { Button } from './button'
import { copyText } from './copy'
import { toast } from './toast'

interface CopyFieldProps {
  label: string
  value: string
  /** Toast after a copy; the default speaks of a link. */
  copiedToast?: string | undefined
  /** Toast when the browser refuses to copy; the default speaks of a link. */
  failedToast?: string | undefined
  /** Offer the phone's share sheet under the field, for links. */
  isShareable?: boolean | undefined
  class?: string | undefined
  inputClass?: string | undefined
}

export function CopyField({
  label,
  value,
  copiedToast,
  failedToast,
  isShareable = false,
  class: className,
  inputClass,
}: CopyFieldProps) {
  const id = useId()
  const [isCopied, setCopied] = useState(false)
  const canShare = isShareable && typeof navigator.share === 'function'
  const copy = async () => {
    if (await copyText(value)) {
      setCopied(true)
      toast(copiedToast ?? t('invite.copied'))
      setTimeout(() => setCopied(false), 2500)
    } else {
      toast(failedToast ?? t('invite.copyFailed'), 'error')
    }
  }
  return (
    <div class={['field copy-field', className].filter(Boolean).join(' ')}>
      <label class="field-label" for={id}>
        {label}
      </label>
      <div class="input-with-button">
        <input
          id={id}
          class={['input input-mono', inputClass].filter(Boolean).join(' ')}
          value={value}
          readOnly
          spellcheck={false}
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button class="input-addon-button" icon={isCopied ? 'check' : 'copy'} onClick={() => void copy()}>
          {isCopied ? t('invite.copiedShort') : t('invite.copy')}
        </Button>
      </div>
      {canShare ? (
        <Button
          variant="ghost"
          icon="share"
          isSmall
          onClick={() => void navigator.share({ title: t('app.name'), url: value }).catch(() => undefined)}
        >
          {t('invite.share')}
        </Button>
      ) : null}
    </div>
  )
}
