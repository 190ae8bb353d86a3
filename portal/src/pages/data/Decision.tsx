import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { invalidateData, type Dataset } from './queries'

// The API's REASON_MIN (functions/ingestion/acceptance.py): a reason says something.
const MIN_REASON = 10

/**
 * The audit team's decision on data a client submitted: accept it (it becomes current; once fieldwork
 * has started, say why it replaces the current version) or reject it with a reason the client reads.
 * Client users see the submission waiting, not these buttons.
 */
export function Decision({ engagementId, dataset }: { engagementId: string; dataset: Dataset }) {
  const queryClient = useQueryClient()
  const can = useEngagementCan()
  const { engagement } = useEngagement()
  const [reason, setReason] = useState('')
  const path = { engagement_id: engagementId, dataset_id: dataset.id }
  const done = () => {
    setReason('')
    invalidateData(queryClient, engagementId)
  }
  const accept = useMutation({
    mutationFn: () =>
      ok(api.POST('/api/engagements/{engagement_id}/datasets/{dataset_id}/accept', { params: { path }, body: { reason: reason.trim() || null } })),
    onSuccess: done,
  })
  const reject = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/datasets/{dataset_id}/reject', { params: { path }, body: { reason: reason.trim() } })),
    onSuccess: done,
  })
  if (!can('engagement.read') || !can('data.upload') || engagement.locked) return null
  const fieldwork = engagement.status === 'fieldwork' || engagement.status === 'review'
  const busy = accept.isPending || reject.isPending
  return (
    <form className="form" aria-label="Accept or reject the submission" onSubmit={(event) => event.preventDefault()}>
      <label>
        Reason {fieldwork ? '(needed to accept once fieldwork has started, and to reject)' : '(needed to reject; the client reads it)'}
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} maxLength={2000} />
      </label>
      <div className="bn-actions">
        <button type="button" className="primary" disabled={busy} onClick={() => accept.mutate()}>
          Accept as the current version
        </button>
        <button type="button" className="danger" disabled={busy || reason.trim().length < MIN_REASON} onClick={() => reject.mutate()}>
          Reject
        </button>
      </div>
      <ErrorMessage error={accept.error ?? reject.error} title="Not done" />
    </form>
  )
}
