import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import type { components } from '../../api/schema'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { Benford, binLines } from './Benford'
import { problem } from './fixtures'

const engagement = makeEngagement()
const ROUTE = '/engagements/:engagementId/benford'
const PATH = '/api/engagements/e-1/benford'

const expected = [0.30103, 0.17609, 0.12494, 0.09691, 0.07918, 0.06695, 0.05799, 0.05115, 0.04576]
const observed = [0.36, 0.17, 0.12, 0.09, 0.05, 0.07, 0.06, 0.05, 0.03]
const result: components['schemas']['BenfordRead'] = {
  test: 'first_digit',
  n: 1000,
  mad: 0.0133,
  conformity: 'marginal',
  chi_square: 25.31,
  degrees_of_freedom: 8,
  ks: { d: 0.052, critical: 0.0429 },
  bins: expected.map((e, i) => ({
    digits: String(i + 1),
    observed_count: Math.round(observed[i] * 1000),
    observed_share: observed[i],
    expected_share: e,
    z: i === 0 ? 4.1 : i === 4 ? 3.4 : 0.5,
    flagged: i === 0 || i === 4,
  })),
  warnings: [],
  parameters: { sign: 'positive', min_amount: '10' },
}

describe('Benford', () => {
  it('analyses the ledger on entry and draws one bar per bin, the flagged ones highlighted', async () => {
    const calls = mockApi({ [`POST ${PATH}`]: { body: result } })
    renderPage(<Benford />, { route: ROUTE, path: '/engagements/e-1/benford', engagement })
    const chart = await screen.findByRole('img', { name: 'Benford chart: observed against expected' })
    expect(calls[0].body).toEqual({ test: 'first_digit', source: 'general_ledger', sign: 'positive', min_amount: '10' })

    const bars = chart.querySelectorAll('rect')
    expect(bars).toHaveLength(9)
    const flagged = [...bars].filter((bar) => bar.getAttribute('data-flagged') === 'true').map((bar) => bar.getAttribute('data-digits'))
    expect(flagged).toEqual(['1', '5'])
    expect(chart.querySelectorAll('rect.je-bar-flagged')).toHaveLength(2)
    expect(chart.querySelectorAll('circle')).toHaveLength(9) // the expected shares
    expect(within(chart).getByText('First digit')).toBeInTheDocument()
    expect(screen.getByText('Expected (Benford)')).toBeInTheDocument()

    expect(screen.getByTestId('benford-mad')).toHaveTextContent('0.0133')
    expect(screen.getByText('Marginally acceptable conformity')).toBeInTheDocument()
    expect(screen.getByText(/25\.31/)).toBeInTheDocument()
    expect(screen.getByText(/D = 0\.0520/)).toBeInTheDocument()

    const table = screen.getByRole('table', { name: /Digit bins/ })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(9)
    expect(within(rows[0]).getByText('36.00%')).toBeInTheDocument()
    expect(within(rows[0]).getByText('30.10%')).toBeInTheDocument()
    expect(within(rows[0]).getByText('Flagged')).toBeInTheDocument()
    expect(within(rows[1]).queryByText('Flagged')).not.toBeInTheDocument()
  })

  it('sends the options chosen and shows the API refusal when the data is missing', async () => {
    const calls = mockApi({
      [`POST ${PATH}`]: (request) =>
        request.url.includes('format=png')
          ? { body: {} }
          : calls.length > 1
            ? { status: 409, body: problem(409, 'The engagement has no trial balance loaded yet', 'no_trial_balance') }
            : { body: result },
    })
    renderPage(<Benford />, { route: ROUTE, path: '/engagements/e-1/benford', engagement })
    await screen.findByRole('img')
    await userEvent.selectOptions(screen.getByLabelText('Test'), 'second_digit')
    await userEvent.selectOptions(screen.getByLabelText('Source'), 'trial_balance')
    await userEvent.selectOptions(screen.getByLabelText('Sign'), 'all')
    await userEvent.clear(screen.getByLabelText('Minimum amount'))
    await userEvent.type(screen.getByLabelText('Minimum amount'), '0.5')
    await userEvent.click(screen.getByRole('button', { name: 'Analyse' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The engagement has no trial balance loaded yet')
    expect(calls[1].body).toEqual({ test: 'second_digit', source: 'trial_balance', sign: 'all', min_amount: '0.5' })
  })

  it('explains a minimum amount it cannot send', async () => {
    const calls = mockApi({ [`POST ${PATH}`]: { body: result } })
    renderPage(<Benford />, { route: ROUTE, path: '/engagements/e-1/benford', engagement })
    await screen.findByRole('img')
    await userEvent.clear(screen.getByLabelText('Minimum amount'))
    await userEvent.type(screen.getByLabelText('Minimum amount'), '-5{Enter}')
    expect(screen.getByRole('alert')).toHaveTextContent('Minimum amount must be a number of 0 or more')
    expect(calls).toHaveLength(1)
  })

  it('downloads the chart the API draws', async () => {
    const calls = mockApi({ [`POST ${PATH}`]: { body: result } })
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    renderPage(<Benford />, { route: ROUTE, path: '/engagements/e-1/benford', engagement })
    await screen.findByRole('img')
    await userEvent.click(screen.getByRole('button', { name: 'Download chart (PNG)' }))
    expect(await screen.findByText('Downloaded benford-general_ledger-first_digit.png.')).toBeInTheDocument()
    await waitFor(() => expect(click).toHaveBeenCalled())
    expect(calls.at(-1)?.search.get('format')).toBe('png')
  })

  it('opens a bin as the ledger lines behind it: digits, sign and minimum amount of the analysis', async () => {
    mockApi({ [`POST ${PATH}`]: { body: result } })
    renderPage(<Benford />, {
      route: ROUTE,
      path: '/engagements/e-1/benford',
      engagement,
      extraRoutes: [{ path: '/engagements/:engagementId/ledger', element: <p>the ledger page</p> }],
    })
    const bin = await screen.findByRole('link', { name: 'Lines beginning with 5' })
    expect(bin).toHaveAttribute('href', '/engagements/e-1/ledger?amount_min=10&leading_digits=5&sign=positive')
    await userEvent.click(bin)
    expect(await screen.findByText('the ledger page')).toBeInTheDocument()
  })

  it('links only the bins that are sets of ledger lines', () => {
    const base = { test: 'first_digit', source: 'general_ledger', sign: 'all', min_amount: '0' } as const
    expect(binLines(base, '7')).toEqual({ leading_digits: '7' })
    expect(binLines({ ...base, test: 'first_two', sign: 'negative', min_amount: '10' }, '23')).toEqual({ leading_digits: '23', sign: 'negative', amount_min: '10' })
    expect(binLines({ ...base, test: 'last_two' }, '07')).toBeNull()
    expect(binLines({ ...base, source: 'trial_balance' }, '1')).toBeNull()
  })
})
