import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { CodeOptions } from '../../ui/CodeOptions'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatDate } from '../../ui/format'
import type { Engagement } from './context'
import { MAX_PAGE_SIZE, useClients } from './useClients'
import './engagements.css'
import { FRAMEWORK_LABELS, STATUSES, STATUS_LABELS, TEAM_ROLE_LABELS, TYPE_LABELS, label, type Status } from './vocab'

const PAGE_SIZE = 50

/** The engagements the signed-in user can see, filtered; the filters live in the address. */
export function EngagementList() {
  const { can, isClientUser } = useAuth()
  const navigate = useNavigate()
  const [params, setParams] = useSearchParams()
  const status = (params.get('status') ?? '') as Status | ''
  const clientId = params.get('client') ?? ''
  const periodFrom = params.get('from') ?? ''
  const periodTo = params.get('to') ?? ''
  const search = params.get('q') ?? ''
  const page = Math.max(1, Number(params.get('page')) || 1)
  const searching = search.trim() !== ''

  const set = (name: string, value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current)
        if (value) next.set(name, value)
        else next.delete(name)
        if (name !== 'page') next.delete('page')
        return next
      },
      { replace: true },
    )

  const clients = useClients()
  // The API has no name filter: while searching, one large page is fetched and filtered here.
  const query = useQuery({
    queryKey: ['engagements', { status, clientId, periodFrom, periodTo, page: searching ? 1 : page, searching }],
    queryFn: () =>
      ok(
        api.GET('/api/engagements', {
          params: {
            query: {
              status: status || undefined,
              client_id: clientId || undefined,
              period_from: periodFrom || undefined,
              period_to: periodTo || undefined,
              page: searching ? 1 : page,
              page_size: searching ? MAX_PAGE_SIZE : PAGE_SIZE,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  })

  const clientName = (id: string) => clients.byId.get(id)?.name ?? ''
  const rows = useMemo(() => {
    const items = query.data?.items ?? []
    const needle = search.trim().toLowerCase()
    if (!needle) return items
    return items.filter(
      (e) => e.name.toLowerCase().includes(needle) || (clients.byId.get(e.client_id)?.name ?? '').toLowerCase().includes(needle),
    )
  }, [query.data, search, clients.byId])

  const allColumns: Column<Engagement>[] = [
    { key: 'name', header: 'Name', render: (e) => e.name, sortValue: (e) => e.name },
    { key: 'client', header: 'Client', render: (e) => clientName(e.client_id), sortValue: (e) => clientName(e.client_id) },
    { key: 'type', header: 'Type', render: (e) => label(TYPE_LABELS, e.engagement_type), sortValue: (e) => e.engagement_type },
    {
      key: 'period',
      header: 'Period',
      render: (e) => `${formatDate(e.period_start)} – ${formatDate(e.period_end)}`,
      sortValue: (e) => e.period_end,
    },
    { key: 'framework', header: 'Framework', render: (e) => label(FRAMEWORK_LABELS, e.framework), sortValue: (e) => e.framework },
    { key: 'status', header: 'Status', render: (e) => <StatusBadge status={e.status} />, sortValue: (e) => STATUSES.indexOf(e.status) },
    { key: 'role', header: 'My role', render: (e) => label(TEAM_ROLE_LABELS, e.my_role), sortValue: (e) => e.my_role ?? '' },
  ]
  const columns = isClientUser ? allColumns.filter((column) => column.key !== 'role') : allColumns

  const filtered = Boolean(status || clientId || periodFrom || periodTo || searching)
  const mayCreate = !isClientUser && can('engagement.create')

  return (
    <div>
      <PageHeader title="Engagements">
        {mayCreate && (
          <Link to="/engagements/new" className="button primary">
            New engagement
          </Link>
        )}
      </PageHeader>
      <form className="toolbar" role="search" aria-label="Filter engagements" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={search} onChange={(e) => set('q', e.target.value)} placeholder="Engagement or client name" />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => set('status', e.target.value)}>
            <option value="">All statuses</option>
            <CodeOptions codes={STATUSES} label={(s) => STATUS_LABELS[s]} />
          </select>
        </label>
        <label>
          Client
          <select value={clientId} onChange={(e) => set('client', e.target.value)}>
            <option value="">All clients</option>
            {clients.clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Period ends on or after
          <input type="date" value={periodFrom} onChange={(e) => set('from', e.target.value)} />
        </label>
        <label>
          Period starts on or before
          <input type="date" value={periodTo} onChange={(e) => set('to', e.target.value)} />
        </label>
        {filtered && (
          <button type="button" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </button>
        )}
      </form>
      <ErrorMessage error={clients.error} title="The clients could not be loaded" />
      {query.isPending ? (
        <Loading label="Loading engagements…" />
      ) : query.isError ? (
        <ErrorMessage error={query.error} title="The engagements could not be loaded" />
      ) : (
        <>
          <DataTable
            rows={rows}
            columns={columns}
            rowKey={(e) => e.id}
            onOpen={(e) => navigate(`/engagements/${e.id}`)}
            empty={
              filtered ? (
                'No engagements match these filters.'
              ) : mayCreate ? (
                <>
                  No engagements yet. <Link to="/engagements/new">Open the first one</Link>.
                </>
              ) : (
                'No engagements to show. You see the engagements whose team you are on.'
              )
            }
          />
          {searching ? (
            <div className="pager muted">
              {rows.length.toLocaleString('en-US')} matching “{search.trim()}”
              {query.data.total > query.data.items.length && ` (searched the first ${query.data.items.length.toLocaleString('en-US')} of ${query.data.total.toLocaleString('en-US')})`}
            </div>
          ) : (
            <Pager page={page} pageSize={PAGE_SIZE} total={query.data.total} onChange={(next) => set('page', String(next))} />
          )}
        </>
      )}
    </div>
  )
}
