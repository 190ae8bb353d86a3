import { describe, expect, it } from 'vitest'
import { policy, run } from './fixtures'
import { orderPolicies, policyLink, summarize, verdictText, waiverProblems } from './qc'

describe('the QC page logic', () => {
  it('lists failed blocking policies first, then failed advisory, waived and passed', () => {
    const ordered = orderPolicies(run().policies).map((p) => p.code)
    expect(ordered).toEqual(['evidence_above_performance_materiality', 'subsequent_events', 'review_notes', 'materiality'])
  })

  it('counts the policies and says why the gate did not pass', () => {
    expect(summarize(run().policies)).toEqual({ failedBlocking: 1, failedOther: 1, waived: 1, passed: 1 })
    expect(verdictText(run())).toBe('The QC gate did not pass: 1 blocking policy has failed.')
    const passed = run({ passed: true, policies: [policy({ status: 'waived' }), policy({ code: 'x', status: 'passed' })] })
    expect(verdictText(passed)).toBe('The QC gate passed (1 waived).')
  })

  it('links each policy to the page where its missing piece is fixed', () => {
    expect(policyLink({ code: 'evidence_above_pm', title: '' })?.path).toBe('evidence')
    expect(policyLink({ code: 'review_notes_cleared', title: '' })?.path).toBe('review-notes')
    expect(policyLink({ code: 'je_testing_done', title: '' })?.path).toBe('je-tests')
    expect(policyLink({ code: 'risk_assessment', title: '' })?.path).toBe('program')
    expect(policyLink({ code: 'subsequent_events', title: '' })?.path).toBe('subsequent-events')
    expect(policyLink({ code: 'materiality_set', title: '' })?.path).toBe('materiality')
    expect(policyLink({ code: 'mapping_confirmed', title: '' })?.path).toBe('mapping')
    expect(policyLink({ code: 'unadjusted_differences', title: '' })?.path).toBe('adjustments')
    expect(policyLink({ code: 'partner_signoff', title: '' })?.path).toBe('binder')
    expect(policyLink({ code: 'q7', title: 'Journal entry testing done' })?.path).toBe('je-tests')
    expect(policyLink({ code: 'q9', title: 'Something new' })).toBeNull()
  })

  it('refuses a waiver reason shorter than 20 characters, counting what was typed', () => {
    expect(waiverProblems('   ')).toEqual(['Say why the policy is waived.'])
    expect(waiverProblems('too short reason')).toEqual(['The reason needs at least 20 characters (it has 16).'])
    expect(waiverProblems('  exactly twenty chars  ')).toEqual([]) // 20 once trimmed
    expect(waiverProblems('nineteen characters')).toHaveLength(1)
    expect(waiverProblems('Accepted by the partner after review')).toEqual([])
  })
})
