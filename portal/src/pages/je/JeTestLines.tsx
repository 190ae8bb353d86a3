import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link, useParams, useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatAmount, formatCount, formatDate, humanize } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { accountLabel, testName, useRun, type FlaggedLine } from './shared'
import './je.css'

const PAGE_SIZE = 50
const FILTERS = [
  { param: 'account', label: 'Account' },
  { param: 'journal', label: 'Journal' },
  { param: 'user', label: 'User' },
] as const

/** The lines one test of a run flagged, paginated and filtered by account, journal and user. */
export function JeTestLines() {
  const { engagement } = useEngagement()
  const { runId = '', code = '' } = useParams()
  const [search, setSearch] = useSearchParams()
  const page = Math.max(1, Number(search.get('page')) || 1)
  const applied = { account: search.get('account') ?? '', journal: search.get('journal') ?? '', user: search.get('user') ?? '' }
  const [draft, setDraft] = useState(applied)
  const base = `/engagements/${engagement.id}/je-tests/${runId}`
  const run = useRun(engagement.id, runId)
  const test = run.data?.tests.find((t) => t.code === code)

  const lines = useQuery({
    queryKey: ['je-lines', engagement.id, runId, code, page, applied],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/je-tests/{run_id}/tests/{code}/lines', {
          params: {
            path: { engagement_id: engagement.id, run_id: runId, code },
            query: {
              page,
              page_size: PAGE_SIZE,
              account_number: applied.account || undefined,
              journal_id: applied.journal || undefined,
              entered_by: applied.user || undefined,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  })

  const apply = (values: typeof applied) => {
    const next = new URLSearchParams()
    for (const { param } of FILTERS) if (values[param].trim()) next.set(param, values[param].trim())
    setSearch(next)
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    apply(draft)
  }
  const setPage = (value: number) => {
    const next = new URLSearchParams(search)
    next.set('page', String(value))
    setSearch(next)
  }
  const filtered = FILTERS.some(({ param }) => applied[param])
  const hasScore = (lines.data?.items ?? []).some((l) => l.score !== null && l.score !== undefined)

  const columns: Column<FlaggedLine>[] = [
    {
      key: 'journal',
      header: 'Journal',
      render: (l) => (
        <Link to={`${base}/journals?test=${encodeURIComponent(code)}&journal=${encodeURIComponent(l.journal_id)}`} title="Open this journal among the risk-ranked journals">
          {l.journal_id}
        </Link>
      ),
      sortValue: (l) => l.journal_id,
    },
    { key: 'line', header: 'Line', render: (l) => l.line_number, sortValue: (l) => l.line_number, align: 'right' },
    { key: 'date', header: 'Date', render: (l) => formatDate(l.effective_date), sortValue: (l) => l.effective_date },
    { key: 'account', header: 'Account', render: (l) => accountLabel(l), sortValue: (l) => l.account_number },
    { key: 'description', header: 'Description', render: (l) => l.description ?? l.header_description ?? '', sortValue: (l) => l.description ?? l.header_description ?? '' },
    {
      key: 'user',
      header: 'User',
      // Only the user: a line without one shows nothing here, not its entry date.
      render: (l) => l.entered_by ?? <span className="muted">—</span>,
      sortValue: (l) => l.entered_by ?? '',
    },
    {
      key: 'entered',
      header: 'Entered',
      render: (l) => (l.entered_date ? `${formatDate(l.entered_date)} ${l.entered_time ?? ''}`.trim() : ''),
      sortValue: (l) => `${l.entered_date ?? ''} ${l.entered_time ?? ''}`,
    },
    { key: 'debit', header: 'Debit', render: (l) => formatAmount(l.debit), sortValue: (l) => Number(l.debit), align: 'right' },
    { key: 'credit', header: 'Credit', render: (l) => formatAmount(l.credit), sortValue: (l) => Number(l.credit), align: 'right' },
    ...(hasScore
      ? [{ key: 'score', header: 'Score', render: (l: FlaggedLine) => (l.score === null || l.score === undefined ? '' : l.score.toFixed(3)), sortValue: (l: FlaggedLine) => l.score ?? null, align: 'right' as const }]
      : []),
  ]

  return (
    <section className="je-page" aria-labelledby="je-lines-title">
      <p className="small">
        <Link to={base}>‹ Back to the run</Link>
      </p>
      <div className="page-header">
        <h2 id="je-lines-title">{testName(code)}: flagged lines</h2>
        <div className="actions">
          {test && <StatusBadge status={test.status} />}
          <Link to={`${base}/journals?test=${encodeURIComponent(code)}`}>Journals that hit this test</Link>
        </div>
      </div>
      {test && (
        <p className="muted">
          {test.title} · {formatCount(test.flagged_lines)} lines in {formatCount(test.flagged_journals)} journals
          {test.skipped_lines > 0 && ` · ${formatCount(test.skipped_lines)} lines skipped`}
          {test.missing_fields.length > 0 && ` · missing: ${test.missing_fields.map(humanize).join(', ')}`}
        </p>
      )}
      {run.isError && <ErrorMessage error={run.error} title="The run could not be loaded" />}

      <form className="toolbar je-filters" onSubmit={onSubmit} aria-label="Filter the lines">
        {FILTERS.map(({ param, label }) => (
          <label key={param}>
            {label}
            <input value={draft[param]} onChange={(e) => setDraft({ ...draft, [param]: e.target.value })} size={14} />
          </label>
        ))}
        <button type="submit">Apply filters</button>
        {filtered && (
          <button
            type="button"
            onClick={() => {
              const empty = { account: '', journal: '', user: '' }
              setDraft(empty)
              apply(empty)
            }}
          >
            Clear filters
          </button>
        )}
        <span className="muted small">Press Enter in a filter to apply it.</span>
      </form>

      {lines.isPending && <Loading label="Loading the flagged lines…" />}
      {lines.isError && <ErrorMessage error={lines.error} title="The lines could not be loaded" />}
      {lines.data && (
        <>
          <DataTable
            rows={lines.data.items}
            columns={columns}
            rowKey={(l) => String(l.row_number)}
            caption={`Lines flagged by ${testName(code)}`}
            empty={filtered ? 'No flagged line matches these filters.' : test?.status === 'not_applicable' ? 'The test did not run: the ledger lacks a field it needs.' : 'The test flagged no lines.'}
          />
          <Pager page={lines.data.page} pageSize={lines.data.page_size} total={lines.data.total} onChange={setPage} />
        </>
      )}
    </section>
  )
}
