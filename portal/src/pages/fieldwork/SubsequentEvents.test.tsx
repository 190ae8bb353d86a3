import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { SubsequentEvents } from './SubsequentEvents'
import { EMPTY_FORM, createBody, eventProblems, outcomeText, type LedgerReview, type Register, type SubsequentEvent } from './subsequentEvents'

const ROUTE = '/engagements/:engagementId/subsequent-events'
const PATH = '/engagements/e-1/subsequent-events'
const BASE = '/api/engagements/e-1/subsequent-events'

function event(overrides: Partial<SubsequentEvent> = {}): SubsequentEvent {
  return {
    id: 'ev-1', event_date: '2027-01-20', description: 'Customer bankrupt', event_type: 'recognized', amount: '400.00', status: 'open',
    source: 'inquiry', disclosure: null, adjustment: { id: 'a-1', number: 3, kind: 'proposed', amount: '400.00' }, created_by: 'u-1',
    created_at: '2027-01-21T09:00:00Z', updated_at: '2027-01-21T09:00:00Z', reviewed_by: null, reviewed_at: null, ...overrides,
  }
}

function register(overrides: Partial<Register> = {}): Register {
  return { period_end: '2026-12-31', review: null, events: [event()], ...overrides }
}

function ledger(overrides: Partial<LedgerReview> = {}): LedgerReview {
  return {
    dataset_id: 'd-1', dataset_version: 3, period_end: '2026-12-31', covers_through: '2027-02-03', threshold: '150.00', threshold_source: 'clearly_trivial',
    total: 1, truncated: false,
    lines: [
      {
        row_number: 7, journal_id: 'J4', line_number: 1, account_number: '1000', account_name: 'Cash at bank', amount: '-1200.00', effective_date: '2027-02-03',
        document_date: null, description: 'Settlement paid', decision: null, event_id: null, note: null, decided_by: null, decided_at: null,
      },
    ],
    ...overrides,
  }
}

describe('subsequent events helpers', () => {
  it('refuses an event on or before the balance-sheet date and a half-given entry', () => {
    const form = { ...EMPTY_FORM, event_date: '2026-12-31', description: 'x', debit_account: '4000', entry_amount: '10' }
    expect(eventProblems(form, '2026-12-31')).toEqual([
      'Date: an event after the balance-sheet date 2026-12-31.',
      'Adjusting entry: give the account to debit and the account to credit.',
    ])
  })

  it('proposes a balanced entry for a Type I event and carries the disclosure of a Type II one', () => {
    const typeOne = { ...EMPTY_FORM, event_date: '2027-01-20', description: 'Bankrupt', debit_account: '4000', credit_account: '1100', entry_amount: '400' }
    expect(createBody(typeOne).adjustment).toEqual({
      lines: [
        { account_number: '4000', debit: '400', credit: '0' },
        { account_number: '1100', debit: '0', credit: '400' },
      ],
    })
    const typeTwo = { ...typeOne, event_type: 'nonrecognized' as const, disclosure: 'A fire' }
    expect([createBody(typeTwo).adjustment, createBody(typeTwo).disclosure]).toEqual([null, 'A fire'])
  })

  it('says what an event led to', () => {
    expect(outcomeText(event())).toBe('Adjusting entry 3 (proposed), 400.00')
    expect(outcomeText(event({ adjustment: { id: 'a-2', number: 4, kind: 'proposed', amount: '1500.00' } }))).toBe('Adjusting entry 4 (proposed), 1,500.00')
    expect(outcomeText(event({ event_type: 'nonrecognized', adjustment: null, disclosure: null }))).toBe('No disclosure written yet')
  })
})

