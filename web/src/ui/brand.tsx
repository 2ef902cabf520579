import { t } from '../lib/i18n'

/** The logo and name, above the sign-in, setup and join forms. */
export function BrandMark() {
  return (
    <div class="brand">
      <img class="brand-icon" src="/icons/icon.svg" alt="" width={40} height={40} />
      <span class="brand-name">{t('app.name')}</span>
    </div>
  )
}
