import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeMe, mockApi, renderPage } from '../../test/render'
import { Invitations, invitationStatus } from './Invitations'

const clients = {
  items: [{ id: 'c-1', name: 'Acme Manufacturing', legal_name: null, industry: null, entity_type: 'non_issuer', fiscal_year_end: '12-31', contacts: [], created_at: '', updated_at: '' }],
  page: 1, page_size: 500, total: 1,
}
const invitation = (id: string, email: string, extra: object = {}) => ({
  id, email, roles: ['staff'], client_id: null, expires_at: '2999-01-08T00:00:00Z', accepted_at: null, revoked_at: null,
  created_at: '2026-01-01T00:00:00Z', ...extra,
})
const list = {
  items: [invitation('i-1', 'open@firm.example'), invitation('i-2', 'done@firm.example', { accepted_at: '2026-01-02T00:00:00Z' })],
  page: 1, page_size: 50, total: 2,
}
const admin = makeMe({ roles: ['firm_admin'], permissions: ['engagement.read', 'users.read', 'users.manage'] })

describe('Invitations', () => {
  it('lists invitations with their status and withdraws an open one', async () => {
    const calls = mockApi({ 'GET /api/invitations': { body: list }, 'GET /api/clients': { body: clients }, 'DELETE /api/invitations/i-1': { status: 204 } })
    renderPage(<Invitations />, { route: '/admin/invitations', me: admin })
    const open = (await screen.findByRole('cell', { name: 'open@firm.example' })).closest('tr')!
    expect(within(open).getByText('Pending')).toBeInTheDocument()
    const done = screen.getByRole('cell', { name: 'done@firm.example' }).closest('tr')!
    expect(within(done).getByText('Accepted')).toBeInTheDocument()
    expect(within(done).queryByRole('button')).not.toBeInTheDocument()
    await userEvent.click(within(open).getByRole('button', { name: 'Withdraw the invitation to open@firm.example' }))
    expect(await screen.findByText(/is withdrawn/)).toBeInTheDocument()
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/invitations/i-1')).toBe(true)
  })

  it('requires a client for client roles, then sends the invitation and shows the answer', async () => {
    const calls = mockApi({
      'GET /api/invitations': { body: list },
      'GET /api/clients': { body: clients },
      'POST /api/invitations': { status: 201, body: invitation('i-3', 'cfo@acme.example', { roles: ['client_admin'], client_id: 'c-1', expires_at: '2026-01-08T00:00:00Z' }) },
    })
    renderPage(<Invitations />, { route: '/admin/invitations', me: admin })
    await screen.findByRole('cell', { name: 'open@firm.example' })
    await userEvent.type(screen.getByLabelText('E-mail'), 'cfo@acme.example')
    await userEvent.click(screen.getByRole('checkbox', { name: 'Client admin' }))
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('client roles need a client')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    await userEvent.selectOptions(screen.getByLabelText('Client'), 'c-1')
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }))
    expect(await screen.findByRole('status')).toHaveTextContent('Invitation sent to cfo@acme.example as Client admin of Acme Manufacturing')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'cfo@acme.example', roles: ['client_admin'], client_id: 'c-1' })
  })

  it('shows the API’s refusal', async () => {
    mockApi({
      'GET /api/invitations': { body: list },
      'GET /api/clients': { body: clients },
      'POST /api/invitations': { status: 409, body: { type: 'x', title: 'Conflict', status: 409, detail: 'A user with this e-mail already exists', code: 'email_taken' } },
    })
    renderPage(<Invitations />, { route: '/admin/invitations', me: admin })
    await userEvent.type(screen.getByLabelText('E-mail'), 'sam@firm.example')
    await userEvent.click(screen.getByRole('checkbox', { name: 'Staff' }))
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('A user with this e-mail already exists')
  })

  it('tells expired and withdrawn invitations apart', () => {
    const now = new Date('2026-06-01T00:00:00Z')
    expect(invitationStatus(invitation('a', 'a', { expires_at: '2026-05-01T00:00:00Z' }), now)).toBe('expired')
    expect(invitationStatus(invitation('a', 'a', { revoked_at: '2026-04-01T00:00:00Z' }), now)).toBe('revoked')
    expect(invitationStatus(invitation('a', 'a'), now)).toBe('pending')
  })
})
