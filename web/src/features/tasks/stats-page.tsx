/**
 * /tasks/stats — for owners: over a chosen period, what each person took, finished and gave
 * back and how quickly, and how each queue is keeping up; with a CSV of the same figures.
 * Periods are whole shop days.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { errorMessage } from '../../lib/errors'
import { addDays, shopMidnight, shopToday } from '../../lib/format'
import { locale, t } from '../../lib/i18n'
import { useLive } from '../../lib/live'
import { LinkButton } from '../../ui/button'
import { EmptyState, Loading } from '../../ui/empty-state'
import { Field } from '../../ui/field'
import { LoadError } from '../../ui/load-error'
import { Page, Section } from '../../ui/page'
import { formatSpan } from './admin-fields'
import { tasksAdminApi, type StatsPeriod, type TaskStats } from './admin-api'
import './tasks-admin.css'

type Range = 'today' | 'week' | 'month' | 'custom'

const RANGES: { value: Range; key: 'taskStats.today' | 'taskStats.week' | 'taskStats.month' | 'taskStats.custom' }[] = [
  { value: 'today', key: 'taskStats.today' },
  { value: 'week', key: 'taskStats.week' },
  { value: 'month', key: 'taskStats.month' },
  { value: 'custom', key: 'taskStats.custom' },
]

/** The first and the last shop day of a range, as YYYY-MM-DD. */
function daysOf(range: Exclude<Range, 'custom'>, today = shopToday()): { first: string; last: string } {
  const back = range === 'today' ? 0 : range === 'week' ? 6 : 29
  return { first: addDays(today, -back), last: today }
}

/** From the first day's midnight to the midnight after the last day, in shop time. */
function periodOf(first: string, last: string): StatsPeriod | null {
  const from = shopMidnight(first)
  const to = shopMidnight(addDays(last, 1))
  return from === undefined || to === undefined || to <= from ? null : { from, to }
}

const count = new Intl.NumberFormat(locale)

function span(ms: number | null): string {
  return ms === null ? '—' : formatSpan(ms)
}

export function StatsPage() {
  const [range, setRange] = useState<Range>('week')
  const [custom, setCustom] = useState(() => daysOf('week'))
  const days = range === 'custom' ? custom : daysOf(range)
  const period = periodOf(days.first, days.last)
  const [stats, setStats] = useState<TaskStats | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const latest = useRef(0)
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const load = () => {
    if (!period) return
    const ask = ++latest.current
    tasksAdminApi
      .stats(period)
      .then((answer) => {
        if (ask !== latest.current) return
        setStats(answer)
        setLoadError(null)
      })
      .catch((error: unknown) => {
        if (ask === latest.current) setLoadError(errorMessage(error))
      })
  }
  const key = period ? `${period.from}-${period.to}` : ''
  useEffect(() => {
    setStats(null)
    load()
  }, [key])
  useEffect(
    () => () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current)
    },
    [],
  )
  useLive(['task.'], () => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current)
    reloadTimer.current = setTimeout(load, 1000)
  })

  return (
    <Page
      title={t('taskStats.title')}
      subtitle={t('taskStats.subtitle')}
      actions={
        period ? (
          <LinkButton href={tasksAdminApi.statsCsvUrl(period)} download icon="download" isSmall>
            {t('taskStats.csv')}
          </LinkButton>
        ) : null
      }
    >
      <div class="card tasks-period">
        <div class="chips" role="group" aria-label={t('taskStats.periodLabel')}>
          {RANGES.map((option) => (
            <button
              key={option.value}
              type="button"
              class={option.value === range ? 'chip chip-on' : 'chip'}
              aria-pressed={option.value === range ? 'true' : 'false'}
              onClick={() => setRange(option.value)}
            >
              {t(option.key)}
            </button>
          ))}
        </div>
        {range === 'custom' ? (
          <div class="tasks-field-pair">
            <Field
              label={t('taskStats.from')}
              type="date"
              value={custom.first}
              max={custom.last}
              onValue={(first) => setCustom((c) => ({ ...c, first }))}
            />
            <Field
              label={t('taskStats.to')}
              type="date"
              value={custom.last}
              min={custom.first}
              onValue={(last) => setCustom((c) => ({ ...c, last }))}
              error={period ? null : t('taskStats.badPeriod')}
            />
          </div>
        ) : null}
      </div>
      {loadError ? <LoadError message={loadError} onRetry={load} /> : null}
      {!stats && !loadError && period ? <Loading label={t('common.loading')} /> : null}
      {stats ? <StatsTables stats={stats} /> : null}
    </Page>
  )
}

