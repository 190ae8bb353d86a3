import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { RelatedParties } from './RelatedParties'
import { EMPTY_PARTY, partyBody, partyProblems, scanText, splitList, type Party, type Transaction } from './relatedParties'

const ROUTE = '/engagements/:engagementId/related-parties'
const PATH = '/engagements/e-1/related-parties'
const BASE = '/api/engagements/e-1/related-parties'

const party = (overrides: Partial<Party> = {}): Party => ({
  id: 'p-1',
  engagement_id: 'e-1',
  name: 'Smith Holdings',
  aliases: ['SH Group'],
  relationship: 'owner',
  ownership_percent: '40.00',
  identified_how: 'Shareholder register',
  accounts: [],
  relationship_disclosed: true,
  transactions_disclosed: false,
  totals: { confirmed: 1, pending: 1, dismissed: 0, confirmed_amount: '25000.00', flagged: 2 },
  undisclosed: true,
  created_by: 'u-1',
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  ...overrides,
})

const transaction = (overrides: Partial<Transaction> = {}): Transaction => ({
  id: 't-1',
  party_id: 'p-1',
  dataset_id: 'd-1',
  row_number: 2,
  journal_id: 'J1',
  line_number: 1,
  account_number: '6200',
  amount: '25000.00',
  effective_date: '2026-12-29',
  description: 'Management fee - Smyth Holdings LLC',
  matched_by: 'name',
  matched_text: 'Smith Holdings',
  score: '92.86',
  flags: ['round_amount', 'near_period_end', 'no_business_purpose'],
  business_purpose: null,
  status: 'pending',
  decided_by: null,
  decided_at: null,
  ...overrides,
})

const page = (items: Transaction[]) => ({ items, page: 1, page_size: 500, total: items.length })

