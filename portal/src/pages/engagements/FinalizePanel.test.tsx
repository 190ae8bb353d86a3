import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { FinalizePanel, reasonLink } from './FinalizePanel'

const ROUTE = '/engagements/:engagementId'
const PATH = '/engagements/e-1'
const REASONS = [
  'The QC gate has not passed (every blocking check must pass or be waived with a reason): 2 blocking policies failed',
  'The report has not been approved',
  'No partner has signed the report',
]

describe('FinalizePanel', () => {
  it('links each reason to where it is cleared', () => {
    expect(reasonLink(REASONS[0])?.path).toBe('qc')
    expect(reasonLink(REASONS[1])?.path).toBe('report')
    expect(reasonLink(REASONS[2])?.path).toBe('report')
    expect(reasonLink('Something else')).toBeNull()
  })

  it('lists what is missing before finalizing, each with a link, and holds the button', async () => {
    mockApi({ 'GET /api/engagements/e-1/finalization-readiness': { body: { ready: false, reasons: REASONS } } })
    const engagement = makeEngagement({ my_role: 'partner', status: 'review' })
    renderPage(<FinalizePanel engagement={engagement} />, { route: ROUTE, path: PATH, engagement })
    expect(await screen.findByText(/3 things missing/)).toBeInTheDocument()
    const missing = screen.getByRole('list', { name: 'Missing before finalizing' })
    const items = within(missing).getAllByRole('listitem')
    expect(items.map((i) => i.textContent)).toEqual([
      `${REASONS[0]} · Open quality control`,
      `${REASONS[1]} · Open the report`,
      `${REASONS[2]} · Open the report`,
    ])
    expect(within(items[0]).getByRole('link')).toHaveAttribute('href', '/engagements/e-1/qc')
    expect(screen.getByRole('button', { name: 'Finalize…' })).toBeDisabled()
  })

  it('finalizes for the partner once ready, after a confirmation', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/finalization-readiness': { body: { ready: true, reasons: [] } },
      'POST /api/engagements/e-1/transitions': {
        body: { from_status: 'review', to_status: 'finalized', engagement: makeEngagement({ status: 'finalized', locked: true }) },
      },
    })
    const engagement = makeEngagement({ my_role: 'partner', status: 'review' })
    let finalized = 0
    renderPage(<FinalizePanel engagement={engagement} onFinalized={() => (finalized += 1)} />, { route: ROUTE, path: PATH, engagement })
    expect(await screen.findByText(/Ready to finalize/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Finalize…' }))
    expect(screen.getByRole('region', { name: 'Confirm finalizing' })).toHaveTextContent('cannot be undone')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await userEvent.click(screen.getByRole('button', { name: 'Finalize the engagement' }))
    await expect.poll(() => finalized).toBe(1)
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ to: 'finalized', reason: null })
  })

  it('shows the refusal with its reasons when the API will not finalize', async () => {
    mockApi({
      'GET /api/engagements/e-1/finalization-readiness': { body: { ready: true, reasons: [] } },
      'POST /api/engagements/e-1/transitions': {
        status: 409,
        body: { type: 'x', title: 'Conflict', status: 409, detail: 'The engagement cannot be finalized yet', code: 'not_ready', reasons: ['No partner has signed the report'] },
      },
    })
    const engagement = makeEngagement({ my_role: 'partner', status: 'review' })
    renderPage(<FinalizePanel engagement={engagement} />, { route: ROUTE, path: PATH, engagement })
    await userEvent.click(await screen.findByRole('button', { name: 'Finalize…' }))
    await userEvent.click(screen.getByRole('button', { name: 'Finalize the engagement' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The engagement cannot be finalized yet')
    expect(within(screen.getByRole('list', { name: 'Why it was refused' })).getByText('No partner has signed the report')).toBeInTheDocument()
  })

  it('tells a manager only the partner finalizes, and shows nothing outside review', async () => {
    mockApi({ 'GET /api/engagements/e-1/finalization-readiness': { body: { ready: true, reasons: [] } } })
    const manager = makeEngagement({ my_role: 'manager', status: 'review' })
    const { unmount } = renderPage(<FinalizePanel engagement={manager} />, { route: ROUTE, path: PATH, engagement: manager })
    expect(await screen.findByText('Only the engagement partner can finalize.')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Finalize…' })).not.toBeInTheDocument()
    unmount()
    const fieldwork = makeEngagement({ my_role: 'partner', status: 'fieldwork' })
    renderPage(<FinalizePanel engagement={fieldwork} />, { route: ROUTE, path: PATH, engagement: fieldwork })
    expect(screen.queryByRole('region', { name: 'Finalization' })).not.toBeInTheDocument()
  })
})
