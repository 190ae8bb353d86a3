import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatDateTime, humanize } from '../../ui/format'
import { keys, PERMISSION_FOR_STEP, SIGNED_AS, STEPS, useTeam, type NodeDetail, type SignoffRead, type SignoffState, type Step } from './common'
import { ConfirmDialog } from './NodeDialogs'

export const SIGN_LABEL: Record<Step, string> = { prepare: 'Sign as preparer', review: 'Sign as reviewer', approve: 'Approve' }
const STEP_NAME: Record<Step, string> = { prepare: 'Prepared', review: 'Reviewed', approve: 'Approved' }

/** The step a workpaper waits for next (prepare, then review, then approve), or null when all are signed. */
export function nextStep(state: SignoffState | null | undefined): Step | null {
  return STEPS.find((step) => !state?.[SIGNED_AS[step]]) ?? null
}

/**
 * The sign-off a user may give now: only the next step in order, and only with its permission. The
 * API also refuses the preparer reviewing or approving their own work; that refusal is shown as it
 * words it (the page says so beforehand, too).
 */
export function signableStep(state: SignoffState | null | undefined, can: (permission: string) => boolean): Step | null {
  const step = nextStep(state)
  return step && can(PERMISSION_FOR_STEP[step]) ? step : null
}

/** The active sign-offs, what the user may sign or withdraw now, and the history with cleared ones. */
export function Signoffs({
  engagementId,
  node,
  can,
  locked,
  unseenChange = false,
}: {
  engagementId: string
  node: NodeDetail
  can: (permission: string) => boolean
  locked: boolean
  /** Someone else changed the item since the user was shown it: no signing until they have looked. */
  unseenChange?: boolean
}) {
  const queryClient = useQueryClient()
  const { me } = useAuth()
  const myId = me?.user.id
  const state = node.signoffs
  const [withdrawing, setWithdrawing] = useState<Step | null>(null)
  const [outcome, setOutcome] = useState<string | null>(null)
  const history = useQuery({
    queryKey: keys.signoffs(engagementId, node.id),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/binder/nodes/{node_id}/signoffs', {
          params: { path: { engagement_id: engagementId, node_id: node.id } },
        }),
      ),
  })
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.all(engagementId) })
  const sign = useMutation({
    mutationFn: (step: Step) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/binder/nodes/{node_id}/signoffs', {
          params: { path: { engagement_id: engagementId, node_id: node.id } },
          // The version the signer is shown: if it has moved on, the API refuses, naming who changed it.
          body: { step, version: node.version },
        }),
      ),
    onMutate: () => setOutcome(null),
    onError: () => queryClient.invalidateQueries({ queryKey: keys.node(engagementId, node.id) }),
    onSuccess: async (signoff) => {
      setOutcome(`${STEP_NAME[signoff.step]} at version ${signoff.node_version}.`)
      await refresh()
    },
  })
  const withdraw = useMutation({
    mutationFn: (step: Step) =>
      ok(
        api.DELETE('/api/engagements/{engagement_id}/binder/nodes/{node_id}/signoffs/{step}', {
          params: { path: { engagement_id: engagementId, node_id: node.id, step } },
        }),
      ),
    onMutate: () => setOutcome(null),
    onSuccess: async (_, step) => {
      setWithdrawing(null)
      setOutcome(`Your ${step} sign-off is withdrawn.`)
      await refresh()
    },
  })

  const next = nextStep(state)
  const offered = locked ? null : signableStep(state, can)
  const preparedByMe = !!state?.prepared && state.prepared.user_id === myId
  const later = withdrawing ? STEPS.slice(STEPS.indexOf(withdrawing) + 1).filter((s) => state?.[SIGNED_AS[s]]) : []

  return (
    <section className="bn-section" aria-labelledby="bn-signoffs-heading">
      <h3 id="bn-signoffs-heading">Sign-offs</h3>
      <table className="data-table bn-compact">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Signed by</th>
            <th scope="col">When</th>
            <th scope="col">On version</th>
            <th scope="col">
              <span className="sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {STEPS.map((step) => {
            const signature = state?.[SIGNED_AS[step]]
            const mine = !!signature && signature.user_id === myId
            return (
              <tr key={step}>
                <th scope="row">{STEP_NAME[step]}</th>
                <td>{signature ? signature.display_name : <span className="muted">not signed</span>}</td>
                <td>{signature ? formatDateTime(signature.signed_at) : ''}</td>
                <td>
                  {signature && (
                    <>
                      {signature.node_version}
                      {signature.node_version < node.version && <span className="muted small"> (now at {node.version})</span>}
                    </>
                  )}
                </td>
                <td>
                  {mine && !locked && (
                    <button type="button" onClick={() => setWithdrawing(step)} disabled={withdraw.isPending}>
                      Withdraw my sign-off
                    </button>
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <div className="bn-actions">
        {offered && (
          <button type="button" className="primary" disabled={sign.isPending || unseenChange} onClick={() => sign.mutate(offered)}>
            {sign.isPending ? 'Signing…' : SIGN_LABEL[offered]}
          </button>
        )}
        {offered && <span className="muted small">You sign version {node.version}, the one shown.</span>}
        {offered && unseenChange && <span className="muted small">It changed while you were looking: see the note above first.</span>}
        {offered && offered !== 'prepare' && preparedByMe && (
          <span className="muted small">You prepared this workpaper; only someone else may {offered} it.</span>
        )}
        {!locked && next && !offered && (
          <span className="muted small">
            Next: {next}. Your role on this engagement does not allow signing that step.
          </span>
        )}
        {!next && <span className="muted small">Prepared, reviewed and approved.</span>}
        {locked && <span className="muted small">The engagement is finalized: sign-offs can no longer change.</span>}
      </div>
      <ErrorMessage error={sign.error} title="Not signed" />
      {outcome && (
        <div className="success" role="status">
          {outcome}
        </div>
      )}
      <details className="bn-history">
        <summary>Sign-off history{history.data ? ` (${history.data.items.length})` : ''}</summary>
        {history.isPending ? (
          <Loading />
        ) : history.isError ? (
          <ErrorMessage error={history.error} />
        ) : history.data.items.length === 0 ? (
          <p className="muted">No sign-offs yet.</p>
        ) : (
          <SignoffHistory engagementId={engagementId} items={history.data.items} />
        )}
      </details>
      {withdrawing && (
        <ConfirmDialog
          title={`Withdraw your ${withdrawing} sign-off?`}
          confirm="Withdraw"
          pending={withdraw.isPending}
          error={withdraw.error}
          onConfirm={() => withdraw.mutate(withdrawing)}
          onClose={() => {
            setWithdrawing(null)
            withdraw.reset()
          }}
        >
          {later.length > 0
            ? `The later sign-offs resting on it are cleared with it: ${later.join(', ')}.`
            : 'The sign-off stays in the history as cleared.'}
        </ConfirmDialog>
      )}
    </section>
  )
}

function SignoffHistory({ engagementId, items }: { engagementId: string; items: SignoffRead[] }) {
  const { nameOf } = useTeam(engagementId)
  return (
    <ol className="bn-list">
      {items.map((item) => (
        <li key={item.id} className={item.active ? undefined : 'bn-cleared'}>
          <strong>{humanize(item.step)}</strong> by {nameOf(item.user_id)}, {formatDateTime(item.signed_at)}, version {item.node_version}
          {item.active ? (
            <span className="badge badge-succeeded">active</span>
          ) : (
            <div className="muted small">
              Cleared {formatDateTime(item.cleared_at)}
              {item.cleared_by ? ` by ${nameOf(item.cleared_by)}` : ''}
              {item.cleared_reason ? `: ${item.cleared_reason}` : ''}
            </div>
          )}
        </li>
      ))}
    </ol>
  )
}
