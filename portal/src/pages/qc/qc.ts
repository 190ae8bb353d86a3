/**
 * The QC gate as the page shows it: the policies of the latest run in the order to clear them (what
 * blocks first), where in the file each one is fixed, and the waiver form's rule (a reason of at
 * least 20 characters). The verdicts are the API's; nothing here re-decides a policy.
 */
import type { components } from '../../api/schema'

export type Policy = components['schemas']['PolicyRead']
export type PolicyStatus = Policy['status']
export type QcRun = components['schemas']['QcRunRead']
export type Waiver = components['schemas']['WaiverRead']
export type WaiverCreate = components['schemas']['WaiverCreate']

export const MIN_WAIVER_REASON = 20

const ORDER: Record<PolicyStatus, number> = { failed: 0, waived: 1, passed: 2 }

/** Failed blocking policies first, then failed non-blocking, waived, passed; the API's order within each. */
export function orderPolicies(policies: readonly Policy[]): Policy[] {
  return policies
    .map((policy, index) => ({ policy, index }))
    .sort((a, b) => {
      const byStatus = ORDER[a.policy.status] - ORDER[b.policy.status]
      if (byStatus) return byStatus
      const byBlocking = Number(b.policy.blocking) - Number(a.policy.blocking)
      return byBlocking || a.index - b.index
    })
    .map(({ policy }) => policy)
}

export interface QcSummary {
  failedBlocking: number
  failedOther: number
  waived: number
  passed: number
}

export function summarize(policies: readonly Policy[]): QcSummary {
  const summary: QcSummary = { failedBlocking: 0, failedOther: 0, waived: 0, passed: 0 }
  for (const p of policies) {
    if (p.status === 'failed') {
      if (p.blocking) summary.failedBlocking += 1
      else summary.failedOther += 1
    } else if (p.status === 'waived') summary.waived += 1
    else summary.passed += 1
  }
  return summary
}

/** Why the run no longer describes the file (the API's reason, without its own advice), or null while it does. */
export function staleText(run: QcRun): string | null {
  if (!run.stale?.stale) return null
  const reason = (run.stale.reason ?? 'something QC looks at changed after it ran').replace(/; run it again\.?$/, '')
  return `These results are older than the file: ${reason}. Run the checks again.`
}

/** One sentence for the run as a whole. */
export function verdictText(run: QcRun): string {
  const s = summarize(run.policies)
  if (run.passed) {
    const extra = [s.waived ? `${s.waived} waived` : '', s.failedOther ? `${s.failedOther} non-blocking not met` : ''].filter(Boolean)
    return `The QC gate passed${extra.length ? ` (${extra.join(', ')})` : ''}.`
  }
  return `The QC gate did not pass: ${s.failedBlocking} blocking ${s.failedBlocking === 1 ? 'policy has' : 'policies have'} failed.`
}

// Where in the engagement each policy's missing piece is fixed: the first rule whose words the
// policy's code (or title) holds. Paths are the workspace tabs (relative to the engagement).
const WHERE: [RegExp, string, string][] = [
  [/review.?note/, 'review-notes', 'Review notes'],
  [/evidence/, 'evidence', 'Evidence'],
  [/subsequent/, 'subsequent-events', 'Subsequent events'],
  [/risk/, 'program', 'Program'],
  [/journal|\bje\b|je_|exception/, 'je-tests', 'JE testing'],
  [/materiality/, 'materiality', 'Materiality'],
  [/mapping/, 'mapping', 'Mapping'],
  [/unadjusted|misstatement|adjust|difference/, 'adjustments', 'Adjustments'],
  [/sampl/, 'sampling', 'Sampling'],
  [/sign.?off|partner|document|workpaper|binder/, 'binder', 'Binder'],
]

/** The tab where a policy's missing piece is fixed, or null when none fits. */
export function policyLink(policy: Pick<Policy, 'code' | 'title'>): { path: string; label: string } | null {
  const byCode = policy.code.toLowerCase()
  const byTitle = policy.title.toLowerCase()
  for (const text of [byCode, byTitle]) {
    for (const [pattern, path, label] of WHERE) if (pattern.test(text)) return { path, label }
  }
  return null
}

/** The waiver form's problems (empty when it may be sent). */
export function waiverProblems(reason: string): string[] {
  const length = reason.trim().length
  if (length === 0) return ['Say why the policy is waived.']
  if (length < MIN_WAIVER_REASON) return [`The reason needs at least ${MIN_WAIVER_REASON} characters (it has ${length}).`]
  return []
}
