import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { Estimates } from './Estimates'
import { EMPTY_ESTIMATE, biasText, differenceText, estimateBody, estimateProblems, type Bias, type Estimate, type Review } from './estimates'

const ROUTE = '/engagements/:engagementId/estimates'
const PATH = '/engagements/e-1/estimates'
const BASE = '/api/engagements/e-1/estimates'

const estimate = (overrides: Partial<Estimate> = {}): Estimate => ({
  id: 'est-1',
  engagement_id: 'e-1',
  name: 'Allowance for doubtful accounts',
  kind: 'allowance_doubtful_accounts',
  account_number: '1150',
  counter_account_number: '6400',
  increases_with: 'credit',
  management_estimate: '40000.00',
  auditor_low: '45000.00',
  auditor_high: '60000.00',
  auditor_point: null,
  auditor_figure: '45000.00',
  difference: '-5000.00',
  basis: null,
  adjustment: null,
  created_by: 'u-1',
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  ...overrides,
})

const review = (overrides: Partial<Review> = {}): Review => ({
  id: 'r-1',
  engagement_id: 'e-1',
  name: 'Warranty 2025',
  kind: 'warranty',
  prior_estimate: '100000.00',
  actual_outcome: '80000.00',
  difference: '-20000.00',
  direction: 'over',
  notes: null,
  created_by: 'u-1',
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  ...overrides,
})

const RULE = 'indicated when at least 3 estimates are reviewed and at least 2/3 of them missed their outcome the same way'
const bias = (overrides: Partial<Bias> = {}): Bias => ({ reviewed: 3, over: 2, under: 1, exact: 0, indicated: true, leaning: 'over', rule: RULE, ...overrides })

