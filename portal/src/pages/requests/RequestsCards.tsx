/** The PBC counts dashboards show: the home's (across my engagements) and an engagement overview's. */
import { useQuery } from '@tanstack/react-query'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { Loading } from '../../ui/States'
import { RequestCounts, requestKeys } from './RequestParts'

/** Home: overdue requests and submissions waiting for acceptance across the engagements I am on (mine, as a client). */
export function HomeRequests() {
  const { isClientUser } = useAuth()
  const summary = useQuery({
    queryKey: [...requestKeys.all, 'mine-summary', true],
    queryFn: () => ok(api.GET('/api/requests/summary', { params: { query: { mine: true } } })),
  })
  return (
    <section className="panel" aria-labelledby="home-requests">
      <h2 id="home-requests" style={{ marginTop: 0 }}>
        {isClientUser ? 'What your auditors asked you for' : 'Requests (PBC list)'}
      </h2>
      {summary.isPending ? (
        <Loading label="Counting the requests…" />
      ) : summary.isError ? (
        // Not an alert: a dashboard's side panel must not shout over the page's own errors.
        <div className="muted small">The requests cannot be counted just now.</div>
      ) : (
        <RequestCounts summary={summary.data} to={isClientUser ? '/requests' : '/requests?status=submitted'} />
      )}
    </section>
  )
}

/** An engagement's overview: the same counts for this engagement, with the way to its Requests tab. */
export function EngagementRequests({ engagementId }: { engagementId: string }) {
  const summary = useQuery({
    queryKey: [...requestKeys.engagement(engagementId), 'summary'],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/requests/summary', { params: { path: { engagement_id: engagementId } } })),
  })
  return (
    <section className="panel" aria-labelledby="engagement-requests">
      <h2 id="engagement-requests" style={{ marginTop: 0 }}>
        Requests (PBC list)
      </h2>
      {summary.isPending ? (
        <Loading label="Counting the requests…" />
      ) : summary.isError ? (
        // Not an alert: a dashboard's side panel must not shout over the page's own errors.
        <div className="muted small">The requests cannot be counted just now.</div>
      ) : (
        <RequestCounts summary={summary.data} to={`/engagements/${engagementId}/requests`} />
      )}
    </section>
  )
}
