import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState, type ReactNode } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { api, ok } from '../../api/client'
import { download } from '../../api/transfer'
import { useAuth } from '../../auth/AuthProvider'
import { DataTable, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading, StatusBadge } from '../../ui/States'
import { formatAmount, formatCount, formatDate, formatDateTime, humanize } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { RerunDialog } from './RerunDialog'
import {
  DISPOSITIONS,
  exceptionsKey,
  exportUrl,
  isActive,
  isScoring,
  isProblem,
  runErrorText,
  runKey,
  runsKey,
  testName,
  useRun,
  type Run,
  type TestResult,
} from './shared'
import './je.css'

function compactValue(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none'
    const shown = value.slice(0, 4).map(String).join(', ')
    return value.length > 4 ? `${shown} +${value.length - 4} more` : shown
  }
  if (value === null || value === undefined) return 'default'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** "base 1000 · keys account_number, period, amount": a test's parameters in a line. */
export function compactParameters(parameters: Record<string, unknown>): string {
  const entries = Object.entries(parameters)
  if (entries.length === 0) return '—'
  return entries.map(([name, value]) => `${name.replace(/_/g, ' ')} ${compactValue(value)}`).join(' · ')
}

function fullParameters(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('\n')
}

function BasisAndGaps({ test }: { test: TestResult }) {
  const parts: ReactNode[] = []
  if (test.basis) parts.push(<div key="basis">Basis: {humanize(test.basis)}</div>)
  if (test.gap_count !== null && test.gap_count !== undefined) {
    const ranges = (test.gap_ranges ?? []).slice(0, 3).map(([before, after]) => `${before} → ${after}`)
    parts.push(
      <div key="gaps">
        {formatCount(test.gap_count)} {test.gap_count === 1 ? 'gap' : 'gaps'}
        {ranges.length > 0 && `: ${ranges.join('; ')}`}
        {((test.gap_ranges?.length ?? 0) > 3 || test.gap_ranges_truncated) && ' …'}
      </div>,
    )
  }
  if (test.features?.length) parts.push(<div key="features">Features: {test.features.join(', ')}</div>)
  if (test.score_threshold !== null && test.score_threshold !== undefined) parts.push(<div key="threshold">Score threshold {test.score_threshold.toFixed(3)}</div>)
  return parts.length ? <div className="je-gaps">{parts}</div> : <span className="muted">—</span>
}

const testColumns: Column<TestResult>[] = [
  {
    key: 'name',
    header: 'Test',
    render: (t) => (
      <span title={t.title}>
        {testName(t.code)}
        <div className="muted small">{t.title}</div>
      </span>
    ),
    sortValue: (t) => testName(t.code),
  },
  {
    key: 'status',
    header: 'Status',
    render: (t) => (
      <>
        <StatusBadge status={t.status} />
        {t.status === 'ran' && t.skipped_lines > 0 && t.lines_tested != null && t.lines_total != null && (
          <div className="muted small">
            ran on {formatCount(t.lines_tested)} of {formatCount(t.lines_total)} lines
          </div>
        )}
      </>
    ),
    sortValue: (t) => t.status,
  },
  { key: 'lines', header: 'Flagged lines', render: (t) => formatCount(t.flagged_lines), sortValue: (t) => t.flagged_lines, align: 'right' },
  { key: 'journals', header: 'Flagged journals', render: (t) => formatCount(t.flagged_journals), sortValue: (t) => t.flagged_journals, align: 'right' },
  { key: 'weight', header: 'Weight', render: (t) => (t.weight ? t.weight : <span className="muted">0 (not scored)</span>), sortValue: (t) => t.weight, align: 'right' },
  { key: 'skipped', header: 'Skipped lines', render: (t) => formatCount(t.skipped_lines), sortValue: (t) => t.skipped_lines, align: 'right' },
  {
    key: 'missing',
    header: 'Missing fields',
    render: (t) => (t.missing_fields.length ? t.missing_fields.map(humanize).join(', ') : <span className="muted">—</span>),
  },
  { key: 'basis', header: 'Basis / gaps', render: (t) => <BasisAndGaps test={t} /> },
  {
    key: 'parameters',
    header: 'Parameters',
    render: (t) => (
      <span className="je-params" title={fullParameters(t.parameters)}>
        {compactParameters(t.parameters)}
      </span>
    ),
  },
]

