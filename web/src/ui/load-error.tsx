/** What a page shows when its data could not be loaded: the reason, and a way to try again. */
import { t } from '../lib/i18n'
import { Button } from './button'
import { Icon } from './icons'

export function LoadError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <Icon name="alert" size={20} />
      <span>{message}</span>
      <Button isSmall onClick={onRetry}>
        {t('common.retry')}
      </Button>
    </div>
  )
}
