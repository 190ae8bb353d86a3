/** Account mapping, adjusting entries and statements: the API's types, query keys and labels. */
import type { components } from '../../api/schema'

export type MappingRead = components['schemas']['MappingRead']
export type Section = NonNullable<MappingRead['section']>
export type Status = MappingRead['status']
export type Method = NonNullable<MappingRead['method']>
export type StandardAccount = components['schemas']['StandardAccountRead']
export type StatementRead = components['schemas']['StatementRead']
export type LeadSheetsRead = components['schemas']['LeadSheetsRead']
export type AdjustmentRead = components['schemas']['AdjustmentRead']
export type SummaryRead = components['schemas']['SummaryRead']
export type Kind = AdjustmentRead['kind']

export const SECTIONS: Section[] = [
  'current_assets', 'non_current_assets', 'current_liabilities', 'non_current_liabilities', 'equity',
  'revenue', 'cost_of_sales', 'operating_expenses', 'other_income_expense', 'income_tax',
]
export const SECTION_LABELS: Record<Section, string> = {
  current_assets: 'Current assets',
  non_current_assets: 'Non-current assets',
  current_liabilities: 'Current liabilities',
  non_current_liabilities: 'Non-current liabilities',
  equity: 'Equity',
  revenue: 'Revenue',
  cost_of_sales: 'Cost of sales',
  operating_expenses: 'Operating expenses',
  other_income_expense: 'Other income (expense)',
  income_tax: 'Income tax',
}
export const STATUSES: Status[] = ['pending', 'suggested', 'confirmed', 'unmapped']
export const METHOD_LABELS: Record<Method, string> = {
  prior_year: 'prior year',
  rule: 'firm rule',
  similarity: 'name',
  numbering: 'numbering',
  model: 'firm history',
  manual: 'reviewer',
}
export const KINDS: Kind[] = ['proposed', 'recorded', 'passed']
export const KIND_LABELS: Record<Kind, string> = { proposed: 'Proposed', recorded: 'Recorded', passed: 'Passed (waived)' }

export const mappingKeys = {
  all: (engagementId: string) => ['mapping', engagementId] as const,
  chart: () => ['standard-chart'] as const,
}

/** A confidence from 0 to 1 as a whole percentage ("87%"), or a dash when there is none. */
export function formatConfidence(confidence: number | null | undefined): string {
  return confidence === null || confidence === undefined ? '–' : `${Math.round(confidence * 100)}%`
}

/** Debit and credit totals of an entry's lines, in cents, and what is left to balance. */
export function entryTotals(lines: { debit: string; credit: string }[]): { debits: number; credits: number; difference: number } {
  const cents = (text: string) => {
    const value = Number(text.trim() || '0')
    return Number.isFinite(value) ? Math.round(value * 100) : 0
  }
  const debits = lines.reduce((sum, line) => sum + cents(line.debit), 0)
  const credits = lines.reduce((sum, line) => sum + cents(line.credit), 0)
  return { debits, credits, difference: debits - credits }
}

export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const whole = Math.abs(cents)
  return `${sign}${Math.floor(whole / 100)}.${String(whole % 100).padStart(2, '0')}`
}
