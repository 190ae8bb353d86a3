import { useQuery } from '@tanstack/react-query'
import { NavLink, Outlet, useParams } from 'react-router'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatDate } from '../../ui/format'
import type { EngagementContext } from './context'
import { FinalizePanel } from './FinalizePanel'

/** One engagement: its header and tabs; each tab is a child route. */
export function Workspace() {
  const { engagementId = '' } = useParams()
  const { isClientUser } = useAuth()
  const query = useQuery({
    queryKey: ['engagement', engagementId],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}', { params: { path: { engagement_id: engagementId } } })),
  })
  if (query.isPending) return <Loading />
  if (query.isError) return <ErrorMessage error={query.error} title="This engagement cannot be shown" />
  const engagement = query.data
  const context: EngagementContext = { engagement, refresh: () => void query.refetch() }
  // Client contacts upload the data asked of them; the rest of the file (and evidence) is the firm's.
  const tabs = isClientUser
    ? [
        ['', 'Overview'],
        ['data', 'Data'],
        ['requests', 'Requests'],
        ['assistant', 'Ask'],
      ]
    : [
        ['', 'Overview'],
        ['data', 'Data'],
        ['ledger', 'Ledger'],
        ['materiality', 'Materiality'],
        ['risks', 'Risks'],
        ['mapping', 'Mapping'],
        ['adjustments', 'Adjustments'],
        ['lead-sheets', 'Lead sheets'],
        ['statements', 'Statements'],
        ['analysis', 'Analysis'],
        ['sampling', 'Sampling'],
        ['je-tests', 'JE testing'],
        ['benford', 'Benford'],
        ['binder', 'Binder'],
        ['review-notes', 'Review notes'],
        ['evidence', 'Evidence'],
        ['program', 'Program'],
        ['disclosures', 'Disclosures'],
        ['assistant', 'Ask'],
        ['qc', 'QC'],
        ['report', 'Report'],
        ['requests', 'Requests'],
      ]
  return (
    <div className="workspace">
      <div className="workspace-header">
        <div>
          <h1>{engagement.name}</h1>
          <div className="muted">
            {engagement.engagement_type} · {formatDate(engagement.period_start)} to{' '}
            {formatDate(engagement.period_end)} · {engagement.framework}
          </div>
        </div>
        <StatusBadge status={engagement.status} />
      </div>
      <FinalizePanel engagement={engagement} onFinalized={context.refresh} />
      <nav className="tabs" aria-label="Engagement">
        {tabs.map(([path, label]) => (
          <NavLink key={path} to={path} end={path === ''}>
            {label}
          </NavLink>
        ))}
      </nav>
      <Outlet context={context} />
    </div>
  )
}