describe('RelatedParties', () => {
  it('lists the register with totals and disclosure, and a reviewer confirms a found transaction with its red flags', async () => {
    let status: Transaction['status'] = 'pending'
    const calls = mockApi({
      [`GET ${BASE}`]: { body: { items: [party()] } },
      [`GET ${BASE}/p-1/transactions`]: () => ({ body: page([transaction({ status })]) }),
      [`POST ${BASE}/p-1/transactions/t-1/decision`]: () => {
        status = 'confirmed'
        return { body: transaction({ status: 'confirmed' }) }
      },
    })
    renderPage(<RelatedParties />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior' }) })
    const table = await screen.findByRole('table', { name: 'Related parties' })
    const row = within(table).getAllByRole('row')[1]
    expect(within(row).getByRole('rowheader')).toHaveTextContent('Smith Holdingsalso SH Group')
    expect(row).toHaveTextContent('Owner')
    expect(row).toHaveTextContent('40.00%')
    expect(row).toHaveTextContent('1 confirmed, 25,000.00')
    expect(within(row).getByText('Transactions not disclosed')).toBeInTheDocument()

    await userEvent.click(within(row).getByRole('button', { name: 'Transactions of Smith Holdings' }))
    const found = await screen.findByRole('table', { name: 'Transactions of Smith Holdings' })
    const line = within(found).getAllByRole('row')[1]
    expect(line).toHaveTextContent('Management fee - Smyth Holdings LLC')
    expect(line).toHaveTextContent('Name “Smith Holdings” (93% alike)')
    const flags = within(line).getByRole('list', { name: 'Red flags of J1 line 1' })
    expect(within(flags).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Round amount', 'Near period end', 'No business purpose noted'])
    await userEvent.click(within(line).getByRole('button', { name: 'Confirm J1 line 1' }))
    const decided = calls.find((c) => c.method === 'POST' && c.path.endsWith('/decision'))
    expect(decided?.body).toEqual({ decision: 'confirmed' })
    expect(await within(found).findByText('confirmed')).toBeInTheDocument()
  })

  it('lets staff note a business purpose but not confirm or dismiss', async () => {
    const calls = mockApi({
      [`GET ${BASE}`]: { body: { items: [party()] } },
      [`GET ${BASE}/p-1/transactions`]: { body: page([transaction()]) },
      [`PATCH ${BASE}/p-1/transactions/t-1`]: { body: transaction({ business_purpose: 'Monthly management fee', flags: ['round_amount', 'near_period_end'] }) },
    })
    renderPage(<RelatedParties />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }) })
    await userEvent.click(await screen.findByRole('button', { name: 'Transactions of Smith Holdings' }))
    const found = await screen.findByRole('table', { name: 'Transactions of Smith Holdings' })
    expect(within(found).queryByRole('button', { name: /Confirm|Dismiss/ })).not.toBeInTheDocument()
    expect(screen.getByText('A senior, manager or partner confirms or dismisses what the search found.')).toBeInTheDocument()
    const purpose = within(found).getByRole('textbox', { name: 'Business purpose of J1 line 1' })
    await userEvent.type(purpose, 'Monthly management fee')
    await userEvent.click(within(found).getByRole('button', { name: 'Save' }))
    const noted = calls.find((c) => c.method === 'PATCH')
    expect(noted?.body).toEqual({ business_purpose: 'Monthly management fee' })
  })

  it('refuses an incomplete party before sending, then adds it with its names and accounts, and searches the ledger', async () => {
    let added = false
    const calls = mockApi({
      [`GET ${BASE}`]: () => ({ body: { items: added ? [party({ id: 'p-2', name: 'Jane Doe', relationship: 'key_management', aliases: [], accounts: ['2700'] })] : [] } }),
      [`POST ${BASE}`]: () => {
        added = true
        return { status: 201, body: party({ id: 'p-2', name: 'Jane Doe' }) }
      },
      [`POST ${BASE}/search`]: { body: { dataset_id: 'd-1', threshold: 88, period_end_days: 5, round_base: '1000.00', parties: [{ party_id: 'p-2', name: 'Jane Doe', found: 1, new: 1 }], removed: 0 } },
    })
    renderPage(<RelatedParties />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'manager' }) })
    expect(await screen.findByText(/No related party is recorded yet/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Add a party' }))
    const form = screen.getByRole('form', { name: 'Add a related party' })
    await userEvent.type(within(form).getByLabelText('Ownership %'), '140')
    await userEvent.click(within(form).getByRole('button', { name: 'Add the party' }))
    const problems = within(form).getByRole('alert')
    expect(problems).toHaveTextContent('Give the party a name.')
    expect(problems).toHaveTextContent('Choose how the party is related.')
    expect(problems).toHaveTextContent('Ownership is a percentage from 0 to 100')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    await userEvent.type(within(form).getByLabelText('Name'), 'Jane Doe')
    await userEvent.selectOptions(within(form).getByLabelText('Relationship'), 'key_management')
    await userEvent.clear(within(form).getByLabelText('Ownership %'))
    await userEvent.type(within(form).getByLabelText('Accounts of the party (comma separated)'), '2700, 2710')
    await userEvent.click(within(form).getByRole('button', { name: 'Add the party' }))
    expect(await screen.findByText(/Jane Doe was added to the register/)).toBeInTheDocument()
    const sent = calls.find((c) => c.method === 'POST' && c.path === BASE)?.body as Record<string, unknown>
    expect(sent).toMatchObject({ name: 'Jane Doe', relationship: 'key_management', accounts: ['2700', '2710'], aliases: [], ownership_percent: null })

    await userEvent.click(await screen.findByRole('button', { name: 'Search the ledger' }))
    expect(await screen.findByText('The ledger search found 1 transaction for 1 party, 1 new.')).toBeInTheDocument()
  })

  it('offers no writes on a finalized engagement', async () => {
    mockApi({ [`GET ${BASE}`]: { body: { items: [party()] } } })
    renderPage(<RelatedParties />, { route: ROUTE, path: PATH, engagement: makeEngagement({ locked: true, status: 'finalized' }) })
    await screen.findByRole('table', { name: 'Related parties' })
    expect(screen.queryByRole('button', { name: 'Add a party' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Search the ledger' })).not.toBeInTheDocument()
    expect(screen.queryByRole('checkbox')).not.toBeInTheDocument()
  })
})

describe('relatedParties', () => {
  it('splits lists, words a search and checks a form', () => {
    expect(splitList(' Smyth Holdings, SH LLC;Smyth Holdings\n ')).toEqual(['Smyth Holdings', 'SH LLC'])
    expect(partyProblems({ ...EMPTY_PARTY, name: 'X', relationship: 'owner', ownership: '33.333' })).toEqual([
      'Ownership is a percentage from 0 to 100 with at most two decimals, not “33.333”.',
    ])
    expect(partyBody({ ...EMPTY_PARTY, name: ' X ', relationship: 'owner', ownership: '12.5' })).toMatchObject({ name: 'X', ownership_percent: '12.5' })
    expect(
      scanText({ dataset_id: 'd', threshold: 88, period_end_days: 5, round_base: '1000', removed: 2, parties: [{ party_id: 'a', name: 'A', found: 3, new: 1 }, { party_id: 'b', name: 'B', found: 0, new: 0 }] }),
    ).toBe('The ledger search found 3 transactions for 2 parties, 1 new. 2 undecided matches were no longer found and removed.')
  })
})
