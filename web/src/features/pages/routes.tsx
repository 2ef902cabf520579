/** The info pages' part of the route table (see app.tsx): list, page, editor, history. */
import type { VNode } from 'preact'
import { matchPath } from '../../lib/router'
import { can } from '../../lib/session'
import { PageEditorPage } from './page-editor'
import { PageHistoryPage, RevisionPage } from './page-history'
import { PageViewPage } from './page-view'
import { PagesPage } from './pages-page'

function idOf(text: string | undefined): number | null {
  const id = Number(text)
  return Number.isInteger(id) && id > 0 ? id : null
}

/** The page for `path` under /pages, 'not-allowed' or 'not-found'; null when not under /pages. */
export function infoPagesRoute(path: string): VNode | 'not-allowed' | 'not-found' | null {
  if (path !== '/pages' && !path.startsWith('/pages/')) return null
  const isEditor = can('members.manage')
  if (path === '/pages') return <PagesPage />
  if (path === '/pages/new') return isEditor ? <PageEditorPage key="new" id={null} /> : 'not-allowed'
  const view = matchPath('/pages/:id', path)
  const edit = matchPath('/pages/:id/edit', path)
  const history = matchPath('/pages/:id/history', path)
  const revision = matchPath('/pages/:id/history/:revisionId', path)
  const id = idOf((view ?? edit ?? history ?? revision)?.id)
  if (id === null) return 'not-found'
  if (view) return <PageViewPage key={id} id={id} />
  if (edit) return isEditor ? <PageEditorPage key={id} id={id} /> : 'not-allowed'
  if (history) return <PageHistoryPage key={id} id={id} />
  const revisionId = idOf(revision?.revisionId)
  return revisionId === null ? 'not-found' : <RevisionPage key={revisionId} id={id} revisionId={revisionId} />
}