type ExportChoice = { what: 'flagged_lines' | 'journals'; format: 'csv' | 'xlsx' }
const EXPORTS: (ExportChoice & { label: string })[] = [
  { what: 'flagged_lines', format: 'csv', label: 'Export flagged lines (CSV)' },
  { what: 'flagged_lines', format: 'xlsx', label: 'Export flagged lines (XLSX)' },
  { what: 'journals', format: 'csv', label: 'Export journals (CSV)' },
  { what: 'journals', format: 'xlsx', label: 'Export journals (XLSX)' },
]

/** The journal-entry test run (latest, or the one in the address): its population, tests, triage and exports. */
export function JeSummary() {
  const { engagement } = useEngagement()
  const { runId } = useParams()
  const { can } = useAuth()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const base = `/engagements/${engagement.id}/je-tests`
  const run = useRun(engagement.id, runId)
  const [rerunOpen, setRerunOpen] = useState(false)

  const runs = useQuery({
    queryKey: runsKey(engagement.id),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/je-tests/runs', { params: { path: { engagement_id: engagement.id }, query: { page: 1, page_size: 100 } } })),
  })

  // A run that has moved on since the list was read (it finished, or failed) refreshes the list of runs
  // and the triage summary.
  const status = run.data?.status
  const listed = runs.data?.items.find((item) => item.id === run.data?.id)?.status
  useEffect(() => {
    if (status && listed && listed !== status) {
      void queryClient.invalidateQueries({ queryKey: runsKey(engagement.id) })
      void queryClient.invalidateQueries({ queryKey: exceptionsKey(engagement.id) })
    }
  }, [status, listed, engagement.id, queryClient])

  const start = useMutation({
    mutationFn: () =>
      ok(api.POST('/api/engagements/{engagement_id}/je-tests', { params: { path: { engagement_id: engagement.id } }, body: { tests: null, parameters: null } })),
    onSuccess: (accepted) => started(accepted.run_id),
  })

  const started = (newRunId: string) => {
    setRerunOpen(false)
    void queryClient.invalidateQueries({ queryKey: runsKey(engagement.id) })
    void queryClient.invalidateQueries({ queryKey: runKey(engagement.id, undefined) })
    navigate(`${base}/${newRunId}`)
  }

  const noRun = run.isError && !runId && isProblem(run.error, 404, 'no_run')

  return (
    <section className="je-page" aria-labelledby="je-title">
      <div className="page-header">
        <h2 id="je-title">Journal-entry tests</h2>
        <div className="actions">
          {runs.data && runs.data.items.length > 0 && (
            <RunSelect runs={runs.data.items} current={run.data} onChange={(id) => navigate(`${base}/${id}`)} />
          )}
          <Link to={`/engagements/${engagement.id}/benford`}>Benford analysis</Link>
        </div>
      </div>
      <ErrorMessage error={runs.error} title="The list of runs could not be loaded" />

      {run.isPending && <Loading label="Loading the test run…" />}
      {noRun && (
        <Empty>
          <p>
            No journal-entry tests have run yet. They start by themselves when a general ledger loads (Data tab); you can also start them here
            once a ledger is loaded.
          </p>
          {can('analytics.run') && (
            <button type="button" className="primary" disabled={start.isPending} onClick={() => start.mutate()}>
              {start.isPending ? 'Starting…' : 'Run tests'}
            </button>
          )}
          <ErrorMessage error={start.error} title="The tests could not be started" />
        </Empty>
      )}
      {run.isError && !noRun && <ErrorMessage error={run.error} title="The test run could not be loaded" />}
      {run.data && (
        <RunView
          run={run.data}
          base={base}
          engagementId={engagement.id}
          canRun={can('analytics.run')}
          onOpen={(code) => navigate(`${base}/${run.data.id}/tests/${code}`)}
          onRerun={() => setRerunOpen(true)}
        />
      )}
      {rerunOpen && run.data && <RerunDialog run={run.data} engagementId={engagement.id} onClose={() => setRerunOpen(false)} onStarted={started} />}
    </section>
  )
}

