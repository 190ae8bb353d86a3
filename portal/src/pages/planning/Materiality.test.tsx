import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { materiality } from './fixtures'
import { Materiality } from './Materiality'

const ROUTE = '/engagements/:engagementId/materiality'
const PATH = '/engagements/e-1/materiality'
const none = { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'No materiality has been determined for this engagement', code: 'no_materiality' } }
const page = (items: unknown[]) => ({ body: { items, page: 1, page_size: 100, total: items.length } })

describe('Materiality', () => {
  it('says materiality is not set, then saves a first version and shows its figures', async () => {
    let saved = false
    const calls = mockApi({
      'GET /api/engagements/e-1/materiality': () => (saved ? { body: materiality({ version: 1 }) } : none),
      'GET /api/engagements/e-1/materiality/versions': () => page(saved ? [materiality({ version: 1 })] : []),
      'POST /api/engagements/e-1/materiality': () => {
        saved = true
        return { status: 201, body: materiality({ version: 1, warnings: ['Profit before tax moved 45% from the prior year: not stable'] }) }
      },
    })
    renderPage(<Materiality />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText(/No materiality has been determined yet/)).toBeInTheDocument()
    await userEvent.type(screen.getByLabelText(/^Profit before tax/), '2000000')
    await userEvent.type(screen.getByLabelText(/^Revenue/), '40000000')
    await userEvent.type(screen.getByLabelText('Rationale'), 'Profit is stable')
    await userEvent.click(screen.getByRole('button', { name: 'Save materiality' }))
    expect(await screen.findByText('Version 1 saved: performance materiality 65,000.00.')).toBeInTheDocument()
    expect(screen.getByText('Profit before tax moved 45% from the prior year: not stable')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      benchmark: 'profit_before_tax', percentage: null, amount: '2000000',
      benchmark_amounts: { profit_before_tax: null, revenue: '40000000', total_assets: null, equity: null },
      risk_level: 'moderate', rationale: 'Profit is stable',
    })
    const figures = await screen.findByLabelText('Materiality figures')
    expect(within(figures).getByText('65,000.00')).toBeInTheDocument()
  })

  it('shows the benchmarks side by side and opens an earlier version from the list', async () => {
    mockApi({
      'GET /api/engagements/e-1/materiality': { body: materiality() },
      'GET /api/engagements/e-1/materiality/versions': page([
        materiality(),
        materiality({ id: 'm-1', version: 1, current: false, overall_materiality: '90000.00', performance_materiality: '58500.00', rationale: 'First look' }),
      ]),
    })
    renderPage(<Materiality />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    const side = (await screen.findAllByRole('table'))[0]
    expect(within(side).getByText('Revenue')).toBeInTheDocument()
    expect(within(side).getByText('200,000.00')).toBeInTheDocument()
    expect(screen.getByRole('heading', { name: /Version 2/ })).toHaveTextContent('current')
    await userEvent.click(screen.getByRole('cell', { name: '58,500.00' }))
    expect(screen.getByRole('heading', { name: /Version 1/ })).toHaveTextContent('earlier')
    expect(screen.getByText('First look')).toBeInTheDocument()
  })

  it('shows the API’s refusal, and refuses a bad amount before sending', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/materiality': none,
      'GET /api/engagements/e-1/materiality/versions': page([]),
      'POST /api/engagements/e-1/materiality': {
        status: 400,
        body: { type: 'x', title: 'Bad Request', status: 400, detail: 'The engagement has no confirmed mapping to take profit before tax from', code: 'validation_failed' },
      },
    })
    renderPage(<Materiality />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await userEvent.type(await screen.findByLabelText(/^Profit before tax/), '12.345')
    await userEvent.click(screen.getByRole('button', { name: 'Save materiality' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('is not an amount')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await userEvent.clear(screen.getByLabelText(/^Profit before tax/))
    await userEvent.type(screen.getByLabelText('Rationale'), 'From the data')
    await userEvent.click(screen.getByRole('button', { name: 'Save materiality' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('no confirmed mapping')
  })

  it('offers no form to staff, whose role may not change the engagement', async () => {
    mockApi({ 'GET /api/engagements/e-1/materiality': { body: materiality() }, 'GET /api/engagements/e-1/materiality/versions': page([materiality()]) })
    renderPage(<Materiality />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff' }) })
    await screen.findByLabelText('Materiality figures')
    expect(screen.queryByRole('button', { name: 'Save materiality' })).not.toBeInTheDocument()
    expect(screen.getByText(/does not allow determining materiality/)).toBeInTheDocument()
  })
})
