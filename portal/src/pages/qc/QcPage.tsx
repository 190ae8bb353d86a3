import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import {
  MIN_WAIVER_REASON,
  orderPolicies,
  policyLink,
  staleText,
  verdictText,
  waiverProblems,
  type Policy,
  type QcRun,
  type Waiver,
  type WaiverCreate,
} from './qc'
import './qc.css'

export const qcKeys = {
  all: (engagementId: string) => ['qc', engagementId] as const,
  latest: (engagementId: string) => ['qc', engagementId, 'latest'] as const,
  waivers: (engagementId: string) => ['qc', engagementId, 'waivers'] as const,
}

/** Answers that say QC has never been run on the engagement (rather than that it does not exist). */
const isNoRun = (error: unknown) => error instanceof ApiError && error.status === 404 && error.code !== 'engagement_not_found'

/** Quality control: every policy of the latest run with what is missing and where; waivers with their reasons. */
export function QcPage() {
  const { engagement, refresh } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayRun = can('qc.run') && !engagement.locked
  const mayWaive = can('qc.waive') && !engagement.locked
  const [waiving, setWaiving] = useState<Policy | null>(null)
  const [outcome, setOutcome] = useState<string | null>(null)

  const latest = useQuery({
    queryKey: qcKeys.latest(engagement.id),
    queryFn: async () => {
      try {
        return await ok(api.GET('/api/engagements/{engagement_id}/qc', { params: { path } }))
      } catch (error) {
        if (isNoRun(error)) return null
        throw error
      }
    },
  })
  const waivers = useQuery({
    queryKey: qcKeys.waivers(engagement.id),
    queryFn: async () => (await ok(api.GET('/api/engagements/{engagement_id}/qc/waivers', { params: { path } }))).items,
  })
  const changed = async () => {
    await queryClient.invalidateQueries({ queryKey: qcKeys.all(engagement.id) })
    void queryClient.invalidateQueries({ queryKey: ['engagement', engagement.id, 'finalization-readiness'] })
    refresh()
  }
  const run = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/qc/run', { params: { path } })),
    onSuccess: async (result: QcRun) => {
      queryClient.setQueryData(qcKeys.latest(engagement.id), result)
      setOutcome(`QC run: ${verdictText(result)}`)
      await changed()
    },
  })
  const withdraw = useMutation({
    mutationFn: (waiver: Waiver) =>
      ok(api.DELETE('/api/engagements/{engagement_id}/qc/waivers/{waiver_id}', { params: { path: { ...path, waiver_id: waiver.id } } })),
    onSuccess: async (_, waiver) => {
      setOutcome(`The waiver of ${titleOf(waiver.policy)} was withdrawn. Run the checks again to record the gate.`)
      await changed()
    },
  })

  const policies = latest.data ? orderPolicies(latest.data.policies) : []
  const stale = latest.data ? staleText(latest.data) : null
  const titleOf = (code: string) => latest.data?.policies.find((p) => p.code === code)?.title ?? code
  const activeWaivers = waivers.data ?? []

  return (
    <div className="qc-page">
      <PageHeader title="Quality control">
        {mayRun && (
          <button type="button" className="primary" disabled={run.isPending} onClick={() => { setOutcome(null); run.mutate() }}>
            {run.isPending ? 'Running the checks…' : latest.data ? 'Run the checks again' : 'Run the QC checks'}
          </button>
        )}
      </PageHeader>
      <ErrorMessage error={run.error} title="The QC checks did not run" />
      {outcome && (
        <div className="notice" role="status">
          {outcome}
        </div>
      )}
      {latest.isPending ? (
        <Loading label="Loading the QC results…" />
      ) : latest.isError ? (
        <ErrorMessage error={latest.error} title="The QC results could not be loaded" />
      ) : !latest.data ? (
        <Empty>
          The QC checks have not been run on this engagement.{' '}
          {mayRun ? 'Run them to see what is missing before the report can be signed.' : 'Someone who may run QC (a manager, partner or QC reviewer) can run them.'}
        </Empty>
      ) : (
        <section className="panel" aria-labelledby="qc-policies-heading">
          <h2 id="qc-policies-heading">Policies</h2>
          {stale && (
            <div className="stale-warning" role="alert">
              <span>{stale}</span>
              {mayRun && (
                <button type="button" className="primary" disabled={run.isPending} onClick={() => { setOutcome(null); run.mutate() }}>
                  {run.isPending ? 'Running the checks…' : 'Run the checks again'}
                </button>
              )}
              {!mayRun && !engagement.locked && <span className="small"> A manager, partner or QC reviewer can run them.</span>}
            </div>
          )}
          <p className={latest.data.passed ? 'success' : 'error'} role="status">
            {verdictText(latest.data)}
            <span className="small"> Run {formatDateTime(latest.data.run_at)}.</span>
          </p>
          <PolicyTable
            policies={policies}
            waivedSince={new Set(activeWaivers.map((w) => w.policy))}
            mayWaive={mayWaive}
            onWaive={(p) => {
              setOutcome(null)
              setWaiving(p)
            }}
          />
          {waiving && (
            <WaiverForm
              engagementId={engagement.id}
              policy={waiving}
              onDone={async (message) => {
                setWaiving(null)
                if (message) {
                  setOutcome(message)
                  await changed()
                }
              }}
            />
          )}
        </section>
      )}
      <section className="panel" aria-labelledby="qc-waivers-heading">
        <h2 id="qc-waivers-heading">Waivers</h2>
        {waivers.isPending ? (
          <Loading label="Loading the waivers…" />
        ) : waivers.isError ? (
          <ErrorMessage error={waivers.error} title="The waivers could not be loaded" />
        ) : activeWaivers.length === 0 ? (
          <div className="muted">No policy is waived.</div>
        ) : (
          <ul className="qc-waivers" aria-label="Waivers in force">
            {activeWaivers.map((w) => (
              <li key={w.id}>
                <div>
                  <strong>{titleOf(w.policy)}</strong>
                  <blockquote>{w.reason}</blockquote>
                  <div className="muted small">
                    Waived{w.waived_by_name ? ` by ${w.waived_by_name}` : ''}
                    {` at ${formatDateTime(w.waived_at)}`}
                  </div>
                </div>
                {mayWaive && (
                  <button type="button" disabled={withdraw.isPending} onClick={() => { setOutcome(null); withdraw.mutate(w) }} aria-label={`Withdraw the waiver of ${titleOf(w.policy)}`}>
                    Withdraw
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        <ErrorMessage error={withdraw.error} title="The waiver was not withdrawn" />
        {!mayWaive && !engagement.locked && <div className="muted small">Only the engagement partner or a QC reviewer can waive a policy.</div>}
        {engagement.locked && <div className="muted small">The engagement is finalized: the QC results can no longer change.</div>}
      </section>
    </div>
  )
}

function PolicyTable({
  policies,
  waivedSince,
  mayWaive,
  onWaive,
}: {
  policies: Policy[]
  /** Policies with a waiver in force: a failed one was waived after this run, and counts once the checks run again. */
  waivedSince: Set<string>
  mayWaive: boolean
  onWaive: (policy: Policy) => void
}) {
  return (
    <table className="qc-policies" aria-label="QC policies">
      <colgroup>
        <col style={{ width: '24%' }} />
        <col style={{ width: '10%' }} />
        <col style={{ width: '9%' }} />
        <col />
        <col style={{ width: '18%' }} />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Policy</th>
          <th scope="col">Status</th>
          <th scope="col">Blocking</th>
          <th scope="col">What is missing</th>
          <th scope="col">Act</th>
        </tr>
      </thead>
      <tbody>
        {policies.map((p) => {
          const where = p.status === 'passed' ? null : policyLink(p)
          return (
            <tr key={p.code} className={`qc-${p.status}${p.blocking ? ' qc-blocking' : ''}`}>
              <th scope="row" style={{ fontWeight: 400, background: 'none' }}>
                {p.title}
                <span className="qc-code">{p.code}</span>
              </th>
              <td>
                <StatusBadge status={p.status} />
              </td>
              <td>{p.blocking ? 'Blocking' : 'Advisory'}</td>
              <td>
                {p.detail || (p.status === 'passed' ? <span className="muted">Nothing</span> : '')}
                {p.status !== 'passed' && p.missing.length > 0 && (
                  <ul className="qc-missing" aria-label={`Missing for ${p.title}`}>
                    {p.missing.map((m) => (
                      <li key={m}>{m}</li>
                    ))}
                  </ul>
                )}
                {p.waiver && <div className="small muted">Waived: “{p.waiver.reason}”</div>}
              </td>
              <td>
                {where && (
                  <div>
                    <Link to={`../${where.path}`} relative="path" aria-label={`${where.label}: fix ${p.title}`}>
                      Open {where.label}
                    </Link>
                  </div>
                )}
                {p.status === 'failed' && waivedSince.has(p.code) && <div className="small">Waived since this run: run the checks again.</div>}
                {mayWaive && p.status === 'failed' && !waivedSince.has(p.code) && (
                  <button type="button" onClick={() => onWaive(p)} aria-label={`Waive ${p.title}`}>
                    Waive…
                  </button>
                )}
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

function WaiverForm({ engagementId, policy, onDone }: { engagementId: string; policy: Policy; onDone: (message: string | null) => void | Promise<void> }) {
  const [reason, setReason] = useState('')
  const [problems, setProblems] = useState<string[]>([])
  const field = useRef<HTMLTextAreaElement>(null)
  useEffect(() => field.current?.focus(), [policy.code])
  const waive = useMutation({
    mutationFn: (text: string) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/qc/waivers', {
          params: { path: { engagement_id: engagementId } },
          body: { policy: policy.code as WaiverCreate['policy'], reason: text },
        }),
      ),
    onSuccess: () => onDone(`${policy.title} is waived. Run the checks again to record the gate.`),
  })
  return (
    <form
      className="qc-waive-form form"
      aria-label={`Waive ${policy.title}`}
      onSubmit={(event) => {
        event.preventDefault()
        waive.reset()
        const found = waiverProblems(reason)
        setProblems(found)
        if (found.length) {
          field.current?.focus()
          return
        }
        waive.mutate(reason.trim())
      }}
    >
      <h3 style={{ margin: 0 }}>Waive “{policy.title}”</h3>
      <label>
        Reason for the waiver
        <textarea ref={field} value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={4000} aria-describedby="waiver-hint" aria-invalid={problems.length > 0} />
      </label>
      <span id="waiver-hint" className="muted small">
        At least {MIN_WAIVER_REASON} characters; kept in the audit log with your name. {reason.trim().length} typed.
      </span>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={waive.isPending}>
          {waive.isPending ? 'Waiving…' : 'Waive the policy'}
        </button>{' '}
        <button type="button" onClick={() => void onDone(null)}>
          Cancel
        </button>
      </div>
      {problems.length > 0 && (
        <div className="error" role="alert">
          {problems.join(' ')}
        </div>
      )}
      <ErrorMessage error={waive.error} title="The policy was not waived" />
    </form>
  )
}
