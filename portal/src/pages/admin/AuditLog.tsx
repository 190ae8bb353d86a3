import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import { AUDIT_FILTERS, auditFilterProblem, auditFiltersFrom, auditQuery, auditSearchOf, dataSummary, type AuditFilters } from './auditLog'
import './admin.css'

type AuditRecord = components['schemas']['AuditRecordRead']
const PAGE_SIZE = 50

/** The firm's audit log, newest first, filtered by actor, action, target and dates; and its hash chain checked. */
export function AuditLog() {
  const { can } = useAuth()
  const [search, setSearch] = useSearchParams()
  const applied = auditFiltersFrom(search)
  const page = Math.max(1, Number(search.get('page')) || 1)
  const [draft, setDraft] = useState<AuditFilters>(applied)
  const [problem, setProblem] = useState<string | null>(null)
  const allowed = can('audit_log.read')

  const records = useQuery({
    queryKey: ['audit-log', page, applied],
    queryFn: () => ok(api.GET('/api/audit-log', { params: { query: auditQuery(applied, page, PAGE_SIZE) } })),
    placeholderData: keepPreviousData,
    enabled: allowed,
  })
  // Actors by name where the caller may read the firm's users (the first 500; others show their id).
  const people = useQuery({
    queryKey: ['users', 'names'],
    queryFn: () => ok(api.GET('/api/users', { params: { query: { page: 1, page_size: 500 } } })),
    enabled: allowed && can('users.read'),
    staleTime: 60_000,
  })
  const nameOf = (id: string) => people.data?.items.find((u) => u.id === id)?.display_name || people.data?.items.find((u) => u.id === id)?.email
  const verification = useMutation({ mutationFn: () => ok(api.GET('/api/audit-log/verification')) })

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const wrong = auditFilterProblem(draft)
    setProblem(wrong)
    if (!wrong) setSearch(auditSearchOf(draft))
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
  const filterBy = (filters: AuditFilters) => {
    setDraft(filters)
    setSearch(auditSearchOf(filters))
  }

  const columns: Column<AuditRecord>[] = [
    { key: 'seq', header: '#', render: (r) => r.chain_seq, align: 'right' },
    { key: 'at', header: 'When', render: (r) => formatDateTime(r.occurred_at) },
    {
      key: 'actor',
      header: 'Actor',
      render: (r) =>
        r.actor_id ? (
          <button type="button" className="link" title={`Show the records of ${r.actor_id}`} onClick={() => filterBy({ actor: r.actor_id ?? undefined })}>
            {nameOf(r.actor_id) ?? <span className="mono">{r.actor_id.slice(0, 8)}</span>}
          </button>
        ) : (
          <span className="muted">system</span>
        ),
    },
    {
      key: 'action',
      header: 'Action',
      render: (r) => (
        <button type="button" className="link" onClick={() => filterBy({ action: r.action })}>
          {r.action}
        </button>
      ),
    },
    {
      key: 'target',
      header: 'Target',
      render: (r) =>
        r.target_id ? (
          <button type="button" className="link" title={r.target_id} onClick={() => filterBy({ target: r.target_id ?? undefined })}>
            {r.target_type} {r.target_id.slice(0, 8)}
          </button>
        ) : (
          (r.target_type ?? '')
        ),
    },
    { key: 'data', header: 'Details', render: (r) => <span className="wrap small">{dataSummary(r.data)}</span> },
  ]

  if (!allowed) return <p className="error">Your role does not allow reading the audit log.</p>
  const result = verification.data
  return (
    <section className="admin-page" aria-labelledby="audit-title">
      <PageHeader title={<span id="audit-title">Audit log</span>}>
        <button type="button" onClick={() => verification.mutate()} disabled={verification.isPending}>
          {verification.isPending ? 'Checking the chain…' : 'Verify the chain'}
        </button>
      </PageHeader>
      {result && (
        <p className={result.ok ? 'success' : 'error'} role="status">
          {result.ok
            ? `The chain is intact: ${result.checked.toLocaleString()} records checked, each linked to the one before.`
            : `The chain is broken at record ${result.first_broken_seq ?? '?'}: ${result.reason ?? 'a link does not match'} (${result.checked.toLocaleString()} records checked).`}
        </p>
      )}
      <ErrorMessage error={verification.error} title="The chain could not be checked" />
      <form className="toolbar panel" onSubmit={onSubmit} aria-label="Audit log filters">
        {AUDIT_FILTERS.map((filter) => (
          <label key={filter.param}>
            {filter.label}
            <input type={'type' in filter ? filter.type : 'text'} size={16} value={draft[filter.param] ?? ''} onChange={(e) => setDraft({ ...draft, [filter.param]: e.target.value })} />
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
      {records.isPending && <Loading label="Reading the audit log…" />}
      {records.isError && <ErrorMessage error={records.error} title="The audit log cannot be shown" />}
      {records.data && (
        <>
          <DataTable rows={records.data.items} columns={columns} rowKey={(r) => String(r.chain_seq)} caption="Audit records, newest first" empty="No record matches these filters." />
          <Pager page={records.data.page} pageSize={records.data.page_size} total={records.data.total} onChange={setPage} />
        </>
      )}
    </section>
  )
}
