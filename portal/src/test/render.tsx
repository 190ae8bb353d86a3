/**
 * Test helpers: render a page inside the app's providers with a signed-in user, and answer its API
 * calls from a table of canned responses (the real typed client and fetch path are exercised).
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { ReactElement } from 'react'
import { Outlet, RouterProvider, createMemoryRouter, type RouteObject } from 'react-router'
import { vi } from 'vitest'
import { AuthContext, type AuthValue, type Me } from '../auth/AuthProvider'
import type { Engagement } from '../pages/engagements/context'

export const FIRM_PERMISSIONS = [
  'engagement.read', 'engagement.read_all', 'engagement.create', 'engagement.update', 'engagement.finalize',
  'client.manage', 'data.upload', 'analytics.run', 'workpaper.prepare', 'workpaper.review', 'workpaper.approve',
  'review_note.write', 'users.read', 'users.manage', 'firm.settings', 'audit_log.read',
]

export function makeMe(overrides: { roles?: string[]; permissions?: string[] } = {}): Me {
  return {
    user: { id: 'u-1', email: 'manager@firm.example', display_name: 'Mia Manager' } as Me['user'],
    firm: { id: 'f-1', name: 'Test Firm LLP', status: 'active', created_at: '2026-01-01T00:00:00Z' },
    roles: overrides.roles ?? ['manager'],
    permissions: overrides.permissions ?? FIRM_PERMISSIONS,
  }
}

// What the API answers in my_permissions for a member of each team role (canned answers for these tests,
// as shared/auth/permissions.py grants them), and for anyone once the engagement is finalized.
const LEAD = [
  'engagement.read', 'engagement.create', 'engagement.update', 'client.manage', 'data.upload', 'analytics.run',
  'workpaper.prepare', 'workpaper.review', 'workpaper.approve', 'binder.structure', 'review_note.write', 'qc.run',
  'qc.waive', 'users.read', 'program.manage',
]
export const TEAM_PERMISSIONS: Record<string, string[]> = {
  partner: [...LEAD, 'engagement.finalize', 'engagement.read_all', 'report.sign', 'audit_log.read'],
  manager: LEAD,
  senior: ['engagement.read', 'engagement.create', 'engagement.update', 'data.upload', 'analytics.run', 'workpaper.prepare', 'workpaper.review', 'review_note.write', 'users.read'],
  staff: ['engagement.read', 'workpaper.prepare', 'data.upload', 'users.read'],
  qc_reviewer: ['engagement.read', 'engagement.read_all', 'qc.run', 'qc.waive', 'audit_log.read', 'users.read'],
}
const LOCKED_PERMISSIONS = ['engagement.read', 'users.read']

export function makeEngagement(overrides: Partial<Engagement> = {}): Engagement {
  const role = overrides.my_role === undefined ? 'manager' : overrides.my_role
  const permissions = overrides.locked ? LOCKED_PERMISSIONS : role ? TEAM_PERMISSIONS[role] : TEAM_PERMISSIONS.partner
  return {
    id: 'e-1', client_id: 'c-1', name: 'FY2026 audit', engagement_type: 'audit', framework: 'us_gaap',
    period_start: '2026-01-01', period_end: '2026-12-31', status: 'fieldwork', locked: false, my_role: 'manager',
    created_at: '2026-01-02T00:00:00Z', created_by: 'u-1', updated_at: '2026-01-02T00:00:00Z', finalized_at: null,
    my_permissions: permissions,
    ...overrides,
  } as Engagement
}

type Answer = { status?: number; body?: unknown; headers?: Record<string, string> }
type Handler = Answer | ((request: Request) => Answer | Promise<Answer>)
export interface RecordedCall {
  method: string
  path: string
  search: URLSearchParams
  body: unknown
}

/**
 * Stub `fetch`: keys are "METHOD /path" (query string ignored; a handler function sees the Request).
 * Unknown calls answer 404 with a problem document so a missing stub is visible in the page.
 */
export function mockApi(table: Record<string, Handler>): RecordedCall[] {
  const calls: RecordedCall[] = []
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init)
    const url = new URL(request.url, 'http://localhost')
    const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.clone().text()
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      /* raw body */
    }
    calls.push({ method: request.method, path: url.pathname, search: url.searchParams, body })
    const handler = table[`${request.method} ${url.pathname}`]
    if (!handler) {
      return new Response(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: `no stub for ${request.method} ${url.pathname}`, code: 'not_found' }), {
        status: 404,
        headers: { 'Content-Type': 'application/problem+json' },
      })
    }
    const answer = typeof handler === 'function' ? await handler(request) : handler
    const status = answer.status ?? 200
    const isProblem = status >= 400
    return new Response(status === 204 || status === 304 ? null : JSON.stringify(answer.body ?? {}), {
      status,
      headers: { 'Content-Type': isProblem ? 'application/problem+json' : 'application/json', ...answer.headers },
    })
  })
  return calls
}

interface Options {
  /** The URL the page starts at. */
  path?: string
  /** The route pattern the page is mounted at (for useParams). */
  route?: string
  me?: Me
  /** The session's state (default: signed in). */
  status?: AuthValue['status']
  /** Mount the page inside an engagement workspace (useEngagement). */
  engagement?: Engagement
  /** History state of the first entry (e.g. where sign-in returns to). */
  state?: unknown
  /** Other routes, to check where the page navigates. */
  extraRoutes?: RouteObject[]
}

export function renderPage(page: ReactElement, options: Options = {}) {
  const me = options.me ?? makeMe()
  const permissions = new Set(me.permissions)
  const auth: AuthValue = {
    status: options.status ?? 'signedIn',
    me,
    can: (permission) => permissions.has(permission),
    isClientUser: me.roles.some((role) => role.startsWith('client_')),
    signIn: vi.fn(async () => undefined),
    signOut: vi.fn(async () => undefined),
  }
  const route = options.route ?? '/'
  const refresh = vi.fn()
  const routes: RouteObject[] = options.engagement
    ? [
        {
          path: '/engagements/:engagementId',
          element: <Outlet context={{ engagement: options.engagement, refresh }} />,
          children: [{ path: route.replace(/^\/engagements\/:engagementId\/?/, '') || undefined, index: route === '/engagements/:engagementId', element: page } as RouteObject],
        },
        ...(options.extraRoutes ?? []),
      ]
    : [{ path: route, element: page }, ...(options.extraRoutes ?? [])]
  const start = options.path ?? route
  const router = createMemoryRouter(routes, { initialEntries: [options.state ? { pathname: start, state: options.state } : start] })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })
  const result = render(
    <QueryClientProvider client={queryClient}>
      <AuthContext.Provider value={auth}>
        <RouterProvider router={router} />
      </AuthContext.Provider>
    </QueryClientProvider>,
  )
  return { ...result, router, auth, refresh, queryClient }
}
