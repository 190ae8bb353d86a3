import type { ComponentType } from 'react'
import { Navigate, Outlet, createBrowserRouter, useLocation, type RouteObject } from 'react-router'
import { useAuth } from './auth/AuthProvider'
import { Shell } from './layout/Shell'
import { SignIn } from './pages/SignIn'
import { EngagementList } from './pages/engagements/EngagementList'
import { Workspace } from './pages/engagements/Workspace'
import { Loading } from './ui/States'

type Module = Record<string, unknown>

/** A page loaded when first visited (its own chunk), so signing in downloads only what sign-in needs. */
function page(load: () => Promise<Module>, name: string) {
  return async () => ({ Component: (await load())[name] as ComponentType })
}

/** Pages behind sign-in: an expired or missing session goes to sign-in, remembering where it was. */
function RequireSession() {
  const { status } = useAuth()
  const location = useLocation()
  if (status === 'unknown') return <Loading label="Restoring your session…" />
  if (status !== 'signedIn') return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />
  return <Outlet />
}

function NotFound() {
  return (
    <div className="content">
      <h1>Not found</h1>
      <p>Nothing is at this address.</p>
    </div>
  )
}

export const routes: RouteObject[] = [
  { path: '/sign-in', element: <SignIn /> },
  { path: '/forgot-password', lazy: page(() => import('./pages/ForgotPassword'), 'ForgotPassword') },
  { path: '/reset-password', lazy: page(() => import('./pages/ResetPassword'), 'ResetPassword') },
  { path: '/accept-invitation', lazy: page(() => import('./pages/AcceptInvitation'), 'AcceptInvitation') },
  {
    element: <RequireSession />,
    children: [
      {
        element: <Shell />,
        children: [
          { index: true, lazy: page(() => import('./pages/home/Home'), 'Home') },
          { path: 'engagements', element: <EngagementList /> },
          { path: 'engagements/new', lazy: page(() => import('./pages/engagements/NewEngagement'), 'NewEngagement') },
          {
            path: 'engagements/:engagementId',
            element: <Workspace />,
            children: [
              { index: true, lazy: page(() => import('./pages/engagements/Overview'), 'Overview') },
              { path: 'data', lazy: page(() => import('./pages/data/DataPage'), 'DataPage') },
              { path: 'ledger', lazy: page(() => import('./pages/data/Ledger'), 'Ledger') },
              { path: 'trial-balance', lazy: page(() => import('./pages/data/TrialBalance'), 'TrialBalance') },
              { path: 'je-tests', lazy: page(() => import('./pages/je/JeSummary'), 'JeSummary') },
              { path: 'je-tests/:runId', lazy: page(() => import('./pages/je/JeSummary'), 'JeSummary') },
              { path: 'je-tests/:runId/tests/:code', lazy: page(() => import('./pages/je/JeTestLines'), 'JeTestLines') },
              { path: 'je-tests/:runId/journals', lazy: page(() => import('./pages/je/JeJournals'), 'JeJournals') },
              { path: 'je-tests/:runId/journals/:journalId', lazy: page(() => import('./pages/je/JournalTests'), 'JeJournal') },
              { path: 'benford', lazy: page(() => import('./pages/je/Benford'), 'Benford') },
              { path: 'binder', lazy: page(() => import('./pages/binder/Binder'), 'Binder') },
              { path: 'binder/:nodeId', lazy: page(() => import('./pages/binder/Binder'), 'Binder') },
              { path: 'review-notes', lazy: page(() => import('./pages/binder/ReviewNotes'), 'ReviewNotes') },
              { path: 'evidence', lazy: page(() => import('./pages/binder/Evidence'), 'Evidence') },
              { path: 'materiality', lazy: page(() => import('./pages/planning/Materiality'), 'Materiality') },
              { path: 'risks', lazy: page(() => import('./pages/planning/Risks'), 'Risks') },
              { path: 'mapping', lazy: page(() => import('./pages/mapping/MappingPage'), 'MappingPage') },
              { path: 'adjustments', lazy: page(() => import('./pages/mapping/Adjustments'), 'Adjustments') },
              { path: 'lead-sheets', lazy: page(() => import('./pages/mapping/LeadSheets'), 'LeadSheets') },
              { path: 'statements', lazy: page(() => import('./pages/mapping/Statements'), 'Statements') },
              { path: 'analysis', lazy: page(() => import('./pages/analysis/AnalysisPage'), 'AnalysisPage') },
              { path: 'sampling', lazy: page(() => import('./pages/sampling/Sampling'), 'Sampling') },
              { path: 'sampling/:sampleId', lazy: page(() => import('./pages/sampling/SampleDetail'), 'SampleDetail') },
              { path: 'qc', lazy: page(() => import('./pages/qc/QcPage'), 'QcPage') },
              { path: 'report', lazy: page(() => import('./pages/report/ReportPage'), 'ReportPage') },
              { path: 'requests', lazy: page(() => import('./pages/requests/Requests'), 'Requests') },
              { path: 'program', lazy: page(() => import('./pages/fieldwork/Program'), 'Program') },
              { path: 'confirmations', lazy: page(() => import('./pages/fieldwork/Confirmations'), 'Confirmations') },
              { path: 'cutoff', lazy: page(() => import('./pages/fieldwork/Cutoff'), 'Cutoff') },
              { path: 'subsequent-events', lazy: page(() => import('./pages/fieldwork/SubsequentEvents'), 'SubsequentEvents') },
              { path: 'related-parties', lazy: page(() => import('./pages/fieldwork/RelatedParties'), 'RelatedParties') },
              { path: 'estimates', lazy: page(() => import('./pages/fieldwork/Estimates'), 'Estimates') },
              { path: 'disclosures', lazy: page(() => import('./pages/disclosures/Disclosures'), 'Disclosures') },
              { path: 'assistant', lazy: page(() => import('./pages/assistant/Assistant'), 'Assistant') },
            ],
          },
          { path: 'requests', lazy: page(() => import('./pages/requests/MyRequests'), 'MyRequests') },
          { path: 'clients', lazy: page(() => import('./pages/engagements/Clients'), 'Clients') },
          { path: 'admin/users', lazy: page(() => import('./pages/admin/Users'), 'Users') },
          { path: 'admin/invitations', lazy: page(() => import('./pages/admin/Invitations'), 'Invitations') },
          { path: 'admin/audit-log', lazy: page(() => import('./pages/admin/AuditLog'), 'AuditLog') },
          { path: 'admin/firm', lazy: page(() => import('./pages/admin/FirmSettings'), 'FirmSettings') },
          { path: 'profile', lazy: page(() => import('./pages/profile/Profile'), 'Profile') },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
]

export const createRouter = () => createBrowserRouter(routes)
