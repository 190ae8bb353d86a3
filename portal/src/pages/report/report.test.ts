import { describe, expect, it } from 'vitest'
import { ApiError } from '../../api/errors'
import { draftBody, emptyDraft, groupedDigest, nextStep, signRefusal, staleText, supersededText } from './report'
import { SHA, report } from './fixtures'

const problem = (status: number, code: string, detail = 'x') => new ApiError(status, { type: 'x', title: 't', status, detail, code })

describe('the report page logic', () => {
  it('requires a basis for a qualified, adverse or disclaimer opinion', () => {
    for (const opinion of ['qualified', 'adverse', 'disclaimer'] as const) {
      const result = draftBody({ ...emptyDraft(), opinion })
      expect(result).toHaveProperty('problems')
      expect('problems' in result && result.problems[0]).toMatch(/needs its basis for modification/)
    }
    expect(draftBody({ ...emptyDraft(), opinion: 'qualified', basis: '  Inventory count not observed  ' })).toEqual({
      body: { opinion: 'qualified', basis_for_modification: 'Inventory count not observed', emphasis_of_matter: null, report_date: null, standards: null },
    })
  })

  it('sends an unmodified opinion with only what was given, and refuses a basis with it', () => {
    expect(draftBody(emptyDraft())).toEqual({
      body: { opinion: 'unmodified', basis_for_modification: null, emphasis_of_matter: null, report_date: null, standards: null },
    })
    expect(draftBody({ ...emptyDraft(), emphasis: 'Going concern', reportDate: '2027-03-01', standards: 'pcaob' })).toEqual({
      body: { opinion: 'unmodified', basis_for_modification: null, emphasis_of_matter: 'Going concern', report_date: '2027-03-01', standards: 'pcaob' },
    })
    expect(draftBody({ ...emptyDraft(), basis: 'something' })).toEqual({
      problems: ['An unmodified opinion has no basis for modification: clear that field or choose a modified opinion.'],
    })
  })

  it('starts a new draft from the latest version', () => {
    expect(emptyDraft(report({ opinion: 'adverse', basis_for_modification: 'B', report_date: '2027-02-01', standards: 'pcaob' }))).toEqual({
      opinion: 'adverse', basis: 'B', emphasis: '', reportDate: '2027-02-01', standards: 'pcaob',
    })
  })

  it('words a refused signature: a wrong password, a lockout, someone who may not sign', () => {
    expect(signRefusal(problem(401, 'invalid_credentials'))).toMatch(/password is not right/)
    expect(signRefusal(problem(429, 'too_many_requests', 'Too many failed sign-ins; try again in 2 s'))).toBe('Too many wrong passwords: the report was not signed. Too many failed sign-ins; try again in 2 s')
    expect(signRefusal(problem(403, 'forbidden'))).toMatch(/Only the engagement partner/)
    expect(signRefusal(problem(409, 'report_not_approved', 'The report must be approved first'))).toBe('The report must be approved first')
    expect(signRefusal(new Error('x'))).toBeNull()
  })

  it('says what comes next and groups the digest for reading', () => {
    expect(nextStep(report(), false)).toMatch(/approves it/)
    expect(nextStep(report({ status: 'approved' }), false)).toMatch(/signs it/)
    expect(nextStep(report({ status: 'signed' }), true)).toMatch(/write-once/)
    expect(groupedDigest('0123456789abcdef01')).toBe('01234567 89abcdef 01')
  })

  it('words a stale approval or signature from the API reason, and only for a standing report', () => {
    const reason = 'The report was signed before a sample was drawn; draft, approve and sign it again'
    expect(staleText(report({ status: 'signed', stale: { stale: true, reason } }))).toBe(
      'The signature is older than the file: the report was signed before a sample was drawn. Draft the report again, then approve and sign the new version.',
    )
    expect(staleText(report({ status: 'approved', stale: { stale: true, reason: null } }))).toMatch(/^The approval is older than the file: something the report shows changed/)
    expect(staleText(report({ status: 'signed' }))).toBeNull()
    expect(staleText(report({ status: 'superseded', stale: { stale: true, reason } }))).toBeNull()
  })

  it('says what a superseded version had been', () => {
    const names = (id: string | null | undefined) => (id === 'u-9' ? 'Pat Partner' : id === 'u-1' ? 'Mia Manager' : '')
    expect(supersededText(report({ status: 'superseded', sha256: SHA, signed_by: 'u-9', signed_at: '2026-12-06T12:00:00Z' }), names)).toMatch(
      new RegExp(`^Version 1 was signed by Pat Partner on .+, digest ${SHA}\\.`),
    )
    expect(supersededText(report({ status: 'superseded', approved_by: 'u-1', approved_at: '2026-12-06T11:30:00Z' }), names)).toMatch(/^Version 1 was approved by Mia Manager on /)
    expect(supersededText(report({ status: 'superseded' }), names)).toBeNull()
    expect(supersededText(report({ status: 'signed', sha256: SHA, signed_by: 'u-9', signed_at: '2026-12-06T12:00:00Z' }), names)).toBeNull()
  })
})
