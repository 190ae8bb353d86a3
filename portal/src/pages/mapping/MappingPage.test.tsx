import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { account } from './fixtures'
import { MappingPage } from './MappingPage'

const ROUTE = '/engagements/:engagementId/mapping'
const PATH = '/engagements/e-1/mapping'
const DECIDER = makeEngagement({ my_permissions: [...TEAM_PERMISSIONS.manager, 'mapping.confirm'] })
const rows = [
  account(),
  account({ account_number: '1510', account_name: 'Accum. depr. - vehicles', balance: '-8000.00', standard_code: '1580', standard_name: 'Accumulated depreciation', section: 'non_current_assets', confidence: 0.64, method: 'numbering' }),
]
const chart = { body: { accounts: [
  { code: '1100', name: 'Accounts receivable', section: 'current_assets', statement: 'balance_sheet', normal_balance: 'debit', lead_sheet: 'B', caption: 'Accounts receivable, net', element: 'AccountsReceivableGrossCurrent', contra: false, firm_defined: false },
  { code: '1580', name: 'Accumulated depreciation', section: 'non_current_assets', statement: 'balance_sheet', normal_balance: 'credit', lead_sheet: 'E', caption: 'Property and equipment, net', element: null, contra: true, firm_defined: false },
] } }
const base = {
  'GET /api/standard-chart': chart,
  'GET /api/engagements/e-1/mapping': { body: { items: rows, page: 1, page_size: 500, total: 2 } },
  'GET /api/engagements/e-1/mapping/progress': { body: { total: 2, by_status: { suggested: 2 }, by_method: { similarity: 1, numbering: 1 }, by_section: {} } },
}

describe('MappingPage', () => {
  it('lists each account with its suggestion, confidence, method and alternatives, and filters by status and section', async () => {
    const calls = mockApi(base)
    renderPage(<MappingPage />, { route: ROUTE, path: PATH, engagement: DECIDER })
    const table = await screen.findByRole('table', { name: 'Accounts and their mapping' })
    const first = within(table).getAllByRole('row')[1]
    expect(within(first).getByText('1100 Accounts receivable')).toBeInTheDocument()
    expect(within(first).getByText('97%')).toBeInTheDocument()
    expect(within(first).getByRole('button', { name: '1. 1130 Other receivables' })).toBeInTheDocument()
    expect(within(table).getByText('(8,000.00)')).toBeInTheDocument()
    expect(screen.getByLabelText('Mapping progress')).toHaveTextContent('2 accounts · 0 pending · 2 suggested · 0 confirmed · 0 unmapped')
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'suggested')
    await userEvent.selectOptions(screen.getByLabelText('Section'), 'non_current_assets')
    await waitFor(() => {
      const last = calls.filter((c) => c.path === '/api/engagements/e-1/mapping').at(-1)
      expect(last?.search.get('status')).toBe('suggested')
      expect(last?.search.get('section')).toBe('non_current_assets')
    })
  })

  it('confirms with Enter, takes an alternative with its number, and marks unmapped with u', async () => {
    const calls = mockApi({
      ...base,
      'PUT /api/engagements/e-1/mapping/accounts/1100': async (request) => {
        const body = (await request.json()) as { standard_code: string | null }
        return { body: account({ standard_code: body.standard_code, status: body.standard_code ? 'confirmed' : 'unmapped' }) }
      },
    })
    renderPage(<MappingPage />, { route: ROUTE, path: PATH, engagement: DECIDER })
    const table = await screen.findByRole('table', { name: 'Accounts and their mapping' })
    const first = within(table).getAllByRole('row')[1]
    first.focus()
    fireEvent.keyDown(first, { key: 'Enter' })
    fireEvent.keyDown(first, { key: '1' })
    fireEvent.keyDown(first, { key: 'u' })
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(3))
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([
      { standard_code: '1100' },
      { standard_code: '1130' },
      { standard_code: null },
    ])
  })

  it('confirms every suggestion above a confidence in one go', async () => {
    const calls = mockApi({ ...base, 'POST /api/engagements/e-1/mapping/confirm': { body: { confirmed: 1 } } })
    renderPage(<MappingPage />, { route: ROUTE, path: PATH, engagement: DECIDER })
    await screen.findByRole('table', { name: 'Accounts and their mapping' })
    await userEvent.clear(screen.getByLabelText('Confidence at least (%)'))
    await userEvent.type(screen.getByLabelText('Confidence at least (%)'), '95')
    await userEvent.click(screen.getByRole('button', { name: 'Confirm above' }))
    expect(await screen.findByText('1 accounts confirmed')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ all_suggested: null, min_confidence: 0.95, accounts: null })
  })

  it('offers no decisions to someone whose role does not confirm mappings', async () => {
    mockApi(base)
    renderPage(<MappingPage />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff' }) })
    const table = await screen.findByRole('table', { name: 'Accounts and their mapping' })
    for (const alternative of within(table).getAllByRole('button', { name: '1. 1130 Other receivables' })) expect(alternative).toBeDisabled()
    expect(screen.queryByRole('button', { name: 'Confirm all suggested' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Suggest again' })).not.toBeInTheDocument()
  })
})