describe('Estimates', () => {
  it('shows each estimate against the auditor’s range and proposes its difference as an adjusting entry', async () => {
    let proposed = false
    const linked = { id: 'adj-1', number: 3, kind: 'proposed', amount: '5000.00', current: true }
    const calls = mockApi({
      [`GET ${BASE}`]: () => ({ body: { items: [estimate({ adjustment: proposed ? linked : null })], total_difference: '5000.00' } }),
      [`GET ${BASE}/reviews`]: { body: { items: [], bias: bias({ reviewed: 0, over: 0, under: 0, indicated: false, leaning: null }) } },
      [`POST ${BASE}/est-1/adjustment`]: () => {
        proposed = true
        return { status: 201, body: estimate({ adjustment: linked }) }
      },
    })
    renderPage(<Estimates />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior' }) })
    const table = await screen.findByRole('table', { name: 'Accounting estimates' })
    const row = within(table).getAllByRole('row')[1]
    expect(row).toHaveTextContent('Range 45,000.00 to 60,000.00')
    expect(row).toHaveTextContent("5,000.00 below the auditor's nearest bound")
    expect(within(table).getAllByRole('row')[2]).toHaveTextContent('Total difference5,000.00')
    await userEvent.click(within(row).getByRole('button', { name: 'Propose the difference on Allowance for doubtful accounts' }))
    expect(await screen.findByText(/is proposed as adjusting entry 3, in the summary of unadjusted differences/)).toBeInTheDocument()
    expect(await screen.findByRole('link', { name: 'Entry 3 (proposed, 5,000.00)' })).toHaveAttribute('href', '/engagements/e-1/adjustments')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1)
  })

  it('says when a linked entry no longer equals the difference, and offers nothing to propose inside the range', async () => {
    mockApi({
      [`GET ${BASE}`]: {
        body: {
          items: [
            estimate({ difference: '0.00', management_estimate: '50000.00', adjustment: { id: 'adj-1', number: 3, kind: 'proposed', amount: '5000.00', current: false } }),
            estimate({ id: 'est-2', name: 'Warranty', kind: 'warranty', difference: '0.00', management_estimate: '50000.00' }),
          ],
          total_difference: '0.00',
        },
      },
      [`GET ${BASE}/reviews`]: { body: { items: [], bias: bias({ reviewed: 0, over: 0, under: 0, indicated: false, leaning: null }) } },
    })
    renderPage(<Estimates />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'manager' }) })
    const table = await screen.findByRole('table', { name: 'Accounting estimates' })
    const [, first, second] = within(table).getAllByRole('row')
    expect(within(first).getByRole('note')).toHaveTextContent('the entry no longer equals its difference')
    expect(second).toHaveTextContent('Inside the range')
    expect(within(second).queryByRole('button')).not.toBeInTheDocument()
  })

  it('raises the bias indicator with its counts when prior-year estimates lean one way, and adds a reviewed estimate', async () => {
    let added = false
    const calls = mockApi({
      [`GET ${BASE}`]: { body: { items: [], total_difference: '0.00' } },
      [`GET ${BASE}/reviews`]: () => ({
        body: added
          ? { items: [review(), review({ id: 'r-2', name: 'Obsolescence 2025' }), review({ id: 'r-3', name: 'Allowance 2025', direction: 'under' })], bias: bias() }
          : { items: [review(), review({ id: 'r-2', name: 'Obsolescence 2025' })], bias: bias({ reviewed: 2, under: 0, indicated: false, leaning: null }) },
      }),
      [`POST ${BASE}/reviews`]: () => {
        added = true
        return { status: 201, body: review({ id: 'r-3' }) }
      },
    })
    renderPage(<Estimates />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    expect(await screen.findByText('No indication of management bias (2 over, 0 under, 0 exact of 2 reviewed).')).toBeInTheDocument()
    const form = screen.getByRole('form', { name: 'Add a prior-year estimate' })
    await userEvent.click(within(form).getByRole('button', { name: 'Add to the review' }))
    expect(within(form).getByRole('alert')).toHaveTextContent('Name the prior-year estimate.')
    await userEvent.type(within(form).getByLabelText('Prior-year estimate'), 'Allowance 2025')
    await userEvent.selectOptions(within(form).getByLabelText('Kind of estimate'), 'allowance_doubtful_accounts')
    await userEvent.type(within(form).getByLabelText('Estimated'), '30000')
    await userEvent.type(within(form).getByLabelText('Actual outcome'), '36000')
    await userEvent.click(within(form).getByRole('button', { name: 'Add to the review' }))
    const indicator = await screen.findByText(/^Possible management bias/)
    expect(indicator).toHaveTextContent('Possible management bias: most prior-year estimates came in above their outcomes (2 over, 1 under, 0 exact of 3 reviewed).')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'Allowance 2025',
      kind: 'allowance_doubtful_accounts',
      prior_estimate: '30000',
      actual_outcome: '36000',
      notes: null,
    })
  })

  it('records a new estimate with a point, after refusing a range upside down', async () => {
    const calls = mockApi({
      [`GET ${BASE}`]: { body: { items: [], total_difference: '0.00' } },
      [`GET ${BASE}/reviews`]: { body: { items: [], bias: bias({ reviewed: 0, over: 0, under: 0, indicated: false, leaning: null }) } },
      [`POST ${BASE}`]: { status: 201, body: estimate({ name: 'Warranty', auditor_low: null, auditor_high: null, auditor_point: '52500.00', difference: '-2500.00' }) },
    })
    renderPage(<Estimates />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'manager' }) })
    await userEvent.click(await screen.findByRole('button', { name: 'Add an estimate' }))
    const form = screen.getByRole('form', { name: 'Add an accounting estimate' })
    await userEvent.type(within(form).getByLabelText('Name'), 'Warranty')
    await userEvent.selectOptions(within(form).getByLabelText('Kind'), 'warranty')
    await userEvent.type(within(form).getByLabelText('Account'), '2300')
    await userEvent.type(within(form).getByLabelText("Management's estimate"), '50000')
    await userEvent.type(within(form).getByLabelText('Low'), '60000')
    await userEvent.type(within(form).getByLabelText('High'), '45000')
    await userEvent.click(within(form).getByRole('button', { name: 'Record the estimate' }))
    expect(within(form).getByRole('alert')).toHaveTextContent('The low end 60000 is above the high end 45000.')
    await userEvent.click(within(form).getByLabelText('A point'))
    await userEvent.type(within(form).getByLabelText('Point'), '52500')
    await userEvent.click(within(form).getByRole('button', { name: 'Record the estimate' }))
    expect(await screen.findByText("Warranty was recorded: 2,500.00 below the auditor's point.")).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ auditor_low: null, auditor_high: null, auditor_point: '52500', account_number: '2300' })
  })
})

describe('estimates', () => {
  it('words differences and builds bodies', () => {
    expect(differenceText(estimate({ difference: '1200.00', auditor_low: null, auditor_high: null, auditor_point: '10000.00' }))).toBe("1,200.00 above the auditor's point")
    expect(differenceText(estimate({ difference: null }))).toBe('No auditor figure yet')
    expect(estimateProblems({ ...EMPTY_ESTIMATE, name: 'A', kind: 'warranty', account: '1', management: '1,000', figure: 'none' })).toEqual([
      "Management's estimate must be an amount, not “1,000”.",
    ])
    expect(estimateBody({ ...EMPTY_ESTIMATE, name: 'A', kind: 'warranty', account: '1', management: '5', figure: 'none', low: '1', high: '2' })).toMatchObject({
      auditor_low: null,
      auditor_high: null,
      auditor_point: null,
    })
    expect(biasText(bias({ over: 1, under: 3, reviewed: 4, leaning: 'under' }))).toBe(
      'Possible management bias: most prior-year estimates came in below their outcomes (1 over, 3 under, 0 exact of 4 reviewed).',
    )
  })
})
