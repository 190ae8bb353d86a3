import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { TrialBalance } from './TrialBalance'

const row = (account: string, name: string, closing: string) => ({
  row_number: Number(account), account_number: account, account_name: name, account_type: null, business_unit: null, fiscal_year: 2026, period: null,
  opening_balance: '0.00', period_debit: null, period_credit: null, closing_balance: closing,
})

describe('the trial-balance viewer', () => {
  it('lists the accounts with their totals, each account opening its ledger lines', async () => {
    mockApi({
      'GET /api/engagements/e-1/trial-balance': {
        body: {
          dataset: { id: 'd-2', version: 2, kind: 'trial_balance' },
          totals: { accounts: 2, opening_balance: '0.00', closing_debit: '1500.00', closing_credit: '1500.00', difference: '0.00', unbalanced: false },
          items: [row('1000', 'Cash at bank', '1500.00'), row('4000', 'Sales', '-1500.00')],
          page: 1, page_size: 100, total: 2,
        },
      },
    })
    renderPage(<TrialBalance />, { route: '/engagements/:engagementId/trial-balance', path: '/engagements/e-1/trial-balance', engagement: makeEngagement() })
    const table = await screen.findByRole('table', { name: 'Trial balance by account' })
    const sales = within(table).getByRole('row', { name: /Sales/ })
    expect(within(sales).getByRole('link', { name: '4000' })).toHaveAttribute('href', '/engagements/e-1/ledger?account=4000')
    expect(sales).toHaveTextContent('(1,500.00)')
    expect(screen.getByLabelText('Totals')).toHaveTextContent('Version 2 · 2 accounts · closing debits 1,500.00, credits 1,500.00, in balance')
  })
})