function RunSelect({ runs, current, onChange }: { runs: { id: string; dataset_version: number; created_at: string; status: string; trigger: string }[]; current?: Run; onChange: (id: string) => void }) {
  const items = current && !runs.some((r) => r.id === current.id) ? [current, ...runs] : runs
  const sorted = [...items].sort((a, b) => b.created_at.localeCompare(a.created_at))
  return (
    <label className="je-inline">
      Run
      <select value={current?.id ?? ''} onChange={(e) => onChange(e.target.value)}>
        {!current && <option value="">Choose a run</option>}
        {sorted.map((r) => (
          <option key={r.id} value={r.id}>
            {formatDateTime(r.created_at)} · GL v{r.dataset_version} · {humanize(r.status)} · {r.trigger}
          </option>
        ))}
      </select>
    </label>
  )
}

function RunView({ run, base, engagementId, canRun, onOpen, onRerun }: { run: Run; base: string; engagementId: string; canRun: boolean; onOpen: (code: string) => void; onRerun: () => void }) {
  const active = isActive(run.status)
  const completed = run.status === 'completed'
  const exporting = useMutation({
    mutationFn: (choice: ExportChoice) => download(exportUrl(engagementId, run.id, choice.what, choice.format), `je-tests-${choice.what}.${choice.format}`),
  })
  return (
    <>
      <div className="panel">
        <div className="je-actions">
          <strong>Run of {formatDateTime(run.created_at)}</strong>
          <StatusBadge status={run.status} />
          <span className="muted">
            {run.trigger === 'automatic' ? 'started when the ledger loaded' : 'started by hand'} · general ledger v{run.dataset_version}
          </span>
          <span style={{ flex: 1 }} />
          {completed && <Link to={`${base}/${run.id}/journals`}>Risk-ranked journals</Link>}
          {canRun && !active && !isScoring(run.status) && (
            <button type="button" onClick={onRerun}>
              Run again with changes
            </button>
          )}
        </div>
        {active && (
          <div className="notice je-running" role="status" aria-live="polite">
            <span className="je-spinner" aria-hidden="true" />
            The tests are running ({run.status}). This page updates by itself when they finish.
          </div>
        )}
        {isScoring(run.status) && (
          <div className="notice je-running" role="status" aria-live="polite">
            <span className="je-spinner" aria-hidden="true" />
            The rule-based tests have finished: their results are below. The Isolation Forest and the risk-ranked journals follow; this page updates by itself.
          </div>
        )}
        {run.status === 'failed' && (
          <div className="error" role="alert">
            <strong>The run failed.</strong> {runErrorText(run.error)}
          </div>
        )}
      </div>

      <div className="je-grid">
        <div>
          {run.population && (
            <div className="panel" aria-labelledby="je-population">
              <h3 id="je-population">Population</h3>
              <dl className="facts">
                <dt>Journals</dt>
                <dd>{formatCount(run.population.journals)}</dd>
                <dt>Lines</dt>
                <dd>{formatCount(run.population.lines)}</dd>
                <dt>Debit total</dt>
                <dd>{formatAmount(run.population.debit_total)}</dd>
                <dt>Credit total</dt>
                <dd>{formatAmount(run.population.credit_total)}</dd>
                <dt>Fiscal year</dt>
                <dd>
                  {formatDate(run.fiscal_start)} to {formatDate(run.fiscal_end)}
                </dd>
                <dt>Performance materiality</dt>
                <dd>{run.performance_materiality ? formatAmount(run.performance_materiality) : <span className="muted">not set</span>}</dd>
                {run.completed_at && (
                  <>
                    <dt>Completed</dt>
                    <dd>{formatDateTime(run.completed_at)}</dd>
                  </>
                )}
              </dl>
            </div>
          )}
          <h3 id="je-tests-table">Tests</h3>
          {active ? (
            <Empty>The results appear here when the run completes.</Empty>
          ) : (
            <DataTable
              rows={run.tests}
              columns={testColumns}
              rowKey={(t) => t.code}
              onOpen={(t) => onOpen(t.code)}
              caption="Tests: Enter or click opens the lines a test flagged"
              empty={run.status === 'failed' ? 'The run failed before any test finished.' : 'This run has no test results.'}
            />
          )}
        </div>
        <aside>
          {completed && (
            <div className="panel" aria-labelledby="je-exports">
              <h3 id="je-exports">Exports</h3>
              <div className="je-actions">
                {EXPORTS.map((choice) => (
                  <button key={choice.label} type="button" disabled={exporting.isPending} onClick={() => exporting.mutate(choice)}>
                    {choice.label}
                  </button>
                ))}
              </div>
              {exporting.isPending && <div className="muted small">Preparing the file…</div>}
              {exporting.isSuccess && <div className="success">Downloaded {exporting.data}.</div>}
              <ErrorMessage error={exporting.error} title="The export failed" />
            </div>
          )}
          <ExceptionsPanel engagementId={engagementId} />
        </aside>
      </div>
    </>
  )
}

