import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { rollforward } from './fixtures'
import { Rollforward } from './Rollforward'

const E = '/api/engagements/e-1'

function renderRollforward() {
  return renderPage(<Rollforward engagementId="e-1" />, { route: '/engagements/:engagementId/data', path: '/engagements/e-1/data', engagement: makeEngagement() })
}

describe('the roll-forward', () => {
  it('shows each account with its difference, the totals, and that it does not tie', async () => {
    mockApi({ [`GET ${E}/rollforward`]: { body: rollforward() } })
    renderRollforward()
    expect(await screen.findByText(/does not tie/)).toHaveTextContent('1 of 2 accounts differ, by 12.50 in all (differences of opposite sign do not cancel; the largest are listed first)')
    const table = screen.getByRole('table', { name: 'Roll-forward by account' })
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Account', 'Name', 'Opening', 'Activity', 'Closing', 'Difference', 'Status'])
    const sales = within(table).getByRole('row', { name: /Sales/ })
    expect(within(sales).getAllByRole('cell').map((c) => c.textContent)).toEqual(['4000', 'Sales', '0.00', '(1,500.00)', '(1,487.50)', '(12.50)', 'difference'])
    const facts = screen.getByLabelText('Totals')
    expect(facts).toHaveTextContent('Opening2,000.00Activity(400.00)Closing1,612.50Difference(12.50)')

    // The difference and the account open the account's ledger lines.
    expect(within(sales).getByRole('link', { name: 'Ledger lines of 4000 behind a difference of (12.50)' })).toHaveAttribute('href', '/engagements/e-1/ledger?account=4000')
    expect(within(sales).getByRole('link', { name: '4000' })).toHaveAttribute('href', '/engagements/e-1/ledger?account=4000')
    await userEvent.click(screen.getByLabelText('Only accounts with a difference'))
    expect(within(table).getAllByRole('row')).toHaveLength(2)
  })

  it('says plainly when it ties', async () => {
    const tied = { ...rollforward(), status: 'reconciled' as const, accounts_with_differences: 0, total_difference: '0.00', net_difference: '0.00' }
    tied.items = tied.items.slice(0, 1)
    mockApi({ [`GET ${E}/rollforward`]: { body: tied } })
    renderRollforward()
    expect(await screen.findByText(/The roll-forward ties/)).toHaveTextContent('for all 2 accounts')
  })

  it('has an empty state while there is no trial balance or general ledger yet', async () => {
    mockApi({
      [`GET ${E}/rollforward`]: {
        status: 409,
        body: { type: 'x', title: 'Conflict', status: 409, detail: 'The roll-forward needs a loaded trial balance and a loaded general ledger', code: 'rollforward_unavailable' },
      },
    })
    renderRollforward()
    expect(await screen.findByText(/No roll-forward yet/)).toHaveTextContent('it needs a trial balance and a general ledger')
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})
