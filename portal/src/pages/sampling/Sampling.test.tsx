import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { materiality } from '../planning/fixtures'
import { musSample } from './fixtures'
import { Sampling } from './Sampling'

const ROUTE = '/engagements/:engagementId/sampling'
const PATH = '/engagements/e-1/sampling'
const list = (items: unknown[]) => ({ body: { items, page: 1, page_size: 50, total: items.length } })
const detailRoute = [{ path: '/engagements/:engagementId/sampling/:sampleId', element: <h1>Sample opened</h1> }]

describe('Sampling', () => {
  it('lists the engagement’s samples with their seed and progress, and opens one', async () => {
    const { items: _items, high_value_items: _hv, ...summary } = musSample({ audited_count: 2, evaluation: { conclusion: 'accept' } })
    const { router } = (mockApi({ 'GET /api/engagements/e-1/samples': list([summary]), 'GET /api/engagements/e-1/materiality': { body: materiality() } }),
    renderPage(<Sampling />, { route: ROUTE, path: PATH, engagement: makeEngagement(), extraRoutes: detailRoute }))
    const row = (await screen.findByRole('cell', { name: 'Receivables MUS' })).closest('tr')!
    expect(within(row).getByText('918273645')).toBeInTheDocument()
    expect(within(row).getByText('2 of 3')).toBeInTheDocument()
    expect(within(row).getByText('accept')).toBeInTheDocument()
    await userEvent.click(row)
    expect(router.state.location.pathname).toBe('/engagements/e-1/sampling/s-1')
  })

  it('plans an MUS size from performance materiality and shows where it came from', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/samples': list([]),
      'GET /api/engagements/e-1/materiality': { body: materiality() },
      'POST /api/sampling/mus/plan': {
        body: { n: 93, interval: '26881.72', confidence_factor: '3.00', confidence_factor_exact: '2.995732', expansion_factor: '1.6', risk: '0.05', confidence: '0.95', book_value: '2500000.00', tolerable_misstatement: '65000.00', expected_misstatement: '0', formula: 'n = ceil(BV x RF(0) / (TM - EM x EF))' },
      },
    })
    renderPage(<Sampling />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText('Performance materiality is 65,000.00.')).toBeInTheDocument()
    expect(screen.getByLabelText('Tolerable misstatement')).toHaveValue('65000.00')
    await userEvent.type(screen.getByLabelText('Book value (for the plan only)'), '2500000')
    await userEvent.click(screen.getByRole('button', { name: 'Plan the size' }))
    const planned = await screen.findByRole('region', { name: 'Planned size' })
    expect(within(planned).getByText('Sample size 93: where it comes from')).toBeInTheDocument()
    expect(within(planned).getByRole('row', { name: /Confidence factor RF\(0\) 3.00 \(exact 2.995732\)/ })).toBeInTheDocument()
    expect(calls.find((c) => c.path === '/api/sampling/mus/plan')?.body).toEqual({
      confidence: '0.95', risk: null, book_value: '2500000', tolerable_misstatement: '65000.00', expected_misstatement: '0', expansion_factor: null,
    })
  })

  it('selects a sample and opens it; the API’s refusal is shown', async () => {
    let refuse = true
    const calls = mockApi({
      'GET /api/engagements/e-1/samples': list([]),
      'GET /api/engagements/e-1/materiality': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'none', code: 'no_materiality' } },
      'POST /api/engagements/e-1/samples': () =>
        refuse
          ? { status: 400, body: { type: 'x', title: 'Bad Request', status: 400, detail: 'The request is not valid', code: 'validation_failed', errors: [{ loc: ['body', 'population', 'source'], msg: 'the engagement has no loaded general_ledger to sample from', type: 'x' }] } }
          : { status: 201, body: musSample({ id: 's-9' }) },
    })
    const { router } = renderPage(<Sampling />, { route: ROUTE, path: PATH, engagement: makeEngagement(), extraRoutes: detailRoute })
    expect(await screen.findByText('No materiality is set for this engagement yet.')).toBeInTheDocument()
    await userEvent.type(screen.getByLabelText('Tolerable misstatement'), '50000')
    await userEvent.type(screen.getByLabelText('Name'), 'Expenses')
    await userEvent.selectOptions(screen.getByLabelText('Population'), 'general_ledger')
    await userEvent.type(screen.getByLabelText('Seed (optional)'), '42')
    await userEvent.click(screen.getByRole('button', { name: 'Select the sample' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('population.source: the engagement has no loaded general_ledger to sample from')
    refuse = false
    await userEvent.click(screen.getByRole('button', { name: 'Select the sample' }))
    expect(await screen.findByRole('heading', { name: 'Sample opened' })).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/engagements/e-1/sampling/s-9')
    expect(calls.filter((c) => c.method === 'POST').at(-1)?.body).toEqual({
      name: 'Expenses', method: 'mus', population: { source: 'general_ledger', account: null, amounts: 'absolute', items: null },
      parameters: { confidence: '0.95', tolerable_misstatement: '50000', expected_misstatement: '0' }, seed: 42,
    })
  })

  it('offers no selection to a reader without preparer rights', async () => {
    mockApi({ 'GET /api/engagements/e-1/samples': list([]) })
    renderPage(<Sampling />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'qc_reviewer' }) })
    expect(await screen.findByText('No sample has been selected yet.')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Select the sample' })).not.toBeInTheDocument()
  })
})
