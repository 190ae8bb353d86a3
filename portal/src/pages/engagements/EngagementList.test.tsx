import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { EngagementList } from './EngagementList'

const page = <T,>(items: T[]) => ({ items, page: 1, page_size: 50, total: items.length })
const clients = page([
  { id: 'c-1', name: 'Acme Manufacturing', legal_name: null, industry: null, entity_type: 'non_issuer', fiscal_year_end: '12-31', contacts: [], created_at: '', updated_at: '' },
  { id: 'c-2', name: 'Beta Foods', legal_name: null, industry: null, entity_type: 'non_issuer', fiscal_year_end: '06-30', contacts: [], created_at: '', updated_at: '' },
])
const engagements = [
  makeEngagement({ id: 'e-1', name: 'FY2026 audit', status: 'fieldwork', client_id: 'c-1' }),
  makeEngagement({ id: 'e-2', name: 'FY2026 review', status: 'planning', client_id: 'c-2', engagement_type: 'review', my_role: null }),
  makeEngagement({ id: 'e-3', name: 'FY2025 audit', status: 'finalized', client_id: 'c-1' }),
]

function stub() {
  return mockApi({
    'GET /api/clients': { body: clients },
    'GET /api/engagements': (request) => {
      const status = new URL(request.url).searchParams.get('status')
      return { body: page(engagements.filter((e) => !status || e.status === status)) }
    },
  })
}

const bodyRows = () => screen.getAllByRole('row').slice(1)

describe('EngagementList', () => {
  it('lists engagements with their client names and filters by status through the API', async () => {
    const calls = stub()
    renderPage(<EngagementList />, { route: '/engagements' })
    expect(await screen.findByRole('cell', { name: 'FY2026 review' })).toBeInTheDocument()
    expect(bodyRows()).toHaveLength(3)
    expect(await screen.findAllByRole('cell', { name: 'Acme Manufacturing' })).toHaveLength(2)

    await userEvent.selectOptions(screen.getByLabelText('Status'), 'planning')
    await waitFor(() => expect(bodyRows()).toHaveLength(1))
    expect(within(bodyRows()[0]).getByText('FY2026 review')).toBeInTheDocument()
    expect(within(bodyRows()[0]).getByText('Beta Foods')).toBeInTheDocument()
    const last = calls.filter((c) => c.path === '/api/engagements').at(-1)!
    expect(last.search.get('status')).toBe('planning')
  })

  it('searches by name on the client side', async () => {
    stub()
    renderPage(<EngagementList />, { route: '/engagements' })
    await screen.findByRole('cell', { name: 'FY2025 audit' })
    await userEvent.type(screen.getByLabelText('Search'), '2025')
    expect(bodyRows()).toHaveLength(1)
    expect(screen.getByRole('cell', { name: 'FY2025 audit' })).toBeInTheDocument()
  })

  it('opens an engagement with Enter', async () => {
    stub()
    const { router } = renderPage(<EngagementList />, {
      route: '/engagements',
      extraRoutes: [{ path: '/engagements/:engagementId', element: <p>workspace</p> }],
    })
    await screen.findByRole('cell', { name: 'FY2026 audit' })
    const row = bodyRows()[0]
    row.focus()
    await userEvent.keyboard('{ArrowDown}{Enter}')
    expect(router.state.location.pathname).toBe('/engagements/e-2')
    expect(await screen.findByText('workspace')).toBeInTheDocument()
  })

  it('offers "New engagement" only to those who may create one', async () => {
    stub()
    renderPage(<EngagementList />, { route: '/engagements' })
    expect(await screen.findByRole('link', { name: 'New engagement' })).toHaveAttribute('href', '/engagements/new')
  })

  it('shows client users the list without the create link', async () => {
    stub()
    renderPage(<EngagementList />, { route: '/engagements', me: makeMe({ roles: ['client_user'], permissions: ['client_portal', 'data.upload'] }) })
    await screen.findByRole('cell', { name: 'FY2026 audit' })
    expect(screen.queryByRole('link', { name: 'New engagement' })).not.toBeInTheDocument()
  })

  it('shows the API error', async () => {
    mockApi({
      'GET /api/clients': { body: clients },
      'GET /api/engagements': { status: 403, body: { type: 'x', title: 'Forbidden', status: 403, detail: 'Your role does not allow this', code: 'forbidden' } },
    })
    renderPage(<EngagementList />, { route: '/engagements' })
    expect(await screen.findByRole('alert')).toHaveTextContent('Your role does not allow this')
  })
})
