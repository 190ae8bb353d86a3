import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatDate, formatDateTime } from '../../ui/format'
import { mayOn, useEngagement, type Engagement } from './context'
import './engagements.css'
import { EngagementProgress } from '../home/EngagementProgress'
import { Team } from './Team'
import { DueDateFact } from './DueDateEdit'
import {
  FRAMEWORK_LABELS,
  MIN_BACK_STEP_REASON,
  TEAM_ROLE_LABELS,
  TYPE_LABELS,
  label,
  nextSteps,
  type Status,
} from './vocab'
import { EngagementRequests } from '../requests/RequestsCards'

type Member = components['schemas']['MemberRead']
type Activity = components['schemas']['ActivityRead']

/** The engagement's front page: its facts, where it is in the lifecycle, its team and what happened. */
export function Overview() {
  const { engagement } = useEngagement()
  const { isClientUser } = useAuth()
  const team = useQuery({
    queryKey: ['engagement', engagement.id, 'team'],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/team', { params: { path: { engagement_id: engagement.id } } })),
    enabled: !isClientUser,
  })
  const members = team.data?.members ?? []
  return (
    <div>
      <div className={isClientUser ? undefined : 'grid-2'}>
        <Facts engagement={engagement} />
        {!isClientUser && <Lifecycle engagement={engagement} />}
      </div>
      {!isClientUser && <EngagementRequests engagementId={engagement.id} />}
      {!isClientUser && (
        <>
          <EngagementProgress engagement={engagement} />
          <Team engagement={engagement} query={team} />
          <RecentActivity engagement={engagement} members={members} />
        </>
      )}
    </div>
  )
}

function Facts({ engagement }: { engagement: Engagement }) {
  const client = useQuery({
    queryKey: ['clients', engagement.client_id],
    queryFn: () => ok(api.GET('/api/clients/{client_id}', { params: { path: { client_id: engagement.client_id } } })),
  })
  return (
    <section className="panel" aria-labelledby="facts-heading">
      <h2 id="facts-heading" style={{ marginTop: 0 }}>
        Engagement
      </h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={engagement.status} />
          {engagement.locked && <span className="muted small"> · locked: nothing under it can change</span>}
        </dd>
        <dt>Client</dt>
        <dd>{client.data?.name ?? (client.isError ? <span className="muted">not available</span> : '…')}</dd>
        <dt>Name</dt>
        <dd>{engagement.name}</dd>
        <dt>Type</dt>
        <dd>{label(TYPE_LABELS, engagement.engagement_type)}</dd>
        <dt>Framework</dt>
        <dd>{label(FRAMEWORK_LABELS, engagement.framework)}</dd>
        <dt>Period</dt>
        <dd>
          {formatDate(engagement.period_start)} to {formatDate(engagement.period_end)}
        </dd>
        <dt>Report due</dt>
        <dd>
          <DueDateFact engagement={engagement} />
        </dd>
        {engagement.my_role && (
          <>
            <dt>My role</dt>
            <dd>{label(TEAM_ROLE_LABELS, engagement.my_role)}</dd>
          </>
        )}
        <dt>Opened</dt>
        <dd>{formatDateTime(engagement.created_at)}</dd>
        {engagement.finalized_at && (
          <>
            <dt>Finalized</dt>
            <dd>{formatDateTime(engagement.finalized_at)}</dd>
          </>
        )}
      </dl>
    </section>
  )
}

/** Reasons a refusal carries (the finalization gate's `reasons`), if any. */
function refusalReasons(error: unknown): string[] {
  if (!(error instanceof ApiError)) return []
  const reasons = error.problem.reasons
  return Array.isArray(reasons) ? reasons.map(String) : []
}

