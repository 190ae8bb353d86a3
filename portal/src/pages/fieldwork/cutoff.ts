/**
 * Cut-off tests as the page shows them: the areas in their order with the API's counts, what a
 * flagged line means in words, and what a selection needs before it is sent. The flags and counts
 * are the API's; nothing here re-decides a line.
 */
import type { components } from '../../api/schema'

export type CutoffRun = components['schemas']['CutoffRunRead']
export type CutoffRunSummary = components['schemas']['CutoffRunSummary']
export type CutoffLine = components['schemas']['CutoffLineRead']
export type SelectionCreate = components['schemas']['SelectionCreate']
export type SelectionMode = SelectionCreate['mode']

export const AREAS = [
  ['revenue', 'Revenue'],
  ['receivables', 'Receivables'],
  ['inventory', 'Inventory'],
  ['payables', 'Payables'],
] as const

export interface AreaCounts {
  area: string
  label: string
  before: number
  after: number
  flagged: number
  noDocumentDate: number
  flaggedAmount: string
}

/** One row per area, in the fixed order, from the run's counts (an area the run did not count shows zeros). */
export function areaRows(run: Pick<CutoffRunSummary, 'counts'>): AreaCounts[] {
  return AREAS.map(([area, label]) => {
    const c = (run.counts[area] ?? {}) as Record<string, unknown>
    return {
      area,
      label,
      before: Number(c.before ?? 0),
      after: Number(c.after ?? 0),
      flagged: Number(c.flagged ?? 0),
      noDocumentDate: Number(c.no_document_date ?? 0),
      flaggedAmount: String(c.flagged_amount ?? '0.00'),
    }
  })
}

/** Why a line is flagged (or not judged), in the auditor's words. */
export function flagText(line: Pick<CutoffLine, 'flagged' | 'side' | 'document_date'>, periodEnd: string): string {
  if (!line.document_date) return 'No document date: not judged'
  if (!line.flagged) return 'Same period'
  return line.side === 'before'
    ? `Posted on or before ${periodEnd}, document dated after`
    : `Posted after ${periodEnd}, document dated on or before`
}

/** The body to send for a selection, or the problems that stop it. */
export function selectionBody(
  mode: SelectionMode,
  input: { chosen: readonly number[]; n: string; seed: string; flagged: number; lines: number },
): { body: SelectionCreate | null; problems: string[] } {
  const none = { positions: null, n: null, seed: null, name: null }
  if (mode === 'flagged') {
    return input.flagged > 0 ? { body: { ...none, mode }, problems: [] } : { body: null, problems: ['The run flagged no lines.'] }
  }
  if (mode === 'chosen') {
    return input.chosen.length > 0
      ? { body: { ...none, mode, positions: [...input.chosen].sort((a, b) => a - b) }, problems: [] }
      : { body: null, problems: ['Tick the lines to select.'] }
  }
  const problems: string[] = []
  const n = Number(input.n)
  if (!Number.isInteger(n) || n < 1 || n > input.lines) problems.push(`How many: a whole number from 1 to ${input.lines}.`)
  const seed = input.seed.trim() === '' ? null : Number(input.seed)
  if (seed !== null && (!Number.isInteger(seed) || seed < 0)) problems.push('Seed: a whole number of 0 or more, or empty for a new one.')
  return problems.length ? { body: null, problems } : { body: { ...none, mode, n, seed }, problems }
}
