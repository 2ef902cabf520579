/** A member's photo, or their initials when they have none, with an optional presence dot. */
import type { DirectoryEntry } from '../../lib/api-wall'
import { t } from '../../lib/i18n'
import { Avatar } from '../../ui/avatar'

interface MemberPhotoProps {
  name: string
  url: string | null
  size?: 'medium' | 'large'
  presence?: DirectoryEntry['presence']
}

export function presenceLabel(presence: DirectoryEntry['presence']): string {
  switch (presence) {
    case 'online':
      return t('directory.online')
    case 'idle':
      return t('directory.idle')
    case 'offline':
      return t('directory.offline')
  }
}

export function MemberPhoto({ name, url, size = 'medium', presence }: MemberPhotoProps) {
  return (
    <span class={`member-photo member-photo-${size}`}>
      {url ? (
        <img class="member-photo-img" src={url} alt="" loading="lazy" />
      ) : (
        <Avatar name={name} size={size === 'large' ? 'large' : 'medium'} />
      )}
      {presence ? (
        <span class={`presence-dot presence-${presence}`} role="img" aria-label={presenceLabel(presence)} />
      ) : null}
    </span>
  )
}
