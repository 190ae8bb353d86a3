import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { Disclosures } from './Disclosures'
import { checklist, leaseNote } from './fixtures'

const ROUTE = '/engagements/:engagementId/disclosures'
const PATH = '/engagements/e-1/disclosures'
const CHECKLIST = 'GET /api/engagements/e-1/disclosures/checklist'
const NOTES = 'GET /api/engagements/e-1/disclosures/notes'
const NOTE = '/api/engagements/e-1/disclosures/notes/note-1'

describe('Disclosures', () => {
  it('shows the checklist by topic with why each item is on and the answers given', async () => {
    mockApi({ [CHECKLIST]: { body: checklist() }, [NOTES]: { body: { items: [] } } })
    renderPage(<Disclosures />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior' }) })
    const leases = await screen.findByRole('table', { name: 'Leases checklist' })
    const rows = within(leases).getAllByRole('row').slice(1)
    expect(within(rows[0]).getByRole('rowheader')).toHaveTextContent('Give a maturity analysis of the lease liabilitiesASC 842-20-50-6')
    expect(within(rows[0]).getByText('turned on by account 21700 Lease liability')).toBeInTheDocument()
    expect(within(rows[1]).getByText('Yes, disclosed', { selector: 'strong' })).toBeInTheDocument()
    expect(within(rows[1]).getByText(/Sam Senior at .*; evidence: node n-1/)).toBeInTheDocument()
    expect(screen.getByText('2 of 2 items on, 1 answered')).toBeInTheDocument()
    const debt = screen.getByRole('table', { name: 'Debt checklist' })
    expect(within(debt).getByText("Not turned on by the engagement's data")).toBeInTheDocument()
    expect(screen.getByRole('combobox', { name: 'Framework' })).toHaveValue('us_gaap_private')
    expect(screen.getByText("From the client's entity type.")).toBeInTheDocument()
    // Drafting is offered for the topics the data turns on only.
    expect(screen.getByRole('button', { name: 'Draft Leases' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Draft Debt' })).not.toBeInTheDocument()
  })

  it('answers an item not applicable with its reason and evidence', async () => {
    const calls = mockApi({
      [CHECKLIST]: { body: checklist() },
      [NOTES]: { body: { items: [] } },
      'PUT /api/engagements/e-1/disclosures/checklist/items/leases.maturity': {
        body: { answer: 'not_applicable', reason: 'No lease longer than a year', evidence: [], answered_by: 'u-1', answered_by_name: 'Sam', answered_at: '2026-12-06T11:00:00Z' },
      },
    })
    renderPage(<Disclosures />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior' }) })
    const form = await screen.findByRole('form', { name: 'Answer leases.maturity' })
    await userEvent.selectOptions(within(form).getByRole('combobox', { name: 'Answer' }), 'not_applicable')
    await userEvent.type(within(form).getByRole('textbox', { name: 'Reason' }), 'No lease longer than a year')
    await userEvent.type(within(form).getByRole('textbox', { name: 'Evidence (workpaper ids)' }), 'n-7, n-8')
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }))
    await screen.findByRole('table', { name: 'Leases checklist' })
    const put = calls.find((c) => c.method === 'PUT')
    expect(put?.body).toEqual({
      answer: 'not_applicable',
      reason: 'No lease longer than a year',
      evidence: [
        { kind: 'node', id: 'n-7' },
        { kind: 'node', id: 'n-8' },
      ],
    })
  })

  it('shows a note with each amount bound to its reference and each citation opening its text', async () => {
    mockApi({ [CHECKLIST]: { body: checklist() }, [NOTES]: { body: { items: [leaseNote()] } } })
    renderPage(<Disclosures />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior' }) })
    const note = await screen.findByRole('article', { name: /Leases/ })
    const amount = within(note).getByLabelText('118,000.40: mapped balance of account 21700')
    expect(amount).toHaveTextContent('118,000.40')
    expect(amount).toHaveAttribute('title', 'mapped balance of account 21700 ({{tb:21700}})')
    expect(within(note).getByLabelText('130,000.00: mapped balance of account 21700, prior year')).toBeInTheDocument()
    expect(within(note).queryByRole('complementary', { name: 'Cited text' })).not.toBeInTheDocument()
    await userEvent.click(within(note).getByRole('button', { name: '[ASC 842 Leases: our summary]' }))
    const source = within(note).getByRole('complementary', { name: 'Cited text' })
    expect(source).toHaveTextContent('A lessee gives a maturity analysis of its lease liabilities')
    expect(within(note).getByText(/drafted with offline/)).toBeInTheDocument()
    expect(within(note).queryByText(/figures changed after this note was approved/)).not.toBeInTheDocument()
  })

  it('offers no approval of an approved note whose figures did not move', async () => {
    const approved = leaseNote({ status: 'approved', approved_by: 'u-1', approved_at: '2026-12-06T12:00:00Z' })
    mockApi({ [CHECKLIST]: { body: checklist() }, [NOTES]: { body: { items: [approved] } } })
    renderPage(<Disclosures />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior' }) })
    const note = await screen.findByRole('article', { name: /Leases/ })
    expect(within(note).queryByRole('button', { name: /Approve/ })).not.toBeInTheDocument()
    expect(within(note).getByText(/Approved at/)).toBeInTheDocument()
  })

  it('warns when the figures moved after approval', async () => {
    const moved = leaseNote({ status: 'approved', approved_by: 'u-1', approved_at: '2026-12-06T12:00:00Z', changed_since_approval: true })
    mockApi({ [CHECKLIST]: { body: checklist() }, [NOTES]: { body: { items: [moved] } } })
    renderPage(<Disclosures />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior' }) })
    const note = await screen.findByRole('article', { name: /Leases/ })
    expect(within(note).getByRole('status')).toHaveTextContent('figures changed after this note was approved: the report prints the approved text')
    expect(within(note).getByRole('button', { name: 'Approve with today’s figures' })).toBeInTheDocument()
  })

  it('shows what the checker refuses in an edit, then approves the note', async () => {
    let approved = false
    const calls = mockApi({
      [CHECKLIST]: { body: checklist() },
      [NOTES]: () => ({ body: { items: [leaseNote(approved ? { status: 'approved', approved_by: 'u-1', approved_at: '2026-12-06T12:00:00Z' } : {})] } }),
      [`PUT ${NOTE}`]: {
        status: 422,
        body: {
          type: 'x',
          title: 'The request cannot be carried out',
          status: 422,
          detail: 'The note has what no source supports',
          code: 'note_unsupported',
          problems: [{ kind: 'literal_number', text: '118,400.40', message: 'the number 118,400.40 is written in the text and no source gives it' }],
        },
      },
      [`POST ${NOTE}/approve`]: () => {
        approved = true
        return { body: leaseNote({ status: 'approved' }) }
      },
    })
    renderPage(<Disclosures />, { route: ROUTE, path: PATH, engagement: makeEngagement({ my_role: 'senior' }) })
    const note = await screen.findByRole('article', { name: /Leases/ })
    await userEvent.click(within(note).getByRole('button', { name: 'Edit' }))
    const text = within(note).getByRole('textbox', { name: 'Note text' })
    await userEvent.clear(text)
    await userEvent.click(text)
    await userEvent.paste('Lease liabilities were 118,400.40.')
    await userEvent.click(within(note).getByRole('button', { name: 'Save the note' }))
    const alert = await within(note).findByRole('alert')
    expect(alert).toHaveTextContent('The checker refused the note')
    expect(alert).toHaveTextContent('the number 118,400.40 is written in the text and no source gives it')
    await userEvent.click(within(note).getByRole('button', { name: 'Cancel' }))
    await userEvent.click(within(note).getByRole('button', { name: 'Approve' }))
    expect(await screen.findByText(/Approved at/)).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'POST' && c.path === `${NOTE}/approve`)).toHaveLength(1)
  })

  it('lets staff answer and edit but not approve or change the settings', async () => {
    mockApi({ [CHECKLIST]: { body: checklist() }, [NOTES]: { body: { items: [leaseNote()] } } })
    renderPage(<Disclosures />, {
      route: ROUTE,
      path: PATH,
      engagement: makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff }),
    })
    const note = await screen.findByRole('article', { name: /Leases/ })
    expect(within(note).getByRole('button', { name: 'Edit' })).toBeInTheDocument()
    expect(within(note).queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument()
    expect(screen.getByRole('combobox', { name: 'Framework' })).toBeDisabled()
    expect(screen.getByRole('checkbox', { name: /Print the approved notes/ })).toBeDisabled()
  })
})
