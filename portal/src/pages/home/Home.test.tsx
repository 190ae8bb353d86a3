import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { Home } from './Home'

const sig = (user_id: string) => ({ user_id, display_name: user_id, signed_at: '2026-02-01T00:00:00Z', node_version: 1 })
const page = (items: unknown[]) => ({ body: { items, page: 1, page_size: 100, total: items.length } })

function stub(extra: Record<string, unknown> = {}) {
  return mockApi({
    'GET /api/engagements': page([
      makeEngagement({ id: 'e-1', name: 'Northwind FY2026', status: 'fieldwork' }),
      makeEngagement({ id: 'e-2', name: 'Someone else’s audit', my_role: null }),
    ]),
    'GET /api/engagements/e-1/binder': {
      body: { engagement_id: 'e-1', nodes: [
        { id: 'w-1', kind: 'workpaper', index_code: 'C-1', title: 'Cash lead', signoffs: { prepared: sig('u-2'), reviewed: null, approved: null }, children: [] },
        { id: 'w-2', kind: 'workpaper', index_code: 'C-2', title: 'Bank rec', signoffs: { prepared: sig('u-2'), reviewed: sig('u-3'), approved: sig('u-4') }, children: [] },
      ] },
    },
    'GET /api/engagements/e-1/review-notes': (request: Request) =>
      new URL(request.url).searchParams.get('assignee_id') === 'u-1'
        ? page([{ id: 'n-1', node_index_code: 'C-1', node_title: 'Cash lead', body: 'Agree to the bank letter', status: 'open' }])
        : { body: { items: [], page: 1, page_size: 1, total: 4 } },
    'GET /api/engagements/e-1/je-tests/exceptions': { body: { unresolved: 5, flagged_journals: 12, by_status: {}, exceptions: [], run_id: 'r', dataset_id: 'd', dataset_version: 1 } },
    'GET /api/engagements/e-1/datasets': page([{ id: 'd-1', kind: 'general_ledger', status: 'succeeded', current: true, needs_acceptance: false, filename: 'gl.csv' }]),
    'GET /api/engagements/e-1/materiality': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'none', code: 'no_materiality' } },
    ...extra,
  } as never)
}

describe('Home', () => {
  it('shows my engagements with their progress and my tasks', async () => {
    stub()
    const { router } = renderPage(<Home />, { route: '/', extraRoutes: [{ path: '/engagements/:id', element: <h1>Opened</h1> }] })
    const row = (await screen.findByRole('cell', { name: 'Northwind FY2026' })).closest('tr')!
    expect(screen.getByRole('link', { name: 'New engagement' })).toHaveAttribute('href', '/engagements/new')
    expect(screen.queryByRole('cell', { name: 'Someone else’s audit' })).not.toBeInTheDocument()
    expect(await within(row).findByText('1 / 2')).toBeInTheDocument()
    expect(within(row).getByText('4')).toBeInTheDocument()
    expect(within(row).getByText('5')).toBeInTheDocument()
    expect(within(row).getByText('general ledger')).toBeInTheDocument()
    const notes = await screen.findByRole('list', { name: 'Review notes assigned to me' })
    expect(within(notes).getByRole('link', { name: /Agree to the bank letter/ })).toHaveAttribute('href', '/engagements/e-1/review-notes')
    const signoffs = screen.getByRole('list', { name: 'Waiting for my sign-off' })
    expect(within(signoffs).getByRole('link', { name: 'Review C-1 Cash lead' })).toHaveAttribute('href', '/engagements/e-1/binder/w-1')
    await userEvent.click(screen.getByLabelText('Only open engagements whose team I am on'))
    expect(await screen.findByRole('cell', { name: 'Someone else’s audit' })).toBeInTheDocument()
    await userEvent.click(row)
    expect(router.state.location.pathname).toBe('/engagements/e-1')
  })

  it('shows the API’s message when the engagements cannot be loaded', async () => {
    stub({ 'GET /api/engagements': { status: 503, body: { type: 'x', title: 'Unavailable', status: 503, detail: 'The database is not answering', code: 'unavailable' } } })
    renderPage(<Home />, { route: '/' })
    expect(await screen.findByRole('alert')).toHaveTextContent('The database is not answering')
  })

  it('shows a client contact their engagements and status only', async () => {
    const calls = stub({ 'GET /api/requests/summary': { body: { total: 3, open: 2, overdue: 1, submitted: 1, accepted: 0 } } })
    renderPage(<Home />, { route: '/', me: makeMe({ roles: ['client_user'], permissions: ['client_portal', 'data.upload'] }) })
    expect(await screen.findByRole('cell', { name: 'Northwind FY2026' })).toBeInTheDocument()
    expect(screen.queryByRole('heading', { name: 'My tasks' })).not.toBeInTheDocument()
    expect(screen.queryByRole('link', { name: 'New engagement' })).not.toBeInTheDocument()
    // What the auditors asked of them: their own requests' counts, and the way to the list.
    expect(await screen.findByTestId('requests-overdue')).toHaveTextContent('1Overdue client requests')
    expect(screen.getByRole('link', { name: 'Open the requests' })).toHaveAttribute('href', '/requests')
    expect(calls.map((c) => c.path).sort()).toEqual(['/api/engagements', '/api/requests/summary'])
    expect(calls.find((c) => c.path === '/api/requests/summary')?.search.get('mine')).toBe('true')
  })
})
