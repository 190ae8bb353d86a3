/**
 * What the materiality and risk pages compute before they call the API or after it answers: the
 * request body from the form, and the risk register arranged as the RMM matrix. The API decides the
 * figures (materiality, RMM, the planned response); these functions only arrange what it says.
 */
import type { components } from '../../api/schema'

export type MaterialityRead = components['schemas']['MaterialityRead']
export type MaterialityCreate = components['schemas']['MaterialityCreate']
export type Benchmark = MaterialityCreate['benchmark']
export type Level = MaterialityCreate['risk_level']
export type RiskRead = components['schemas']['RiskRead']
export type RiskCreate = components['schemas']['RiskCreate']
export type Assertion = RiskCreate['assertion']

export const BENCHMARKS: readonly Benchmark[] = ['profit_before_tax', 'revenue', 'total_assets', 'equity']
export const BENCHMARK_LABELS: Record<Benchmark, string> = {
  profit_before_tax: 'Profit before tax',
  revenue: 'Revenue',
  total_assets: 'Total assets',
  equity: 'Equity',
}
export const LEVELS: readonly Level[] = ['low', 'moderate', 'high']
export const LEVEL_LABELS: Record<Level, string> = { low: 'Low', moderate: 'Moderate', high: 'High' }
export const ASSERTIONS: readonly Assertion[] = ['existence', 'completeness', 'accuracy', 'valuation', 'cut_off', 'presentation']
export const ASSERTION_LABELS: Record<Assertion, string> = {
  existence: 'Existence',
  completeness: 'Completeness',
  accuracy: 'Accuracy',
  valuation: 'Valuation',
  cut_off: 'Cut-off',
  presentation: 'Presentation',
}

/** The materiality form as typed: amounts and percentage as text, blank for "not given". */
export interface MaterialityForm {
  benchmark: Benchmark
  percentage: string
  amounts: Record<Benchmark, string>
  riskLevel: Level
  rationale: string
}

export function emptyMaterialityForm(from?: MaterialityRead | null): MaterialityForm {
  const amounts = { profit_before_tax: '', revenue: '', total_assets: '', equity: '' } as Record<Benchmark, string>
  for (const alternative of from?.alternatives ?? []) amounts[alternative.benchmark] = alternative.benchmark_amount
  if (from) amounts[from.benchmark] = from.benchmark_amount
  return {
    benchmark: from?.benchmark ?? 'profit_before_tax',
    percentage: from?.percentage ?? '',
    amounts,
    riskLevel: from?.risk_level ?? 'moderate',
    rationale: '',
  }
}

const MONEY = /^-?\d{1,18}(\.\d{1,2})?$/
const PERCENT = /^\d{1,3}(\.\d{1,4})?$/

/** Amounts as typed ("1,250,000.00", " 300 ") to the API's decimal text, or null when blank. */
export function moneyText(typed: string): string | null {
  const text = typed.replace(/[,\s]/g, '')
  return text === '' ? null : text
}

/**
 * The POST body, or the problems to fix first. Amounts go as exact decimal strings (never floats);
 * a blank benchmark amount is left to the API, which takes it from the mapped trial balance.
 */
export function materialityBody(form: MaterialityForm): { body: MaterialityCreate } | { problems: string[] } {
  const problems: string[] = []
  const amounts: Partial<Record<Benchmark, string>> = {}
  for (const benchmark of BENCHMARKS) {
    const text = moneyText(form.amounts[benchmark])
    if (text === null) continue
    if (!MONEY.test(text)) problems.push(`${BENCHMARK_LABELS[benchmark]}: “${form.amounts[benchmark]}” is not an amount (e.g. 1250000.00)`)
    else amounts[benchmark] = text
  }
  const percentage = form.percentage.trim()
  if (percentage && !PERCENT.test(percentage)) problems.push(`Percentage: “${percentage}” is not a percentage (e.g. 5 or 0.5)`)
  if (!form.rationale.trim()) problems.push('Rationale: say why this benchmark and percentage')
  if (problems.length) return { problems }
  const others = { profit_before_tax: null, revenue: null, total_assets: null, equity: null } as Record<Benchmark, string | null>
  for (const benchmark of BENCHMARKS) if (benchmark !== form.benchmark) others[benchmark] = amounts[benchmark] ?? null
  const amount = amounts[form.benchmark]
  return {
    body: {
      benchmark: form.benchmark,
      percentage: percentage || null,
      amount: amount ?? null,
      benchmark_amounts: others,
      risk_level: form.riskLevel,
      rationale: form.rationale.trim(),
    },
  }
}

/** One cell of the RMM matrix: inherent risk (row) by control risk (column), the risks in it and their RMM. */
export interface MatrixCell {
  inherent: Level
  control: Level
  risks: RiskRead[]
  /** The RMM the API assessed for the risks in this cell (null when the cell is empty). */
  rmm: Level | null
  fraud: number
  significant: number
}

/** The register as a 3x3 matrix, inherent risk high to low down the rows, control risk low to high across. */
export function rmmMatrix(risks: readonly RiskRead[]): MatrixCell[][] {
  return [...LEVELS].reverse().map((inherent) =>
    LEVELS.map((control) => {
      const inCell = risks.filter((r) => r.inherent_risk === inherent && r.control_risk === control)
      return {
        inherent,
        control,
        risks: inCell,
        rmm: inCell[0]?.rmm ?? null,
        fraud: inCell.filter((r) => r.fraud_risk).length,
        significant: inCell.filter((r) => r.significant_risk).length,
      }
    }),
  )
}

export interface RiskFilter {
  cell: { inherent: Level; control: Level } | null
  fraudOnly: boolean
  significantOnly: boolean
}

export function filterRisks(risks: readonly RiskRead[], filter: RiskFilter): RiskRead[] {
  return risks.filter(
    (r) =>
      (!filter.cell || (r.inherent_risk === filter.cell.inherent && r.control_risk === filter.cell.control)) &&
      (!filter.fraudOnly || r.fraud_risk) &&
      (!filter.significantOnly || r.significant_risk),
  )
}

/** The risk form as typed. */
export interface RiskForm {
  area: string
  assertion: Assertion
  description: string
  inherent: Level
  control: Level
  fraud: boolean
  significant: boolean
  procedures: string[]
}

export function riskForm(from?: RiskRead): RiskForm {
  return {
    area: from?.area ?? '',
    assertion: from?.assertion ?? 'existence',
    description: from?.description ?? '',
    inherent: from?.inherent_risk ?? 'moderate',
    control: from?.control_risk ?? 'high',
    fraud: from?.fraud_risk ?? false,
    significant: from?.significant_risk ?? false,
    procedures: from?.procedure_node_ids ?? [],
  }
}

export function riskBody(form: RiskForm): RiskCreate & { procedure_node_ids: string[] } {
  return {
    area: form.area.trim(),
    assertion: form.assertion,
    description: form.description.trim(),
    inherent_risk: form.inherent,
    control_risk: form.control,
    fraud_risk: form.fraud,
    significant_risk: form.significant,
    procedure_node_ids: form.procedures,
  }
}
