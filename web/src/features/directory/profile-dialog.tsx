/** Editing a directory entry: your own, or (for managers) someone you manage. */
import { useRef, useState } from 'preact/hooks'
import { api } from '../../lib/api'
import { wallApi, type DirectoryEntry } from '../../lib/api-wall'
import { formErrors, noErrors, type FormErrors } from '../../lib/errors'
import { errorMessage } from '../../lib/errors'
import { t } from '../../lib/i18n'
import { applyMe, me } from '../../lib/session'
import { Button } from '../../ui/button'
import { Dialog } from '../../ui/dialog'
import { Field, FormError } from '../../ui/field'
import { toast } from '../../ui/toast'
import { MemberPhoto } from './member-photo'
import { PhotoCropper } from './photo-cropper'

interface ProfileDialogProps {
  entry: DirectoryEntry
  onClose: () => void
  onChanged: () => void
}

export function ProfileDialog({ entry, onClose, onChanged }: ProfileDialogProps) {
  const isSelf = me.value?.member.id === entry.id
  const [displayName, setDisplayName] = useState(entry.displayName)
  const [jobTitle, setJobTitle] = useState(entry.jobTitle)
  const [phone, setPhone] = useState(entry.phone)
  const [errors, setErrors] = useState<FormErrors>(noErrors)
  const [isBusy, setBusy] = useState(false)
  const [photoUrl, setPhotoUrl] = useState(entry.avatarUrl)
  const [chosen, setChosen] = useState<File | null>(null)
  const [isPhotoBusy, setPhotoBusy] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)

  const refreshMe = async () => {
    if (isSelf) applyMe(await api.me())
  }

  const save = async (event: Event) => {
    event.preventDefault()
    if (!displayName.trim()) {
      setErrors({ form: null, fields: { displayName: t('auth.displayNameRequired') } })
      return
    }
    setBusy(true)
    setErrors(noErrors)
    try {
      await wallApi.updateProfile(entry.id, {
        displayName: displayName.trim(),
        jobTitle: jobTitle.trim(),
        phone: phone.trim(),
      })
      await refreshMe()
      toast(t('directory.saved', { name: displayName.trim() }))
      onChanged()
      onClose()
    } catch (error) {
      setErrors(formErrors(error, ['displayName', 'phone']))
    } finally {
      setBusy(false)
    }
  }

  const upload = async (photo: Blob) => {
    setPhotoBusy(true)
    try {
      const { avatarUrl } = await wallApi.setAvatar(entry.id, photo)
      setPhotoUrl(avatarUrl)
      setChosen(null)
      toast(t('directory.photoSaved'))
      onChanged()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setPhotoBusy(false)
    }
  }

  const removePhoto = async () => {
    setPhotoBusy(true)
    try {
      await wallApi.removeAvatar(entry.id)
      setPhotoUrl(null)
      toast(t('directory.photoRemoved'))
      onChanged()
    } catch (error) {
      toast(errorMessage(error), 'error')
    } finally {
      setPhotoBusy(false)
    }
  }

  return (
    <Dialog
      title={isSelf ? t('directory.editYours') : t('directory.editNamed', { name: entry.displayName })}
      onClose={onClose}
    >
      <section class="profile-photo" aria-label={t('directory.photo')}>
        {chosen ? (
          <PhotoCropper file={chosen} isBusy={isPhotoBusy} onCancel={() => setChosen(null)} onDone={upload} />
        ) : (
          <div class="profile-photo-row">
            <MemberPhoto name={displayName || entry.displayName} url={photoUrl} size="large" />
            <div class="profile-photo-actions">
              <input
                ref={fileInput}
                id={`photo-${entry.id}`}
                class="visually-hidden"
                type="file"
                accept="image/jpeg,image/png,image/webp,image/*"
                onChange={(event) => {
                  const file = event.currentTarget.files?.[0]
                  event.currentTarget.value = ''
                  if (file) setChosen(file)
                }}
              />
              <label for={`photo-${entry.id}`} class="button button-secondary button-small file-button">
                {photoUrl ? t('directory.changePhoto') : t('directory.choosePhoto')}
              </label>
              {photoUrl ? (
                <Button isSmall variant="ghost" isBusy={isPhotoBusy} onClick={() => void removePhoto()}>
                  {t('directory.removePhoto')}
                </Button>
              ) : null}
            </div>
          </div>
        )}
      </section>
      <form class="form" onSubmit={save} noValidate>
        <Field
          label={t('auth.displayName')}
          value={displayName}
          onValue={setDisplayName}
          error={errors.fields.displayName}
          autoComplete={isSelf ? 'name' : 'off'}
          maxLength={80}
          required
        />
        <Field
          label={t('account.jobTitle')}
          value={jobTitle}
          onValue={setJobTitle}
          hint={t('account.jobTitleHint')}
          autoComplete={isSelf ? 'organization-title' : 'off'}
          maxLength={80}
        />
        <Field
          label={t('account.phone')}
          type="tel"
          value={phone}
          onValue={setPhone}
          error={errors.fields.phone}
          hint={t('account.phoneHint')}
          autoComplete={isSelf ? 'tel' : 'off'}
          maxLength={32}
        />
        <FormError message={errors.form} />
        <div class="form-actions">
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" isBusy={isBusy}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </Dialog>
  )
}
