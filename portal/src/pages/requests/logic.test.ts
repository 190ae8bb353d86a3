import { describe, expect, it } from 'vitest'
import { awaitsDecision, byUrgency, mayStillSend, reasonProblem, statusLabel, summaryLine, type RequestRead } from './logic'

const row = (over: Partial<RequestRead>): RequestRead =>
  ({ id: 'r', title: 'T', due_date: '2026-12-10', status: 'open', overdue: false, ...over }) as RequestRead

describe('the PBC list rules shown in the portal', () => {
  it('asks for a return reason of at least three words', () => {
    expect(reasonProblem('wrong')).toMatch(/at least 3 words/)
    expect(reasonProblem('  wrong   year ')).toMatch(/at least 3 words/)
    expect(reasonProblem('This is the 2025 statement')).toBeNull()
  })

  it('lets the client send until accepted, and the team decide only on a submission', () => {
    expect(['open', 'submitted', 'returned', 'accepted'].map((s) => mayStillSend(row({ status: s as RequestRead['status'] })))).toEqual([true, true, true, false])
    expect(['open', 'submitted', 'returned', 'accepted'].map((s) => awaitsDecision(row({ status: s as RequestRead['status'] })))).toEqual([false, true, false, false])
  })

  it('orders overdue first, then by due date, accepted last', () => {
    const rows = [
      row({ id: 'a', title: 'Accepted', due_date: '2026-11-01', status: 'accepted' }),
      row({ id: 'b', title: 'Later', due_date: '2026-12-20' }),
      row({ id: 'c', title: 'Late', due_date: '2026-12-01', overdue: true }),
      row({ id: 'd', title: 'Sooner', due_date: '2026-12-08' }),
    ]
    expect(rows.sort(byUrgency).map((r) => r.title)).toEqual(['Late', 'Sooner', 'Later', 'Accepted'])
  })

  it('words the status for each side', () => {
    expect(statusLabel('returned', true)).toBe('Returned to you')
    expect(statusLabel('submitted', false)).toBe('Submitted, waiting for acceptance')
  })

  it('summarises the counts in one line', () => {
    expect(summaryLine({ total: 0, open: 0, overdue: 0, submitted: 0, accepted: 0 })).toBe('No client requests.')
    expect(summaryLine({ total: 5, open: 2, overdue: 1, submitted: 2, accepted: 1 })).toBe(
      '1 overdue · 2 waiting for acceptance · 2 waiting on the client · 1 accepted',
    )
  })
})
