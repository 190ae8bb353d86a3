import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import type { Engagement } from './context'
import { Overview } from './Overview'

const ROUTE = '/engagements/:engagementId'
const PATH = '/engagements/e-1'
const problem = (status: number, detail: string, code: string, extra: object = {}) => ({
  status,
  body: { type: 'x', title: 'Conflict', status, detail, code, ...extra },
})
const member = (user_id: string, display_name: string, role: string) => ({
  user_id, display_name, email: `${display_name.split(' ')[0].toLowerCase()}@firm.example`, role, added_at: '2026-01-02T00:00:00Z',
})
const user = (id: string, display_name: string, roles: string[]) => ({
  id, display_name, email: `${display_name.split(' ')[0].toLowerCase()}@firm.example`, roles, client_id: null, is_active: true,
  locked_until: null, last_login_at: null, created_at: '2026-01-01T00:00:00Z',
})

function stub(extra: Record<string, Parameters<typeof mockApi>[0][string]> = {}) {
  return mockApi({
    'GET /api/clients/c-1': { body: { id: 'c-1', name: 'Acme Manufacturing', legal_name: null, industry: null, entity_type: 'non_issuer', fiscal_year_end: '12-31', contacts: [], created_at: '', updated_at: '' } },
    'GET /api/engagements/e-1/team': { body: { members: [member('u-1', 'Mia Manager', 'manager'), member('u-2', 'Sam Senior', 'senior')] } },
    'GET /api/engagements/e-1/activity': {
      body: {
        items: [
          { id: 2, occurred_at: '2026-02-01T10:00:00Z', actor_id: 'u-1', action: 'engagement.status_changed', target_type: 'engagement', target_id: 'e-1', data: { from: 'planning', to: 'fieldwork', reason: null } },
          { id: 1, occurred_at: '2026-01-02T10:00:00Z', actor_id: 'u-1', action: 'engagement.member_added', target_type: 'user', target_id: 'u-2', data: { role: 'senior' } },
        ],
        page: 1, page_size: 20, total: 2,
      },
    },
    'GET /api/users': { body: { items: [user('u-1', 'Mia Manager', ['manager']), user('u-2', 'Sam Senior', ['senior']), user('u-3', 'Pat Partner', ['partner']), user('u-9', 'Cleo Client', ['client_user'])], page: 1, page_size: 500, total: 4 } },
    ...extra,
  })
}

const show = (engagement: Engagement, me = makeMe()) => renderPage(<Overview />, { route: ROUTE, path: PATH, engagement, me })
const moveButtons = () => screen.queryAllByRole('button', { name: /^Move to / }).map((b) => b.textContent)

