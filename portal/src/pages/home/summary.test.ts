import { describe, expect, it } from 'vitest'
import { makeEngagement } from '../../test/render'
import { figuresFromSummary, tasksFromSummary, type Summary, type SummaryItem } from './summary'

const item = (overrides: Partial<SummaryItem> = {}): SummaryItem => ({
  engagement_id: 'e-1', name: 'Northwind', status: 'fieldwork', locked: false, my_role: 'manager',
  workpapers_total: 4, workpapers_signed: 1, open_review_notes: 3, unresolved_je_exceptions: 2, je_run_id: 'r',
  loaded_kinds: ['general_ledger'], awaiting_acceptance: 1, materiality_set: true, ...overrides,
})

describe('figuresFromSummary', () => {
  it('reads the figures, and keeps what the caller may not read as unknown', () => {
    expect(figuresFromSummary(item())).toMatchObject({ workpapersTotal: 4, workpapersSigned: 1, openNotes: 3, unresolvedExceptions: 2, loadedKinds: ['general_ledger'], materialitySet: true })
    const hidden = figuresFromSummary(item({ workpapers_total: null, workpapers_signed: null, open_review_notes: null, unresolved_je_exceptions: null, loaded_kinds: null, materiality_set: null }))
    expect(Object.values(hidden).filter((v) => v !== null)).toEqual([[]])
  })
})

describe('tasksFromSummary', () => {
  it('words and links the tasks as the per-engagement tasks did, for the engagements shown only', () => {
    const about = { engagement_id: 'e-1', engagement_name: 'Northwind' }
    const summary: Summary = {
      items: [item()], truncated: false,
      notes_assigned_to_me: [{ ...about, note_id: 'n-1', node_id: 'a', node_index_code: 'A', node_title: 'Cash', body: 'Tie to the bank letter' }],
      waiting_for_my_signoff: [
        { ...about, node_id: 'a', index_code: 'A', title: 'Paper a', step: 'review' },
        { ...about, node_id: 'b', index_code: null, title: 'Paper b', step: 'approve' },
        { engagement_id: 'e-2', engagement_name: 'Hidden', node_id: 'c', index_code: 'C', title: 'Paper c', step: 'approve' },
      ],
      submissions_to_accept: [{ ...about, dataset_id: 'd', kind: 'trial_balance', filename: 'tb.csv' }],
    }
    const tasks = tasksFromSummary(summary, [makeEngagement({ id: 'e-1', name: 'Northwind' })])
    expect(tasks.map((t) => [t.kind, t.text, t.to])).toEqual([
      ['note', 'Review note on A Cash: Tie to the bank letter', '/engagements/e-1/review-notes'],
      ['signoff', 'Review A Paper a', '/engagements/e-1/binder/a'],
      ['signoff', 'Approve Paper b', '/engagements/e-1/binder/b'],
      ['submission', 'Accept or return the client\'s trial balance “tb.csv”', '/engagements/e-1/data'],
    ])
  })
})
