import { useQuery } from '@tanstack/react-query'
import { Link, useParams } from 'react-router'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { DataTable, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatAmount, formatDate } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { ledgerLink } from '../data/ledgerFilters'
import { accountLabel, isProblem, testName, useRun } from './shared'
import './je.css'

type Detail = components['schemas']['JournalDetail']
type Line = Detail['lines'][number]

/** A line's tests, each with the scoring test's measure when it has one ("Amount outlier 4.2"). */
export function lineTests(line: Pick<Line, 'tests' | 'scores'>): string[] {
  return (line.tests ?? []).map((code) => {
    const score = line.scores?.[code]
    return score === undefined ? testName(code) : `${testName(code)} ${score.toFixed(2)}`
  })
}

const columns: Column<Line>[] = [
  { key: 'line', header: 'Line', render: (l) => l.line_number, align: 'right' },
  { key: 'account', header: 'Account', render: (l) => accountLabel(l) },
  { key: 'date', header: 'Date', render: (l) => formatDate(l.effective_date) },
  { key: 'description', header: 'Description', render: (l) => <span className="wrap">{l.description ?? l.header_description ?? ''}</span> },
  { key: 'user', header: 'User', render: (l) => l.entered_by ?? '' },
  { key: 'debit', header: 'Debit', render: (l) => (Number(l.debit) ? formatAmount(l.debit) : ''), align: 'right' },
  { key: 'credit', header: 'Credit', render: (l) => (Number(l.credit) ? formatAmount(l.credit) : ''), align: 'right' },
  {
    key: 'tests',
    header: 'Tests hit',
    render: (l) => {
      const tests = lineTests(l)
      return tests.length ? (
        <span className="je-badges">
          {tests.map((t) => (
            <span key={t} className="badge je-badge-test">
              {t}
            </span>
          ))}
        </span>
      ) : (
        <span className="muted">none</span>
      )
    },
  },
]

/** One journal as the run saw it: whether it was flagged, its rank, score and disposition, every line with its tests. */
export function JournalTests({ engagementId, runId, journalId, heading = 'h3' }: { engagementId: string; runId: string; journalId: string; heading?: 'h2' | 'h3' }) {
  const detail = useQuery({
    queryKey: ['je-journal', engagementId, runId, journalId],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/je-tests/{run_id}/journals/{journal_id}', {
          params: { path: { engagement_id: engagementId, run_id: runId, journal_id: journalId } },
        }),
      ),
    retry: false,
  })
  const Heading = heading
  if (detail.isPending) return <Loading label="Reading the journal's tests…" />
  if (detail.isError) return <ErrorMessage error={detail.error} title="The journal's tests cannot be shown" />
  const d = detail.data
  const base = `/engagements/${engagementId}/je-tests/${runId}`
  return (
    <section className="je-journal-tests" aria-label={`Journal ${d.journal_id} tests`}>
      <Heading>
        Journal {d.journal_id}{' '}
        {d.flagged ? (
          <span className="muted small">
            rank {d.rank} · score {d.score} · <StatusBadge status={d.disposition?.status ?? 'open'} />
          </span>
        ) : (
          <span className="muted small">not flagged by this run</span>
        )}
      </Heading>
      <p className="small">
        {d.flagged ? `Tests hit: ${d.tests.map(testName).join(', ')}. ` : 'No test flagged any of its lines. '}
        Debit total {formatAmount(d.debit_total)}. <Link to={ledgerLink(engagementId, { journal_id: d.journal_id })}>Open in the ledger</Link>
        {d.flagged && (
          <>
            {' · '}
            <Link to={`${base}/journals?journal=${encodeURIComponent(d.journal_id)}`}>Triage in the ranked journals</Link>
          </>
        )}
      </p>
      <DataTable rows={d.lines} columns={columns} rowKey={(l) => String(l.row_number)} caption={`Lines of journal ${d.journal_id} with the tests each hit`} empty="No lines." />
    </section>
  )
}

/** The journal's tests in the latest run, for the ledger viewer; says so when no run exists yet. */
export function LatestRunJournalTests({ engagementId, journalId }: { engagementId: string; journalId: string }) {
  const run = useRun(engagementId, undefined)
  if (run.isPending) return null
  if (run.isError) {
    if (isProblem(run.error, 404)) return <p className="muted small">No journal-entry test has run on this engagement yet.</p>
    return <ErrorMessage error={run.error} title="The journal-entry tests cannot be read" />
  }
  if (run.data.status !== 'completed') return <p className="muted small">The latest journal-entry test run is {run.data.status}.</p>
  return (
    <div className="panel">
      <p className="muted small">Journal-entry tests: run of {formatDate(run.data.created_at)} on general ledger v{run.data.dataset_version}</p>
      <JournalTests engagementId={engagementId} runId={run.data.id} journalId={journalId} />
    </div>
  )
}

/** The page of one journal of a run: /engagements/:id/je-tests/:runId/journals/:journalId. */
export function JeJournal() {
  const { engagement } = useEngagement()
  const { runId = '', journalId = '' } = useParams()
  return (
    <section className="je-page">
      <p className="small">
        <Link to={`/engagements/${engagement.id}/je-tests/${runId}/journals`}>‹ Ranked journals</Link>
      </p>
      <JournalTests engagementId={engagement.id} runId={runId} journalId={journalId} heading="h2" />
    </section>
  )
}
