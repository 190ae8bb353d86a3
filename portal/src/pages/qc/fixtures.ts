import type { Policy, QcRun, Waiver } from './qc'

export const policy = (overrides: Partial<Policy> = {}): Policy => ({
  code: 'documentation',
  title: 'Every workpaper prepared and reviewed',
  blocking: true,
  status: 'passed',
  detail: '',
  ...overrides,
})

export const run = (overrides: Partial<QcRun> = {}): QcRun => ({
  run_id: 'run-1',
  passed: false,
  ran_at: '2026-12-06T10:00:00Z',
  policies: [
    policy({ code: 'materiality_set', title: 'Materiality is set', status: 'passed' }),
    policy({ code: 'subsequent_events', title: 'Subsequent events reviewed', blocking: false, status: 'failed', detail: 'No subsequent-events workpaper is signed off' }),
    policy({ code: 'evidence_above_pm', title: 'Evidence for accounts above performance materiality', status: 'failed', detail: 'Account 1000 Cash at bank (12,000.00) has no evidence' }),
    policy({ code: 'review_notes_cleared', title: 'Review notes cleared', status: 'waived', detail: '1 open review note on D-100' }),
  ],
  ...overrides,
})

export const waiver = (overrides: Partial<Waiver> = {}): Waiver => ({
  id: 'w-1',
  policy: 'review_notes_cleared',
  reason: 'The open note is a typo in a heading; the partner accepted it.',
  waived_by_name: 'Pat Partner',
  created_at: '2026-12-06T10:05:00Z',
  ...overrides,
})
