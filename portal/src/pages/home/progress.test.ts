import { describe, expect, it } from 'vitest'
import { makeEngagement } from '../../test/render'
import { figuresOf, pathToFinalization, tasksOf, workpapersOf, type Progress } from './progress'

const sig = (user_id: string) => ({ user_id, display_name: user_id, signed_at: '2026-02-01T00:00:00Z', node_version: 1 })
const node = (id: string, kind: string, signoffs: object | null, children: unknown[] = []) => ({
  id, kind, index_code: id.toUpperCase(), title: `Paper ${id}`, signoffs, children, parent_id: null, position: 0, version: 1,
  evidence_id: null, evidence_ids: [], updated_at: '', updated_by: null,
})
const tree = [
  node('f', 'folder', null, [
    node('a', 'workpaper', { prepared: sig('u-2'), reviewed: null, approved: null }),
    node('b', 'workpaper', { prepared: sig('u-2'), reviewed: sig('u-3'), approved: null }),
    node('c', 'workpaper', { prepared: sig('u-2'), reviewed: sig('u-3'), approved: sig('u-4') }),
    node('d', 'workpaper', { prepared: sig('u-1'), reviewed: null, approved: null }),
  ]),
]
const dataset = (kind: string, status: string, extra: object = {}) => ({ id: `${kind}-${status}`, kind, status, current: status === 'succeeded', needs_acceptance: false, filename: `${kind}.csv`, ...extra })

function progress(overrides: Partial<Progress> = {}): Progress {
  return {
    workpapers: { ok: true, value: workpapersOf(tree as never) },
    openNotes: { ok: true, value: { total: 3, mine: [{ id: 'n-1', node_index_code: 'A', node_title: 'Cash', body: 'Tie to the bank letter' } as never] } },
    exceptions: { ok: true, value: { unresolved: 2, flagged: 9 } },
    datasets: { ok: true, value: [dataset('general_ledger', 'succeeded'), dataset('trial_balance', 'submitted', { needs_acceptance: true, current: false })] as never },
    materiality: { ok: true, value: { performance: '65000.00', version: 1 } },
    ...overrides,
  }
}

describe('figuresOf', () => {
  it('counts approved workpapers of all, open notes, unresolved exceptions and loaded data', () => {
    const f = figuresOf(progress())
    expect(f).toMatchObject({ workpapersTotal: 4, workpapersSigned: 1, openNotes: 3, unresolvedExceptions: 2, loadedKinds: ['general_ledger'], materialitySet: true })
    expect(f.awaitingAcceptance.map((d) => d.filename)).toEqual(['trial_balance.csv'])
  })

  it('keeps a part it could not read as unknown, and no JE run as none to resolve', () => {
    const f = figuresOf(progress({ openNotes: { ok: false, message: 'forbidden' }, exceptions: { ok: true, value: null } }))
    expect(f.openNotes).toBeNull()
    expect(f.unresolvedExceptions).toBe(0)
  })
})

describe('tasksOf', () => {
  it('lists my notes, what waits for my review (not my own preparation) or approval, and client submissions', () => {
    const tasks = tasksOf(makeEngagement({ my_role: 'manager' }), progress(), 'u-1')
    expect(tasks.map((t) => [t.kind, t.text, t.to])).toEqual([
      ['note', 'Review note on A Cash: Tie to the bank letter', '/engagements/e-1/review-notes'],
      ['signoff', 'Review A Paper a', '/engagements/e-1/binder/a'],
      ['signoff', 'Approve B Paper b', '/engagements/e-1/binder/b'],
      ['submission', 'Accept or return the client\'s trial balance “trial_balance.csv”', '/engagements/e-1/data'],
    ])
  })

  it('gives staff no sign-off tasks beyond their role', () => {
    const tasks = tasksOf(makeEngagement({ my_role: 'staff' }), progress(), 'u-1')
    expect(tasks.filter((t) => t.kind === 'signoff')).toEqual([])
  })
})

describe('pathToFinalization', () => {
  it('marks what is done and names what is left', () => {
    const steps = pathToFinalization(makeEngagement({ status: 'fieldwork' }), figuresOf(progress()))
    expect(steps.map((s) => [s.label, s.done, s.detail])).toEqual([
      ['Materiality determined', true, 'set'],
      ['Data loaded', false, 'general ledger'],
      ['Client submissions decided', false, '1 waiting for acceptance'],
      ['JE exceptions resolved', false, '2 unresolved exceptions'],
      ['Workpapers signed off', false, '1 of 4 approved'],
      ['Review notes cleared', false, '3 open notes'],
      ['Finalized', false, 'now in fieldwork'],
    ])
  })
})
