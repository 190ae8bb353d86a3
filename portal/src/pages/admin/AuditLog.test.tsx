import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeMe, mockApi, renderPage } from '../../test/render'
import { AuditLog } from './AuditLog'
import { auditFilterProblem, auditFiltersFrom, auditQuery, dataSummary } from './auditLog'
import { FirmSettings } from './FirmSettings'

const LOG = '/api/audit-log'
const admin = makeMe({ roles: ['firm_admin'], permissions: ['audit_log.read', 'firm.settings', 'users.read'] })
const record = (seq: number, action: string, extra: object = {}) => ({
  chain_seq: seq, occurred_at: '2026-12-07T01:00:00Z', actor_id: 'a1b2c3d4-0000-4000-8000-000000000001', action,
  target_type: 'user', target_id: 'f0e0d0c0-0000-4000-8000-000000000002', data: { family_id: 'x' }, correlation_id: null, hash: 'h', ...extra,
})

describe('the audit log screen', () => {
  it('filters by actor, action, target and dates through the address, and a record’s action filters by it', async () => {
    const calls = mockApi({ [`GET ${LOG}`]: { body: { items: [record(2, 'auth.login_succeeded'), record(1, 'firm.created')], page: 1, page_size: 50, total: 2 } } })
    renderPage(<AuditLog />, { route: '/admin/audit-log', path: '/admin/audit-log', me: admin })
    expect(await screen.findByRole('button', { name: 'auth.login_succeeded' })).toBeInTheDocument()
    await userEvent.type(screen.getByLabelText('Action (or its start)'), 'auth.')
    await userEvent.type(screen.getByLabelText('From'), '2026-12-01')
    await userEvent.type(screen.getByLabelText('To'), '2026-12-07')
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }))
    await waitFor(() => expect(calls.filter((c) => c.path === LOG).at(-1)?.search.get('action')).toBe('auth.'))
    const asked = Object.fromEntries(calls.filter((c) => c.path === LOG).at(-1)!.search)
    expect(asked).toMatchObject({ action: 'auth.', date_from: '2026-12-01', date_to: '2026-12-07', page: '1' })
    await userEvent.click(screen.getByRole('button', { name: 'firm.created' }))
    await waitFor(() => expect(calls.filter((c) => c.path === LOG).at(-1)?.search.get('action')).toBe('firm.created'))
    expect(screen.getByLabelText('Action (or its start)')).toHaveValue('firm.created')
  })

  it('names the actors the caller can see among the firm’s users', async () => {
    const calls = mockApi({
      [`GET ${LOG}`]: { body: { items: [record(1, 'firm.created'), record(2, 'auth.logout', { actor_id: 'other' })], page: 1, page_size: 50, total: 2 } },
      'GET /api/users': { body: { items: [{ id: 'a1b2c3d4-0000-4000-8000-000000000001', display_name: 'Ada Admin', email: 'ada@firm.example' }], page: 1, page_size: 500, total: 1 } },
    })
    renderPage(<AuditLog />, { route: '/admin/audit-log', path: '/admin/audit-log', me: admin })
    await userEvent.click(await screen.findByRole('button', { name: 'Ada Admin' }))
    await waitFor(() => expect(calls.filter((c) => c.path === LOG).at(-1)?.search.get('actor')).toBe('a1b2c3d4-0000-4000-8000-000000000001'))
    expect(screen.getByLabelText('Actor (user id)')).toHaveValue('a1b2c3d4-0000-4000-8000-000000000001')
  })

  it('verifies the chain and says whether it is intact or where it breaks', async () => {
    mockApi({
      [`GET ${LOG}`]: { body: { items: [], page: 1, page_size: 50, total: 0 } },
      'GET /api/audit-log/verification': { body: { ok: false, checked: 41, first_broken_seq: 17, reason: 'hash mismatch' } },
    })
    renderPage(<AuditLog />, { route: '/admin/audit-log', path: '/admin/audit-log', me: admin })
    await userEvent.click(await screen.findByRole('button', { name: 'Verify the chain' }))
    expect(await screen.findByText('The chain is broken at record 17: hash mismatch (41 records checked).')).toBeInTheDocument()
  })

  it('keeps its filters in the address and refuses an upside-down range', () => {
    expect(auditFiltersFrom(new URLSearchParams('actor=u-1&junk=1&date_to='))).toEqual({ actor: 'u-1' })
    expect(auditQuery({ target: 'user' }, 2, 50)).toEqual({ page: 2, page_size: 50, target: 'user' })
    expect(auditFilterProblem({ date_from: '2026-02-01', date_to: '2026-01-01' })).toBe('“To” is before “From”.')
    expect(dataSummary({ engagement_id: 'e-1', sessions: 2 })).toBe('engagement_id: e-1, sessions: 2')
  })

  it('tells a user without the right that they may not read it', () => {
    renderPage(<AuditLog />, { route: '/admin/audit-log', path: '/admin/audit-log', me: makeMe({ roles: ['staff'], permissions: [] }) })
    expect(screen.getByText('Your role does not allow reading the audit log.')).toBeInTheDocument()
  })
})

describe('the firm settings', () => {
  it('renames the firm', async () => {
    const calls = mockApi({
      'GET /api/firm': { body: { id: 'f-1', name: 'Test CPA', status: 'active', created_at: '2026-01-01T00:00:00Z' } },
      'PATCH /api/firm': (request) => ({ body: { id: 'f-1', name: 'Renamed CPA', status: 'active', created_at: '2026-01-01T00:00:00Z', ...Object.fromEntries(new URL(request.url).searchParams) } }),
    })
    renderPage(<FirmSettings />, { route: '/admin/firm', path: '/admin/firm', me: admin })
    const name = await screen.findByLabelText('Firm name')
    await userEvent.clear(name)
    await userEvent.type(name, 'Renamed CPA')
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved.')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: 'Renamed CPA' })
  })
})
