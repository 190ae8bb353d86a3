import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { makeLine, makeRun, problem } from './fixtures'
import { JeTestLines } from './JeTestLines'

const engagement = makeEngagement()
const ROUTE = '/engagements/:engagementId/je-tests/:runId/tests/:code'
const LINES = '/api/engagements/e-1/je-tests/r-1/tests/after_hours/lines'

const page = (total: number, pageNumber = 1) => ({
  items: [
    makeLine({ row_number: 3, line_number: 1, debit: '830.15', credit: '0.00' }),
    makeLine({ row_number: 4, line_number: 2, account_number: '1000', debit: '0.00', credit: '830.15' }),
  ],
  page: pageNumber,
  page_size: 50,
  total,
})

describe('JeTestLines', () => {
  it('shows the lines of the test with its name, and pages through them', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/je-tests/r-1': { body: makeRun() },
      [`GET ${LINES}`]: (request) => ({ body: page(120, Number(new URL(request.url).searchParams.get('page'))) }),
    })
    renderPage(<JeTestLines />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/tests/after_hours', engagement })
    expect(screen.getByRole('heading', { name: 'After hours: flagged lines' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: /Back to the run/ })).toHaveAttribute('href', '/engagements/e-1/je-tests/r-1')
    const table = await screen.findByRole('table', { name: 'Lines flagged by After hours' })
    const rows = within(table).getAllByRole('row')
    expect(rows.map((r) => within(r).queryAllByRole('columnheader').map((h) => h.textContent?.trim()))[0]).toEqual([
      'Journal', 'Line', 'Date', 'Account', 'Description', 'User', 'Entered', 'Debit', 'Credit',
    ])
    expect(within(rows[1]).getByRole('link', { name: 'JE-1002' })).toHaveAttribute('href', '/engagements/e-1/je-tests/r-1/journals?test=after_hours&journal=JE-1002')
    // The account with its name; the User column holds the user only, the entry date has its own column.
    const cells = within(rows[1]).getAllByRole('cell').map((c) => c.textContent)
    expect(cells[3]).toBe('5000 Salaries')
    expect(cells[5]).toBe('akim')
    expect(cells[6]).toBe('2026-03-07 23:40:00')
    expect(within(rows[2]).getByText('830.15')).toBeInTheDocument()
    expect(await screen.findByText(/4 lines in 2 journals/)).toBeInTheDocument()

    await userEvent.click(screen.getByRole('button', { name: /Next/ }))
    await waitFor(() => expect(calls.at(-1)?.search.get('page')).toBe('2'))
    expect(await screen.findByText('51–100 of 120')).toBeInTheDocument()
  })

  it('filters by account, journal and user when Enter is pressed', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/je-tests/r-1': { body: makeRun() },
      [`GET ${LINES}`]: { body: page(2) },
    })
    renderPage(<JeTestLines />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/tests/after_hours', engagement })
    await screen.findByRole('table')
    await userEvent.type(screen.getByLabelText('Account'), '5000')
    await userEvent.type(screen.getByLabelText('User'), 'AKIM{Enter}')
    await waitFor(() => expect(calls.filter((c) => c.path === LINES)).toHaveLength(2))
    const last = calls.filter((c) => c.path === LINES).at(-1)!
    expect(last.search.get('account_number')).toBe('5000')
    expect(last.search.get('entered_by')).toBe('AKIM')
    expect(last.search.has('journal_id')).toBe(false)
    expect(screen.getByRole('button', { name: 'Clear filters' })).toBeInTheDocument()
  })

  it('shows why the lines cannot be read', async () => {
    mockApi({
      'GET /api/engagements/e-1/je-tests/r-1': { body: makeRun({ status: 'running', tests: [] }) },
      [`GET ${LINES}`]: { status: 409, body: problem(409, 'The run is running; its results are not available', 'run_not_completed') },
    })
    renderPage(<JeTestLines />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/tests/after_hours', engagement })
    expect(await screen.findByRole('alert')).toHaveTextContent('The run is running; its results are not available')
  })
})
