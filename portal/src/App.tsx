import { Navigate, Outlet, createBrowserRouter, useLocation, type RouteObject } from 'react-router'
import { useAuth } from './auth/AuthProvider'
import { Shell } from './layout/Shell'
import { AcceptInvitation } from './pages/AcceptInvitation'
import { ForgotPassword } from './pages/ForgotPassword'
import { ResetPassword } from './pages/ResetPassword'
import { SignIn } from './pages/SignIn'
import { Invitations } from './pages/admin/Invitations'
import { Users } from './pages/admin/Users'
import { Binder } from './pages/binder/Binder'
import { Evidence } from './pages/binder/Evidence'
import { ReviewNotes } from './pages/binder/ReviewNotes'
import { DataPage } from './pages/data/DataPage'
import { Clients } from './pages/engagements/Clients'
import { EngagementList } from './pages/engagements/EngagementList'
import { NewEngagement } from './pages/engagements/NewEngagement'
import { Overview } from './pages/engagements/Overview'
import { Workspace } from './pages/engagements/Workspace'
import { Benford } from './pages/je/Benford'
import { JeJournals } from './pages/je/JeJournals'
import { JeSummary } from './pages/je/JeSummary'
import { JeTestLines } from './pages/je/JeTestLines'
import { Loading } from './ui/States'

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
  { path: '/forgot-password', element: <ForgotPassword /> },
  { path: '/reset-password', element: <ResetPassword /> },
  { path: '/accept-invitation', element: <AcceptInvitation /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <Shell />,
        children: [
          { index: true, element: <Navigate to="/engagements" replace /> },
          { path: 'engagements', element: <EngagementList /> },
          { path: 'engagements/new', element: <NewEngagement /> },
          {
            path: 'engagements/:engagementId',
            element: <Workspace />,
            children: [
              { index: true, element: <Overview /> },
              { path: 'data', element: <DataPage /> },
              { path: 'je-tests', element: <JeSummary /> },
              { path: 'je-tests/:runId', element: <JeSummary /> },
              { path: 'je-tests/:runId/tests/:code', element: <JeTestLines /> },
              { path: 'je-tests/:runId/journals', element: <JeJournals /> },
              { path: 'benford', element: <Benford /> },
              { path: 'binder', element: <Binder /> },
              { path: 'binder/:nodeId', element: <Binder /> },
              { path: 'review-notes', element: <ReviewNotes /> },
              { path: 'evidence', element: <Evidence /> },
            ],
          },
          { path: 'clients', element: <Clients /> },
          { path: 'admin/users', element: <Users /> },
          { path: 'admin/invitations', element: <Invitations /> },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
]

export const createRouter = () => createBrowserRouter(routes)
