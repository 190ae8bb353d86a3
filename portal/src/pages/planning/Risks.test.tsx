import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { risk } from './fixtures'
import { Risks } from './Risks'

const ROUTE = '/engagements/:engagementId/risks'
const PATH = '/engagements/e-1/risks'
const page = (items: unknown[]) => ({ body: { items, page: 1, page_size: 500, total: items.length } })
const binder = {
  body: {
    engagement_id: 'e-1',
    nodes: [
      { id: 'f-1', kind: 'folder', index_code: 'R', title: 'Revenue', children: [
        { id: 'n-1', kind: 'workpaper', index_code: 'R-100', title: 'Revenue cut-off test', children: [] },
        { id: 'n-2', kind: 'workpaper', index_code: 'R-200', title: 'Revenue analytics', children: [] },
      ] },
    ],
  },
}
const register = [
  risk(),
  risk({ id: 'r-2', area: 'Inventory', assertion: 'valuation', description: 'Obsolete stock', inherent_risk: 'moderate', control_risk: 'low', rmm: 'low', fraud_risk: false, significant_risk: false, procedures: [], procedure_node_ids: [] }),
]

describe('Risks', () => {
  it('counts the risks in the RMM matrix, filters by a cell and links procedures to the binder', async () => {
    mockApi({ 'GET /api/engagements/e-1/risks': page(register) })
    renderPage(<Risks />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    const matrix = await screen.findByRole('table', { name: 'RMM matrix' })
    expect(within(matrix).getByRole('button', { name: 'Inherent high, control high: 1 risks, RMM high' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'R-100 Revenue cut-off test' })).toHaveAttribute('href', '/engagements/e-1/binder/n-1')
    expect(screen.getByText('2 of 2 risks · Enter or click a row to change it')).toBeInTheDocument()
    await userEvent.click(within(matrix).getByRole('button', { name: /Inherent moderate, control low/ }))
    expect(screen.getByText(/^1 of 2 risks/)).toBeInTheDocument()
    expect(screen.getByRole('cell', { name: 'Inventory' })).toBeInTheDocument()
    expect(screen.queryByRole('cell', { name: 'Revenue' })).not.toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Show every cell' }))
    await userEvent.click(screen.getByLabelText('Fraud risks only'))
    expect(screen.getByText(/^1 of 2 risks/)).toBeInTheDocument()
    expect(screen.getByRole('cell', { name: 'Revenue' })).toBeInTheDocument()
  })

  it('adds a fraud risk linked to a workpaper', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/risks': page([]),
      'GET /api/engagements/e-1/binder': binder,
      'POST /api/engagements/e-1/risks': { status: 201, body: risk() },
    })
    renderPage(<Risks />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText('No risk has been assessed yet.')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Add a risk' }))
    const dialog = screen.getByRole('dialog', { name: 'Add a risk' })
    await userEvent.type(within(dialog).getByLabelText('Account or area'), 'Revenue')
    await userEvent.selectOptions(within(dialog).getByLabelText('Assertion'), 'cut_off')
    await userEvent.type(within(dialog).getByLabelText('Description'), 'Sales recorded early')
    await userEvent.selectOptions(within(dialog).getByLabelText('Inherent risk'), 'high')
    await userEvent.click(within(dialog).getByLabelText('Fraud risk'))
    await userEvent.click(await within(dialog).findByLabelText('R-100 Revenue cut-off test'))
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add risk' }))
    expect(await screen.findByRole('heading', { name: 'Risk assessment' })).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      area: 'Revenue', assertion: 'cut_off', description: 'Sales recorded early', inherent_risk: 'high', control_risk: 'high',
      fraud_risk: true, significant_risk: false, procedure_node_ids: ['n-1'],
    })
  })

  it('changes a risk from its row and shows the API’s refusal', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/risks': page(register),
      'GET /api/engagements/e-1/binder': binder,
      'PATCH /api/engagements/e-1/risks/r-2': { status: 409, body: { type: 'x', title: 'Conflict', status: 409, detail: 'The engagement is finalized', code: 'engagement_locked' } },
    })
    renderPage(<Risks />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('cell', { name: 'Inventory' }))
    const dialog = screen.getByRole('dialog', { name: 'Change the risk' })
    await userEvent.selectOptions(within(dialog).getByLabelText('Control risk'), 'high')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save changes' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('The engagement is finalized')
    expect(calls.find((c) => c.method === 'PATCH')?.body).toMatchObject({ control_risk: 'high', area: 'Inventory' })
  })

  it('is read-only for staff', async () => {
    mockApi({ 'GET /api/engagements/e-1/risks': page(register) })
    renderPage(<Risks />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff' }) })
    await screen.findByRole('table', { name: 'RMM matrix' })
    expect(screen.queryByRole('button', { name: 'Add a risk' })).not.toBeInTheDocument()
    expect(screen.getByText('2 of 2 risks')).toBeInTheDocument()
  })
})
