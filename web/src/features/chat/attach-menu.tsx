/** The attach menu shared by chat and the notice form: camera photo, video, file, voice note, location. */
import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { Icon, type IconName } from '../../ui/icons'
import type { AttachmentTray } from './attachment-tray'

/** Hidden file inputs for camera photo, video and any file; always in the page so tests can fill them. */
export function FileInputs({
  tray,
  inputs,
}: {
  tray: AttachmentTray
  inputs: {
    photo: { current: HTMLInputElement | null }
    video: { current: HTMLInputElement | null }
    file: { current: HTMLInputElement | null }
  }
}) {
  const onPick = (intent: 'photo' | 'video' | 'file') => (event: Event) => {
    const input = event.currentTarget as HTMLInputElement
    if (input.files?.length) tray.addFiles([...input.files], intent)
    input.value = ''
  }
  return (
    <div class="file-inputs">
      <input
        ref={inputs.photo}
        type="file"
        accept="image/*"
        capture="environment"
        aria-label={t('chat.attachPhoto')}
        tabIndex={-1}
        onChange={onPick('photo')}
      />
      <input
        ref={inputs.video}
        type="file"
        accept="video/*"
        capture="environment"
        aria-label={t('chat.attachVideo')}
        tabIndex={-1}
        onChange={onPick('video')}
      />
      <input
        ref={inputs.file}
        type="file"
        multiple
        aria-label={t('chat.attachFile')}
        tabIndex={-1}
        onChange={onPick('file')}
      />
    </div>
  )
}

/** The paperclip button and its menu. */
export function AttachMenu({
  tray,
  onVoice,
  isDisabled,
}: {
  tray: AttachmentTray
  onVoice?: () => void
  isDisabled?: boolean
}) {
  const [isOpen, setOpen] = useState(false)
  const root = useRef<HTMLDivElement>(null)
  const photo = useRef<HTMLInputElement>(null)
  const video = useRef<HTMLInputElement>(null)
  const file = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (!isOpen) return
    const onDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false)
    }
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false)
    }
    document.addEventListener('pointerdown', onDown)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('pointerdown', onDown)
      document.removeEventListener('keydown', onKey)
    }
  }, [isOpen])
  const choose = (action: () => void) => () => {
    setOpen(false)
    action()
  }
  const options: { icon: IconName; label: string; action: () => void }[] = [
    { icon: 'camera', label: t('chat.attachPhoto'), action: () => photo.current?.click() },
    { icon: 'video', label: t('chat.attachVideo'), action: () => video.current?.click() },
    { icon: 'paperclip', label: t('chat.attachFile'), action: () => file.current?.click() },
    ...(onVoice ? [{ icon: 'mic' as const, label: t('chat.recordVoice'), action: onVoice }] : []),
    { icon: 'mapPin', label: t('chat.attachLocation'), action: () => tray.addLocation() },
  ]
  return (
    <div class="attach" ref={root}>
      <button
        type="button"
        class="icon-button composer-icon"
        aria-label={t('chat.attach')}
        aria-expanded={isOpen ? 'true' : 'false'}
        aria-haspopup="menu"
        disabled={isDisabled}
        onClick={() => setOpen(!isOpen)}
      >
        <Icon name="paperclip" size={22} />
      </button>
      {isOpen ? (
        <div class="attach-menu" role="menu" aria-label={t('chat.attach')}>
          {options.map((option) => (
            <button
              key={option.label}
              type="button"
              role="menuitem"
              class="attach-option"
              onClick={choose(option.action)}
            >
              <span class="attach-option-icon">
                <Icon name={option.icon} size={22} />
              </span>
              <span>{option.label}</span>
            </button>
          ))}
        </div>
      ) : null}
      <FileInputs tray={tray} inputs={{ photo, video, file }} />
    </div>
  )
}
