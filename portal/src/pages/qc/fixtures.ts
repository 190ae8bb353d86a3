import type { Policy, QcRun, Waiver } from './qc'

export const policy = (overrides: Partial<Policy> = {}): Policy => ({
  code: 'documentation',
  title: 'Every workpaper prepared and reviewed',
  blocking: true,
  status: 'passed',
  detail: '',
  missing: [],
  waiver: null,
  ...overrides,
})

export const run = (overrides: Partial<QcRun> = {}): QcRun => ({
  run_id: 'run-1',
  passed: false,
  run_at: '2026-12-06T10:00:00Z',
  run_by: 'u-1',
  stale: { stale: false, reason: null },
  policies: [
    policy({ code: 'materiality', title: 'Materiality is set', status: 'passed' }),
    policy({ code: 'subsequent_events', title: 'Subsequent events reviewed', blocking: false, status: 'failed', detail: 'No subsequent-events workpaper is signed off', missing: ['B-900 Subsequent events'] }),
    policy({ code: 'evidence_above_performance_materiality', title: 'Evidence for accounts above performance materiality', status: 'failed', detail: '2 of 3 accounts at or above performance materiality (10,000.00) have no evidence', missing: ['1000 Cash at bank', '1100 Trade debtors'] }),
    policy({ code: 'review_notes', title: 'Review notes cleared', status: 'waived', detail: '1 open review note on D-100', waiver: { id: 'w-1', reason: 'The open note is a typo in a heading; the partner accepted it.', waived_by: 'u-9', waived_at: '2026-12-06T10:05:00Z' } }),
  ],
  ...overrides,
})

export const waiver = (overrides: Partial<Waiver> = {}): Waiver => ({
  id: 'w-1',
  policy: 'review_notes',
  reason: 'The open note is a typo in a heading; the partner accepted it.',
  waived_by: 'u-9',
  waived_by_name: 'Pat Partner',
  waived_at: '2026-12-06T10:05:00Z',
  ...overrides,
})
