import type { Checklist, Item, Note } from './disclosures'

export const item = (overrides: Partial<Item> = {}): Item => ({
  code: 'leases.maturity',
  topic: 'leases',
  requirement: 'Give a maturity analysis of the lease liabilities',
  citation: 'ASC 842-20-50-6',
  on: true,
  reasons: ['turned on by account 21700 Lease liability'],
  answer: null,
  ...overrides,
})

export const checklist = (overrides: Partial<Checklist> = {}): Checklist => ({
  framework: 'us_gaap_private',
  framework_chosen: false,
  notes_in_report: false,
  trial_balance: true,
  topics: [
    {
      topic: 'accounting_policies',
      title: 'Summary of significant accounting policies',
      on: true,
      items: [item({ code: 'policies.summary', topic: 'accounting_policies', requirement: 'Describe the accounting principles', citation: 'ASC 235-10-50-1', reasons: ['required for every engagement under this framework'] })],
    },
    {
      topic: 'leases',
      title: 'Leases',
      on: true,
      items: [
        item(),
        item({
          code: 'leases.general',
          requirement: 'Describe the leases',
          citation: 'ASC 842-20-50-3',
          answer: { answer: 'yes', reason: '', evidence: [{ kind: 'node', id: 'n-1' }], answered_by: 'u-2', answered_by_name: 'Sam Senior', answered_at: '2026-12-06T10:00:00Z' },
        }),
      ],
    },
    {
      topic: 'debt',
      title: 'Debt',
      on: false,
      items: [item({ code: 'debt.maturities', topic: 'debt', requirement: 'Give the aggregate maturities', citation: 'ASC 470-10-50-1', on: false, reasons: [] })],
    },
  ],
  ...overrides,
})

export const leaseNote = (overrides: Partial<Note> = {}): Note => ({
  id: 'note-1',
  topic: 'leases',
  title: 'Leases',
  body: 'Lease liability: {{tb:21700}} (prior year {{tb:21700:prior}}). [[source:asc-842#disclosure-maturity]]',
  rendered: 'Lease liability: 118,000.40 (prior year 130,000.00).',
  values: { 'tb:21700': '118,000.40', 'tb:21700:prior': '130,000.00' },
  citations: [
    {
      key: 'source:asc-842#disclosure-maturity',
      document: 'ASC 842 Leases: our summary',
      locator: 'Disclosure: maturity analysis and quantitative information',
      text: 'A lessee gives a maturity analysis of its lease liabilities for each of the next five years.',
      kind: 'source',
    },
  ],
  problems: [],
  status: 'draft',
  changed_since_approval: false,
  drafted_with: 'offline',
  updated_by: 'u-1',
  updated_at: '2026-12-06T10:00:00Z',
  approved_by: null,
  approved_at: null,
  ...overrides,
})
