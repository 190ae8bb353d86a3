import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import type { Engagement } from './context'
import { daysBetween, todayIso } from './due'
import { Overview } from './Overview'

// Dates relative to today, so the wording is checked against the clock the page reads.
const inDays = (n: number) => new Date(Date.parse(`${todayIso()}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)

function stub(extra: Parameters<typeof mockApi>[0] = {}) {
  return mockApi({
    'GET /api/clients/c-1': { body: { id: 'c-1', name: 'Acme Manufacturing', legal_name: null, industry: null, entity_type: 'non_issuer', fiscal_year_end: '12-31', contacts: [], created_at: '', updated_at: '' } },
    'GET /api/engagements/e-1/team': { body: { members: [] } },
    'GET /api/engagements/e-1/activity': { body: { items: [], page: 1, page_size: 20, total: 0 } },
    ...extra,
  })
}
const show = (engagement: Engagement) => renderPage(<Overview />, { route: '/engagements/:engagementId', path: '/engagements/e-1', engagement })
const dueFact = async () => (await screen.findByText('Report due')).nextElementSibling as HTMLElement

describe('Overview: report due date', () => {
  it('says overdue when the date has passed and the engagement is not finalized', async () => {
    stub()
    show(makeEngagement({ status: 'fieldwork', period_end: inDays(-90), due_date: inDays(-3) }))
    const fact = await dueFact()
    expect(fact).toHaveTextContent(`${inDays(-3)} · overdue by 3 days`)
    expect(within(fact).getByText(/overdue by 3 days/)).toHaveClass('due-overdue')
  })

  it('says due in N days before it, nothing once finalized, and a dash without one', async () => {
    stub()
    const { unmount } = show(makeEngagement({ status: 'review', period_end: inDays(-30), due_date: inDays(12) }))
    expect(await dueFact()).toHaveTextContent(`${inDays(12)} · due in 12 days`)
    unmount()
    stub()
    const finalized = show(makeEngagement({ status: 'finalized', locked: true, period_end: inDays(-90), due_date: inDays(-3) }))
    const fact = await dueFact()
    expect(fact).toHaveTextContent(inDays(-3))
    expect(fact).not.toHaveTextContent('overdue')
    expect(within(fact).queryByRole('button')).not.toBeInTheDocument()
    finalized.unmount()
    stub()
    show(makeEngagement({ status: 'planning' }))
    expect(await dueFact()).toHaveTextContent('—')
    expect(daysBetween(todayIso(), inDays(12))).toBe(12)
  })

  it('lets a manager set the due date, refusing one before the period end without asking the API', async () => {
    const calls = stub({ 'PATCH /api/engagements/e-1': { body: makeEngagement({ due_date: '2027-03-31' }) } })
    const { refresh } = show(makeEngagement({ status: 'fieldwork', period_end: '2026-12-31' }))
    await userEvent.click(within(await dueFact()).getByRole('button', { name: 'Set' }))
    await userEvent.type(screen.getByLabelText('Report due'), '2026-11-30')
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await within(screen.getByRole('form', { name: 'Report due date' })).findByRole('alert')).toHaveTextContent('The report cannot be due before the period ends.')
    expect(calls.filter((c) => c.method === 'PATCH')).toEqual([])
    await userEvent.clear(screen.getByLabelText('Report due'))
    await userEvent.type(screen.getByLabelText('Report due'), '2027-03-31')
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    await screen.findByRole('button', { name: 'Set' })
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ due_date: '2027-03-31' })
    expect(refresh).toHaveBeenCalled()
  })

  it('shows the API’s refusal and offers no change to a staff member', async () => {
    stub({ 'PATCH /api/engagements/e-1': { status: 400, body: { type: 'x', title: 'Bad Request', status: 400, detail: 'due_date: 2026-12-01 is before the period end 2026-12-31', code: 'validation_failed' } } })
    const { unmount } = show(makeEngagement({ status: 'fieldwork', period_end: '2026-11-30', due_date: '2027-01-15' }))
    await userEvent.click(within(await dueFact()).getByRole('button', { name: 'Change' }))
    await userEvent.clear(screen.getByLabelText('Report due'))
    await userEvent.type(screen.getByLabelText('Report due'), '2026-12-01')
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await within(screen.getByRole('form', { name: 'Report due date' })).findByRole('alert')).toHaveTextContent('due_date: 2026-12-01 is before the period end 2026-12-31')
    unmount()
    stub()
    show(makeEngagement({ status: 'fieldwork', my_role: 'staff', due_date: '2027-01-15' }))
    expect(within(await dueFact()).queryByRole('button')).not.toBeInTheDocument()
  })
})
