/** Pieces of the PBC list shared by the engagement's Requests tab and the cross-engagement list. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import { download, uploadRaw } from '../../api/transfer'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatBytes, formatDate, formatDateTime } from '../../ui/format'
import { awaitsDecision, mayStillSend, reasonProblem, statusLabel, summaryLine, type RequestDetail, type RequestRead, type RequestSummary } from './logic'
import './requests.css'

/** What one request may carry (functions/client_requests/service.py, MAX_ATTACHMENT_BYTES). */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024

export const requestKeys = {
  all: ['client-requests'] as const,
  engagement: (engagementId: string) => ['client-requests', 'engagement', engagementId] as const,
  detail: (engagementId: string, requestId: string) => ['client-requests', 'engagement', engagementId, 'detail', requestId] as const,
}

export function RequestStatus({ request, isClient }: { request: Pick<RequestRead, 'status' | 'overdue'>; isClient: boolean }) {
  return (
    <span>
      <span className={`badge rq-status badge-${request.status}`}>{statusLabel(request.status, isClient)}</span>
      {request.overdue && <span className="badge badge-overdue">Overdue</span>}
    </span>
  )
}

/** The counts of the PBC list: overdue, waiting for acceptance, waiting on the client. */
export function RequestCounts({ summary, to }: { summary: RequestSummary; to?: string }) {
  return (
    <div>
      <div className="rq-counts">
        <div className="rq-count" data-testid="requests-overdue">
          <strong>{summary.overdue}</strong>
          <span className="muted small">Overdue client requests</span>
        </div>
        <div className="rq-count" data-testid="requests-submitted">
          <strong>{summary.submitted}</strong>
          <span className="muted small">Client submissions waiting for acceptance</span>
        </div>
        <div className="rq-count" data-testid="requests-open">
          <strong>{summary.open}</strong>
          <span className="muted small">Waiting on the client</span>
        </div>
      </div>
      <div className="muted small">
        {summaryLine(summary)} {to && <Link to={to}>Open the requests</Link>}
      </div>
    </div>
  )
}

