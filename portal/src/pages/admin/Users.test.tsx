import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeMe, mockApi, renderPage } from '../../test/render'
import { Users } from './Users'

const user = (id: string, display_name: string, roles: string[], extra: object = {}) => ({
  id, display_name, email: `${display_name.split(' ')[0].toLowerCase()}@firm.example`, roles, client_id: null, is_active: true,
  locked_until: null, last_login_at: null, created_at: '2026-01-01T00:00:00Z', ...extra,
})
const sam = user('u-2', 'Sam Senior', ['senior'])
const clients = {
  items: [{ id: 'c-1', name: 'Acme Manufacturing', legal_name: null, industry: null, entity_type: 'non_issuer', fiscal_year_end: '12-31', contacts: [], created_at: '', updated_at: '' }],
  page: 1, page_size: 500, total: 1,
}
const users = { items: [user('u-1', 'Mia Manager', ['manager', 'firm_admin']), sam], page: 1, page_size: 50, total: 2 }
const admin = makeMe({ roles: ['firm_admin'], permissions: ['engagement.read', 'users.read', 'users.manage'] })

describe('Users', () => {
  it('lists the firm’s users with their roles', async () => {
    mockApi({ 'GET /api/users': { body: users }, 'GET /api/clients': { body: clients } })
    renderPage(<Users />, { route: '/admin/users', me: admin })
    expect(await screen.findByRole('cell', { name: 'Manager, Firm admin' })).toBeInTheDocument()
    expect(screen.getByRole('cell', { name: 'sam@firm.example' })).toBeInTheDocument()
  })

  it('saves the chosen roles', async () => {
    const calls = mockApi({
      'GET /api/users': { body: users },
      'GET /api/clients': { body: clients },
      'PUT /api/users/u-2/roles': { body: { ...sam, roles: ['manager', 'senior'] } },
    })
    renderPage(<Users />, { route: '/admin/users', me: admin })
    await userEvent.click(await screen.findByRole('cell', { name: 'Sam Senior' }))
    const dialog = screen.getByRole('dialog', { name: 'Sam Senior' })
    expect(within(dialog).getByRole('checkbox', { name: 'Senior' })).toBeChecked()
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Manager' }))
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save roles' }))
    expect(await within(dialog).findByText(/now has Manager, Senior/)).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ roles: ['senior', 'manager'], client_id: null })
  })

  it('sends the client with client roles and refuses mixing them with firm roles', async () => {
    const calls = mockApi({
      'GET /api/users': { body: users },
      'GET /api/clients': { body: clients },
      'PUT /api/users/u-2/roles': { body: { ...sam, roles: ['client_user'], client_id: 'c-1' } },
    })
    renderPage(<Users />, { route: '/admin/users', me: admin })
    await userEvent.click(await screen.findByRole('cell', { name: 'Sam Senior' }))
    const dialog = screen.getByRole('dialog', { name: 'Sam Senior' })
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Client user' }))
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save roles' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('cannot be combined')
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Senior' }))
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save roles' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('need a client')
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0)
    await userEvent.selectOptions(within(dialog).getByLabelText('Client'), 'c-1')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save roles' }))
    await within(dialog).findByText(/now has Client user/)
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ roles: ['client_user'], client_id: 'c-1' })
  })

  it('deactivates a user after confirming and shows a refusal', async () => {
    let attempt = 0
    const calls = mockApi({
      'GET /api/users': { body: users },
      'GET /api/clients': { body: clients },
      'POST /api/users/u-2/deactivate': () =>
        ++attempt === 1
          ? { status: 409, body: { type: 'x', title: 'Conflict', status: 409, detail: 'The firm must keep at least one active firm_admin', code: 'last_admin' } }
          : { body: { ...sam, is_active: false } },
    })
    renderPage(<Users />, { route: '/admin/users', me: admin })
    await userEvent.click(await screen.findByRole('cell', { name: 'Sam Senior' }))
    const dialog = screen.getByRole('dialog', { name: 'Sam Senior' })
    await userEvent.click(within(dialog).getByRole('button', { name: 'Deactivate' }))
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await userEvent.click(within(dialog).getByRole('button', { name: 'Yes, deactivate' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('at least one active firm_admin')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Yes, deactivate' }))
    expect(await within(dialog).findByText(/is deactivated/)).toBeInTheDocument()
    expect(within(dialog).getByRole('button', { name: 'Reactivate' })).toBeInTheDocument()
  })

  it('creates a user with a password', async () => {
    const calls = mockApi({
      'GET /api/users': { body: users },
      'GET /api/clients': { body: clients },
      'POST /api/users': { status: 201, body: user('u-5', 'Nia New', ['staff']) },
    })
    renderPage(<Users />, { route: '/admin/users', me: admin })
    await userEvent.click(await screen.findByRole('button', { name: 'New user' }))
    const dialog = screen.getByRole('dialog', { name: 'New user' })
    await userEvent.type(within(dialog).getByLabelText('E-mail'), 'nia@firm.example')
    await userEvent.type(within(dialog).getByLabelText('Display name'), 'Nia New')
    await userEvent.type(within(dialog).getByLabelText('Password'), 'short')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('at least 12 characters')
    await userEvent.type(within(dialog).getByLabelText('Password'), '-but-long-now')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }))
    expect(await screen.findByText(/Created nia@firm.example/)).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      email: 'nia@firm.example', display_name: 'Nia New', password: 'short-but-long-now', roles: ['staff'], client_id: null,
    })
  })

  it('is read-only with users.read alone', async () => {
    mockApi({ 'GET /api/users': { body: users }, 'GET /api/clients': { body: clients } })
    renderPage(<Users />, { route: '/admin/users', me: makeMe({ roles: ['staff'], permissions: ['engagement.read', 'users.read'] }) })
    await userEvent.click(await screen.findByRole('cell', { name: 'Sam Senior' }))
    const dialog = screen.getByRole('dialog', { name: 'Sam Senior' })
    expect(within(dialog).queryByRole('checkbox')).not.toBeInTheDocument()
    expect(within(dialog).queryByRole('button', { name: 'Save roles' })).not.toBeInTheDocument()
    expect(within(dialog).queryByRole('button', { name: 'Deactivate' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'New user' })).not.toBeInTheDocument()
  })
})
