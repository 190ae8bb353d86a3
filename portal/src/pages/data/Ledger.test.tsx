import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { Ledger } from './Ledger'
import { drillNote, filterProblem, filtersFrom, ledgerLink, ledgerQuery } from './ledgerFilters'

const E = '/api/engagements/e-1/journal-entries'
const ROUTE = '/engagements/:engagementId/ledger'

function line(journal: string, lineNumber: number, account: string, debit: string, credit: string, description: string) {
  return {
    journal_id: journal, line_number: lineNumber, account_number: account, account_name: account === '1000' ? 'Cash at bank' : null,
    effective_date: '2026-03-31', debit, credit, description, entered_by: 'bcho', row_number: lineNumber + 1,
  }
}

function page(items: ReturnType<typeof line>[], total = items.length) {
  return { dataset: { id: 'd-1', version: 3, kind: 'general_ledger' }, items, page: 1, page_size: 100, total }
}

describe('the ledger viewer', () => {
  it('asks for the lines of a Benford bin and says which amounts it shows', async () => {
    const calls = mockApi({ [`GET ${E}`]: { body: page([line('JE-7', 1, '1000', '1500.00', '0.00', 'Cash sale')]) } })
    renderPage(<Ledger />, { route: ROUTE, path: '/engagements/e-1/ledger?leading_digits=1&sign=positive&amount_min=10', engagement: makeEngagement() })
    expect(await screen.findByRole('cell', { name: 'Cash sale' })).toBeInTheDocument()
    const asked = calls.find((c) => c.path === E)
    expect(asked?.search.get('leading_digits')).toBe('1')
    expect(asked?.search.get('sign')).toBe('positive')
    expect(asked?.search.get('amount_min')).toBe('10')
    expect(screen.getByRole('status')).toHaveTextContent('Showing amounts beginning with 1, debits only of 10.00 or more.')
    expect(screen.getByText('1,500.00')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: '1000 Cash at bank' })).toHaveAttribute('href', '/engagements/e-1/ledger?account=1000')
    expect(screen.getByRole('link', { name: 'JE-7' })).toHaveAttribute('href', '/engagements/e-1/ledger?journal_id=JE-7')
    await userEvent.click(screen.getByRole('link', { name: '1000 Cash at bank' }))
    await waitFor(() => expect(screen.getByLabelText('Account')).toHaveValue('1000'))
    expect(calls.filter((c) => c.path === E).at(-1)?.search.get('account')).toBe('1000')
    expect(screen.queryByText(/Showing amounts/)).toBeNull()
  })

  it('filters by account, dates, user, amount range and text, and refuses an upside-down range', async () => {
    const calls = mockApi({ [`GET ${E}`]: { body: page([]) } })
    renderPage(<Ledger />, { route: ROUTE, path: '/engagements/e-1/ledger', engagement: makeEngagement() })
    expect(await screen.findByText('No lines match these filters.')).toBeInTheDocument()
    await userEvent.type(screen.getByLabelText('Account'), '4000')
    await userEvent.type(screen.getByLabelText('User'), 'akim')
    await userEvent.type(screen.getByLabelText('Amount from'), '500')
    await userEvent.type(screen.getByLabelText('Amount to'), '100')
    await userEvent.type(screen.getByLabelText('Description contains'), 'accrual')
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }))
    expect(screen.getByRole('alert')).toHaveTextContent('“Amount to” is below “Amount from”.')
    await userEvent.clear(screen.getByLabelText('Amount to'))
    await userEvent.type(screen.getByLabelText('Amount to'), '5000')
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }))
    await waitFor(() => expect(calls.filter((c) => c.path === E)).toHaveLength(2))
    const asked = calls.filter((c) => c.path === E)[1].search
    expect(Object.fromEntries(asked)).toMatchObject({ account: '4000', user: 'akim', amount_min: '500', amount_max: '5000', text: 'accrual' })
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('keeps its filters in the address', () => {
    const filters = filtersFrom(new URLSearchParams('account=1000&date_from=2026-01-01&junk=1&text=%20'))
    expect(filters).toEqual({ account: '1000', date_from: '2026-01-01' })
    expect(ledgerQuery(filters, 2, 50)).toEqual({ page: 2, page_size: 50, account: '1000', date_from: '2026-01-01' })
    expect(ledgerLink('e-1', { account: '1000', date_to: '2026-12-31' })).toBe('/engagements/e-1/ledger?account=1000&date_to=2026-12-31')
    expect(filterProblem({ amount_min: '12.345' })).toMatch(/two decimals/)
    expect(filterProblem({ date_from: '2026-02-01', date_to: '2026-01-01' })).toBe('“To” is before “From”.')
    expect(drillNote({ account: '1' })).toBeNull()
    expect(drillNote({ leading_digits: '23', sign: 'negative' })).toBe('amounts beginning with 23, credits only')
  })
})
