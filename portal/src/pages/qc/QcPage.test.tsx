import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { run, waiver } from './fixtures'
import { QcPage } from './QcPage'

const ROUTE = '/engagements/:engagementId/qc'
const PATH = '/engagements/e-1/qc'
const partner = () => makeEngagement({ my_role: 'partner', status: 'review' })
const noRun = { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'QC has not been run on this engagement', code: 'no_qc_run' } }

describe('QcPage', () => {
  it('lists the policies with their status, what is missing and a link to where it is fixed', async () => {
    mockApi({
      'GET /api/engagements/e-1/qc': { body: run() },
      'GET /api/engagements/e-1/qc/waivers': { body: { items: [waiver()] } },
    })
    renderPage(<QcPage />, { route: ROUTE, path: PATH, engagement: partner() })
    const table = await screen.findByRole('table', { name: 'QC policies' })
    const rows = within(table).getAllByRole('row').slice(1)
    // Failed blocking first, then failed advisory, then waived, then passed.
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual([
      'Evidence for accounts above performance materialityevidence_above_performance_materiality',
      'Subsequent events reviewedsubsequent_events',
      'Review notes clearedreview_notes',
      'Materiality is setmateriality',
    ])
    expect(within(rows[0]).getByText('failed')).toBeInTheDocument()
    expect(within(rows[0]).getByText('Blocking')).toBeInTheDocument()
    expect(within(rows[0]).getByText(/2 of 3 accounts at or above performance materiality/)).toBeInTheDocument()
    const missing = within(rows[0]).getByRole('list', { name: /Missing for Evidence/ })
    expect(within(missing).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['1000 Cash at bank', '1100 Trade debtors'])
    expect(within(rows[0]).getByRole('link', { name: /Evidence: fix/ })).toHaveAttribute('href', '/engagements/e-1/evidence')
    expect(within(rows[1]).getByText('Advisory')).toBeInTheDocument()
    expect(within(rows[2]).getByText('waived')).toBeInTheDocument()
    expect(within(rows[2]).getByText(/Waived: “The open note is a typo/)).toBeInTheDocument()
    expect(within(rows[2]).getByRole('link', { name: /Review notes: fix/ })).toHaveAttribute('href', '/engagements/e-1/review-notes')
    expect(within(rows[3]).getByText('passed')).toBeInTheDocument()
    expect(within(rows[3]).queryByRole('link')).not.toBeInTheDocument()
    // Only a failed policy may be waived.
    expect(within(rows[0]).getByRole('button', { name: /Waive Evidence/ })).toBeInTheDocument()
    expect(within(rows[2]).queryByRole('button')).not.toBeInTheDocument()
    expect(screen.getByText('The QC gate did not pass: 1 blocking policy has failed.')).toBeInTheDocument()
    const waivers = screen.getByRole('list', { name: 'Waivers in force' })
    expect(within(waivers).getByText('Review notes cleared')).toBeInTheDocument()
    expect(within(waivers).getByText(/typo in a heading/)).toBeInTheDocument()
    expect(within(waivers).getByText(/by Pat Partner/)).toBeInTheDocument()
    // A run that still describes the file carries no warning.
    expect(screen.queryByText(/older than the file/)).not.toBeInTheDocument()
  })

  it('warns that a run is older than the file, with the reason, and runs the checks again from the warning', async () => {
    const reason = 'QC ran before a sign-off was withdrawn; run it again'
    let ran = false
    const calls = mockApi({
      'GET /api/engagements/e-1/qc': () => ({ body: ran ? run({ run_id: 'run-2' }) : run({ passed: true, stale: { stale: true, reason } }) }),
      'GET /api/engagements/e-1/qc/waivers': { body: { items: [] } },
      'POST /api/engagements/e-1/qc/run': () => {
        ran = true
        return { body: run({ run_id: 'run-2' }) }
      },
    })
    renderPage(<QcPage />, { route: ROUTE, path: PATH, engagement: partner() })
    const warning = await screen.findByRole('alert')
    expect(warning).toHaveTextContent('These results are older than the file: QC ran before a sign-off was withdrawn. Run the checks again.')
    // The verdict of the run is still shown, under the warning.
    expect(screen.getByText(/^The QC gate passed/)).toBeInTheDocument()
    await userEvent.click(within(warning).getByRole('button', { name: 'Run the checks again' }))
    expect(await screen.findByText(/^QC run: The QC gate did not pass/)).toBeInTheDocument()
    expect(screen.queryByText(/older than the file/)).not.toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'POST' && c.path === '/api/engagements/e-1/qc/run')).toHaveLength(1)
  })

  it('tells someone who may not run QC that the results are stale, without a run button', async () => {
    mockApi({
      'GET /api/engagements/e-1/qc': { body: run({ stale: { stale: true, reason: 'QC ran before materiality changed; run it again' } }) },
      'GET /api/engagements/e-1/qc/waivers': { body: { items: [] } },
    })
    renderPage(<QcPage />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    const warning = await screen.findByRole('alert')
    expect(warning).toHaveTextContent('These results are older than the file: QC ran before materiality changed. Run the checks again.')
    expect(warning).toHaveTextContent('A manager, partner or QC reviewer can run them.')
    expect(within(warning).queryByRole('button')).not.toBeInTheDocument()
  })

  it('refuses a waiver reason under 20 characters before sending, then waives with the reason', async () => {
    let waived = false
    const calls = mockApi({
      'GET /api/engagements/e-1/qc': { body: run() },
      'GET /api/engagements/e-1/qc/waivers': () => ({ body: { items: waived ? [waiver({ id: 'w-2', policy: 'evidence_above_performance_materiality' })] : [] } }),
      'POST /api/engagements/e-1/qc/waivers': () => {
        waived = true
        return { status: 201, body: waiver({ id: 'w-2', policy: 'evidence_above_performance_materiality' }) }
      },
    })
    renderPage(<QcPage />, { route: ROUTE, path: PATH, engagement: partner() })
    await userEvent.click(await screen.findByRole('button', { name: /Waive Evidence/ }))
    const form = screen.getByRole('form', { name: /Waive Evidence/ })
    const reason = within(form).getByLabelText('Reason for the waiver')
    expect(reason).toHaveFocus()
    await userEvent.click(reason)
    await userEvent.paste('Immaterial account')
    await userEvent.click(within(form).getByRole('button', { name: 'Waive the policy' }))
    expect(await within(form).findByRole('alert')).toHaveTextContent('The reason needs at least 20 characters (it has 18).')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await userEvent.click(reason)
    await userEvent.paste(', confirmed to bank statement')
    await userEvent.click(within(form).getByRole('button', { name: 'Waive the policy' }))
    expect(await screen.findByText(/Evidence for accounts above performance materiality is waived/)).toBeInTheDocument()
    // Waived after the run: no second waiver is offered; the next run counts it.
    const row = screen.getAllByRole('row')[1]
    expect(await within(row).findByText('Waived since this run: run the checks again.')).toBeInTheDocument()
    expect(within(row).queryByRole('button', { name: /Waive/ })).not.toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      policy: 'evidence_above_performance_materiality',
      reason: 'Immaterial account, confirmed to bank statement',
    })
  })

  it('shows the API refusing a waiver (a senior may not waive)', async () => {
    mockApi({
      'GET /api/engagements/e-1/qc': { body: run() },
      'GET /api/engagements/e-1/qc/waivers': { body: { items: [] } },
      'POST /api/engagements/e-1/qc/waivers': { status: 403, body: { type: 'x', title: 'Forbidden', status: 403, detail: 'Only the partner or a QC reviewer may waive a policy', code: 'forbidden' } },
    })
    renderPage(<QcPage />, { route: ROUTE, path: PATH, engagement: partner() })
    await userEvent.click(await screen.findByRole('button', { name: /Waive Subsequent/ }))
    await userEvent.click(screen.getByLabelText('Reason for the waiver'))
    await userEvent.paste('Reviewed by phone with the client on the 5th')
    await userEvent.click(screen.getByRole('button', { name: 'Waive the policy' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Only the partner or a QC reviewer may waive a policy')
  })

  it('withdraws a waiver', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/qc': { body: run() },
      'GET /api/engagements/e-1/qc/waivers': { body: { items: [waiver()] } },
      'DELETE /api/engagements/e-1/qc/waivers/w-1': { status: 204 },
    })
    renderPage(<QcPage />, { route: ROUTE, path: PATH, engagement: partner() })
    await userEvent.click(await screen.findByRole('button', { name: 'Withdraw the waiver of Review notes cleared' }))
    expect(await screen.findByText(/The waiver of Review notes cleared was withdrawn/)).toBeInTheDocument()
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/engagements/e-1/qc/waivers/w-1')).toBe(true)
  })

  it('says QC has not run, and runs it for someone who may', async () => {
    let ran = false
    const calls = mockApi({
      'GET /api/engagements/e-1/qc': () => (ran ? { body: run({ passed: true }) } : noRun),
      'GET /api/engagements/e-1/qc/waivers': { body: { items: [] } },
      'POST /api/engagements/e-1/qc/run': () => {
        ran = true
        return { body: run({ passed: true, policies: run().policies.map((p) => ({ ...p, status: p.blocking && p.status === 'failed' ? 'waived' : p.status })) }) }
      },
    })
    renderPage(<QcPage />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'manager' }) })
    expect(await screen.findByText(/The QC checks have not been run/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Run the QC checks' }))
    expect(await screen.findByText(/^QC run: The QC gate passed/)).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'POST' && c.path === '/api/engagements/e-1/qc/run')).toHaveLength(1)
  })

  it('offers neither running nor waiving to staff', async () => {
    mockApi({
      'GET /api/engagements/e-1/qc': { body: run() },
      'GET /api/engagements/e-1/qc/waivers': { body: { items: [waiver()] } },
    })
    renderPage(<QcPage />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    await screen.findByRole('table', { name: 'QC policies' })
    expect(screen.queryByRole('button', { name: /Run the/ })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Waive/ })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Withdraw/ })).not.toBeInTheDocument()
    expect(screen.getByText('Only the engagement partner or a QC reviewer can waive a policy.')).toBeInTheDocument()
  })
})