/** One request: what was asked, the files sent, the decision, the comments, and what the caller may do next. */
export function RequestPanel({
  engagementId,
  requestId,
  isClient,
  mayDecide,
  maySend,
  locked,
}: {
  engagementId: string
  requestId: string
  isClient: boolean
  mayDecide: boolean
  maySend: boolean
  locked: boolean
}) {
  const queryClient = useQueryClient()
  const base = `/api/engagements/${engagementId}/requests/${requestId}`
  const detail = useQuery({
    queryKey: requestKeys.detail(engagementId, requestId),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/requests/{request_id}', {
          params: { path: { engagement_id: engagementId, request_id: requestId } },
        }),
      ),
  })
  const refresh = () => queryClient.invalidateQueries({ queryKey: requestKeys.all })
  // A decision answers with the request as it now is: shown at once, then the lists and counts reload.
  const decided = (result: RequestDetail) => {
    queryClient.setQueryData(requestKeys.detail(engagementId, requestId), result)
    return refresh()
  }
  const [reason, setReason] = useState('')
  const [reasonError, setReasonError] = useState<string | null>(null)
  const [comment, setComment] = useState('')
  const path = { engagement_id: engagementId, request_id: requestId }
  const accept = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/requests/{request_id}/accept', { params: { path } })),
    onSuccess: decided,
  })
  const giveBack = useMutation({
    mutationFn: (text: string) =>
      ok(api.POST('/api/engagements/{engagement_id}/requests/{request_id}/return', { params: { path }, body: { reason: text } })),
    onSuccess: (result) => {
      setReason('')
      return decided(result)
    },
  })
  const addComment = useMutation({
    mutationFn: (text: string) =>
      ok(api.POST('/api/engagements/{engagement_id}/requests/{request_id}/comments', { params: { path }, body: { body: text } })),
    onSuccess: () => {
      setComment('')
      return refresh()
    },
  })
  const send = useMutation({
    mutationFn: (file: File) => {
      if (file.size > MAX_ATTACHMENT_BYTES) throw new Error(`${file.name} is ${formatBytes(file.size)}; a file sent here may be at most 100 MB.`)
      if (file.size === 0) throw new Error(`${file.name} is empty.`)
      return uploadRaw(`${base}/attachments`, file, {
        contentType: file.type || 'application/octet-stream',
        headers: { 'X-Filename': encodeURIComponent(file.name) },
      })
    },
    onSuccess: refresh,
  })
  const fetchFile = useMutation({
    mutationFn: (file: { id: string; filename: string }) => download(`${base}/attachments/${file.id}`, file.filename),
  })

  if (detail.isPending) return <Loading label="Loading the request…" />
  if (detail.isError) return <ErrorMessage error={detail.error} title="The request cannot be shown" />
  const r: RequestDetail = detail.data

  const onReturn = (event: FormEvent) => {
    event.preventDefault()
    const problem = reasonProblem(reason)
    setReasonError(problem)
    if (!problem) giveBack.mutate(reason.trim())
  }

  return (
    <section className="panel rq-detail" aria-labelledby="rq-title">
      <h2 id="rq-title" style={{ marginTop: 0 }}>
        {r.title}
      </h2>
      <div>
        <RequestStatus request={r} isClient={isClient} /> <span className="muted">
          {r.kind === 'data' ? 'Data' : 'Document'} · due {formatDate(r.due_date)} · assigned to {r.assignee_name} · {r.engagement_name}
        </span>
      </div>
      {r.description && <p className="rq-description">{r.description}</p>}
      {r.status === 'returned' && r.return_reason && (
        <div className="notice" role="note">
          <strong>Returned with this reason:</strong> {r.return_reason}
        </div>
      )}
      {r.status === 'accepted' && (
        <div className="success">
          Accepted {r.decided_at ? `on ${formatDateTime(r.decided_at)}` : ''}.{' '}
          {r.kind === 'data' && !isClient && 'Load the accepted file on the Data tab to use it in the audit.'}
        </div>
      )}

      <h3>Files sent ({r.attachments.length})</h3>
      {r.attachments.length === 0 ? (
        <div className="muted small">Nothing sent yet.</div>
      ) : (
        <ul className="rq-files" aria-label="Files sent">
          {r.attachments.map((file) => (
            <li key={file.id}>
              <span>{file.filename}</span>
              <span className="muted small">
                {formatBytes(file.size_bytes)} · {file.uploaded_by_name ?? ''} · {formatDateTime(file.uploaded_at)}
              </span>
              <button type="button" onClick={() => fetchFile.mutate(file)} disabled={fetchFile.isPending} title={`Download ${file.filename}`}>
                Download
              </button>
            </li>
          ))}
        </ul>
      )}
      {fetchFile.error != null && <ErrorMessage error={fetchFile.error} title="The file was not downloaded" />}
      {!locked && maySend && mayStillSend(r) && (
        <div className="dropzone">
          <label>
            Choose a file to send
            <input
              type="file"
              onChange={(event) => {
                const file = event.target.files?.[0]
                if (file) send.mutate(file)
                event.target.value = ''
              }}
            />
          </label>
          <p className="muted small">Up to 100 MB: PDF, images, Office documents, CSV, text, JSON, XML, ZIP, e-mail.</p>
          {send.isPending && <Loading label="Sending…" />}
          {send.isSuccess && <div className="success">Sent. The audit team has been given it to accept.</div>}
          {send.error != null && <ErrorMessage error={send.error} title="The file was not sent" />}
        </div>
      )}

      {!locked && mayDecide && awaitsDecision(r) && (
        <div className="rq-actions">
          <button type="button" className="primary" onClick={() => accept.mutate()} disabled={accept.isPending}>
            Accept
          </button>
          <form onSubmit={onReturn} className="form" style={{ flex: 1 }}>
            <label>
              Reason for returning it
              <textarea value={reason} onChange={(event) => setReason(event.target.value)} rows={2} maxLength={2000} />
            </label>
            {reasonError && <div className="error small">{reasonError}</div>}
            <div>
              <button type="submit" disabled={giveBack.isPending}>
                Return to the client
              </button>
            </div>
          </form>
        </div>
      )}
      {accept.error != null && <ErrorMessage error={accept.error} title="The request was not accepted" />}
      {giveBack.error != null && <ErrorMessage error={giveBack.error} title="The request was not returned" />}

      <h3>Comments ({r.comments.length})</h3>
      {r.comments.length > 0 && (
        <ul className="rq-comments" aria-label="Comments">
          {r.comments.map((c) => (
            <li key={c.id} className={c.author_is_client ? 'client' : undefined}>
              <div className="muted small">
                {c.author_name ?? 'Someone'} {c.author_is_client ? '(client)' : '(audit team)'} · {formatDateTime(c.created_at)}
              </div>
              <div className="rq-description">{c.body}</div>
            </li>
          ))}
        </ul>
      )}
      {!locked && (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault()
            if (comment.trim()) addComment.mutate(comment.trim())
          }}
        >
          <label>
            Add a comment
            <textarea value={comment} onChange={(event) => setComment(event.target.value)} rows={2} maxLength={10000} />
          </label>
          <div>
            <button type="submit" disabled={addComment.isPending || !comment.trim()}>
              Comment
            </button>
          </div>
          {addComment.error != null && <ErrorMessage error={addComment.error} title="The comment was not added" />}
        </form>
      )}
    </section>
  )
}
