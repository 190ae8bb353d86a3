import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { NewEngagement } from './NewEngagement'

const client = (id: string, name: string) => ({
  id, name, legal_name: null, industry: null, entity_type: 'non_issuer', fiscal_year_end: '12-31', contacts: [], created_at: '', updated_at: '',
})
const clients = { items: [client('c-1', 'Acme Manufacturing')], page: 1, page_size: 500, total: 1 }
const workspace = [{ path: '/engagements/:engagementId', element: <p>workspace</p> }]

async function fill(name = 'FY2026 audit', start = '2026-01-01', end = '2026-12-31') {
  await userEvent.type(screen.getByLabelText('Name'), name)
  await userEvent.selectOptions(screen.getByLabelText('Type'), 'review')
  await userEvent.selectOptions(screen.getByLabelText('Framework'), 'ifrs')
  await userEvent.type(screen.getByLabelText('Period start'), start)
  await userEvent.type(screen.getByLabelText('Period end'), end)
}

describe('NewEngagement', () => {
  it('creates the engagement for a chosen client and opens it', async () => {
    const calls = mockApi({
      'GET /api/clients': { body: clients },
      'POST /api/engagements': { status: 201, body: makeEngagement({ id: 'e-9' }) },
    })
    const { router } = renderPage(<NewEngagement />, { route: '/engagements/new', extraRoutes: workspace })
    await screen.findByRole('option', { name: 'Acme Manufacturing' })
    await userEvent.selectOptions(screen.getByLabelText('Client'), 'c-1')
    await fill()
    await userEvent.click(screen.getByRole('button', { name: 'Create engagement' }))
    expect(await screen.findByText('workspace')).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/engagements/e-9')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      client_id: 'c-1', name: 'FY2026 audit', engagement_type: 'review', period_start: '2026-01-01', period_end: '2026-12-31', framework: 'ifrs',
      due_date: null,
    })
  })

  it('sends the report due date when one is given, and refuses one before the period end', async () => {
    const calls = mockApi({
      'GET /api/clients': { body: clients },
      'POST /api/engagements': { status: 201, body: makeEngagement({ id: 'e-9', due_date: '2027-03-31' }) },
    })
    renderPage(<NewEngagement />, { route: '/engagements/new', extraRoutes: workspace })
    await screen.findByRole('option', { name: 'Acme Manufacturing' })
    await userEvent.selectOptions(screen.getByLabelText('Client'), 'c-1')
    await fill()
    await userEvent.type(screen.getByLabelText('Report due'), '2026-12-30')
    await userEvent.click(screen.getByRole('button', { name: 'Create engagement' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The report cannot be due before the period ends.')
    expect(calls.filter((c) => c.method === 'POST')).toEqual([])
    await userEvent.clear(screen.getByLabelText('Report due'))
    await userEvent.type(screen.getByLabelText('Report due'), '2027-03-31')
    await userEvent.click(screen.getByRole('button', { name: 'Create engagement' }))
    expect(await screen.findByText('workspace')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ period_end: '2026-12-31', due_date: '2027-03-31' })
  })

  it('adds a new client first, then the engagement for it', async () => {
    const calls = mockApi({
      'GET /api/clients': { body: clients },
      'POST /api/clients': { status: 201, body: client('c-new', 'Gamma Logistics') },
      'POST /api/engagements': { status: 201, body: makeEngagement({ id: 'e-10', client_id: 'c-new' }) },
    })
    const { router } = renderPage(<NewEngagement />, { route: '/engagements/new', extraRoutes: workspace })
    await screen.findByRole('option', { name: 'Acme Manufacturing' })
    await userEvent.click(screen.getByRole('button', { name: 'New client' }))
    await userEvent.type(screen.getByLabelText('Client name'), 'Gamma Logistics')
    await fill('FY2026 audit', '2025-07-01', '2026-06-30')
    await userEvent.click(screen.getByRole('button', { name: 'Create engagement' }))
    expect(await screen.findByText('workspace')).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/engagements/e-10')
    const posts = calls.filter((c) => c.method === 'POST')
    expect(posts.map((c) => c.path)).toEqual(['/api/clients', '/api/engagements'])
    expect(posts[0].body).toMatchObject({ name: 'Gamma Logistics', fiscal_year_end: '06-30' })
    expect(posts[1].body).toMatchObject({ client_id: 'c-new', period_start: '2025-07-01', period_end: '2026-06-30' })
  })

  it('refuses a period that ends before it starts without asking the API', async () => {
    const calls = mockApi({ 'GET /api/clients': { body: clients } })
    renderPage(<NewEngagement />, { route: '/engagements/new' })
    await screen.findByRole('option', { name: 'Acme Manufacturing' })
    await userEvent.selectOptions(screen.getByLabelText('Client'), 'c-1')
    await fill('FY2026 audit', '2026-12-31', '2026-01-01')
    await userEvent.click(screen.getByRole('button', { name: 'Create engagement' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The period must end after it starts.')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
  })

  it('shows the API’s refusal with its field errors', async () => {
    mockApi({
      'GET /api/clients': { body: clients },
      'POST /api/engagements': {
        status: 400,
        body: {
          type: 'x', title: 'Bad Request', status: 400, detail: 'The client does not exist', code: 'validation_failed',
          errors: [{ loc: ['body', 'client_id'], msg: 'no client c-1', type: 'not_found' }],
        },
      },
    })
    renderPage(<NewEngagement />, { route: '/engagements/new' })
    await screen.findByRole('option', { name: 'Acme Manufacturing' })
    await userEvent.selectOptions(screen.getByLabelText('Client'), 'c-1')
    await fill()
    await userEvent.click(screen.getByRole('button', { name: 'Create engagement' }))
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('The client does not exist')
    expect(alert).toHaveTextContent('client_id: no client c-1')
  })
})
