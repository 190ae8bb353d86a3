import { DataTable, type Column } from '../../ui/DataTable'
import { StatusBadge } from '../../ui/States'
import { formatAmount, formatBytes, formatCount, formatDate, formatDateTime, humanize } from '../../ui/format'
import { kindLabel } from './mapping'
import { problemsOf, warningsOf, type Dataset, type FileProblem, type FileWarning } from './queries'

type Summary = Record<string, unknown>

const str = (value: unknown): string | null => (value === null || value === undefined ? null : String(value))

/** One line saying what a dataset holds: "10,000 lines in 1,234 journals" or "84 accounts". */
export function summaryLine(dataset: Dataset): string {
  const summary = (dataset.summary ?? {}) as Summary
  if (dataset.status !== 'succeeded' && dataset.status !== 'submitted') return ''
  if (dataset.kind === 'general_ledger') {
    return `${formatCount(Number(summary.lines ?? 0))} lines in ${formatCount(Number(summary.journals ?? 0))} journals`
  }
  const accounts = `${formatCount(Number(summary.accounts ?? 0))} accounts`
  return dataset.unbalanced ? `${accounts}, unbalanced` : accounts
}

/** What the load of a dataset came to: a one-line outcome, the figures, and its warnings or problems. */
export function DatasetDetails({ dataset, headingLevel = 3 }: { dataset: Dataset; headingLevel?: 3 | 4 }) {
  const H = `h${headingLevel}` as 'h3' | 'h4'
  return (
    <div className="dataset-details">
      <Outcome dataset={dataset} />
      <Facts dataset={dataset} />
      {dataset.status === 'failed' && <Problems dataset={dataset} heading={H} />}
      {dataset.status === 'succeeded' && <Warnings dataset={dataset} heading={H} />}
    </div>
  )
}

function Outcome({ dataset }: { dataset: Dataset }) {
  const what = `${kindLabel(dataset.kind).toLowerCase()} version ${dataset.version}`
  if (dataset.status === 'succeeded') {
    const warnings = warningsOf(dataset).length
    return (
      <div className="success" role="status">
        Loaded {what}: {summaryLine(dataset)}
        {warnings > 0 && ` (${warnings} warning${warnings === 1 ? '' : 's'}, see below)`}
        {dataset.current ? '. It is the current version.' : '.'}
      </div>
    )
  }
  if (dataset.status === 'failed') {
    const { message, code } = problemsOf(dataset)
    return (
      <div className="error" role="alert">
        <strong>The file was refused ({what}); nothing of it was stored.</strong>
        <div>{message || humanize(code) || 'The load failed.'}</div>
      </div>
    )
  }
  if (dataset.status === 'submitted') {
    return (
      <div className="notice" role="status">
        <strong>
          Submitted {what}{dataset.created_by_name ? ` by ${dataset.created_by_name}` : ''}: {summaryLine(dataset)}.
        </strong>{' '}
        It waits for the audit team to accept it; until then it is not the current version.
      </div>
    )
  }
  if (dataset.status === 'rejected') {
    return (
      <div className="error" role="status">
        <strong>
          The audit team did not accept {what}
          {dataset.decided_by_name ? ` (${dataset.decided_by_name}, ${formatDateTime(dataset.decided_at)})` : ''}.
        </strong>
        <div>Their reason: {dataset.decision_reason}</div>
      </div>
    )
  }
  return (
    <div className="notice" role="status">
      The {what} is queued for loading.
    </div>
  )
}