describe('Overview: lifecycle', () => {
  it.each([
    ['draft', ['Move to planning']],
    ['planning', ['Move to fieldwork', 'Move to draft']],
    ['fieldwork', ['Move to review', 'Move to planning']],
    ['review', ['Move to fieldwork']],
    ['finalized', []],
  ] as const)('offers from %s only the moves the lifecycle allows', async (status, expected) => {
    stub()
    show(makeEngagement({ status, locked: status === 'finalized' }))
    await screen.findByText('Acme Manufacturing')
    expect(moveButtons()).toEqual(expected)
  })

  it('posts a transition and refreshes the engagement', async () => {
    const calls = stub({
      'POST /api/engagements/e-1/transitions': { body: { engagement: makeEngagement({ status: 'review' }), from_status: 'fieldwork', to_status: 'review' } },
    })
    const { refresh } = show(makeEngagement({ status: 'fieldwork' }))
    await userEvent.click(await screen.findByRole('button', { name: 'Move to review' }))
    expect(await screen.findByText('Moved from fieldwork to review.')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ to: 'review', reason: null })
    expect(refresh).toHaveBeenCalled()
  })

  it('shows the API’s message when it refuses a transition', async () => {
    stub({ 'POST /api/engagements/e-1/transitions': problem(409, 'An engagement in fieldwork cannot move to review', 'invalid_transition') })
    const { refresh } = show(makeEngagement({ status: 'fieldwork' }))
    await userEvent.click(await screen.findByRole('button', { name: 'Move to review' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('An engagement in fieldwork cannot move to review')
    expect(refresh).not.toHaveBeenCalled()
  })

  it('asks for a reason before a step back, and sends it', async () => {
    const calls = stub({
      'POST /api/engagements/e-1/transitions': { body: { engagement: makeEngagement({ status: 'planning' }), from_status: 'fieldwork', to_status: 'planning' } },
    })
    show(makeEngagement({ status: 'fieldwork' }))
    await userEvent.click(await screen.findByRole('button', { name: 'Move to planning' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('A step back needs a reason')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await userEvent.type(screen.getByLabelText('Reason'), 'Materiality must be reassessed')
    await userEvent.click(screen.getByRole('button', { name: 'Move to planning' }))
    await screen.findByText('Moved from fieldwork to planning.')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ to: 'planning', reason: 'Materiality must be reassessed' })
  })

  it('leaves finalizing to the bar above the tabs: in review it offers only the step back', async () => {
    const calls = stub({
      'POST /api/engagements/e-1/transitions': { body: { engagement: makeEngagement({ status: 'fieldwork' }), from_status: 'review', to_status: 'fieldwork' } },
    })
    show(makeEngagement({ status: 'review', my_role: 'partner' }))
    await screen.findByText('Acme Manufacturing')
    expect(moveButtons()).toEqual(['Move to fieldwork'])
    expect(screen.queryByRole('button', { name: /finaliz/i })).not.toBeInTheDocument()
    expect(screen.getByText(/Finalize from the bar above the tabs/)).toBeInTheDocument()
    // The Overview no longer asks for readiness: the bar does.
    expect(calls.some((c) => c.path.endsWith('/finalization-readiness'))).toBe(false)
    await userEvent.type(screen.getByLabelText('Reason'), 'Cash work reopened after review')
    await userEvent.click(screen.getByRole('button', { name: 'Move to fieldwork' }))
    await screen.findByText('Moved from review to fieldwork.')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ to: 'fieldwork', reason: 'Cash work reopened after review' })
  })

  it('shows client users only the facts and the status', async () => {
    const calls = stub()
    show(makeEngagement({ status: 'fieldwork', my_role: null }), makeMe({ roles: ['client_user'], permissions: ['client_portal', 'data.upload'] }))
    expect(await screen.findByText('Acme Manufacturing')).toBeInTheDocument()
    expect(screen.getByText('fieldwork')).toBeInTheDocument()
    expect(moveButtons()).toEqual([])
    expect(screen.queryByRole('heading', { name: 'Team' })).not.toBeInTheDocument()
    expect(calls.map((c) => c.path)).toEqual(['/api/clients/c-1'])
  })
})

describe('Overview: team and activity', () => {
  it('shows the team and the recent activity in words', async () => {
    stub()
    show(makeEngagement())
    const team = await screen.findByRole('region', { name: 'Team' })
    expect(await within(team).findByRole('cell', { name: 'Sam Senior' })).toBeInTheDocument()
    const activity = await screen.findByRole('list', { name: 'Recent activity' })
    expect(activity).toHaveTextContent('Moved it from planning to fieldwork')
    expect(activity).toHaveTextContent('Added Sam Senior to the team as senior')
  })

  it('adds a firm user to the team', async () => {
    const calls = stub({ 'POST /api/engagements/e-1/team': { status: 201, body: member('u-3', 'Pat Partner', 'partner') } })
    show(makeEngagement())
    const person = await screen.findByLabelText('Person')
    await screen.findByRole('option', { name: /Pat Partner/ })
    // Members already on the team and client users are not offered.
    expect(within(person).queryByRole('option', { name: /Sam Senior/ })).not.toBeInTheDocument()
    expect(within(person).queryByRole('option', { name: /Cleo Client/ })).not.toBeInTheDocument()
    await userEvent.selectOptions(person, 'u-3')
    await userEvent.selectOptions(screen.getByLabelText('Engagement role'), 'partner')
    await userEvent.click(screen.getByRole('button', { name: 'Add to team' }))
    expect(await screen.findByText('Pat Partner joined the team as partner.')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ user_id: 'u-3', role: 'partner' })
  })

  it('changes a role and removes a member after confirming', async () => {
    const calls = stub({
      'PATCH /api/engagements/e-1/team/u-2': { body: member('u-2', 'Sam Senior', 'staff') },
      'DELETE /api/engagements/e-1/team/u-2': { status: 204 },
    })
    show(makeEngagement())
    await userEvent.selectOptions(await screen.findByLabelText('Engagement role of Sam Senior'), 'staff')
    expect(await screen.findByText('Sam Senior is now staff.')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ role: 'staff' })

    await userEvent.click(screen.getByRole('button', { name: 'Remove Sam Senior' }))
    await userEvent.click(screen.getByRole('button', { name: 'Yes, remove' }))
    expect(await screen.findByText('Sam Senior is off the team.')).toBeInTheDocument()
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/engagements/e-1/team/u-2')).toBe(true)
  })

  it('shows the API’s refusal of a team change', async () => {
    stub({ 'DELETE /api/engagements/e-1/team/u-1': problem(409, 'The team must keep a partner or a manager', 'team_needs_lead') })
    show(makeEngagement())
    await userEvent.click(await screen.findByRole('button', { name: 'Remove Mia Manager' }))
    await userEvent.click(screen.getByRole('button', { name: 'Yes, remove' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The team must keep a partner or a manager')
  })

  it('does not offer team management to staff on the team', async () => {
    stub()
    show(makeEngagement({ my_role: 'staff' }), makeMe({ roles: ['staff'], permissions: ['engagement.read', 'data.upload', 'users.read', 'workpaper.prepare'] }))
    await screen.findByRole('cell', { name: 'Sam Senior' })
    expect(screen.queryByLabelText('Person')).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Remove/ })).not.toBeInTheDocument()
    await waitFor(() => expect(screen.getByRole('button', { name: 'Move to review' })).toBeDisabled())
  })
})
