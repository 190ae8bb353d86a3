import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { useAuth } from '../../auth/AuthProvider'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { mayOn, type Engagement } from './context'
import './finalize.css'

/** The workspace page where a reason for not finalizing is cleared (the gates of shared/gates.py). */
export function reasonLink(reason: string): { path: string; label: string } | null {
  const text = reason.toLowerCase()
  if (/\bqc\b|quality control|waive/.test(text)) return { path: 'qc', label: 'Open quality control' }
  if (/report|sign|partner/.test(text)) return { path: 'report', label: 'Open the report' }
  return null
}

/** Reasons a refused transition carries, if any. */
function refusalReasons(error: unknown): string[] {
  if (!(error instanceof ApiError)) return []
  const reasons = error.problem.reasons
  return Array.isArray(reasons) ? reasons.map(String) : []
}

/**
 * Above the tabs of an engagement in review: whether it can be finalized, what is missing (each with
 * a link to where it is cleared), and for the partner the button that finalizes it.
 */
export function FinalizePanel({ engagement, onFinalized }: { engagement: Engagement; onFinalized?: () => void }) {
  const { isClientUser } = useAuth()
  const queryClient = useQueryClient()
  const [confirming, setConfirming] = useState(false)
  const inReview = engagement.status === 'review' && !engagement.locked
  const mayFinalize = mayOn(engagement)('engagement.finalize')
  const base = `/engagements/${engagement.id}`
  const readiness = useQuery({
    queryKey: ['engagement', engagement.id, 'finalization-readiness', engagement.status],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/finalization-readiness', { params: { path: { engagement_id: engagement.id } } })),
    enabled: inReview && !isClientUser,
  })
  const finalize = useMutation({
    mutationFn: () =>
      ok(api.POST('/api/engagements/{engagement_id}/transitions', { params: { path: { engagement_id: engagement.id } }, body: { to: 'finalized', reason: null } })),
    onSuccess: (result) => {
      setConfirming(false)
      queryClient.setQueryData(['engagement', engagement.id], result.engagement)
      void queryClient.invalidateQueries({ queryKey: ['engagements'] })
      void queryClient.invalidateQueries({ queryKey: ['engagement', engagement.id] })
      onFinalized?.()
    },
  })
  if (isClientUser || !inReview) return null
  const reasons = readiness.data?.reasons ?? []
  const ready = readiness.data?.ready === true
  const refused = refusalReasons(finalize.error)
  return (
    <section className="finalize-bar" aria-label="Finalization">
      <div aria-live="polite" style={{ flex: 1, minWidth: 0 }}>
        {readiness.isPending ? (
          <span className="muted">Checking whether the engagement can be finalized…</span>
        ) : readiness.isError ? (
          <ErrorMessage error={readiness.error} title="Readiness for finalization could not be checked" />
        ) : ready ? (
          <strong>Ready to finalize: QC passed, the report is approved and signed.</strong>
        ) : (
          <details open>
            <summary>
              <strong>Not ready to finalize</strong>: {reasons.length} {reasons.length === 1 ? 'thing' : 'things'} missing
            </summary>
            <ul aria-label="Missing before finalizing">
              {reasons.map((r) => {
                const where = reasonLink(r)
                return (
                  <li key={r}>
                    {r}
                    {where && (
                      <>
                        {' · '}
                        <Link to={`${base}/${where.path}`}>{where.label}</Link>
                      </>
                    )}
                  </li>
                )
              })}
            </ul>
          </details>
        )}
        {confirming && (
          <div className="notice" role="region" aria-label="Confirm finalizing">
            Finalizing locks the engagement: nothing under it can change any more, and the signed report is stored write-once for the
            retention period. This cannot be undone.
            <div className="form-actions" style={{ marginTop: 6 }}>
              <button type="button" className="primary" disabled={finalize.isPending} onClick={() => finalize.mutate()}>
                {finalize.isPending ? 'Finalizing…' : 'Finalize the engagement'}
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)} disabled={finalize.isPending}>
                Cancel
              </button>
            </div>
          </div>
        )}
        <ErrorMessage error={finalize.error} title="The engagement was not finalized" />
        {refused.length > 0 && (
          <ul aria-label="Why it was refused">
            {refused.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
      </div>
      {mayFinalize ? (
        !confirming && (
          <button type="button" className="primary" disabled={!ready} onClick={() => { finalize.reset(); setConfirming(true) }} aria-describedby={ready ? undefined : 'finalize-why'}>
            Finalize…
          </button>
        )
      ) : (
        <span className="muted small">Only the engagement partner can finalize.</span>
      )}
      {!ready && mayFinalize && (
        <span id="finalize-why" hidden>
          Finalizing opens when nothing is missing.
        </span>
      )}
    </section>
  )
}
