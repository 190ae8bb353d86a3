/**
 * Accounting estimates as the page shows them: the auditor's figure in words, what the new-estimate
 * and review forms must hold before they are sent, and one sentence for the bias indicator. The
 * differences, the entries and the indicator are the API's; nothing here re-computes them.
 */
import type { components } from '../../api/schema'
import { formatAmount, humanize } from '../../ui/format'

export type Estimate = components['schemas']['EstimateRead']
export type EstimateCreate = components['schemas']['EstimateCreate']
export type EstimateKind = EstimateCreate['kind']
export type Review = components['schemas']['EstimateReviewRead']
export type ReviewCreate = components['schemas']['EstimateReviewCreate']
export type Bias = components['schemas']['EstimateBiasRead']
export type Proposal = components['schemas']['EstimateAdjustmentProposal']

export const KINDS: readonly [EstimateKind, string][] = [
  ['allowance_doubtful_accounts', 'Allowance for doubtful accounts'],
  ['inventory_obsolescence', 'Inventory obsolescence'],
  ['warranty', 'Warranty'],
  ['impairment', 'Impairment'],
  ['useful_lives', 'Useful lives'],
  ['fair_value', 'Fair value'],
  ['other', 'Other'],
]

export function kindLabel(code: string): string {
  return KINDS.find(([value]) => value === code)?.[1] ?? humanize(code)
}

const MONEY = /^-?\d+(\.\d{1,2})?$/

/** The auditor's range or point in words, or that there is none yet. */
export function auditorText(estimate: Estimate): string {
  if (estimate.auditor_point !== null) return `Point ${formatAmount(estimate.auditor_point)}`
  if (estimate.auditor_low !== null && estimate.auditor_high !== null) {
    return `Range ${formatAmount(estimate.auditor_low)} to ${formatAmount(estimate.auditor_high)}`
  }
  return 'Not yet developed'
}

/** Where management stands against the auditor's figure. */
export function differenceText(estimate: Estimate): string {
  const { difference } = estimate
  if (difference === null) return 'No auditor figure yet'
  if (Number(difference) === 0) return estimate.auditor_point === null ? 'Inside the range' : 'Equal to the point'
  const side = Number(difference) > 0 ? 'above' : 'below'
  return `${formatAmount(difference.replace(/^-/, ''))} ${side} the auditor's ${estimate.auditor_point === null ? 'nearest bound' : 'point'}`
}

/** Whether the difference can become a proposed entry now (the API decides; this only hides a useless button). */
export function mayPropose(estimate: Estimate): boolean {
  return estimate.adjustment === null && estimate.difference !== null && Number(estimate.difference) !== 0 && estimate.counter_account_number !== null
}

export interface EstimateForm {
  name: string
  kind: EstimateKind | ''
  account: string
  counterAccount: string
  increasesWith: 'credit' | 'debit'
  management: string
  figure: 'range' | 'point' | 'none'
  low: string
  high: string
  point: string
  basis: string
}

export const EMPTY_ESTIMATE: EstimateForm = {
  name: '',
  kind: '',
  account: '',
  counterAccount: '',
  increasesWith: 'credit',
  management: '',
  figure: 'range',
  low: '',
  high: '',
  point: '',
  basis: '',
}

export function estimateProblems(form: EstimateForm): string[] {
  const problems: string[] = []
  if (!form.name.trim()) problems.push('Name the estimate.')
  if (!form.kind) problems.push('Choose what kind of estimate it is.')
  if (!form.account.trim()) problems.push("Give the estimate's account.")
  if (!MONEY.test(form.management.trim())) problems.push(`Management's estimate must be an amount, not “${form.management.trim()}”.`)
  if (form.figure === 'range') {
    const low = form.low.trim()
    const high = form.high.trim()
    if (!MONEY.test(low) || !MONEY.test(high)) problems.push('Give the low and high ends of the range as amounts.')
    else if (Number(low) > Number(high)) problems.push(`The low end ${low} is above the high end ${high}.`)
  }
  if (form.figure === 'point' && !MONEY.test(form.point.trim())) problems.push("Give the auditor's point estimate as an amount.")
  return problems
}

export function estimateBody(form: EstimateForm): EstimateCreate {
  return {
    name: form.name.trim(),
    kind: form.kind as EstimateKind,
    account_number: form.account.trim(),
    counter_account_number: form.counterAccount.trim() || null,
    increases_with: form.increasesWith,
    management_estimate: form.management.trim(),
    auditor_low: form.figure === 'range' ? form.low.trim() : null,
    auditor_high: form.figure === 'range' ? form.high.trim() : null,
    auditor_point: form.figure === 'point' ? form.point.trim() : null,
    basis: form.basis.trim() || null,
  }
}

export interface ReviewForm {
  name: string
  kind: EstimateKind | ''
  prior: string
  actual: string
  notes: string
}

export const EMPTY_REVIEW: ReviewForm = { name: '', kind: '', prior: '', actual: '', notes: '' }

export function reviewProblems(form: ReviewForm): string[] {
  const problems: string[] = []
  if (!form.name.trim()) problems.push('Name the prior-year estimate.')
  if (!form.kind) problems.push('Choose what kind of estimate it was.')
  if (!MONEY.test(form.prior.trim())) problems.push(`Last year's estimate must be an amount, not “${form.prior.trim()}”.`)
  if (!MONEY.test(form.actual.trim())) problems.push(`The actual outcome must be an amount, not “${form.actual.trim()}”.`)
  return problems
}

export function reviewBody(form: ReviewForm): ReviewCreate {
  return {
    name: form.name.trim(),
    kind: form.kind as EstimateKind,
    prior_estimate: form.prior.trim(),
    actual_outcome: form.actual.trim(),
    notes: form.notes.trim() || null,
  }
}

/** The bias indicator in one sentence, with its counts. */
export function biasText(bias: Bias): string {
  const counts = `${bias.over} over, ${bias.under} under, ${bias.exact} exact of ${bias.reviewed} reviewed`
  if (bias.indicated) {
    const side = bias.leaning === 'over' ? 'above' : 'below'
    return `Possible management bias: most prior-year estimates came in ${side} their outcomes (${counts}).`
  }
  return `No indication of management bias (${counts}).`
}

export function directionText(review: Review): string {
  if (review.direction === 'over') return 'Estimate above the outcome'
  if (review.direction === 'under') return 'Estimate below the outcome'
  return 'Exact'
}
