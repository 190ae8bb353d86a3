import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { FIRM_PERMISSIONS, makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { makeJournal, makeRun } from './fixtures'
import { JeJournals } from './JeJournals'

const engagement = makeEngagement()
const ROUTE = '/engagements/:engagementId/je-tests/:runId/journals'
const JOURNALS = '/api/engagements/e-1/je-tests/r-1/journals'
const PUT = '/api/engagements/e-1/je-tests/r-1/journals/JE-1005/disposition'

const journals = [
  makeJournal(),
  makeJournal({ journal_id: 'JE-1002', rank: 2, score: '15.38', tests: ['after_hours', 'weekend_entry'], debit_total: '830.15', lines: [] }),
]

function stubs(extra = {}) {
  return mockApi({
    'GET /api/engagements/e-1/je-tests/r-1': { body: makeRun() },
    [`GET ${JOURNALS}`]: { body: { items: journals, total: 2, limit: 50, offset: 0 } },
    'GET /api/engagements/e-1/evidence': { body: { items: [{ id: 'ev-1', filename: 'bonus-approval.pdf', content_type: 'application/pdf', sha256: 'x', size_bytes: 10, node_ids: [], uploaded_at: '2026-03-02T00:00:00Z', uploaded_by: null }], page: 1, page_size: 100, total: 1 } },
    [`PUT ${PUT}`]: (request) => ({
      body: { journal_id: 'JE-1005', dataset_id: 'd-1', status: 'exception', note: 'x', evidence_ids: [], updated_by: 'u-1', updated_at: '2026-03-03T00:00:00Z', ...Object.fromEntries(new URL(request.url).searchParams) },
    }),
    'GET /api/engagements/e-1/je-tests/exceptions': { body: {} },
    'GET /api/engagements/e-1/je-tests/r-1/risk-picture': { body: { run_id: 'r-1', score_buckets: [], months: [], users: [] } },
    ...extra,
  })
}

async function openFirstJournal() {
  const table = await screen.findByRole('table', { name: 'Flagged journals by risk score' })
  const first = within(table).getAllByRole('row')[1]
  first.focus()
  await userEvent.keyboard('{Enter}')
  return screen.findByRole('complementary', { name: 'Journal JE-1005' })
}

describe('JeJournals', () => {
  it('ranks the journals with their tests and filters by test and disposition', async () => {
    const calls = stubs()
    renderPage(<JeJournals />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/journals', engagement })
    const table = await screen.findByRole('table', { name: 'Flagged journals by risk score' })
    const rows = within(table).getAllByRole('row')
    expect(within(rows[1]).getByText('JE-1005')).toBeInTheDocument()
    expect(within(rows[1]).getByText('Post closing')).toHaveClass('badge')
    expect(within(rows[1]).getByText('7,950.00')).toBeInTheDocument()
    expect(within(rows[1]).getByText('open')).toBeInTheDocument()
    expect(calls.filter((c) => c.path === JOURNALS).at(-1)?.search.get('order')).toBe('risk')

    await userEvent.selectOptions(screen.getByLabelText('Test'), 'After hours')
    await userEvent.selectOptions(screen.getByLabelText('Disposition'), 'Investigating')
    await waitFor(() => {
      const last = calls.filter((c) => c.path === JOURNALS).at(-1)!
      expect(last.search.get('test')).toBe('after_hours')
      expect(last.search.get('disposition')).toBe('investigating')
      expect(last.search.get('offset')).toBe('0')
      expect(last.search.get('limit')).toBe('50')
    })
  })

  it('shows the lines of the journal chosen, with the tests each hit', async () => {
    stubs()
    renderPage(<JeJournals />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/journals', engagement })
    const panel = await openFirstJournal()
    const lines = within(panel).getByRole('table', { name: 'Lines of the journal' })
    expect(within(lines).getAllByRole('row')).toHaveLength(3)
    expect(within(within(lines).getAllByRole('row')[1]).getByText('Self approved')).toBeInTheDocument()
  })

  it('refuses to conclude a journal as an exception without a note, without asking the API', async () => {
    const calls = stubs()
    renderPage(<JeJournals />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/journals', engagement })
    const panel = await openFirstJournal()
    await userEvent.selectOptions(within(panel).getByRole('combobox', { name: 'Disposition' }), 'exception')
    expect(within(panel).getByText('Note (required)')).toBeInTheDocument()
    await userEvent.click(within(panel).getByRole('button', { name: 'Save disposition' }))
    expect(within(panel).getByRole('alert')).toHaveTextContent('A note is required')
    expect(calls.some((c) => c.method === 'PUT')).toBe(false)
  })

  it('sends the status and the note, says it saved and refreshes the list', async () => {
    const calls = stubs()
    renderPage(<JeJournals />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/journals', engagement })
    const panel = await openFirstJournal()
    const before = calls.filter((c) => c.path === JOURNALS).length
    await userEvent.selectOptions(within(panel).getByRole('combobox', { name: 'Disposition' }), 'exception')
    await userEvent.type(within(panel).getByLabelText('Note (required)'), 'Bonus accrual after year end, approved by its preparer')
    await userEvent.click(within(panel).getByRole('checkbox', { name: 'bonus-approval.pdf' }))
    await userEvent.click(within(panel).getByRole('button', { name: 'Save disposition' }))
    expect(await within(panel).findByText('Saved')).toBeInTheDocument()
    const put = calls.find((c) => c.method === 'PUT')!
    expect(put.path).toBe(PUT)
    expect(put.body).toEqual({ status: 'exception', note: 'Bonus accrual after year end, approved by its preparer', evidence_ids: ['ev-1'] })
    await waitFor(() => expect(calls.filter((c) => c.path === JOURNALS).length).toBeGreaterThan(before))
  })

  it('offers explained and false positive only to those who may review workpapers on the engagement', async () => {
    stubs()
    const staff = makeEngagement({ my_role: 'staff' })
    renderPage(<JeJournals />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/journals', engagement: staff })
    const panel = await openFirstJournal()
    const select = within(panel).getByRole('combobox', { name: 'Disposition' })
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['Open', 'Investigating', 'Exception'])
    expect(within(panel).getByText(/Explained and false positive are set by a senior or above/)).toBeInTheDocument()
  })

  it('lets a senior clear a journal as explained with a note', async () => {
    const calls = stubs()
    const senior = makeEngagement({ my_role: 'senior' })
    renderPage(<JeJournals />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/journals', engagement: senior })
    const panel = await openFirstJournal()
    const select = within(panel).getByRole('combobox', { name: 'Disposition' })
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['Open', 'Investigating', 'Explained', 'Exception', 'False positive'])
    expect(within(panel).queryByText(/set by a senior or above/)).not.toBeInTheDocument()
    await userEvent.selectOptions(select, 'explained')
    await userEvent.type(within(panel).getByLabelText('Note (required)'), 'Year-end bonus approved by the board on 15 January')
    await userEvent.click(within(panel).getByRole('button', { name: 'Save disposition' }))
    expect(await within(panel).findByText('Saved')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'PUT')!.body).toMatchObject({ status: 'explained' })
  })

  it('shows staff a journal a senior explained, without letting them save it as explained', async () => {
    const explained = makeJournal({
      disposition: { journal_id: 'JE-1005', dataset_id: 'd-1', status: 'explained', note: 'Board-approved bonus', evidence_ids: [], updated_by: 'u-2', updated_at: '2026-03-03T00:00:00Z' },
    })
    const calls = stubs({ [`GET ${JOURNALS}`]: { body: { items: [explained], total: 1, limit: 50, offset: 0 } } })
    renderPage(<JeJournals />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/journals?journal=JE-1005', engagement: makeEngagement({ my_role: 'staff' }) })
    const panel = await screen.findByRole('complementary', { name: 'Journal JE-1005' })
    const select = within(panel).getByRole('combobox', { name: 'Disposition' })
    expect(select).toHaveValue('explained')
    expect(within(select).getByRole('option', { name: 'Explained' })).toBeDisabled()
    expect(within(panel).getByRole('button', { name: 'Save disposition' })).toBeDisabled()
    await userEvent.selectOptions(select, 'exception')
    expect(within(panel).getByRole('button', { name: 'Save disposition' })).toBeEnabled()
    expect(calls.some((c) => c.method === 'PUT')).toBe(false)
  })

  it('is read-only for those who may not prepare workpapers', async () => {
    stubs()
    const me = makeMe({ roles: ['client_user'], permissions: FIRM_PERMISSIONS.filter((p) => p !== 'workpaper.prepare') })
    renderPage(<JeJournals />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1/journals?journal=JE-1005', engagement, me })
    const panel = await screen.findByRole('complementary', { name: 'Journal JE-1005' })
    expect(within(panel).queryByRole('button', { name: 'Save disposition' })).not.toBeInTheDocument()
    expect(within(panel).getByText(/not dispositioned yet/)).toBeInTheDocument()
  })
})
