import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { Adjustments } from './Adjustments'

const ROUTE = '/engagements/:engagementId/adjustments'
const PATH = '/engagements/e-1/adjustments'
const summary = {
  body: {
    differences: [], profit_effect: '0.00', overall_materiality: '500.00', performance_materiality: '325.00', clearly_trivial: '25.00',
    conclusion: 'none', unmapped_accounts: [],
  },
}

describe('Adjustments', () => {
  it('shows the running difference and the API’s refusal of an unbalanced entry', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/adjustments': { body: { items: [], page: 1, page_size: 500, total: 0 } },
      'GET /api/engagements/e-1/adjustments/summary': summary,
      'POST /api/engagements/e-1/adjustments': {
        status: 400,
        body: {
          type: 'about:blank', title: 'The request is not valid', status: 400, code: 'adjustment_unbalanced', difference: '100.00',
          detail: 'The entry does not balance: debits 1000.00 and credits 900.00 differ by 100.00',
          errors: [{ loc: ['body', 'lines'], msg: 'debits 1000.00 - credits 900.00 = 100.00', type: 'value_error' }],
        },
      },
    })
    renderPage(<Adjustments />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText('No uncorrected misstatements.')).toBeInTheDocument()
    const form = screen.getByRole('form', { name: 'Add an adjusting entry' })
    await userEvent.type(within(form).getByLabelText('Description'), 'Extra depreciation')
    await userEvent.type(within(form).getByLabelText('Account 1'), '6100')
    await userEvent.type(within(form).getByLabelText('Debit 1'), '1000')
    await userEvent.type(within(form).getByLabelText('Account 2'), '1510')
    await userEvent.type(within(form).getByLabelText('Credit 2'), '900')
    expect(within(form).getByText(/difference 100.00/)).toBeInTheDocument()
    await userEvent.click(within(form).getByRole('button', { name: 'Add entry' }))
    expect(await within(form).findByText(/differ by 100.00/)).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      kind: 'proposed', description: 'Extra depreciation',
      lines: [{ account_number: '6100', debit: '1000', credit: '0' }, { account_number: '1510', debit: '0', credit: '900' }],
    })
  })
})
