import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { useLocation } from 'react-router'
import { FIRM_PERMISSIONS, makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { EXCEPTIONS, RUNS, TESTS, makeRun, makeTest, problem } from './fixtures'
import { JeSummary } from './JeSummary'

const engagement = makeEngagement()
const ROUTE = '/engagements/:engagementId/je-tests/:runId'

function Where() {
  const location = useLocation()
  return <p>At {location.pathname}</p>
}
const extraRoutes = [
  { path: '/engagements/:engagementId/je-tests/:runId/tests/:code', element: <Where /> },
]

const base = {
  'GET /api/engagements/e-1/je-tests/r-1': { body: makeRun() },
  'GET /api/engagements/e-1/je-tests/runs': { body: RUNS },
  'GET /api/engagements/e-1/je-tests/exceptions': { body: EXCEPTIONS },
}

const rowOf = (name: string) => screen.getAllByRole('row').find((row) => within(row).queryByText(name) !== null)!

describe('JeSummary', () => {
  it('says a test that skipped lines ran on N of M lines, and one that could test no line is not applicable', async () => {
    const run = makeRun()
    run.tests = run.tests.map((t) =>
      t.code === 'after_hours'
        ? { ...t, skipped_lines: 20, lines_tested: 150, lines_total: 170 }
        : t.code === 'round_amount'
          ? { ...t, status: 'not_applicable' as const, flagged_lines: 0, flagged_journals: 0, missing_fields: ['entered_by'], skipped_lines: 170 }
          : t,
    )
    mockApi({ ...base, 'GET /api/engagements/e-1/je-tests/r-1': { body: run } })
    renderPage(<JeSummary />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1', engagement, extraRoutes })
    await screen.findByRole('table', { name: /Tests/ })
    expect(rowOf('After hours')).toHaveTextContent('ran on 150 of 170 lines')
    expect(rowOf('Round amount')).toHaveTextContent(/not.applicable/i)
    expect(rowOf('Round amount')).toHaveTextContent('Entered by')
  })

  it('lists each test with its counts and opens the lines of one with Enter', async () => {
    mockApi(base)
    renderPage(<JeSummary />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1', engagement, extraRoutes })
    const table = await screen.findByRole('table', { name: /Tests/ })
    expect(within(table).getAllByRole('row')).toHaveLength(1 + 7)
    const afterHours = rowOf('After hours')
    expect(within(afterHours).getByText('4')).toBeInTheDocument() // flagged lines
    expect(within(afterHours).getByText('2')).toBeInTheDocument() // flagged journals
    expect(within(afterHours).getByText(/from hour 20 · to hour 5/)).toBeInTheDocument()
    const postDated = rowOf('Post dated')
    expect(within(postDated).getByText('not applicable')).toBeInTheDocument()
    expect(within(postDated).getByText('Document date')).toBeInTheDocument()
    expect(within(rowOf('Sequence gap')).getByText(/1 gap: 1003 → 1005/)).toBeInTheDocument()
    expect(within(rowOf('High amount')).getByText('Basis: Performance materiality')).toBeInTheDocument()

    // population and triage
    expect(screen.getAllByText('20,030.55', { selector: 'dd' })).toHaveLength(2)
    expect(await screen.findByTestId('je-unresolved')).toHaveTextContent('2')
    expect(screen.getByRole('link', { name: 'Risk-ranked journals' })).toHaveAttribute('href', '/engagements/e-1/je-tests/r-1/journals')
    expect(screen.getByRole('combobox', { name: 'Run' })).toHaveValue('r-1')

    afterHours.focus()
    await userEvent.keyboard('{Enter}')
    expect(await screen.findByText('At /engagements/e-1/je-tests/r-1/tests/after_hours')).toBeInTheDocument()
  })

  it('polls a running run and shows the results when it completes', async () => {
    let reads = 0
    mockApi({
      ...base,
      'GET /api/engagements/e-1/je-tests/r-1': () => {
        reads += 1
        return { body: reads < 2 ? makeRun({ status: 'running', population: null, tests: [], completed_at: null }) : makeRun() }
      },
    })
    renderPage(<JeSummary />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1', engagement })
    expect(await screen.findByText(/The tests are running/)).toBeInTheDocument()
    expect(screen.queryByRole('table', { name: /Tests/ })).not.toBeInTheDocument()
    expect(await screen.findByRole('table', { name: /Tests/ }, { timeout: 3000 })).toBeInTheDocument()
    expect(reads).toBeGreaterThanOrEqual(2)
    expect(screen.queryByText(/The tests are running/)).not.toBeInTheDocument()
    expect(screen.getByText('completed', { selector: '.badge' })).toBeInTheDocument()
  })

  it('shows a scoring run\'s rule-based results at once and keeps polling until the forest is done', async () => {
    let reads = 0
    const scoring = makeRun({
      status: 'scoring',
      completed_at: null,
      tests: [...TESTS, makeTest({ code: 'isolation_forest', title: 'Isolation Forest anomalies', status: 'scoring', weight: 0 })],
    })
    mockApi({
      ...base,
      'GET /api/engagements/e-1/je-tests/r-1': () => {
        reads += 1
        return { body: reads < 2 ? scoring : makeRun() }
      },
    })
    renderPage(<JeSummary />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1', engagement, extraRoutes })
    expect(await screen.findByText(/The rule-based tests have finished/)).toBeInTheDocument()
    expect(screen.getByRole('table', { name: /Tests/ })).toBeInTheDocument()
    expect(within(rowOf('After hours')).getByText('4')).toBeInTheDocument()
    expect(within(rowOf('Isolation forest')).getByText('scoring', { selector: '.badge' })).toBeInTheDocument()
    expect(screen.queryByRole('link', { name: 'Risk-ranked journals' })).not.toBeInTheDocument()
    await waitFor(() => expect(screen.queryByText(/The rule-based tests have finished/)).not.toBeInTheDocument(), { timeout: 3000 })
    expect(reads).toBeGreaterThanOrEqual(2)
    expect(screen.getByRole('link', { name: 'Risk-ranked journals' })).toBeInTheDocument()
  })

  it('explains that the tests start with a ledger when there is no run, and starts them on request', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/je-tests': { status: 404, body: problem(404, 'The engagement has no journal-entry test run yet', 'no_run') },
      'GET /api/engagements/e-1/je-tests/runs': { body: { items: [], page: 1, page_size: 100, total: 0 } },
      'POST /api/engagements/e-1/je-tests': { status: 409, body: problem(409, 'The engagement has no general ledger loaded yet', 'no_general_ledger') },
    })
    renderPage(<JeSummary />, { route: '/engagements/:engagementId/je-tests', path: '/engagements/e-1/je-tests', engagement })
    expect(await screen.findByText(/start by themselves when a general ledger loads/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Run tests' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The engagement has no general ledger loaded yet')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ tests: null, parameters: null })
  })

  it('hides running the tests from those who may not', async () => {
    mockApi(base)
    const me = makeMe({ roles: ['staff'], permissions: FIRM_PERMISSIONS.filter((p) => p !== 'analytics.run') })
    renderPage(<JeSummary />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1', engagement, me })
    await screen.findByRole('table', { name: /Tests/ })
    expect(screen.queryByRole('button', { name: 'Run again with changes' })).not.toBeInTheDocument()
  })

  it('re-runs the chosen tests with the run\'s parameters and the edits, and shows the refusal of the API', async () => {
    const calls = mockApi({
      ...base,
      'POST /api/engagements/e-1/je-tests': {
        status: 422,
        body: problem(422, 'parameters.round_amount.base: Input should be greater than 0', 'validation_failed', [
          { loc: ['body', 'parameters', 'round_amount', 'base'], msg: 'Input should be greater than 0', type: 'greater_than' },
        ]),
      },
    })
    renderPage(<JeSummary />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1', engagement })
    await userEvent.click(await screen.findByRole('button', { name: 'Run again with changes' }))
    const dialog = screen.getByRole('dialog', { name: 'Run again with changes' })

    // run two tests only, and change one parameter of one of them
    await userEvent.click(within(dialog).getByRole('button', { name: 'Clear selection' }))
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Round amount' }))
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'After hours' }))
    const round = within(dialog).getByRole('group', { name: 'Round amount' })
    const baseInput = within(round).getByLabelText('Base')
    expect(baseInput).toHaveValue('1000')

    await userEvent.clear(baseInput)
    await userEvent.type(baseInput, 'abc')
    expect(within(round).getByText(/is not a number/)).toBeInTheDocument()
    await userEvent.click(within(dialog).getByRole('button', { name: 'Start run' }))
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Correct the parameter marked below')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    await userEvent.clear(baseInput)
    await userEvent.type(baseInput, '0{Enter}')
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1))
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      tests: ['round_amount', 'after_hours'],
      parameters: { round_amount: { base: '0' }, after_hours: { from_hour: 20, to_hour: 5 } },
    })
    const alert = await within(dialog).findByText('parameters.round_amount.base: Input should be greater than 0', { selector: 'li' })
    expect(alert).toBeInTheDocument()
    expect(within(round).getByText('Input should be greater than 0')).toBeInTheDocument()
  })

  it('goes to the new run once it has started, and polls it', async () => {
    let reads = 0
    const calls = mockApi({
      ...base,
      'POST /api/engagements/e-1/je-tests': { status: 202, body: { run_id: 'r-2', job_id: 'j-2' } },
      'GET /api/engagements/e-1/je-tests/r-2': () => {
        reads += 1
        return { body: makeRun({ id: 'r-2', trigger: 'manual', status: reads < 2 ? 'queued' : 'completed' }) }
      },
    })
    renderPage(<JeSummary />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1', engagement })
    await userEvent.click(await screen.findByRole('button', { name: 'Run again with changes' }))
    const dialog = screen.getByRole('dialog')
    const hours = within(within(dialog).getByRole('group', { name: 'After hours' })).getByLabelText('From hour')
    await userEvent.clear(hours)
    await userEvent.type(hours, '19')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Start run' }))
    expect(await screen.findByText(/The tests are running/)).toBeInTheDocument()
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument()
    const body = calls.find((c) => c.method === 'POST')?.body as { tests: string[]; parameters: unknown }
    expect(body.tests).toHaveLength(19)
    expect((body.parameters as Record<string, unknown>).after_hours).toEqual({ from_hour: 19, to_hour: 5 })
    expect((body.parameters as Record<string, unknown>).round_amount).toEqual({ base: '1000' })
    expect(await screen.findByText('started by hand · general ledger v1', { exact: false }, { timeout: 3000 })).toBeInTheDocument()
    await waitFor(() => expect(screen.queryByText(/The tests are running/)).not.toBeInTheDocument(), { timeout: 3000 })
  })

  it('downloads the exports', async () => {
    const calls = mockApi({ ...base, 'GET /api/engagements/e-1/je-tests/r-1/export': { body: 'journal_id\n', headers: { 'Content-Disposition': 'attachment; filename="je-tests-v1-journals.csv"' } } })
    // jsdom has no object URLs and does not navigate: the browser's part of saving a file is stubbed.
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    renderPage(<JeSummary />, { route: ROUTE, path: '/engagements/e-1/je-tests/r-1', engagement })
    await userEvent.click(await screen.findByRole('button', { name: 'Export journals (CSV)' }))
    expect(await screen.findByText('Downloaded je-tests-v1-journals.csv.')).toBeInTheDocument()
    const call = calls.find((c) => c.path.endsWith('/export'))!
    expect(Object.fromEntries(call.search)).toEqual({ what: 'journals', format: 'csv' })
    expect(click).toHaveBeenCalledTimes(1)
  })
})
