import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import { download } from '../../api/transfer'
import type { components } from '../../api/schema'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatAmount, formatDate } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { LatestRunJournalTests } from '../je/JournalTests'
import { LEDGER_FILTERS, drillNote, filterProblem, filtersFrom, ledgerExportUrl, ledgerLink, ledgerQuery, searchOf, type LedgerFilters } from './ledgerFilters'
import './data.css'

type Line = components['schemas']['JournalLineRead']

const PAGE_SIZE = 100

/**
 * The general ledger's lines, filtered by account, dates, user, amount range, description text and
 * journal; the filters live in the address, so any number elsewhere in the portal links here.
 */
export function Ledger() {
  const { engagement } = useEngagement()
  const [search, setSearch] = useSearchParams()
  const applied = filtersFrom(search)
  const page = Math.max(1, Number(search.get('page')) || 1)
  const [draft, setDraft] = useState<LedgerFilters>(applied)
  // A link within the viewer (an account, a journal, a user) changes the address: the form follows it.
  const [shown, setShown] = useState(search.toString())
  if (shown !== search.toString()) {
    setShown(search.toString())
    setDraft(applied)
  }
  const [problem, setProblem] = useState<string | null>(null)

  const lines = useQuery({
    queryKey: ['ledger', engagement.id, page, applied],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/journal-entries', {
          params: { path: { engagement_id: engagement.id }, query: ledgerQuery(applied, page, PAGE_SIZE) },
        }),
      ),
    placeholderData: keepPreviousData,
  })

  const apply = (filters: LedgerFilters) => {
    const wrong = filterProblem(filters)
    setProblem(wrong)
    if (!wrong) setSearch(searchOf(filters))
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    apply({ ...draft, leading_digits: applied.leading_digits, sign: applied.sign })
  }
  const clear = () => {
    setDraft({})
    setProblem(null)
    setSearch(new URLSearchParams())
  }
  const setPage = (value: number) => {
    const next = new URLSearchParams(search)
    next.set('page', String(value))
    setSearch(next)
  }
  const link = (filters: LedgerFilters) => ledgerLink(engagement.id, filters)
  const exporting = useMutation({
    mutationFn: (format: 'csv' | 'xlsx') => download(ledgerExportUrl(engagement.id, applied, format), `general-ledger.${format}`),
  })
  const note = drillNote(applied)

  const columns: Column<Line>[] = [
    { key: 'journal', header: 'Journal', render: (l) => <Link to={link({ journal_id: l.journal_id })}>{l.journal_id}</Link> },
    { key: 'line', header: 'Line', render: (l) => l.line_number, align: 'right' },
    { key: 'date', header: 'Date', render: (l) => formatDate(l.effective_date) },
    {
      key: 'account',
      header: 'Account',
      render: (l) => (
        <Link to={link({ account: l.account_number })} title={l.account_name ?? undefined}>
          {l.account_number}
          {l.account_name ? ` ${l.account_name}` : ''}
        </Link>
      ),
    },
    { key: 'description', header: 'Description', render: (l) => <span className="wrap">{l.description ?? ''}</span> },
    { key: 'debit', header: 'Debit', render: (l) => (Number(l.debit) ? formatAmount(l.debit) : ''), align: 'right' },
    { key: 'credit', header: 'Credit', render: (l) => (Number(l.credit) ? formatAmount(l.credit) : ''), align: 'right' },
    { key: 'user', header: 'Entered by', render: (l) => (l.entered_by ? <Link to={link({ user: l.entered_by })}>{l.entered_by}</Link> : '') },
  ]

  return (
    <section className="data-page" aria-labelledby="ledger-title">
      <div className="page-header">
        <h2 id="ledger-title">General ledger</h2>
        <span className="muted">
          {lines.data && `Version ${lines.data.dataset.version} · `}
          <Link to={`/engagements/${engagement.id}/trial-balance`}>Trial balance</Link>
        </span>
      </div>
      <form className="toolbar panel" onSubmit={onSubmit} aria-label="Ledger filters">
        {LEDGER_FILTERS.map((filter) => (
          <label key={filter.param}>
            {filter.label}
            <input
              type={'type' in filter ? filter.type : 'text'}
              inputMode={'numeric' in filter ? 'decimal' : undefined}
              size={'numeric' in filter ? 10 : 14}
              value={draft[filter.param] ?? ''}
              onChange={(e) => setDraft({ ...draft, [filter.param]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit" className="primary">
          Filter
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </form>
      {problem && (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      {note && (
        <p className="notice" role="status">
          Showing {note}
          {applied.amount_min ? ` of ${formatAmount(applied.amount_min)} or more` : ''}.{' '}
          <Link to={link({ ...applied, leading_digits: undefined, sign: undefined })}>Show all amounts</Link>
        </p>
      )}
      {applied.journal_id && <LatestRunJournalTests engagementId={engagement.id} journalId={applied.journal_id} />}
      {lines.isPending && <Loading label="Reading the ledger…" />}
      {lines.isError && <ErrorMessage error={lines.error} title="The ledger cannot be shown" />}
      {lines.data && (
        <>
          <DataTable rows={lines.data.items} columns={columns} rowKey={(l) => `${l.journal_id}/${l.line_number}`} caption="Journal lines" empty="No lines match these filters." />
          <Pager page={lines.data.page} pageSize={lines.data.page_size} total={lines.data.total} onChange={setPage} />
          <div className="toolbar" aria-label="Export">
            <span className="muted">Export the {lines.data.total.toLocaleString()} lines these filters select:</span>
            {(['csv', 'xlsx'] as const).map((format) => (
              <button key={format} type="button" disabled={exporting.isPending || lines.data.total === 0} onClick={() => exporting.mutate(format)}>
                Export {format.toUpperCase()}
              </button>
            ))}
            {exporting.isPending && <span className="muted small">Preparing the file…</span>}
            {exporting.isSuccess && <span className="success">Downloaded {exporting.data}.</span>}
          </div>
          <ErrorMessage error={exporting.error} title="The export failed" />
        </>
      )}
    </section>
  )
}
