import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { download } from '../../api/transfer'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatAmount, formatDate } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import {
  KINDS,
  STATUSES,
  closingOf,
  coverageText,
  createBody,
  draftOf,
  draftProblems,
  emptyDraft,
  kindLabel,
  nextSteps,
  replyProblems,
  statusLabel,
  updateBody,
  type Confirmation,
  type Draft,
  type Kind,
  type ReplyDraft,
  type Status,
} from './confirmations'
import { FieldworkNav } from './FieldworkNav'

const keys = {
  all: (engagementId: string) => ['confirmations', engagementId] as const,
  list: (engagementId: string, kind: string, status: string) => ['confirmations', engagementId, 'list', kind, status] as const,
  summary: (engagementId: string) => ['confirmations', engagementId, 'summary'] as const,
}

type Editing = { mode: 'new' } | { mode: 'edit'; row: Confirmation } | { mode: 'reply'; row: Confirmation } | { mode: 'close'; row: Confirmation }

/** Confirmations: the log of requests to banks, customers, suppliers, attorneys and lenders, their letters and replies, and the coverage per account. */
export function Confirmations() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayPrepare = can('workpaper.prepare') && !engagement.locked
  const [kind, setKind] = useState('')
  const [status, setStatus] = useState('')
  const [editing, setEditing] = useState<Editing | null>(null)
  const [outcome, setOutcome] = useState<string | null>(null)

  const list = useQuery({
    queryKey: keys.list(engagement.id, kind, status),
    queryFn: async () =>
      (
        await ok(
          api.GET('/api/engagements/{engagement_id}/confirmations', {
            params: { path, query: { kind: (kind || undefined) as Kind | undefined, status: (status || undefined) as Status | undefined } },
          }),
        )
      ).items,
  })
  const summary = useQuery({
    queryKey: keys.summary(engagement.id),
    queryFn: async () => (await ok(api.GET('/api/engagements/{engagement_id}/confirmations/summary', { params: { path } }))).accounts,
  })
  const changed = async (message: string) => {
    setEditing(null)
    setOutcome(message)
    await queryClient.invalidateQueries({ queryKey: keys.all(engagement.id) })
  }
  const send = useMutation({
    mutationFn: (row: Confirmation) =>
      ok(api.POST('/api/engagements/{engagement_id}/confirmations/{confirmation_id}/send', { params: { path: { ...path, confirmation_id: row.id } }, body: { sent_date: null } })),
    onSuccess: (row) => changed(`The request to ${row.party_name} is marked sent on ${row.sent_date}.`),
  })
  const letter = useMutation({
    mutationFn: (row: Confirmation) => download(`/api/engagements/${engagement.id}/confirmations/${row.id}/letter`, `confirmation-${row.kind}.pdf`),
    onSuccess: (name) => setOutcome(`Downloaded ${name}.`),
  })
  const exported = useMutation({
    mutationFn: (format: 'csv' | 'xlsx') =>
      download(`/api/engagements/${engagement.id}/confirmations/summary/export?format=${format}`, `confirmations-summary.${format}`),
    onSuccess: (name) => setOutcome(`Downloaded ${name}.`),
  })
  const rows = list.data ?? []

  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Confirmations">
        {mayPrepare && (
          <button type="button" className="primary" onClick={() => { setOutcome(null); setEditing({ mode: 'new' }) }}>
            New confirmation
          </button>
        )}
      </PageHeader>
      {outcome && (
        <div className="notice" role="status">
          {outcome}
        </div>
      )}
      {editing?.mode === 'new' && <RequestForm engagementId={engagement.id} onDone={changed} onCancel={() => setEditing(null)} />}

      <section className="panel" aria-labelledby="confirmation-summary-heading">
        <h2 id="confirmation-summary-heading">Coverage by account</h2>
        {summary.isPending ? (
          <Loading label="Loading the summary…" />
        ) : summary.isError ? (
          <ErrorMessage error={summary.error} title="The summary could not be loaded" />
        ) : summary.data.length === 0 ? (
          <Empty>No confirmation yet.</Empty>
        ) : (
          <>
            <table aria-label="Coverage by account">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Balance per books</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Confirmed</th>
                  <th scope="col">Coverage</th>
                  <th scope="col">Exceptions</th>
                  <th scope="col">Exceptions total</th>
                  <th scope="col">Open</th>
                  <th scope="col">No reply</th>
                </tr>
              </thead>
              <tbody>
                {summary.data.map((line) => (
                  <tr key={line.account_number ?? 'none'}>
                    <th scope="row" style={{ fontWeight: 400, background: 'none' }}>
                      {line.account_number ? `${line.account_number} ${line.account_name ?? ''}`.trim() : 'No account'}
                    </th>
                    <td className="num">{formatAmount(line.balance_per_books)}</td>
                    <td className="num">{line.requests}</td>
                    <td className="num">{formatAmount(line.amount_confirmed)}</td>
                    <td className="num">{coverageText(line)}</td>
                    <td className="num">{line.exceptions}</td>
                    <td className="num">{formatAmount(line.exceptions_total)}</td>
                    <td className="num">{line.open}</td>
                    <td className="num">{line.no_reply}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="form-actions">
              <button type="button" disabled={exported.isPending} onClick={() => exported.mutate('csv')}>
                Export CSV
              </button>{' '}
              <button type="button" disabled={exported.isPending} onClick={() => exported.mutate('xlsx')}>
                Export XLSX
              </button>
            </div>
            <ErrorMessage error={exported.error} title="The summary was not exported" />
          </>
        )}
      </section>

      <section className="panel" aria-labelledby="confirmation-log-heading">
        <h2 id="confirmation-log-heading">Confirmation log</h2>
        <div className="filters">
          <label>
            Kind{' '}
            <select value={kind} onChange={(e) => setKind(e.target.value)}>
              <option value="">All kinds</option>
              {KINDS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            Status{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">All statuses</option>
              {STATUSES.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorMessage error={send.error} title="The request was not marked sent" />
        <ErrorMessage error={letter.error} title="The letter was not downloaded" />
        {list.isPending ? (
          <Loading label="Loading the confirmations…" />
        ) : list.isError ? (
          <ErrorMessage error={list.error} title="The confirmations could not be loaded" />
        ) : rows.length === 0 ? (
          <Empty>{kind || status ? 'No confirmation matches these filters.' : 'No confirmation request yet.'}</Empty>
        ) : (
          <table aria-label="Confirmation log">
            <thead>
              <tr>
                <th scope="col">Party</th>
                <th scope="col">Kind</th>
                <th scope="col">Account</th>
                <th scope="col">Per books</th>
                <th scope="col">Status</th>
                <th scope="col">Sent</th>
                <th scope="col">Received</th>
                <th scope="col">Reply</th>
                <th scope="col">Difference</th>
                <th scope="col">Act</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const steps = nextSteps(row)
                return (
                  <tr key={row.id}>
                    <th scope="row" style={{ fontWeight: 400, background: 'none' }}>
                      {row.party_name}
                      {row.exception && <span className="badge badge-failed"> exception</span>}
                    </th>
                    <td>
                      {kindLabel(row.kind)}
                      <div className="muted small">
                        {row.form}
                        {row.blank ? ', blank' : ''}
                      </div>
                    </td>
                    <td>{row.account_number ?? ''}</td>
                    <td className="num">{formatAmount(row.amount_per_books)}</td>
                    <td>
                      <StatusBadge status={row.status} />
                    </td>
                    <td>{formatDate(row.sent_date)}</td>
                    <td>{formatDate(row.received_date)}</td>
                    <td className="num">{formatAmount(row.response_amount)}</td>
                    <td className="num">{formatAmount(row.difference)}</td>
                    <td>
                      <button type="button" aria-label={`Letter to ${row.party_name}`} disabled={letter.isPending} onClick={() => letter.mutate(row)}>
                        Letter
                      </button>
                      {mayPrepare && steps.edit && (
                        <button type="button" aria-label={`Edit the request to ${row.party_name}`} onClick={() => { setOutcome(null); setEditing({ mode: 'edit', row }) }}>
                          Edit
                        </button>
                      )}
                      {mayPrepare && steps.send && (
                        <button type="button" aria-label={`Mark the request to ${row.party_name} sent`} disabled={send.isPending} onClick={() => { setOutcome(null); send.mutate(row) }}>
                          Mark sent
                        </button>
                      )}
                      {mayPrepare && steps.reply && (
                        <button type="button" aria-label={`Record the reply of ${row.party_name}`} onClick={() => { setOutcome(null); setEditing({ mode: 'reply', row }) }}>
                          Record reply
                        </button>
                      )}
                      {mayPrepare && steps.close && (
                        <button type="button" aria-label={`Close the request to ${row.party_name}`} onClick={() => { setOutcome(null); setEditing({ mode: 'close', row }) }}>
                          Close
                        </button>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
        {editing?.mode === 'edit' && <RequestForm engagementId={engagement.id} row={editing.row} onDone={changed} onCancel={() => setEditing(null)} />}
        {editing?.mode === 'reply' && <ReplyForm engagementId={engagement.id} row={editing.row} onDone={changed} onCancel={() => setEditing(null)} />}
        {editing?.mode === 'close' && (
          <CloseForm engagementId={engagement.id} row={editing.row} mayReview={can('workpaper.review')} onDone={changed} onCancel={() => setEditing(null)} />
        )}
        {engagement.locked && <div className="muted small">The engagement is finalized: the confirmations can no longer change.</div>}
      </section>
    </div>
  )
}

interface FormProps {
  engagementId: string
  onDone: (message: string) => void | Promise<void>
  onCancel: () => void
}

function RequestForm({ engagementId, row, onDone, onCancel }: FormProps & { row?: Confirmation }) {
  const [draft, setDraft] = useState<Draft>(row ? draftOf(row) : emptyDraft())
  const [problems, setProblems] = useState<string[]>([])
  const set = (changes: Partial<Draft>) => setDraft((d) => ({ ...d, ...changes }))
  const save = useMutation({
    mutationFn: async () => {
      if (!row) {
        return ok(api.POST('/api/engagements/{engagement_id}/confirmations', { params: { path: { engagement_id: engagementId } }, body: createBody(draft) }))
      }
      return ok(
        api.PATCH('/api/engagements/{engagement_id}/confirmations/{confirmation_id}', {
          params: { path: { engagement_id: engagementId, confirmation_id: row.id } },
          body: updateBody(row, draft),
        }),
      )
    },
    onSuccess: (saved) => onDone(row ? `The request to ${saved.party_name} is saved.` : `A draft request to ${saved.party_name} is created.`),
  })
  const title = row ? `Edit the request to ${row.party_name}` : 'New confirmation request'
  const text = (name: keyof Draft, label: string, hint?: string) => (
    <label>
      {label}
      <input value={String(draft[name])} onChange={(e) => set({ [name]: e.target.value } as Partial<Draft>)} />
      {hint && <span className="muted small">{hint}</span>}
    </label>
  )
  return (
    <form
      className="form panel"
      aria-label={title}
      onSubmit={(event) => {
        event.preventDefault()
        save.reset()
        const found = draftProblems(draft)
        setProblems(found)
        if (!found.length) save.mutate()
      }}
    >
      <h3 style={{ margin: 0 }}>{title}</h3>
      {!row && (
        <label>
          Kind
          <select value={draft.kind} onChange={(e) => set({ kind: e.target.value as Kind })}>
            {KINDS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Form
        <select value={draft.form} onChange={(e) => set({ form: e.target.value as Draft['form'] })}>
          <option value="positive">Positive (reply in every case)</option>
          <option value="negative">Negative (reply only if it disagrees)</option>
        </select>
      </label>
      {draft.kind === 'receivable' && draft.form === 'positive' && (
        <label>
          <input type="checkbox" checked={draft.blank} onChange={(e) => set({ blank: e.target.checked })} /> Blank: the customer states the amount
        </label>
      )}
      {text('party_name', 'Confirming party')}
      {text('party_contact', 'Contact')}
      <label>
        Address
        <textarea value={draft.party_address} rows={3} onChange={(e) => set({ party_address: e.target.value })} />
      </label>
      {text('party_email', 'E-mail')}
      {text('account_number', 'Trial balance account', 'Its mapped final balance is the amount per books when no amount is given.')}
      {text('client_account_ref', "Client's account number at the party")}
      {text('amount_per_books', 'Amount per books')}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : row ? 'Save' : 'Create the request'}
        </button>{' '}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <FormProblems problems={problems} />
      <ErrorMessage error={save.error} title="The request was not saved" />
    </form>
  )
}

function ReplyForm({ engagementId, row, onDone, onCancel }: FormProps & { row: Confirmation }) {
  const [reply, setReply] = useState<ReplyDraft>({ received_date: '', response_amount: '', exception: 'auto' })
  const [problems, setProblems] = useState<string[]>([])
  const save = useMutation({
    mutationFn: () => {
      const amount = reply.response_amount.replace(/,/g, '').trim()
      return ok(
        api.POST('/api/engagements/{engagement_id}/confirmations/{confirmation_id}/reply', {
          params: { path: { engagement_id: engagementId, confirmation_id: row.id } },
          body: {
            received_date: reply.received_date,
            response_amount: amount || null,
            exception: reply.exception === 'auto' ? null : reply.exception === 'yes',
          },
        }),
      )
    },
    onSuccess: (saved) =>
      onDone(
        saved.exception
          ? `The reply of ${saved.party_name} is recorded as an exception (difference ${formatAmount(saved.difference)}).`
          : `The reply of ${saved.party_name} is recorded.`,
      ),
  })
  const title = `Record the reply of ${row.party_name}`
  return (
    <form
      className="form panel"
      aria-label={title}
      onSubmit={(event) => {
        event.preventDefault()
        save.reset()
        const found = replyProblems(row, reply)
        setProblems(found)
        if (!found.length) save.mutate()
      }}
    >
      <h3 style={{ margin: 0 }}>{title}</h3>
      <div className="muted small">Per books: {row.amount_per_books === null ? 'no amount' : formatAmount(row.amount_per_books)}</div>
      <label>
        Received on
        <input type="date" value={reply.received_date} onChange={(e) => setReply({ ...reply, received_date: e.target.value })} />
      </label>
      <label>
        Amount the party stated
        <input value={reply.response_amount} onChange={(e) => setReply({ ...reply, response_amount: e.target.value })} />
      </label>
      <label>
        Exception
        <select value={reply.exception} onChange={(e) => setReply({ ...reply, exception: e.target.value as ReplyDraft['exception'] })}>
          <option value="auto">When the amount differs from the books</option>
          <option value="yes">Yes</option>
          <option value="no">No</option>
        </select>
      </label>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Record the reply'}
        </button>{' '}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <FormProblems problems={problems} />
      <ErrorMessage error={save.error} title="The reply was not recorded" />
    </form>
  )
}

function CloseForm({ engagementId, row, mayReview, onDone, onCancel }: FormProps & { row: Confirmation; mayReview: boolean }) {
  const closing = closingOf(row)
  const [text, setText] = useState('')
  const [problems, setProblems] = useState<string[]>([])
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/api/engagements/{engagement_id}/confirmations/{confirmation_id}/close', {
          params: { path: { engagement_id: engagementId, confirmation_id: row.id } },
          body: {
            resolution: closing === 'resolution' ? text.trim() : null,
            alternative_procedures: closing === 'alternative' ? text.trim() : null,
          },
        }),
      ),
    onSuccess: (saved) => onDone(`The request to ${saved.party_name} is ${statusLabel(saved.status).toLowerCase()}.`),
  })
  const title = `Close the request to ${row.party_name}`
  const label = closing === 'resolution' ? 'How the exception was resolved' : closing === 'alternative' ? 'Alternative procedures performed' : null
  return (
    <form
      className="form panel"
      aria-label={title}
      onSubmit={(event) => {
        event.preventDefault()
        save.reset()
        const found = label && !text.trim() ? [`${label}: required to close this request.`] : []
        setProblems(found)
        if (!found.length) save.mutate()
      }}
    >
      <h3 style={{ margin: 0 }}>{title}</h3>
      {closing === 'agreed' && <p>The reply agrees with the books.</p>}
      {closing === 'negative_no_reply' && <p>A negative request without a reply is closed as it stands.</p>}
      {closing === 'resolution' && !mayReview && <p className="muted">Only a reviewer (a senior or above) may close a request with an exception.</p>}
      {label && (
        <label>
          {label}
          <textarea value={text} rows={3} onChange={(e) => setText(e.target.value)} />
        </label>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={save.isPending || (closing === 'resolution' && !mayReview)}>
          {save.isPending ? 'Closing…' : 'Close the request'}
        </button>{' '}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <FormProblems problems={problems} />
      <ErrorMessage error={save.error} title="The request was not closed" />
    </form>
  )
}