function Facts({ dataset }: { dataset: Dataset }) {
  const summary = (dataset.summary ?? {}) as Summary
  const options = (dataset.options ?? {}) as Summary
  const columnMap = options.column_map as Record<string, string> | null | undefined
  const rows: [string, string][] = [
    ['Status', dataset.status + (dataset.current ? ' (current)' : '')],
    ['File', `${dataset.filename}${dataset.size_bytes ? ` (${formatBytes(dataset.size_bytes)})` : ''}`],
    ['Uploaded', formatDateTime(dataset.created_at) + (dataset.created_by_name ? ` by ${dataset.created_by_name}` : '')],
  ]
  if (dataset.reason) rows.push(['Why it replaces the current version', dataset.reason])
  if (dataset.decided_at && dataset.status === 'succeeded') {
    rows.push(['Accepted', `${formatDateTime(dataset.decided_at)} by ${dataset.decided_by_name ?? 'the audit team'}${dataset.decision_reason ? `: ${dataset.decision_reason}` : ''}`])
  }
  if (dataset.finished_at) rows.push(['Finished', formatDateTime(dataset.finished_at)])
  if (options.fiscal_start || options.fiscal_end) rows.push(['Fiscal year', `${formatDate(str(options.fiscal_start))} – ${formatDate(str(options.fiscal_end))}`])
  if (options.date_order) rows.push(['Date order', String(options.date_order)])
  if (options.sheet) rows.push(['Sheet', String(options.sheet)])
  if (columnMap && Object.keys(columnMap).length) {
    rows.push(['Column map', Object.entries(columnMap).map(([field, header]) => `${field} ← ${header}`).join(', ')])
  }
  if (dataset.status === 'succeeded') {
    if (dataset.kind === 'general_ledger') {
      rows.push(
        ['Lines', formatCount(Number(summary.lines ?? 0))],
        ['Journals', formatCount(Number(summary.journals ?? 0))],
        ['Accounts', formatCount(Number(summary.accounts ?? 0))],
        ['Debits', formatAmount(str(summary.debit_total))],
        ['Credits', formatAmount(str(summary.credit_total))],
        ['Difference', formatAmount(str(summary.difference))],
        ['Unbalanced journals', formatCount(Number(summary.unbalanced_journals ?? 0))],
        ['Effective dates', `${formatDate(str(summary.first_effective_date))} – ${formatDate(str(summary.last_effective_date))}`],
      )
    } else if (dataset.kind === 'trial_balance') {
      rows.push(
        ['Accounts', formatCount(Number(summary.accounts ?? 0))],
        ['Closing debits', formatAmount(str(summary.closing_debit_total))],
        ['Closing credits', formatAmount(str(summary.closing_credit_total))],
        ['Difference', formatAmount(str(summary.difference))],
        ['Opening balances', summary.has_opening_balances ? `yes, total ${formatAmount(str(summary.opening_balance_total))}` : 'no'],
      )
    } else {
      rows.push(['Accounts', formatCount(Number(summary.accounts ?? 0))])
    }
    if (summary.format) rows.push(['Format', String(summary.format).toUpperCase()])
  }
  if (dataset.sha256) rows.push(['SHA-256', dataset.sha256])
  return (
    <dl className="facts">
      {rows.map(([term, value]) => (
        <div key={term} className="fact">
          <dt>{term}</dt>
          <dd>{term === 'Status' ? <StatusBadge status={dataset.status} /> : value}</dd>
        </div>
      ))}
    </dl>
  )
}

const problemColumns: Column<FileProblem & { key: string }>[] = [
  { key: 'row', header: 'Row', render: (p) => p.row ?? '—', sortValue: (p) => p.row ?? undefined, align: 'right' },
  { key: 'column', header: 'Column', render: (p) => p.column ?? '—', sortValue: (p) => p.column ?? undefined },
  { key: 'value', header: 'Value', render: (p) => (p.value === null ? <span className="muted">(empty)</span> : <code>{p.value}</code>) },
  { key: 'reason', header: 'Reason', render: (p) => <span className="wrap">{p.reason}</span> },
]

/** Row, column, value and reason of each problem (the header is row 1, as in Excel). */
export function ProblemTable({ problems, caption }: { problems: readonly FileProblem[]; caption: string }) {
  const rows = problems.map((p, i) => ({ ...p, key: String(i) }))
  return <DataTable rows={rows} columns={problemColumns} rowKey={(p) => p.key} caption={caption} empty="No problems listed." />
}

function Problems({ dataset, heading: H }: { dataset: Dataset; heading: 'h3' | 'h4' }) {
  const { problems, count } = problemsOf(dataset)
  if (problems.length === 0) return null
  return (
    <section aria-label="Problems">
      <H>Problems</H>
      {count > problems.length && (
        <p className="muted small">
          The first {formatCount(problems.length)} of {formatCount(count)} problems are listed.
        </p>
      )}
      <ProblemTable problems={problems} caption={`Why the file was refused (${formatCount(count)})`} />
    </section>
  )
}

const warningColumns: Column<FileWarning>[] = [
  { key: 'code', header: 'Warning', render: (w) => humanize(w.code), sortValue: (w) => w.code },
  { key: 'count', header: 'Count', render: (w) => formatCount(w.count), sortValue: (w) => w.count, align: 'right' },
  { key: 'message', header: 'Detail', render: (w) => <span className="wrap">{w.message}</span> },
  { key: 'rows', header: 'First rows', render: (w) => (w.rows ?? []).join(', ') },
]

function Warnings({ dataset, heading: H }: { dataset: Dataset; heading: 'h3' | 'h4' }) {
  const warnings = warningsOf(dataset)
  if (warnings.length === 0) return null
  return (
    <section aria-label="Warnings">
      <H>Warnings</H>
      <DataTable rows={warnings} columns={warningColumns} rowKey={(w) => w.code} />
    </section>
  )
}