function ExceptionsPanel({ engagementId }: { engagementId: string }) {
  const summary = useQuery({
    queryKey: exceptionsKey(engagementId),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/je-tests/exceptions', { params: { path: { engagement_id: engagementId } } })),
  })
  return (
    <div className="panel" aria-labelledby="je-exceptions">
      <h3 id="je-exceptions">Triage of flagged journals</h3>
      {summary.isPending && <Loading />}
      {summary.isError &&
        (isProblem(summary.error, 404, 'no_run') ? (
          <p className="muted">No run has completed yet.</p>
        ) : (
          <ErrorMessage error={summary.error} title="The triage summary could not be loaded" />
        ))}
      {summary.data && (
        <>
          <p className="muted small">
            Latest completed run (general ledger v{summary.data.dataset_version}): {formatCount(summary.data.flagged_journals)} flagged journals.
          </p>
          <p>
            <strong data-testid="je-unresolved">{formatCount(summary.data.unresolved)}</strong> unresolved (open or investigating)
          </p>
          <dl className="je-counts" aria-label="Flagged journals by disposition">
            {DISPOSITIONS.map((d) => (
              <div key={d}>
                <dt>{humanize(d)}</dt>
                <dd>{formatCount(summary.data.by_status[d] ?? 0)}</dd>
              </div>
            ))}
          </dl>
          {summary.data.exceptions.length > 0 && (
            <>
              <h3>Exceptions</h3>
              <ul className="je-plain">
                {summary.data.exceptions.slice(0, 10).map((e) => (
                  <li key={e.journal_id}>
                    <Link to={`/engagements/${engagementId}/je-tests/${summary.data.run_id}/journals?journal=${encodeURIComponent(e.journal_id)}&disposition=exception`}>
                      {e.journal_id}
                    </Link>{' '}
                    <span className="muted small">{e.note}</span>
                  </li>
                ))}
              </ul>
              {summary.data.exceptions.length > 10 && <div className="muted small">and {summary.data.exceptions.length - 10} more</div>}
            </>
          )}
        </>
      )}
    </div>
  )
}