describe('SubsequentEvents page', () => {
  it('lists the register with what each event led to and lets a reviewer sign off', async () => {
    let reviewed = false
    const calls = mockApi({
      [`GET ${BASE}`]: () => ({ body: register({ events: [event(reviewed ? { reviewed_at: '2027-01-22T10:00:00Z', reviewed_by: 'u-2' } : {})] }) }),
      [`GET ${BASE}/ledger`]: { body: ledger() },
      [`POST ${BASE}/ev-1/review`]: () => {
        reviewed = true
        return { body: event({ reviewed_at: '2027-01-22T10:00:00Z' }) }
      },
    })
    renderPage(<SubsequentEvents />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior', my_permissions: TEAM_PERMISSIONS.senior }) })
    const table = await screen.findByRole('table', { name: 'Subsequent events' })
    const row = within(table).getByRole('rowheader', { name: 'Customer bankrupt' }).closest('tr') as HTMLElement
    expect(row).toHaveTextContent('Type I: adjust')
    expect(row).toHaveTextContent('Adjusting entry 3 (proposed), 400.00')
    expect(screen.getByText('The date the subsequent events review was done through is not recorded yet.')).toBeInTheDocument()
    await userEvent.click(within(row).getByRole('button', { name: 'Mark reviewed' }))
    expect(await within(table).findByText(/^Reviewed /)).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'POST' && c.path === `${BASE}/ev-1/review`)).toHaveLength(1)
  })

  it('says no general ledger is loaded yet instead of showing an error', async () => {
    mockApi({
      [`GET ${BASE}`]: { body: register({ events: [] }) },
      [`GET ${BASE}/ledger`]: {
        status: 409,
        body: { type: 'x', title: 'Conflict', status: 409, detail: 'The engagement has no loaded general ledger', code: 'no_general_ledger' },
      },
    })
    renderPage(<SubsequentEvents />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    expect(await screen.findByText(/^No general ledger is loaded yet\./)).toBeInTheDocument()
    expect(screen.queryByText("The next period's entries could not be listed")).not.toBeInTheDocument()
  })

  it('adds a Type I event with its proposed entry, and does not send one dated before the period end', async () => {
    const calls = mockApi({
      [`GET ${BASE}`]: { body: register({ events: [] }) },
      [`GET ${BASE}/ledger`]: { body: ledger() },
      [`POST ${BASE}`]: { status: 201, body: event() },
    })
    renderPage(<SubsequentEvents />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    await userEvent.click(await screen.findByRole('button', { name: 'Add an event' }))
    const form = screen.getByRole('form', { name: 'New subsequent event' })
    await userEvent.type(within(form).getByLabelText('Date'), '2026-12-15')
    await userEvent.type(within(form).getByLabelText('Description'), 'Customer bankrupt')
    await userEvent.click(within(form).getByRole('button', { name: 'Save the event' }))
    expect(await within(form).findByText('Date: an event after the balance-sheet date 2026-12-31.')).toBeInTheDocument()
    await userEvent.clear(within(form).getByLabelText('Date'))
    await userEvent.type(within(form).getByLabelText('Date'), '2027-01-20')
    await userEvent.type(within(form).getByLabelText('Debit account'), '4000')
    await userEvent.type(within(form).getByLabelText('Credit account'), '1100')
    await userEvent.type(within(form).getByLabelText('Entry amount'), '400')
    await userEvent.click(within(form).getByRole('button', { name: 'Save the event' }))
    await screen.findByRole('button', { name: 'Add an event' })
    const posts = calls.filter((c) => c.method === 'POST' && c.path === BASE)
    expect(posts).toHaveLength(1)
    expect(posts[0].body).toMatchObject({ event_date: '2027-01-20', event_type: 'recognized', adjustment: { lines: [{ account_number: '4000' }, { account_number: '1100' }] } })
    // Staff prepares but does not review.
    expect(screen.queryByRole('button', { name: 'Mark reviewed' })).not.toBeInTheDocument()
  })

  it('marks a next-period entry as no event, and creates an event from another linked to its line', async () => {
    const calls = mockApi({
      [`GET ${BASE}`]: { body: register({ review: { reviewed_through: '2027-03-01', note: null, updated_by: 'u-1', updated_at: '2027-03-01T00:00:00Z' } }) },
      [`GET ${BASE}/ledger`]: { body: ledger() },
      [`PUT ${BASE}/ledger/7`]: { body: ledger().lines[0] },
      [`POST ${BASE}`]: { status: 201, body: event({ id: 'ev-2' }) },
    })
    renderPage(<SubsequentEvents />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'manager' }) })
    expect(await screen.findByText('The subsequent events review was done through 2027-03-01.')).toBeInTheDocument()
    const entries = await screen.findByRole('table', { name: "Next period's entries" })
    await userEvent.click(within(entries).getByRole('button', { name: 'No event' }))
    await userEvent.click(within(entries).getByRole('button', { name: 'Create event' }))
    const form = screen.getByRole('form', { name: 'New subsequent event' })
    expect(within(form).getByLabelText('Description')).toHaveValue('Settlement paid')
    await userEvent.click(within(form).getByRole('button', { name: 'Save the event' }))
    await screen.findByRole('button', { name: 'Add an event' })
    const puts = calls.filter((c) => c.method === 'PUT' && c.path === `${BASE}/ledger/7`).map((c) => c.body)
    expect(puts).toEqual([
      { dataset_id: 'd-1', decision: 'no_event', event_id: null, note: null },
      { dataset_id: 'd-1', decision: 'event', event_id: 'ev-2', note: null },
    ])
    expect(calls.find((c) => c.method === 'POST' && c.path === BASE)?.body).toMatchObject({ source: 'ledger_review', event_date: '2027-02-03' })
  })
})
