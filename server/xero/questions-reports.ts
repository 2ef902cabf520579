/** The answers built from Xero's reports: bank balances and profit this month. */
import type { CardBody } from './card'
import { formatDay, monthStart } from './money'
import { card, figure, MAX_ROWS, moreNote, sentences, today, type QuestionContext } from './questions-cards'
import { moneyFormat, reportNumber, reportRows, type XeroReport } from './questions-xero'

/** Either scope lets the connection read the report: the granular one, or all reports. */
const REPORT_SCOPES = {
  bank: ['accounting.reports.banksummary.read', 'accounting.reports.read'],
  profit: ['accounting.reports.profitandloss.read', 'accounting.reports.read'],
}

// ---- reports: bank balances, profit this month ----

function hasScope(ctx: QuestionContext, wanted: readonly string[]): boolean {
  return wanted.some((scope) => ctx.scopes.includes(scope))
}

/** The card when the connection may not read a report: what is missing and how the owner adds it. */
function missingReportCard(topic: 'bank' | 'profit', ctx: QuestionContext): CardBody {
  const [title, report, scopes] =
    topic === 'bank'
      ? ['Bank balances need a Xero permission', 'bank summary', REPORT_SCOPES.bank]
      : ['Profit needs a Xero permission', 'profit and loss', REPORT_SCOPES.profit]
  return card(topic, title, {
    subtitle: ctx.organisation,
    note:
      `Xero was connected without permission to read the ${report} report. ` +
      `The owner can add it: with the Xero app, reconnect on More → Xero and allow reports; ` +
      `with a Custom Connection, add the scope ${scopes[0]} to the app in Xero’s developer portal, then reconnect.`,
  })
}

export async function bankCard(ctx: QuestionContext): Promise<CardBody> {
  if (!hasScope(ctx, REPORT_SCOPES.bank)) return missingReportCard('bank', ctx)
  const now = today(ctx)
  const [money, answer] = await Promise.all([
    moneyFormat(ctx.reader),
    ctx.reader.get<{ Reports?: XeroReport[] }>('Reports/BankSummary', { fromDate: monthStart(now), toDate: now }),
  ])
  const report = answer.Reports?.[0]
  const header = report?.Rows?.find((row) => row.RowType === 'Header')?.Cells ?? []
  const found = header.findIndex((cell) => /closing/i.test(cell.Value ?? ''))
  const closing = found >= 0 ? found : Math.max(1, header.length - 1)
  const accounts: Array<{ name: string; balance: number }> = []
  let total: number | null = null
  for (const row of reportRows(report?.Rows)) {
    const balance = reportNumber(row.Cells?.[closing])
    if (balance === null) continue
    if (row.RowType === 'SummaryRow') total = balance
    else if (row.RowType === 'Row') accounts.push({ name: row.Cells?.[0]?.Value ?? '', balance })
  }
  total ??= accounts.reduce((sum, account) => sum + account.balance, 0)
  return card('bank', 'Bank balances', {
    subtitle: `${ctx.organisation} · ${formatDay(now)}`,
    figures: [figure('Total', money.format(total), total < 0 ? 'bad' : null)],
    table:
      accounts.length > 0
        ? {
            columns: ['Account', 'Balance'],
            rows: accounts.slice(0, MAX_ROWS).map((account) => [account.name, money.format(account.balance)]),
          }
        : null,
    note: sentences(accounts.length === 0 ? 'Xero shows no bank accounts.' : '', moreNote(accounts.length, 'accounts')),
  })
}

const PROFIT_LINES: Array<{ label: string; pattern: RegExp }> = [
  { label: 'Income', pattern: /^total (trading |operating )?income$/i },
  { label: 'Expenses', pattern: /^total operating expenses$/i },
  { label: 'Net profit', pattern: /^net profit$/i },
]

export async function profitCard(ctx: QuestionContext): Promise<CardBody> {
  if (!hasScope(ctx, REPORT_SCOPES.profit)) return missingReportCard('profit', ctx)
  const now = today(ctx)
  const from = monthStart(now)
  const [money, answer] = await Promise.all([
    moneyFormat(ctx.reader),
    ctx.reader.get<{ Reports?: XeroReport[] }>('Reports/ProfitAndLoss', { fromDate: from, toDate: now }),
  ])
  // The totals: each titled section's summary (Total Income …) and the rows of the untitled
  // sections between them (Gross Profit, Net Profit).
  const totals = (answer.Reports?.[0]?.Rows ?? []).flatMap((section) => {
    if (section.RowType !== 'Section') return []
    const rows = (section.Rows ?? []).filter((row) =>
      section.Title ? row.RowType === 'SummaryRow' : row.RowType === 'Row',
    )
    return rows.flatMap((row) => {
      const label = row.Cells?.[0]?.Value ?? ''
      const value = reportNumber(row.Cells?.[1])
      return label && value !== null ? [{ label, value }] : []
    })
  })
  const figures = PROFIT_LINES.flatMap(({ label, pattern }) => {
    const line = totals.find((total) => pattern.test(total.label))
    if (!line) return []
    const tone = label === 'Net profit' ? (line.value < 0 ? 'bad' : 'good') : null
    return [figure(label, money.format(line.value), tone)]
  })
  return card('profit', 'Profit this month', {
    subtitle: `${ctx.organisation} · ${formatDay(from)} – ${formatDay(now)}`,
    figures,
    table:
      totals.length > 0
        ? {
            columns: ['', 'Amount'],
            rows: totals.slice(0, MAX_ROWS).map((line) => [line.label, money.format(line.value)]),
          }
        : null,
    note: figures.length === 0 ? 'Xero’s report has no totals for this month yet.' : '',
  })
}
