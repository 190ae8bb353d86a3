import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { Confirmations } from './Confirmations'
import { confirmation, summaryLine } from './confirmations.fixtures'

const ROUTE = '/engagements/:engagementId/confirmations'
const PATH = '/engagements/e-1/confirmations'
const C = '/api/engagements/e-1/confirmations'

const noneYet = { [`GET ${C}`]: { body: { items: [] } }, [`GET ${C}/summary`]: { body: { accounts: [] } } }

afterEach(() => {
  vi.restoreAllMocks()
})

describe('Confirmations', () => {
  it('shows the coverage by account and the log, and filters the log by kind and status', async () => {
    const calls = mockApi({
      [`GET ${C}`]: {
        body: {
          items: [
            confirmation({ status: 'received', sent_date: '2027-01-10', received_date: '2027-01-20', response_amount: '2300.00', difference: '-200.00', exception: true, party_name: 'Contoso', amount_per_books: '2500.00' }),
            confirmation({ id: 'c-2', kind: 'bank', party_name: 'First Bank', account_number: '1000', amount_per_books: '13500.00' }),
          ],
        },
      },
      [`GET ${C}/summary`]: { body: { accounts: [summaryLine(), summaryLine({ account_number: null, account_name: null, balance_per_books: null, coverage_percent: null, requests: 1 })] } },
    })
    renderPage(<Confirmations />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(screen.getByRole('navigation', { name: 'Fieldwork' })).toBeInTheDocument()

    const coverage = await screen.findByRole('table', { name: 'Coverage by account' })
    const [debtors, unassigned] = within(coverage).getAllByRole('row').slice(1)
    expect(within(debtors).getAllByRole('cell').map((cell) => cell.textContent)).toEqual(['7,000.00', '4', '3,000.00', '42.86%', '1', '(200.00)', '1', '1'])
    expect(within(debtors).getByRole('rowheader')).toHaveTextContent('1100 Trade debtors')
    expect(within(unassigned).getByRole('rowheader')).toHaveTextContent('No account')
    expect(within(unassigned).getAllByRole('cell')[3]).toHaveTextContent('–')

    const log = screen.getByRole('table', { name: 'Confirmation log' })
    const contoso = within(log).getAllByRole('row')[1]
    expect(within(contoso).getByRole('rowheader')).toHaveTextContent('Contoso exception')
    expect(within(contoso).getByText('received')).toBeInTheDocument()
    expect(within(contoso).getByText('(200.00)')).toBeInTheDocument()
    expect(within(contoso).getByRole('button', { name: 'Close the request to Contoso' })).toBeInTheDocument()
    expect(within(contoso).queryByRole('button', { name: /Mark the request/ })).not.toBeInTheDocument()
    const bank = within(log).getAllByRole('row')[2]
    expect(within(bank).getByRole('button', { name: 'Mark the request to First Bank sent' })).toBeInTheDocument()

    await userEvent.selectOptions(screen.getByLabelText('Kind'), 'bank')
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'draft')
    const last = calls.filter((c) => c.path === C).at(-1)!
    expect(Object.fromEntries(last.search)).toEqual({ kind: 'bank', status: 'draft' })
  })

  it('checks a new request before sending it, then creates it with what was filled in', async () => {
    let created = false
    const calls = mockApi({
      [`GET ${C}`]: () => ({ body: { items: created ? [confirmation({ party_name: 'Northwind Traders' })] : [] } }),
      [`GET ${C}/summary`]: { body: { accounts: [] } },
      [`POST ${C}`]: () => {
        created = true
        return { status: 201, body: confirmation({ party_name: 'Northwind Traders' }) }
      },
    })
    renderPage(<Confirmations />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    await userEvent.click(await screen.findByRole('button', { name: 'New confirmation' }))
    const form = screen.getByRole('form', { name: 'New confirmation request' })
    await userEvent.click(within(form).getByRole('button', { name: 'Create the request' }))
    expect(within(form).getByRole('alert')).toHaveTextContent('Name the confirming party.')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    await userEvent.type(within(form).getByLabelText('Confirming party'), 'Northwind Traders')
    await userEvent.type(within(form).getByLabelText('Trial balance account', { exact: false }), '1100')
    await userEvent.click(within(form).getByLabelText(/Blank: the customer states the amount/))
    await userEvent.click(within(form).getByRole('button', { name: 'Create the request' }))
    expect(await screen.findByText('A draft request to Northwind Traders is created.')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      kind: 'receivable',
      form: 'positive',
      blank: true,
      party_name: 'Northwind Traders',
      account_number: '1100',
    })
    expect(await screen.findByRole('table', { name: 'Confirmation log' })).toHaveTextContent('Northwind Traders')
  })

  it('records a reply and closes the exception with its resolution', async () => {
    let state = confirmation({ status: 'sent', sent_date: '2027-01-10' })
    const calls = mockApi({
      [`GET ${C}`]: () => ({ body: { items: [state] } }),
      [`GET ${C}/summary`]: { body: { accounts: [summaryLine()] } },
      [`POST ${C}/c-1/reply`]: () => {
        state = { ...state, status: 'received', received_date: '2027-01-20', response_amount: '2800.00', difference: '-200.00', exception: true }
        return { body: state }
      },
      [`POST ${C}/c-1/close`]: () => {
        state = { ...state, status: 'closed_with_exception', resolution: 'Credit note CN-77 posted in January' }
        return { body: state }
      },
    })
    renderPage(<Confirmations />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior', my_permissions: TEAM_PERMISSIONS.senior }) })
    await userEvent.click(await screen.findByRole('button', { name: 'Record the reply of Northwind Traders' }))
    const reply = screen.getByRole('form', { name: 'Record the reply of Northwind Traders' })
    await userEvent.type(within(reply).getByLabelText('Received on'), '2027-01-09')
    await userEvent.click(within(reply).getByRole('button', { name: 'Record the reply' }))
    expect(within(reply).getByRole('alert')).toHaveTextContent('The reply cannot be received before the request was sent (2027-01-10).')
    await userEvent.clear(within(reply).getByLabelText('Received on'))
    await userEvent.type(within(reply).getByLabelText('Received on'), '2027-01-20')
    await userEvent.type(within(reply).getByLabelText('Amount the party stated'), '2,800.00')
    await userEvent.click(within(reply).getByRole('button', { name: 'Record the reply' }))
    expect(await screen.findByText('The reply of Northwind Traders is recorded as an exception (difference (200.00)).')).toBeInTheDocument()
    expect(calls.find((c) => c.path === `${C}/c-1/reply`)?.body).toEqual({ received_date: '2027-01-20', response_amount: '2800.00', exception: null })

    await userEvent.click(await screen.findByRole('button', { name: 'Close the request to Northwind Traders' }))
    const close = screen.getByRole('form', { name: 'Close the request to Northwind Traders' })
    await userEvent.click(within(close).getByRole('button', { name: 'Close the request' }))
    expect(within(close).getByRole('alert')).toHaveTextContent('How the exception was resolved: required to close this request.')
    await userEvent.type(within(close).getByLabelText('How the exception was resolved'), 'Credit note CN-77 posted in January')
    await userEvent.click(within(close).getByRole('button', { name: 'Close the request' }))
    expect(await screen.findByText('The request to Northwind Traders is closed with exception.')).toBeInTheDocument()
    expect(calls.find((c) => c.path === `${C}/c-1/close`)?.body).toEqual({ resolution: 'Credit note CN-77 posted in January', alternative_procedures: null })
  })

  it('asks for alternative procedures to close an unanswered positive request, and tells staff an exception is a reviewer’s', async () => {
    mockApi({
      [`GET ${C}`]: {
        body: {
          items: [
            confirmation({ status: 'second_request_sent', sent_date: '2027-01-10' }),
            confirmation({ id: 'c-2', party_name: 'Contoso', status: 'received', exception: true, response_amount: '1.00', difference: '-2999.00' }),
          ],
        },
      },
      [`GET ${C}/summary`]: { body: { accounts: [] } },
    })
    renderPage(<Confirmations />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    await userEvent.click(await screen.findByRole('button', { name: 'Close the request to Northwind Traders' }))
    expect(screen.getByLabelText('Alternative procedures performed')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    await userEvent.click(screen.getByRole('button', { name: 'Close the request to Contoso' }))
    const close = screen.getByRole('form', { name: 'Close the request to Contoso' })
    expect(within(close).getByText('Only a reviewer (a senior or above) may close a request with an exception.')).toBeInTheDocument()
    expect(within(close).getByRole('button', { name: 'Close the request' })).toBeDisabled()
  })

  it('downloads a letter and the summary export', async () => {
    const calls = mockApi({
      [`GET ${C}`]: { body: { items: [confirmation()] } },
      [`GET ${C}/summary`]: { body: { accounts: [summaryLine()] } },
      [`GET ${C}/c-1/letter`]: { body: '%PDF', headers: { 'Content-Disposition': 'attachment; filename="confirmation-receivable-northwind-traders.pdf"' } },
      [`GET ${C}/summary/export`]: { body: 'account_number', headers: { 'Content-Disposition': 'attachment; filename="confirmations-summary.xlsx"' } },
    })
    // jsdom has no object URLs and does not navigate: the browser's part of saving a file is stubbed.
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    renderPage(<Confirmations />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'Letter to Northwind Traders' }))
    expect(await screen.findByText('Downloaded confirmation-receivable-northwind-traders.pdf.')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Export XLSX' }))
    expect(await screen.findByText('Downloaded confirmations-summary.xlsx.')).toBeInTheDocument()
    expect(Object.fromEntries(calls.find((c) => c.path === `${C}/summary/export`)!.search)).toEqual({ format: 'xlsx' })
    expect(click).toHaveBeenCalledTimes(2)
  })

  it('offers no change on a finalized engagement or to someone who may not prepare', async () => {
    mockApi({ ...noneYet, [`GET ${C}`]: { body: { items: [confirmation({ status: 'sent' })] } } })
    renderPage(<Confirmations />, { route: ROUTE, path: PATH, engagement: makeEngagement({ locked: true, status: 'finalized' }) })
    expect(await screen.findByRole('button', { name: 'Letter to Northwind Traders' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'New confirmation' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Record the reply|Close the request|Edit the request/ })).not.toBeInTheDocument()
    expect(screen.getByText('The engagement is finalized: the confirmations can no longer change.')).toBeInTheDocument()
    expect(screen.getByText('No confirmation yet.')).toBeInTheDocument()
  })
})
