import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { AnalysisPage } from './AnalysisPage'
import { analysis, trends } from './fixtures'

const ROUTE = '/engagements/:engagementId/analysis'
const PATH = '/engagements/e-1/analysis'
const BASE = '/api/engagements/e-1/financial-analysis'

describe('AnalysisPage', () => {
  it('shows the ratios of both years, the indicators, the flux and the trends', async () => {
    mockApi({ [`GET ${BASE}`]: { body: analysis() }, [`GET ${BASE}/trends`]: { body: trends() } })
    renderPage(<AnalysisPage />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    const ratios = await screen.findByRole('table', { name: 'Ratios' })
    const current = within(ratios).getByText('Current ratio').closest('tr') as HTMLElement
    expect(within(current).getByText('3.7358')).toBeInTheDocument()
    expect(within(current).getByText('2.0833')).toBeInTheDocument()
    expect(within(current).getByText('+1.6525')).toBeInTheDocument()
    expect(within(ratios).getByText('46.0 days')).toBeInTheDocument()
    const indicators = screen.getByRole('table', { name: 'Going-concern indicators' })
    expect(within(indicators).getByText('Triggered')).toBeInTheDocument()
    expect(within(indicators).getByText('Cannot tell')).toBeInTheDocument()
    const flux = screen.getByRole('table', { name: 'Flux lines' })
    const cash = within(flux).getByText('Cash and cash equivalents').closest('tr') as HTMLElement
    expect(within(cash).getByText('68.75%')).toBeInTheDocument()
    expect(within(cash).getByText('Flagged')).toBeInTheDocument()
    expect(screen.getByText(/exceeds 375.00 \(performance materiality\) and 10% of the prior year/)).toBeInTheDocument()
    expect(await screen.findByRole('img', { name: 'Monthly trends' })).toBeInTheDocument()
    expect(screen.getByText('(450.25)')).toBeInTheDocument() // the cash outflow of March
  })

  it('asks again with the thresholds entered, and refuses a bad one', async () => {
    const calls = mockApi({ [`GET ${BASE}`]: { body: analysis() }, [`GET ${BASE}/trends`]: { body: trends() } })
    renderPage(<AnalysisPage />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await screen.findByRole('table', { name: 'Flux lines' })
    await userEvent.type(screen.getByLabelText('Percent threshold'), 'ten')
    expect(screen.getByRole('alert')).toHaveTextContent('A percent of at least 0')
    expect(screen.getByRole('button', { name: 'Apply' })).toBeDisabled()
    await userEvent.clear(screen.getByLabelText('Percent threshold'))
    await userEvent.type(screen.getByLabelText('Percent threshold'), '25')
    await userEvent.type(screen.getByLabelText('Amount threshold'), '1000')
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }))
    await screen.findByRole('table', { name: 'Flux lines' })
    const asked = calls.filter((c) => c.path === BASE).map((c) => Object.fromEntries(c.search))
    expect(asked.at(-1)).toEqual({ amount_threshold: '1000', percent_threshold: '25' })
  })

  it('saves the explanation of a flagged line', async () => {
    const calls = mockApi({
      [`GET ${BASE}`]: { body: analysis() },
      [`GET ${BASE}/trends`]: { body: trends() },
      [`PUT ${BASE}/flux/caption%3Acurrent_assets.cash_and_cash_equivalents/explanation`]: {
        body: { key: 'caption:current_assets.cash_and_cash_equivalents', text: 'Customer collections', updated_by: 'u-1', updated_at: '2026-12-07T00:00:00Z' },
      },
    })
    renderPage(<AnalysisPage />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    const box = await screen.findByLabelText('Explanation of Cash and cash equivalents')
    await userEvent.type(box, 'Customer collections')
    await userEvent.click(screen.getByRole('button', { name: 'Save explanation' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    const put = calls.find((c) => c.method === 'PUT')
    expect(put?.path).toBe(`${BASE}/flux/caption%3Acurrent_assets.cash_and_cash_equivalents/explanation`)
    expect(put?.body).toEqual({ text: 'Customer collections' })
    // Saved: the analysis is asked for again, and no error is shown.
    await waitFor(() => expect(calls.filter((c) => c.method === 'GET' && c.path === BASE).length).toBe(2))
    expect(screen.queryByText('The explanation was not saved')).not.toBeInTheDocument()
  })

  it('shows explanations read-only to a role that may not write, or on a finalized engagement', async () => {
    mockApi({ [`GET ${BASE}`]: { body: analysis() }, [`GET ${BASE}/trends`]: { body: trends() } })
    renderPage(<AnalysisPage />, { route: ROUTE, path: PATH, engagement: makeEngagement({ locked: true, status: 'finalized' }) })
    await screen.findByRole('table', { name: 'Flux lines' })
    await userEvent.click(screen.getByRole('button', { name: 'By account' }))
    expect(screen.getByText('Collections in December')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Save explanation' })).not.toBeInTheDocument()
  })

  it('says when no trial balance or ledger is loaded yet', async () => {
    mockApi({
      [`GET ${BASE}`]: { status: 404, body: { type: 'about:blank', title: 'Not found', status: 404, detail: 'No trial balance', code: 'no_trial_balance' } },
      [`GET ${BASE}/trends`]: { body: trends({ dataset_id: null, months: [], unmapped_lines: 0 }) },
    })
    renderPage(<AnalysisPage />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText('No trial balance has been loaded for this engagement yet.')).toBeInTheDocument()
    expect(await screen.findByText(/No general ledger has been loaded/)).toBeInTheDocument()
  })
})