interface Column<Row> {
  label: string
  /** The column's meaning in full, where the label is short. */
  title?: string
  value: (row: Row) => string
}

/**
 * A table on wide screens; on a phone each row becomes a small card (its name, then each
 * figure under its label), so six columns never squeeze names to a letter per line. The
 * roles are explicit because a table styled as a grid loses them in some browsers.
 */
function StatsTable<Row>({
  testId,
  nameLabel,
  rows,
  nameOf,
  keyOf,
  columns,
}: {
  testId: string
  nameLabel: string
  rows: Row[]
  nameOf: (row: Row) => string
  keyOf: (row: Row) => number
  columns: Column<Row>[]
}) {
  return (
    <table class={`tasks-table tasks-table-${columns.length}`} role="table" data-testid={testId}>
      <thead role="rowgroup">
        <tr role="row">
          <th scope="col" role="columnheader">
            {nameLabel}
          </th>
          {columns.map((column) => (
            <th key={column.label} scope="col" role="columnheader" class="tasks-num">
              {column.title ? <abbr title={column.title}>{column.label}</abbr> : column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody role="rowgroup">
        {rows.map((row) => (
          <tr key={keyOf(row)} role="row">
            <th scope="row" role="rowheader">
              {nameOf(row)}
            </th>
            {columns.map((column) => (
              <td key={column.label} role="cell" class="tasks-num" data-label={column.label}>
                {column.value(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function StatsTables({ stats }: { stats: TaskStats }) {
  const people = [...stats.members].sort(
    (a, b) => b.done - a.done || b.taken - a.taken || a.member.displayName.localeCompare(b.member.displayName),
  )
  return (
    <>
      <Section title={t('taskStats.peopleTitle')} id="stats-people">
        {people.length === 0 ? (
          <EmptyState icon="users">{t('taskStats.noPeople')}</EmptyState>
        ) : (
          <StatsTable
            testId="stats-people"
            nameLabel={t('taskStats.person')}
            rows={people}
            nameOf={(row) => row.member.displayName}
            keyOf={(row) => row.member.id}
            columns={[
              { label: t('taskStats.taken'), value: (row) => count.format(row.taken) },
              { label: t('taskStats.done'), value: (row) => count.format(row.done) },
              { label: t('taskStats.released'), value: (row) => count.format(row.released) },
              {
                label: t('taskStats.medianTake'),
                title: t('taskStats.medianTakeLong'),
                value: (row) => span(row.medianTakeMs),
              },
              {
                label: t('taskStats.medianFinish'),
                title: t('taskStats.medianFinishLong'),
                value: (row) => span(row.medianFinishMs),
              },
            ]}
          />
        )}
        <p class="field-hint">{t('taskStats.medianNote')}</p>
      </Section>
      <Section title={t('taskStats.queuesTitle')} id="stats-queues">
        {stats.queues.length === 0 ? (
          <EmptyState icon="inbox">{t('taskStats.noQueues')}</EmptyState>
        ) : (
          <StatsTable
            testId="stats-queues"
            nameLabel={t('taskStats.queue')}
            rows={stats.queues}
            nameOf={(row) => row.queue.name}
            keyOf={(row) => row.queue.id}
            columns={[
              { label: t('taskStats.backlog'), value: (row) => count.format(row.backlog) },
              { label: t('taskStats.oldest'), value: (row) => span(row.oldestWaitingMs) },
              { label: t('taskStats.created'), value: (row) => count.format(row.created) },
              { label: t('taskStats.done'), value: (row) => count.format(row.done) },
            ]}
          />
        )}
        <p class="field-hint">{t('taskStats.backlogNote')}</p>
      </Section>
    </>
  )
}
