import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { Home } from './Home'

const page = (items: unknown[]) => ({ body: { items, page: 1, page_size: 100, total: items.length } })

function stub(extra: Record<string, unknown> = {}) {
  return mockApi({
    'GET /api/engagements': page([
      makeEngagement({ id: 'e-1', name: 'Northwind FY2026', status: 'fieldwork' }),
      makeEngagement({ id: 'e-2', name: 'Someone else’s audit', my_role: null }),
    ]),
    // The one call behind every figure and task (no call per engagement).
    'GET /api/engagements/summary': {
      body: {
        truncated: false,
        items: [
          {
            engagement_id: 'e-1', name: 'Northwind FY2026', status: 'fieldwork', locked: false, my_role: 'manager',
            workpapers_total: 2, workpapers_signed: 1, open_review_notes: 4, unresolved_je_exceptions: 5, je_run_id: 'r',
            loaded_kinds: ['general_ledger'], awaiting_acceptance: 1, materiality_set: false,
          },
        ],
        notes_assigned_to_me: [
          { engagement_id: 'e-1', engagement_name: 'Northwind FY2026', note_id: 'n-1', node_id: 'w-1', node_index_code: 'C-1', node_title: 'Cash lead', body: 'Agree to the bank letter' },
        ],
        waiting_for_my_signoff: [
          { engagement_id: 'e-1', engagement_name: 'Northwind FY2026', node_id: 'w-1', index_code: 'C-1', title: 'Cash lead', step: 'review' },
        ],
        submissions_to_accept: [
          { engagement_id: 'e-1', engagement_name: 'Northwind FY2026', dataset_id: 'd-2', kind: 'trial_balance', filename: 'tb.csv' },
          { engagement_id: 'e-9', engagement_name: 'Not shown', dataset_id: 'd-9', kind: 'trial_balance', filename: 'other.csv' },
        ],
      },
    },
    ...extra,
  } as never)
}

describe('Home', () => {
  it('shows my engagements with their progress and my tasks', async () => {
    const calls = stub()
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
    const submissions = screen.getByRole('list', { name: 'Client submissions waiting for acceptance' })
    expect(within(submissions).getAllByRole('link').map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['Accept or return the client\'s trial balance “tb.csv”', '/engagements/e-1/data'],
    ])
    // One call for the figures of every engagement, none per engagement.
    expect(calls.filter((c) => c.path === '/api/engagements/summary')).toHaveLength(1)
    expect(calls.filter((c) => c.path.startsWith('/api/engagements/e-'))).toEqual([])
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
