import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeMe, mockApi, renderPage } from '../../test/render'
import { Clients } from './Clients'

const acme = {
  id: 'c-1', name: 'Acme Manufacturing', legal_name: 'Acme Manufacturing Inc.', industry: '332710', entity_type: 'non_issuer',
  fiscal_year_end: '12-31', contacts: [], created_at: '', updated_at: '',
}
const list = { items: [acme], page: 1, page_size: 50, total: 1 }

describe('Clients', () => {
  it('lists the clients and adds one', async () => {
    const calls = mockApi({
      'GET /api/clients': { body: list },
      'POST /api/clients': { status: 201, body: { ...acme, id: 'c-2', name: 'Beta Foods' } },
    })
    renderPage(<Clients />, { route: '/clients' })
    expect(await screen.findByRole('cell', { name: 'Acme Manufacturing' })).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Add client' }))
    const dialog = screen.getByRole('dialog', { name: 'Add client' })
    await userEvent.type(within(dialog).getByLabelText('Client name'), 'Beta Foods')
    await userEvent.type(within(dialog).getByLabelText('Industry'), '311')
    await userEvent.clear(within(dialog).getByLabelText('Fiscal year end'))
    await userEvent.type(within(dialog).getByLabelText('Fiscal year end'), '06-30')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save client' }))
    expect(await screen.findByText('Added Beta Foods.')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'Beta Foods', legal_name: null, industry: '311', entity_type: 'non_issuer', fiscal_year_end: '06-30', contacts: [],
    })
  })

  it('edits a client, sending only what changed, and shows a refusal', async () => {
    let attempt = 0
    const calls = mockApi({
      'GET /api/clients': { body: list },
      'PATCH /api/clients/c-1': () =>
        ++attempt === 1
          ? { status: 409, body: { type: 'x', title: 'Conflict', status: 409, detail: "A client named 'Beta Foods' already exists in the firm", code: 'client_exists' } }
          : { body: { ...acme, name: 'Acme Holdings' } },
    })
    renderPage(<Clients />, { route: '/clients' })
    await userEvent.click(await screen.findByRole('cell', { name: 'Acme Manufacturing' }))
    const dialog = screen.getByRole('dialog', { name: 'Edit Acme Manufacturing' })
    const name = within(dialog).getByLabelText('Client name')
    await userEvent.clear(name)
    await userEvent.type(name, 'Beta Foods')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save client' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('already exists')
    await userEvent.clear(name)
    await userEvent.type(name, 'Acme Holdings')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save client' }))
    expect(await screen.findByText('Saved Acme Holdings.')).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ name: 'Acme Holdings' })
  })

  it('searches by name through the API', async () => {
    const calls = mockApi({ 'GET /api/clients': { body: list } })
    renderPage(<Clients />, { route: '/clients' })
    await screen.findByRole('cell', { name: 'Acme Manufacturing' })
    await userEvent.type(screen.getByLabelText('Search'), 'acm')
    await screen.findByRole('cell', { name: 'Acme Manufacturing' })
    expect(calls.at(-1)?.search.get('q')).toBe('acm')
  })

  it('is read-only without client.manage', async () => {
    mockApi({ 'GET /api/clients': { body: list } })
    renderPage(<Clients />, { route: '/clients', me: makeMe({ permissions: ['engagement.read'] }) })
    await userEvent.click(await screen.findByRole('cell', { name: 'Acme Manufacturing' }))
    expect(screen.queryByRole('button', { name: 'Add client' })).not.toBeInTheDocument()
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument()
  })
})
