/** The lazily loaded board, chat and search pages, picked by path (see routes.tsx). */
import type { JSX } from 'preact'
import { t } from '../../lib/i18n'
import { matchPath } from '../../lib/router'
import { can } from '../../lib/session'
import { LinkButton } from '../../ui/button'
import { EmptyState } from '../../ui/empty-state'
import { Page } from '../../ui/page'
import { BoardPage } from '../board/board-page'
import { NewNoticePage } from '../board/notice-form'
import { SearchPage } from '../search/search-page'
import { ChatLayout } from './chat-page'

function Problem({ title, text }: { title: string; text: string }) {
  return (
    <Page title={title}>
      <div class="card">
        <EmptyState icon="alert" action={<LinkButton href="/board">{t('chat.navBoard')}</LinkButton>}>
          {text}
        </EmptyState>
      </div>
    </Page>
  )
}

export function renderView(path: string): JSX.Element {
  if (path === '/board') return <BoardPage />
  if (path === '/board/new') {
    return can('board.post') ? (
      <NewNoticePage />
    ) : (
      <Problem title={t('app.notAllowedTitle')} text={t('board.notAllowedText')} />
    )
  }
  if (path === '/search') return <SearchPage />
  if (path === '/chat') return <ChatLayout conversationId={null} />
  const id = Number(matchPath('/chat/:id', path)?.id)
  if (Number.isInteger(id) && id > 0) return <ChatLayout conversationId={id} />
  return <Problem title={t('app.notFoundTitle')} text={t('app.notFoundText')} />
}
