import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { Cutoff } from './Cutoff'
import { areaRows, flagText, selectionBody, type CutoffLine, type CutoffRun } from './cutoff'

const ROUTE = '/engagements/:engagementId/cutoff'
const PATH = '/engagements/e-1/cutoff'
const RUNS = '/api/engagements/e-1/cutoff/runs'

function line(position: number, overrides: Partial<CutoffLine> = {}): CutoffLine {
  return {
    position, row_number: position + 2, journal_id: `J${position}`, line_number: 1, account_number: '4000', account_name: 'Sales',
    area: 'revenue', amount: '-100.00', effective_date: '2026-12-30', document_date: '2026-12-30', side: 'before', flagged: false,
    description: null, ...overrides,
  }
}

function run(overrides: Partial<CutoffRun> = {}): CutoffRun {
  return {
    id: 'run-1', engagement_id: 'e-1', dataset_id: 'd-1', dataset_version: 2, period_end: '2026-12-31', window_days: 5,
    parameters: { window_days: 5, first_date: '2026-12-26', last_date: '2027-01-05' },
    counts: { revenue: { before: 2, after: 0, flagged: 1, no_document_date: 0, flagged_amount: '800.00' } },
    line_count: 2, flagged_count: 1, created_by: 'u-1', created_at: '2027-01-10T09:00:00Z',
    lines: [line(0), line(1, { journal_id: 'J2', amount: '-800.00', effective_date: '2026-12-31', document_date: '2027-01-03', flagged: true })],
    selections: [],
    ...overrides,
  }
}

describe('cutoff helpers', () => {
  it('gives every area a row, zeros where the run counted nothing', () => {
    const rows = areaRows(run())
    expect(rows.map((r) => [r.label, r.flagged, r.flaggedAmount])).toEqual([
      ['Revenue', 1, '800.00'],
      ['Receivables', 0, '0.00'],
      ['Inventory', 0, '0.00'],
      ['Payables', 0, '0.00'],
    ])
  })

  it('says why a line is flagged and which lines were not judged', () => {
    expect(flagText({ flagged: true, side: 'before', document_date: '2027-01-03' }, '2026-12-31')).toBe('Posted on or before 2026-12-31, document dated after')
    expect(flagText({ flagged: true, side: 'after', document_date: '2026-12-20' }, '2026-12-31')).toBe('Posted after 2026-12-31, document dated on or before')
    expect(flagText({ flagged: false, side: 'after', document_date: null }, '2026-12-31')).toBe('No document date: not judged')
  })

  it('builds the selection body or says what is missing', () => {
    const input = { chosen: [3, 1], n: '', seed: '', flagged: 0, lines: 4 }
    expect(selectionBody('flagged', input).problems).toEqual(['The run flagged no lines.'])
    expect(selectionBody('chosen', input).body).toEqual({ mode: 'chosen', positions: [1, 3], n: null, seed: null, name: null })
    expect(selectionBody('random', { ...input, n: '5' }).problems).toEqual(['How many: a whole number from 1 to 4.'])
    expect(selectionBody('random', { ...input, n: '2', seed: '7' }).body).toEqual({ mode: 'random', n: 2, seed: 7, positions: null, name: null })
  })
})

describe('Cutoff page', () => {
  it('shows the latest run with its counts and flagged lines, and samples the flagged ones', async () => {
    let selected = false
    const calls = mockApi({
      [`GET ${RUNS}`]: { body: { items: [run()] } },
      [`GET ${RUNS}/run-1`]: () => ({
        body: run(selected ? { selections: [{ id: 's-1', sample_id: 'sample-9', how: { mode: 'flagged', positions: [1] }, created_at: '2027-01-10T10:00:00Z' }] } : {}),
      }),
      [`POST ${RUNS}/run-1/selection`]: () => {
        selected = true
        return { status: 201, body: { sample_id: 'sample-9', run_id: 'run-1', method: 'random', item_count: 1, seed: 0, algorithm: 'cutoff-all-flagged' } }
      },
    })
    renderPage(<Cutoff />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior', my_permissions: TEAM_PERMISSIONS.senior }) })
    const counts = await screen.findByRole('table', { name: 'Counts by area' })
    expect(within(counts).getByRole('rowheader', { name: 'Revenue' }).closest('tr')).toHaveTextContent('800.00')
    const lines = screen.getByRole('table', { name: 'Lines in the window' })
    const flagged = within(lines).getByRole('rowheader', { name: 'J2/1' }).closest('tr') as HTMLElement
    expect(flagged).toHaveTextContent('Posted on or before 2026-12-31, document dated after')
    await userEvent.click(screen.getByRole('button', { name: 'Sample all 1 flagged lines' }))
    const link = await screen.findByRole('link', { name: /flagged selection of 1 lines/ })
    expect(link).toHaveAttribute('href', '/engagements/e-1/sampling/sample-9')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ mode: 'flagged', positions: null, n: null, seed: null, name: null })
  })

  it('runs a test with the days given, and hides running and selecting from staff', async () => {
    let ran = false
    const calls = mockApi({
      [`GET ${RUNS}`]: () => ({ body: { items: ran ? [run({ window_days: 10 })] : [] } }),
      [`POST ${RUNS}`]: () => {
        ran = true
        return { status: 201, body: run({ window_days: 10 }) }
      },
      [`GET ${RUNS}/run-1`]: { body: run({ window_days: 10 }) },
    })
    renderPage(<Cutoff />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'manager' }) })
    expect(await screen.findByText('No cut-off test has been run on this engagement yet.')).toBeInTheDocument()
    const days = screen.getByLabelText(/Days either side/)
    await userEvent.clear(days)
    await userEvent.type(days, '10')
    await userEvent.click(screen.getByRole('button', { name: 'Run the cut-off test' }))
    expect(await screen.findByRole('table', { name: 'Counts by area' })).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ window_days: 10 })
  })

  it('shows staff the run without the run button (no analytics.run)', async () => {
    mockApi({ [`GET ${RUNS}`]: { body: { items: [run()] } }, [`GET ${RUNS}/run-1`]: { body: run() } })
    renderPage(<Cutoff />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    expect(await screen.findByRole('table', { name: 'Lines in the window' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Run the cut-off test' })).not.toBeInTheDocument()
  })
})
