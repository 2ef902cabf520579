/**
 * The big "Report a problem" button (Tasks header, Home). The sheet behind it, with the
 * camera, the recorder and the uploads, is fetched on first use so the pages carrying the
 * button stay light.
 */
import { useState } from 'preact/hooks'
import { t } from '../../lib/i18n'
import { Icon } from '../../ui/icons'
import { lazyPage } from '../../ui/lazy-page'
import './tasks-admin.css'

const ReportSheet = lazyPage(() => import('./report-sheet').then((m) => m.ReportSheet))

/** `isBlock`: the full width of its column (Home); otherwise a pill that fits a page header. */
export function ReportButton({ isBlock = false }: { isBlock?: boolean }) {
  const [isOpen, setOpen] = useState(false)
  return (
    <>
      <button
        type="button"
        class={
          isBlock ? 'button button-primary report-button report-button-block' : 'button button-primary report-button'
        }
        aria-haspopup="dialog"
        onPointerEnter={() => ReportSheet.preload()}
        onFocus={() => ReportSheet.preload()}
        onClick={() => setOpen(true)}
      >
        <Icon name="camera" size={22} />
        <span>{t('taskReport.button')}</span>
      </button>
      {isOpen ? <ReportSheet onClose={() => setOpen(false)} /> : null}
    </>
  )
}