function Lifecycle({ engagement }: { engagement: Engagement }) {
  const { refresh } = useEngagement()
  const queryClient = useQueryClient()
  const [reason, setReason] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [moved, setMoved] = useState<string | null>(null)
  const steps = nextSteps(engagement.status)
  // Finalizing has one place: the bar above the tabs (FinalizePanel), which shows what is still missing.
  const finalizing = steps.forward === 'finalized'
  const forward = finalizing ? null : steps.forward
  const back = steps.back
  const can = mayOn(engagement)
  const mayUpdate = can('engagement.update')

  const move = useMutation({
    mutationFn: (to: Status) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/transitions', {
          params: { path: { engagement_id: engagement.id } },
          body: { to, reason: reason.trim() || null },
        }),
      ),
    onSuccess: (result) => {
      setMoved(`Moved from ${result.from_status} to ${result.to_status}.`)
      setReason('')
      queryClient.setQueryData(['engagement', engagement.id], result.engagement)
      void queryClient.invalidateQueries({ queryKey: ['engagements'] })
      void queryClient.invalidateQueries({ queryKey: ['engagement', engagement.id, 'activity'] })
      refresh()
    },
  })

  const go = (to: Status, isBack: boolean) => {
    setProblem(null)
    setMoved(null)
    move.reset()
    if (isBack && reason.trim().length < MIN_BACK_STEP_REASON) {
      setProblem(`A step back needs a reason of at least ${MIN_BACK_STEP_REASON} characters: say why the work goes back to ${to}.`)
      document.getElementById('transition-reason')?.focus()
      return
    }
    move.mutate(to)
  }

  const forwardDisabled = move.isPending || !mayUpdate
  const reasons = refusalReasons(move.error)

  return (
    <section className="panel" aria-labelledby="lifecycle-heading">
      <h2 id="lifecycle-heading" style={{ marginTop: 0 }}>
        Status
      </h2>
      <p>
        This engagement is in <StatusBadge status={engagement.status} />.{' '}
        {engagement.status === 'finalized' ? 'It is finalized and locked; nothing moves it further.' : null}
      </p>
      {finalizing && !engagement.locked && mayUpdate && (
        <p className="muted small">Finalize from the bar above the tabs: it shows whether the engagement is ready and what is still missing.</p>
      )}
      {(forward || back) && (
        <>
          <div className="transitions">
            {back && (
              <div className="reason-field">
                <label>
                  Reason
                  <input
                    id="transition-reason"
                    value={reason}
                    onChange={(e) => setReason(e.target.value)}
                    maxLength={2000}
                    aria-describedby="transition-reason-hint"
                  />
                </label>
                <span id="transition-reason-hint" className="hint">
                  Needed to go back a step (at least {MIN_BACK_STEP_REASON} characters); optional going forward.
                </span>
              </div>
            )}
            {forward && (
              <button type="button" className="primary" disabled={forwardDisabled} onClick={() => go(forward, false)}>
                Move to {forward}
              </button>
            )}
            {back && (
              <button type="button" disabled={move.isPending || !mayUpdate} onClick={() => go(back, true)}>
                Move to {back}
              </button>
            )}
          </div>
          {move.isPending && <div className="muted" role="status">Moving…</div>}
          {!mayUpdate && <div className="muted small">Your role on this engagement does not allow moving it.</div>}
        </>
      )}
      {problem && (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      <ErrorMessage error={move.error} title="The engagement was not moved" />
      {reasons.length > 0 && (
        <ul className="reasons" aria-label="Why it was refused">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      {moved && (
        <div className="success" role="status">
          {moved}
        </div>
      )}
    </section>
  )
}

/** An audit record as a sentence. */
function describe(item: Activity, nameOf: (id: string | null | undefined) => string): string {
  const d = item.data as Record<string, unknown>
  const text = (value: unknown) => (value === null || value === undefined ? '' : String(value))
  switch (item.action) {
    case 'engagement.created':
      return `Opened the engagement${d.name ? ` “${text(d.name)}”` : ''}`
    case 'engagement.status_changed':
      return `Moved it from ${text(d.from)} to ${text(d.to)}${d.reason ? `: “${text(d.reason)}”` : ''}`
    case 'engagement.updated': {
      const changes = d.changes && typeof d.changes === 'object' ? Object.keys(d.changes as object) : []
      return changes.length ? `Changed ${changes.map((c) => c.replace(/_/g, ' ')).join(', ')}` : 'Changed the engagement'
    }
    case 'engagement.member_added':
      return `Added ${nameOf(item.target_id)} to the team as ${label(TEAM_ROLE_LABELS, text(d.role)).toLowerCase()}`
    case 'engagement.member_role_changed':
      return `Made ${nameOf(item.target_id)} ${label(TEAM_ROLE_LABELS, text(d.to)).toLowerCase()} (was ${label(TEAM_ROLE_LABELS, text(d.from)).toLowerCase()})`
    case 'engagement.member_removed':
      return `Took ${nameOf(item.target_id)} off the team`
    default: {
      const [area, ...rest] = item.action.split('.')
      const what = rest.join(' ').replace(/_/g, ' ')
      return `${area.replace(/_/g, ' ')}: ${what}`.replace(/^./, (c) => c.toUpperCase())
    }
  }
}

function RecentActivity({ engagement, members }: { engagement: Engagement; members: Member[] }) {
  const activity = useQuery({
    queryKey: ['engagement', engagement.id, 'activity'],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/activity', {
          params: { path: { engagement_id: engagement.id }, query: { page: 1, page_size: 20 } },
        }),
      ),
  })
  const names = new Map(members.map((m) => [m.user_id, m.display_name || m.email]))
  const nameOf = (id: string | null | undefined) => (id ? (names.get(id) ?? 'a former team member') : 'someone')
  // The API names every actor (client users and former members included); the team list is a fallback.
  const actor = (item: { actor_id?: string | null; actor_name?: string | null }) =>
    item.actor_name || (item.actor_id ? (names.get(item.actor_id) ?? 'a former user') : 'The system')
  return (
    <section className="panel" aria-labelledby="activity-heading">
      <h2 id="activity-heading" style={{ marginTop: 0 }}>
        Recent activity
      </h2>
      {activity.isPending ? (
        <Loading label="Loading activity…" />
      ) : activity.isError ? (
        <ErrorMessage error={activity.error} title="The activity could not be loaded" />
      ) : activity.data.items.length === 0 ? (
        <div className="muted">Nothing has happened yet.</div>
      ) : (
        <>
          <ol className="activity" aria-label="Recent activity">
            {activity.data.items.map((item) => (
              <li key={item.id}>
                <time dateTime={item.occurred_at}>{formatDateTime(item.occurred_at)}</time>
                <span>
                  <strong>{actor(item)}</strong> · {describe(item, nameOf)}
                </span>
              </li>
            ))}
          </ol>
          {activity.data.total > activity.data.items.length && (
            <div className="muted small">
              The latest {activity.data.items.length} of {activity.data.total.toLocaleString('en-US')} events.
            </div>
          )}
        </>
      )}
    </section>
  )
}
