import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { Link, useParams, useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { CodeOptions } from '../../ui/CodeOptions'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatAmount, formatDate, humanize } from '../../ui/format'
import { mayOn, useEngagement } from '../engagements/context'
import { DispositionForm } from './DispositionForm'
import { RiskCharts } from './RiskCharts'
import { DISPOSITIONS, TEST_CODES, accountLabel, isDisposition, isTestCode, journalsKey, testName, useRun, type FlaggedLine, type JournalRisk } from './shared'
import './je.css'

const PAGE_SIZE = 50

function TestBadges({ tests }: { tests: readonly string[] }) {
  if (tests.length === 0) return <span className="muted">—</span>
  return (
    <span className="je-badges">
      {tests.map((t) => (
        <span key={t} className="badge je-badge-test" title={t}>
          {testName(t)}
        </span>
      ))}
    </span>
  )
}

const journalColumns: Column<JournalRisk>[] = [
  { key: 'rank', header: 'Rank', render: (j) => j.rank, sortValue: (j) => j.rank, align: 'right' },
  { key: 'journal', header: 'Journal', render: (j) => j.journal_id, sortValue: (j) => j.journal_id },
  { key: 'score', header: 'Score', render: (j) => j.score, sortValue: (j) => Number(j.score), align: 'right' },
  { key: 'tests', header: 'Tests hit', render: (j) => <TestBadges tests={j.tests} /> },
  { key: 'debit', header: 'Debit total', render: (j) => formatAmount(j.debit_total), sortValue: (j) => Number(j.debit_total), align: 'right' },
  { key: 'disposition', header: 'Disposition', render: (j) => <StatusBadge status={j.disposition?.status ?? 'open'} />, sortValue: (j) => j.disposition?.status ?? 'open' },
]

const lineColumns: Column<FlaggedLine>[] = [
  { key: 'line', header: 'Line', render: (l) => l.line_number, align: 'right' },
  { key: 'account', header: 'Account', render: (l) => accountLabel(l) },
  { key: 'date', header: 'Date', render: (l) => formatDate(l.effective_date) },
  { key: 'description', header: 'Description', render: (l) => l.description ?? l.header_description ?? '' },
  { key: 'user', header: 'User', render: (l) => l.entered_by ?? '' },
  { key: 'debit', header: 'Debit', render: (l) => formatAmount(l.debit), align: 'right' },
  { key: 'credit', header: 'Credit', render: (l) => formatAmount(l.credit), align: 'right' },
  { key: 'tests', header: 'Tests hit', render: (l) => <TestBadges tests={l.tests ?? []} /> },
]

/** The run's flagged journals ranked by risk score, and the triage of the one selected. */
export function JeJournals() {
  const { engagement } = useEngagement()
  const { runId = '' } = useParams()
  const { can } = useAuth()
  const [search, setSearch] = useSearchParams()
  const page = Math.max(1, Number(search.get('page')) || 1)
  const testParam = search.get('test')
  const dispositionParam = search.get('disposition')
  const test = isTestCode(testParam) ? testParam : undefined
  const disposition = isDisposition(dispositionParam) ? dispositionParam : undefined
  const selectedId = search.get('journal')
  const base = `/engagements/${engagement.id}/je-tests/${runId}`
  const run = useRun(engagement.id, runId)

  const journals = useQuery({
    queryKey: [...journalsKey(engagement.id, runId), { page, test, disposition }],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/je-tests/{run_id}/journals', {
          params: {
            path: { engagement_id: engagement.id, run_id: runId },
            query: { order: 'risk', limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, test, disposition },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  })

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search)
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value)
      else next.delete(key)
    }
    setSearch(next, { replace: 'journal' in changes && Object.keys(changes).length === 1 })
  }

  const testOptions = run.data?.tests.length ? run.data.tests.map((t) => t.code) : [...TEST_CODES]
  const items = journals.data?.items ?? []
  const selected = selectedId ? items.find((j) => j.journal_id === selectedId) : undefined

  return (
    <section className="je-page" aria-labelledby="je-journals-title">
      <p className="small">
        <Link to={base}>‹ Back to the run</Link>
      </p>
      <div className="page-header">
        <h2 id="je-journals-title">Risk-ranked journals</h2>
        {run.data && (
          <span className="muted">
            general ledger v{run.data.dataset_version} · run of {formatDate(run.data.created_at)}
          </span>
        )}
      </div>
      <div className="toolbar je-filters">
        <label>
          Test
          <select value={test ?? ''} onChange={(e) => update({ test: e.target.value || null, page: null })}>
            <option value="">All tests</option>
            <CodeOptions codes={testOptions} label={testName} />
          </select>
        </label>
        <label>
          Disposition
          <select value={disposition ?? ''} onChange={(e) => update({ disposition: e.target.value || null, page: null })}>
            <option value="">All dispositions</option>
            <CodeOptions codes={DISPOSITIONS} label={humanize} />
          </select>
        </label>
        <span className="muted small">Enter or click a journal to see its lines and disposition it.</span>
      </div>

      {journals.isPending && <Loading label="Loading the ranked journals…" />}
      {journals.isError && <ErrorMessage error={journals.error} title="The journals could not be loaded" />}
      {journals.data && (
        <div className="je-split">
          <div>
            <DataTable
              rows={items}
              columns={journalColumns}
              rowKey={(j) => j.journal_id}
              selectedKey={selected?.journal_id ?? null}
              onOpen={(j) => update({ journal: j.journal_id })}
              caption="Flagged journals by risk score"
              empty={test || disposition ? 'No flagged journal matches these filters.' : 'The run flagged no journals.'}
            />
            <Pager
              page={Math.floor(journals.data.offset / journals.data.limit) + 1}
              pageSize={journals.data.limit}
              total={journals.data.total}
              onChange={(next) => update({ page: String(next) })}
            />
          </div>
          <aside className="panel je-journal-panel" aria-label={selected ? `Journal ${selected.journal_id}` : 'Selected journal'}>
            {selected ? (
              <>
                <h3>
                  Journal {selected.journal_id} <span className="muted small">rank {selected.rank} · score {selected.score}</span>
                </h3>
                <p className="small">
                  <Link to={`${base}/journals/${encodeURIComponent(selected.journal_id)}`}>Open the journal with its tests and scores</Link>
                </p>
                <DataTable rows={selected.lines} columns={lineColumns} rowKey={(l) => String(l.row_number)} caption="Lines of the journal" empty="No lines." />
                <DispositionForm key={selected.journal_id} engagementId={engagement.id} runId={runId} journal={selected} canEdit={can('workpaper.prepare')} canClear={mayOn(engagement)('workpaper.review')} />
              </>
            ) : selectedId ? (
              <p className="muted">Journal {selectedId} is not on this page of the list; change the filters or the page.</p>
            ) : (
              <p className="muted">Select a journal to see its lines and record its disposition.</p>
            )}
            <RiskCharts engagementId={engagement.id} runId={runId} />
          </aside>
        </div>
      )}
    </section>
  )
}
