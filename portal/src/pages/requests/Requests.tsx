import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useParams, useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { DataTable, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatDate } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { byUrgency, type RequestRead } from './logic'
import { RequestCounts, RequestPanel, RequestStatus, requestKeys } from './RequestParts'

/** The engagement's PBC list: the team asks and decides, the client contact sends files; both comment. */
export function Requests() {
  const { engagementId = '' } = useParams()
  const { engagement } = useEngagement()
  const { isClientUser } = useAuth()
  const can = useEngagementCan()
  const [search, setSearch] = useSearchParams()
  const selected = search.get('request')
  const [creating, setCreating] = useState(false)
  const locked = engagement.locked
  const list = useQuery({
    queryKey: [...requestKeys.engagement(engagementId), 'list'],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/requests', {
          params: { path: { engagement_id: engagementId }, query: { page: 1, page_size: 500 } },
        }),
      ),
  })
  const summary = useQuery({
    queryKey: [...requestKeys.engagement(engagementId), 'summary'],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/requests/summary', { params: { path: { engagement_id: engagementId } } })),
  })
  const mayAsk = !isClientUser && !locked && can('engagement.update')
  const mayDecide = !isClientUser && can('workpaper.review')
  // The client answers; the API also takes a file from the team (sent on the client's behalf), the screen does not offer it.
  const maySend = isClientUser

  const columns: Column<RequestRead>[] = [
    { key: 'title', header: 'Request', render: (r) => r.title, sortValue: (r) => r.title },
    { key: 'kind', header: 'Kind', render: (r) => (r.kind === 'data' ? 'Data' : 'Document'), sortValue: (r) => r.kind },
    { key: 'assignee', header: 'Assigned to', render: (r) => r.assignee_name, sortValue: (r) => r.assignee_name },
    { key: 'due', header: 'Due', render: (r) => formatDate(r.due_date), sortValue: (r) => r.due_date },
    { key: 'status', header: 'Status', render: (r) => <RequestStatus request={r} isClient={isClientUser} />, sortValue: (r) => r.status },
    { key: 'files', header: 'Files', align: 'right', render: (r) => r.attachment_count, sortValue: (r) => r.attachment_count },
    { key: 'comments', header: 'Comments', align: 'right', render: (r) => r.comment_count, sortValue: (r) => r.comment_count },
  ]

  return (
    <div>
      <div className="bn-section-head" style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8 }}>
        <h2>{isClientUser ? 'What your audit team asked for' : 'Client requests'}</h2>
        {mayAsk && !creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New request
          </button>
        )}
      </div>
      {locked && <p className="notice">This engagement is finalized: its requests are read-only.</p>}
      {summary.data && <RequestCounts summary={summary.data} />}
      {creating && <NewRequestForm engagementId={engagementId} clientId={engagement.client_id} onDone={(id) => {
        setCreating(false)
        if (id) setSearch({ request: id })
      }} />}
      {list.isPending ? (
        <Loading label="Loading the requests…" />
      ) : list.isError ? (
        <ErrorMessage error={list.error} title="The requests cannot be listed" />
      ) : (
        <DataTable
          rows={[...list.data.items].sort(byUrgency)}
          columns={columns}
          rowKey={(r) => r.id}
          onOpen={(r) => setSearch({ request: r.id })}
          caption="Overdue first, then by due date; enter or click a request to open it"
          empty={mayAsk ? 'No requests yet. Ask the client for what the audit needs with "New request".' : 'No requests.'}
        />
      )}
      {selected && (
        <RequestPanel
          key={selected}
          engagementId={engagementId}
          requestId={selected}
          isClient={isClientUser}
          mayDecide={mayDecide}
          maySend={maySend}
          locked={locked}
        />
      )}
    </div>
  )
}

/** The team's form: what, by when, from whom (a contact of the engagement's client), document or data. */
export function NewRequestForm({ engagementId, clientId, onDone }: { engagementId: string; clientId: string; onDone: (id?: string) => void }) {
  const queryClient = useQueryClient()
  const [title, setTitle] = useState('')
  const [description, setDescription] = useState('')
  const [dueDate, setDueDate] = useState('')
  const [assignee, setAssignee] = useState('')
  const [kind, setKind] = useState<'document' | 'data'>('document')
  const contacts = useQuery({
    queryKey: ['users', 'client-contacts', clientId],
    queryFn: async () => {
      const page = await ok(api.GET('/api/users', { params: { query: { active: true, page: 1, page_size: 500 } } }))
      return page.items.filter((u) => u.client_id === clientId && u.roles.some((role) => role.startsWith('client_')))
    },
  })
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/api/engagements/{engagement_id}/requests', {
          params: { path: { engagement_id: engagementId } },
          body: { title: title.trim(), description: description.trim(), due_date: dueDate, assignee, kind },
        }),
      ),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: requestKeys.all })
      onDone(created.id)
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    create.mutate()
  }
  return (
    <form className="form panel" onSubmit={submit} aria-label="New request">
      <label>
        Title
        <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
      </label>
      <label>
        What is needed
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} maxLength={10000} />
      </label>
      <div className="form-row">
        <label>
          Due date
          <input type="date" value={dueDate} onChange={(e) => setDueDate(e.target.value)} required />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as 'document' | 'data')}>
            <option value="document">Document</option>
            <option value="data">Data (a ledger or balance file)</option>
          </select>
        </label>
      </div>
      <label>
        Client contact
        <select value={assignee} onChange={(e) => setAssignee(e.target.value)} required>
          <option value="">Choose who answers it…</option>
          {(contacts.data ?? []).map((u) => (
            <option key={u.id} value={u.id}>
              {u.display_name || u.email} ({u.email})
            </option>
          ))}
        </select>
      </label>
      {contacts.isSuccess && contacts.data.length === 0 && (
        <div className="muted small">This client has no contact with access yet: invite one with a client role first.</div>
      )}
      {contacts.isError && <ErrorMessage error={contacts.error} title="The client's contacts cannot be listed" />}
      {create.error != null && <ErrorMessage error={create.error} title="The request was not created" />}
      <div className="rq-actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          Send the request
        </button>
        <button type="button" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  )
}
