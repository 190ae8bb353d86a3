import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen } from '@testing-library/react'
import { RouterProvider, createMemoryRouter } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import { routes } from './App'
import { AuthContext, type AuthValue } from './auth/AuthProvider'
import { makeEngagement, makeMe, mockApi } from './test/render'

function renderApp(path: string, status: AuthValue['status']) {
  const me = makeMe()
  const auth: AuthValue = {
    status,
    me: status === 'signedIn' ? me : undefined,
    can: (permission) => me.permissions.includes(permission),
    isClientUser: false,
    signIn: vi.fn(),
    signOut: vi.fn(),
  }
  const router = createMemoryRouter(routes, { initialEntries: [path] })
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <AuthContext.Provider value={auth}>
        <RouterProvider router={router} />
      </AuthContext.Provider>
    </QueryClientProvider>,
  )
  return router
}

describe('the routes', () => {
  it('send a visitor without a session to sign-in, remembering the page asked for', async () => {
    const router = renderApp('/engagements/e-1/je-tests', 'signedOut')
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/sign-in')
    expect(router.state.location.state).toEqual({ from: '/engagements/e-1/je-tests' })
  })

  it('load a workspace tab on first visit, inside the engagement', async () => {
    mockApi({
      'GET /api/engagements/e-1': { body: makeEngagement() },
      'GET /api/engagements/e-1/je-tests': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'No run yet', code: 'not_found' } },
      'GET /api/engagements/e-1/je-tests/runs': { body: { items: [], page: 1, page_size: 100, total: 0 } },
      'GET /api/engagements/e-1/je-tests/exceptions': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'No run yet', code: 'not_found' } },
    })
    renderApp('/engagements/e-1/je-tests', 'signedIn')
    expect(await screen.findByRole('heading', { name: 'FY2026 audit' })).toBeInTheDocument()
    expect(await screen.findByRole('heading', { name: 'Journal-entry tests' }, { timeout: 5000 })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'JE testing' })).toHaveClass('active')
  })

  it('say so for an address that leads nowhere', async () => {
    renderApp('/no/such/page', 'signedIn')
    expect(await screen.findByRole('heading', { name: 'Not found' })).toBeInTheDocument()
  })
})
