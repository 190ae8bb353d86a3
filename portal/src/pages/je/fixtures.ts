/** Canned API answers for the journal-entry page tests. */
import type { components } from '../../api/schema'
import type { JournalRisk, Run, TestResult } from './shared'

export const problem = (status: number, detail: string, code: string, errors?: { loc: (string | number)[]; msg: string; type: string }[]) => ({
  type: 'about:blank',
  title: status === 422 ? 'Unprocessable Content' : 'Error',
  status,
  detail,
  code,
  errors: errors ?? null,
})

export function makeTest(overrides: Partial<TestResult> & { code: string }): TestResult {
  return {
    title: overrides.code,
    status: 'ran',
    flagged_lines: 0,
    flagged_journals: 0,
    parameters: {},
    missing_fields: [],
    skipped_lines: 0,
    lines_tested: null,
    lines_total: null,
    weight: 5,
    seconds: 0.01,
    gap_count: null,
    gap_ranges: null,
    gap_ranges_truncated: null,
    basis: null,
    features: null,
    score_threshold: null,
    ...overrides,
  }
}

export const TESTS: TestResult[] = [
  makeTest({ code: 'unbalanced', title: 'Journals that do not balance', weight: 10 }),
  makeTest({ code: 'sequence_gap', title: 'Gaps in numeric journal ids', weight: 0, gap_count: 1, gap_ranges: [['1003', '1005']] }),
  makeTest({ code: 'round_amount', title: 'Round amounts', flagged_lines: 2, flagged_journals: 1, parameters: { base: '1000' } }),
  makeTest({ code: 'post_dated', title: 'Documents dated after entry', status: 'not_applicable', missing_fields: ['document_date'], parameters: { days: 30 } }),
  makeTest({ code: 'weekend_entry', title: 'Entered on a weekend or holiday', flagged_lines: 2, flagged_journals: 1, parameters: { weekend_days: [6, 7], holidays: [] } }),
  makeTest({ code: 'after_hours', title: 'Entered after hours', flagged_lines: 4, flagged_journals: 2, parameters: { from_hour: 20, to_hour: 5 } }),
  makeTest({ code: 'high_amount', title: 'High amounts', flagged_lines: 1, flagged_journals: 1, basis: 'performance_materiality', parameters: { threshold: null, top_percent: '1' } }),
]

export function makeRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 'r-1',
    engagement_id: 'e-1',
    dataset_id: 'd-1',
    dataset_version: 1,
    trigger: 'automatic',
    status: 'completed',
    job_id: 'j-1',
    requested_tests: TESTS.map((t) => t.code),
    fiscal_start: '2026-01-01',
    fiscal_end: '2026-12-31',
    performance_materiality: '7800.00',
    population: { journals: 4, lines: 8, debit_total: '20030.55', credit_total: '20030.55' },
    tests: TESTS,
    error: null,
    created_by: null,
    created_at: '2026-03-01T10:00:00Z',
    completed_at: '2026-03-01T10:00:05Z',
    ...overrides,
  }
}

export const RUNS = {
  items: [
    { id: 'r-1', dataset_id: 'd-1', dataset_version: 1, trigger: 'automatic', status: 'completed', created_at: '2026-03-01T10:00:00Z', completed_at: '2026-03-01T10:00:05Z' },
  ],
  page: 1,
  page_size: 100,
  total: 1,
}

export const EXCEPTIONS: components['schemas']['ExceptionSummary'] = {
  run_id: 'r-1',
  dataset_id: 'd-1',
  dataset_version: 1,
  flagged_journals: 3,
  by_status: { open: 1, investigating: 1, explained: 0, exception: 1, false_positive: 0 },
  unresolved: 2,
  exceptions: [{ journal_id: 'JE-1005', score: '46.15', tests: ['post_closing', 'self_approved'], note: 'Bonus accrual after year end' }],
}

export function makeLine(overrides: Partial<components['schemas']['FlaggedLine']> = {}): components['schemas']['FlaggedLine'] {
  return {
    row_number: 1,
    journal_id: 'JE-1002',
    line_number: 1,
    account_number: '5000',
    account_name: 'Salaries',
    amount: '830.15',
    debit: '830.15',
    credit: '0.00',
    effective_date: '2026-03-07',
    entered_date: '2026-03-07',
    entered_time: '23:40:00',
    entered_by: 'akim',
    approved_by: 'bcho',
    document_date: null,
    period: null,
    source: null,
    description: 'Fuel',
    header_description: null,
    score: null,
    tests: null,
    ...overrides,
  }
}

export function makeJournal(overrides: Partial<JournalRisk> = {}): JournalRisk {
  return {
    journal_id: 'JE-1005',
    rank: 1,
    score: '46.15',
    tests: ['post_closing', 'self_approved'],
    flagged_lines: 2,
    debit_total: '7950.00',
    disposition: null,
    lines: [
      makeLine({ row_number: 7, journal_id: 'JE-1005', line_number: 1, account_number: '6100', debit: '7950.00', description: 'Accrued bonus', tests: ['post_closing', 'self_approved'] }),
      makeLine({ row_number: 8, journal_id: 'JE-1005', line_number: 2, account_number: '2100', debit: '0.00', credit: '7950.00', description: 'Accrued bonus', tests: ['post_closing'] }),
    ],
    ...overrides,
  }
}
