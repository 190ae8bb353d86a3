import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { todayIso } from '../engagements/due'
import { Home } from './Home'

const inDays = (n: number) => new Date(Date.parse(`${todayIso()}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
const page = (items: unknown[]) => ({ body: { items, page: 1, page_size: 200, total: items.length } })

describe('Home: report due dates', () => {
  it('lists my engagements soonest due first, those without a due date last, with overdue and due-in wording', async () => {
    mockApi({
      'GET /api/engagements': page([
        makeEngagement({ id: 'e-1', name: 'Undated audit', period_end: '2026-12-31', due_date: null }),
        makeEngagement({ id: 'e-2', name: 'Later audit', period_end: inDays(-60), due_date: inDays(5) }),
        makeEngagement({ id: 'e-3', name: 'Late audit', period_end: inDays(-90), due_date: inDays(-2) }),
      ]),
    })
    renderPage(<Home />, { route: '/' })
    await screen.findByRole('cell', { name: 'Late audit' })
    const table = screen.getByRole('table')
    const names = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((row) => within(row).getAllByRole('cell')[0].textContent)
    expect(names).toEqual(['Late audit', 'Later audit', 'Undated audit'])
    expect(screen.getByRole('columnheader', { name: /Report due/ })).toBeInTheDocument()
    const late = screen.getByRole('cell', { name: 'Late audit' }).closest('tr')!
    expect(within(late).getByText(/overdue by 2 days/)).toHaveClass('due-overdue')
    const later = screen.getByRole('cell', { name: 'Later audit' }).closest('tr')!
    expect(later).toHaveTextContent(`${inDays(5)} · due in 5 days`)
    expect(later).not.toHaveTextContent('overdue')
  })
})
