import type { ReportRead } from './report'

export const report = (overrides: Partial<ReportRead> = {}): ReportRead => ({
  id: 'r-1',
  engagement_id: 'e-1',
  version: 1,
  status: 'draft',
  opinion: 'unmodified',
  basis_for_modification: null,
  emphasis_of_matter: null,
  report_date: '2027-03-01',
  standards: 'aicpa',
  created_at: '2026-12-06T11:00:00Z',
  created_by: 'u-1',
  approved_by: null,
  approved_at: null,
  signed_by: null,
  signed_at: null,
  signature_method: null,
  sha256: null,
  archived: false,
  stale: { stale: false, reason: null },
  ...overrides,
})

export const SHA = 'a3f1c2d4e5b6978812345678abcdef0123456789abcdef0123456789abcdef01'
