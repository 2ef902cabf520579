/**
 * A part of a page that throws while drawing (say, one item with data the app did not
 * expect) shows a short note in its place, and the rest of the page carries on. Views get a
 * Try again button; list items (a notice, a message) just say they could not be shown.
 */
import { Component, type ComponentChildren } from 'preact'
import { t } from '../lib/i18n'
import { Button } from './button'
import { EmptyState } from './empty-state'
import { Icon } from './icons'

interface ErrorBoundaryProps {
  children: ComponentChildren
  /** `view`: a whole routed page, with Try again; `item`: one entry of a list. */
  kind?: 'view' | 'item'
  /** A view starts afresh when this changes (the path), so leaving a broken page heals it. */
  resetKey?: string
}

interface ErrorBoundaryState {
  hasFailed: boolean
  /** What was thrown, kept on the note (data-error) for whoever inspects the page. */
  reason: string
  /** Bumped by Try again, so the children are drawn anew rather than reused. */
  attempt: number
}

export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { hasFailed: false, reason: '', attempt: 0 }

  static getDerivedStateFromError(error: unknown): Partial<ErrorBoundaryState> {
    return { hasFailed: true, reason: error instanceof Error ? error.message : String(error) }
  }

  override componentDidUpdate(previous: ErrorBoundaryProps): void {
    if (previous.resetKey !== this.props.resetKey && this.state.hasFailed) this.retry()
  }

  private retry = (): void => {
    this.setState((state) => ({ hasFailed: false, reason: '', attempt: state.attempt + 1 }))
  }

  override render() {
    const { kind = 'item', children } = this.props
    if (!this.state.hasFailed) return <ErrorBoundaryAttempt key={this.state.attempt}>{children}</ErrorBoundaryAttempt>
    if (kind === 'item') {
      return (
        <p class="muted item-error" role="note" data-error={this.state.reason}>
          <Icon name="alert" size={16} /> {t('ui.itemFailed')}
        </p>
      )
    }
    return (
      <div class="card" role="alert" data-error={this.state.reason}>
        <EmptyState
          icon="alert"
          title={t('ui.viewFailedTitle')}
          action={
            <Button variant="primary" icon="refresh" onClick={this.retry}>
              {t('common.retry')}
            </Button>
          }
        >
          {t('ui.viewFailedText')}
        </EmptyState>
      </div>
    )
  }
}

/** Only there to carry the key that makes Try again draw the children from scratch. */
function ErrorBoundaryAttempt({ children }: { children: ComponentChildren }) {
  return <>{children}</>
}
