import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { balanceSheet } from './fixtures'
import { Statements } from './Statements'

const ROUTE = '/engagements/:engagementId/statements'
const PATH = '/engagements/e-1/statements'

describe('Statements', () => {
  it('shows the balance sheet with its comparatives and says it balances', async () => {
    mockApi({ 'GET /api/engagements/e-1/statements/balance_sheet': { body: balanceSheet() } })
    renderPage(<Statements />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText('Balanced')).toHaveAttribute('role', 'status')
    const table = screen.getByRole('table', { name: 'Balance sheet lines' })
    const cash = within(table).getByText('Cash and cash equivalents').closest('tr') as HTMLElement
    expect(within(cash).getByText('13,500.00')).toBeInTheDocument()
    expect(within(cash).getByText('8,000.00')).toBeInTheDocument()
    expect(within(table).getByText('Total assets')).toBeInTheDocument()
    expect(screen.getByText('Comparatives from the opening balances')).toBeInTheDocument()
  })

  it('says how far an unbalanced statement is off and lists the accounts not confirmed; without comparatives no prior column', async () => {
    mockApi({
      'GET /api/engagements/e-1/statements/balance_sheet': { body: balanceSheet() },
      'GET /api/engagements/e-1/statements/income_statement': {
        body: balanceSheet({
          statement: 'income_statement', comparatives: null, balanced: false, difference: '-2500.00', sections: [], subtotals: { net_income: { current: '6000.00', prior: null } },
          unmapped: [{ account_number: '1100', account_name: 'Trade debtors', status: 'suggested', amount: '2500.00' }],
        }),
      },
    })
    renderPage(<Statements />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await screen.findByRole('table', { name: 'Balance sheet lines' })
    await userEvent.click(screen.getByRole('button', { name: 'Income statement' }))
    expect(await screen.findByText('Not balanced: difference (2,500.00)')).toBeInTheDocument()
    expect(screen.getByText('1100 Trade debtors: 2,500.00 (suggested)')).toBeInTheDocument()
    expect(screen.queryByRole('columnheader', { name: 'Prior year' })).not.toBeInTheDocument()
  })

  it('says when no trial balance is loaded yet', async () => {
    mockApi({
      'GET /api/engagements/e-1/statements/balance_sheet': {
        status: 404, body: { type: 'about:blank', title: 'Not found', status: 404, detail: 'No trial balance', code: 'no_trial_balance' },
      },
    })
    renderPage(<Statements />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText('No trial balance has been loaded for this engagement yet.')).toBeInTheDocument()
  })
})
