import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { DataTable, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { formatDate } from '../../ui/format'
import { byUrgency, type RequestRead, type RequestStatus as Status } from './logic'
import { RequestCounts, RequestStatus, requestKeys } from './RequestParts'

/** Requests across engagements: a client contact's own list, and the team's (submissions to accept first). */
export function MyRequests() {
  const { isClientUser } = useAuth()
  const navigate = useNavigate()
  // From the address (the home page links to ?status=submitted), not from who is signed in: the
  // session may still be restoring on the first render.
  const [search, setSearch] = useSearchParams()
  const status = (search.get('status') ?? '') as Status | ''
  const setStatus = (value: Status | '') => setSearch(value ? { status: value } : {}, { replace: true })
  const [onlyMine, setOnlyMine] = useState(true)
  const list = useQuery({
    queryKey: [...requestKeys.all, 'mine', onlyMine, status],
    queryFn: () => ok(api.GET('/api/requests', { params: { query: { mine: onlyMine, status: status || undefined, page: 1, page_size: 500 } } })),
  })
  const summary = useQuery({
    queryKey: [...requestKeys.all, 'mine-summary', onlyMine],
    queryFn: () => ok(api.GET('/api/requests/summary', { params: { query: { mine: onlyMine } } })),
  })
  const columns: Column<RequestRead>[] = [
    { key: 'engagement', header: 'Engagement', render: (r) => r.engagement_name, sortValue: (r) => r.engagement_name },
    { key: 'title', header: 'Request', render: (r) => r.title, sortValue: (r) => r.title },
    ...(isClientUser ? [] : [{ key: 'assignee', header: 'Assigned to', render: (r: RequestRead) => r.assignee_name, sortValue: (r: RequestRead) => r.assignee_name }]),
    { key: 'due', header: 'Due', render: (r) => formatDate(r.due_date), sortValue: (r) => r.due_date },
    { key: 'status', header: 'Status', render: (r) => <RequestStatus request={r} isClient={isClientUser} />, sortValue: (r) => r.status },
  ]
  return (
    <div>
      <PageHeader title={isClientUser ? 'My requests' : 'Client requests'} />
      {summary.data && <RequestCounts summary={summary.data} />}
      <div className="form-row" style={{ maxWidth: 640, margin: '8px 0' }}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as Status | '')}>
            <option value="">All</option>
            <option value="open">Open</option>
            <option value="submitted">Submitted, waiting for acceptance</option>
            <option value="returned">Returned</option>
            <option value="accepted">Accepted</option>
          </select>
        </label>
        <label style={{ flexDirection: 'row', gap: 6, alignItems: 'center', display: 'flex' }}>
          <input type="checkbox" checked={onlyMine} onChange={(e) => setOnlyMine(e.target.checked)} />
          {isClientUser ? 'Only those assigned to me' : 'Only engagements whose team I am on'}
        </label>
      </div>
      {list.isPending ? (
        <Loading label="Loading the requests…" />
      ) : list.isError ? (
        <ErrorMessage error={list.error} title="The requests cannot be listed" />
      ) : (
        <DataTable
          rows={[...list.data.items].sort(byUrgency)}
          columns={columns}
          rowKey={(r) => r.id}
          onOpen={(r) => navigate(`/engagements/${r.engagement_id}/requests?request=${r.id}`)}
          caption="Enter or click a request to open it in its engagement"
          empty="No requests here."
        />
      )}
    </div>
  )
}
