import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { Ledger } from './Ledger'
import { ledgerExportUrl, originalFileUrl } from './ledgerFilters'

const E = '/api/engagements/e-1/journal-entries'
const X = '/api/engagements/e-1/ledger/export'
const ROUTE = '/engagements/:engagementId/ledger'

const line = {
  journal_id: 'JE-7', line_number: 1, account_number: '4000', account_name: null, effective_date: '2026-03-31',
  debit: '0.00', credit: '1500.00', description: 'Cash sale', entered_by: 'akim', row_number: 2,
}

describe('the ledger export', () => {
  it('exports the lines the applied filters select, in the format chosen', async () => {
    const calls = mockApi({
      [`GET ${E}`]: { body: { dataset: { id: 'd-1', version: 3 }, items: [line], page: 1, page_size: 100, total: 1 } },
      [`GET ${X}`]: { body: 'journal_id\n', headers: { 'Content-Disposition': 'attachment; filename="general-ledger-v3.xlsx"' } },
    })
    // jsdom has no object URLs and does not navigate: the browser's part of saving a file is stubbed.
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    renderPage(<Ledger />, { route: ROUTE, path: '/engagements/e-1/ledger?account=4000&user=akim&page=2', engagement: makeEngagement() })
    expect(await screen.findByText('Export the 1 lines these filters select:')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Export XLSX' }))
    expect(await screen.findByText('Downloaded general-ledger-v3.xlsx.')).toBeInTheDocument()
    const asked = calls.find((c) => c.path === X)!
    expect(Object.fromEntries(asked.search)).toEqual({ account: '4000', user: 'akim', format: 'xlsx' })
    expect(click).toHaveBeenCalledTimes(1)
  })

  it('says why an export was refused', async () => {
    mockApi({
      [`GET ${E}`]: { body: { dataset: { id: 'd-1', version: 3 }, items: [line], page: 1, page_size: 100, total: 1 } },
      [`GET ${X}`]: { status: 409, body: { title: 'Conflict', status: 409, code: 'export_too_large', detail: 'The filters select 250,000 lines; narrow the filters' } },
    })
    renderPage(<Ledger />, { route: ROUTE, path: '/engagements/e-1/ledger', engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'Export CSV' }))
    expect(await screen.findByText(/The filters select 250,000 lines/)).toBeInTheDocument()
  })

  it('builds the export and original-file addresses', () => {
    expect(ledgerExportUrl('e 1', { date_from: '2026-01-01', text: 'a&b' }, 'csv')).toBe(
      '/api/engagements/e%201/ledger/export?date_from=2026-01-01&text=a%26b&format=csv',
    )
    expect(originalFileUrl('e-1', 'd-2')).toBe('/api/engagements/e-1/datasets/d-2/original')
  })
})
