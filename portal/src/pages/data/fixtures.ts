/** Canned API answers for the Data tab's tests. */
import type { Preview, PreviewField } from './mapping'
import type { Dataset, Job, Rollforward } from './queries'

const GL_FIELDS: [string, boolean, string | null, string | null][] = [
  ['journal_id', true, null, null],
  ['line_number', false, null, null],
  ['account_number', true, null, null],
  ['amount', true, null, null],
  ['effective_date', true, null, null],
  ['description', false, null, null],
  ['debit', false, 'amount', 'debit'],
  ['credit', false, 'amount', 'credit'],
  ['indicator', false, 'amount', 'indicator'],
]

/** A general-ledger preview of a file whose headers the alias table knows only in part. */
export function glPreview(columns: Record<string, string> = { account_number: 'Account', description: 'Memo' }): Preview {
  const fields: PreviewField[] = GL_FIELDS.map(([field, required, amountOf, part]) => ({
    field,
    required,
    description: `${field} meaning`,
    column: columns[field] ?? null,
    amount_of: amountOf,
    part: part as PreviewField['part'],
  }))
  const header = ['Ref', 'Account', 'Value', 'Booked', 'Memo']
  const used = new Set(Object.values(columns))
  const missing = GL_FIELDS.filter(([field, required]) => required && !columns[field]).map(([field]) => field)
  return {
    kind: 'general_ledger',
    format: 'csv',
    header,
    fields,
    unmapped: header.filter((h) => !used.has(h)),
    missing,
    problems: missing.map((field) => ({ row: 1, column: field, value: null, reason: 'required column not found; accepted headers: …' })),
    ready: missing.length === 0,
    amount_forms: {},
    sheet: null,
    sheets: [],
    details: { encoding: 'ascii', delimiter: ',', header_row: 1 },
    rows: [
      { row: 2, cells: ['JE-1', '1000', '1500.00', '2026-03-31', 'Cash sale'] },
      { row: 3, cells: ['JE-1', '4000', '-1500.00', '2026-03-31', 'Cash sale'] },
    ],
    sample_problems: [],
  }
}

export const GL_CSV = 'Ref,Account,Value,Booked,Memo\nJE-1,1000,1500.00,2026-03-31,Cash sale\nJE-1,4000,-1500.00,2026-03-31,Cash sale\n'

export function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return {
    id: 'd-1',
    kind: 'general_ledger',
    version: 2,
    status: 'succeeded',
    current: true,
    filename: 'gl.csv',
    content_type: 'text/csv',
    size_bytes: 2048,
    sha256: 'ab'.repeat(32),
    unbalanced: false,
    options: { column_map: null, date_order: null, sheet: null, fiscal_start: '2026-01-01', fiscal_end: '2026-12-31', allow_unbalanced: false },
    summary: { lines: 4, journals: 2, accounts: 3, users: 1, debit_total: '1900.00', credit_total: '1900.00', difference: '0.00', unbalanced_journals: 0, first_effective_date: '2026-03-31', last_effective_date: '2026-04-30', format: 'csv' },
    warnings: [],
    error: null,
    job: { id: 'j-1', status: 'succeeded', progress: '1' },
    created_by: 'u-1',
    created_by_name: 'Mia Manager',
    needs_acceptance: false,
    reason: null,
    decided_by: null,
    decided_by_name: null,
    decided_at: null,
    decision_reason: null,
    created_at: '2026-05-01T10:00:00Z',
    finished_at: '2026-05-01T10:00:05Z',
    ...overrides,
  }
}

export function refused(): Dataset {
  return dataset({
    id: 'd-9',
    version: 3,
    status: 'failed',
    current: false,
    summary: null,
    error: {
      code: 'invalid_values',
      message: '2 value(s) cannot be read; the first is on row 7',
      details: {
        problems: [
          { row: 7, column: 'Posting Date', value: '31/02/2026', reason: 'not a calendar day' },
          { row: 12, column: 'Value', value: '12,3,4', reason: 'not an amount' },
        ],
        problem_count: 2,
      },
    },
  })
}

export function job(status: Job['status'], progress: string): Job {
  return {
    id: 'j-1',
    kind: 'ingest_dataset',
    status,
    progress,
    result: null,
    error: null,
    created_by: 'u-1',
    engagement_id: 'e-1',
    created_at: '2026-05-01T10:00:00Z',
    started_at: '2026-05-01T10:00:01Z',
    finished_at: status === 'succeeded' || status === 'failed' ? '2026-05-01T10:00:05Z' : null,
  }
}

export function rollforward(): Rollforward {
  return {
    trial_balance: { id: 'd-tb', version: 1 },
    general_ledger: { id: 'd-gl', version: 2 },
    period_start: '2026-01-01',
    period_end: '2026-12-31',
    status: 'differences',
    accounts: 2,
    accounts_with_differences: 1,
    total_difference: '12.50',
    net_difference: '-12.50',
    items: [
      { account_number: '1000', account_name: 'Cash', opening_balance: '2000.00', activity: '1100.00', closing_balance: '3100.00', difference: '0.00', status: 'reconciled', note: null },
      { account_number: '4000', account_name: 'Sales', opening_balance: '0.00', activity: '-1500.00', closing_balance: '-1487.50', difference: '-12.50', status: 'difference', note: null },
    ],
  }
}
