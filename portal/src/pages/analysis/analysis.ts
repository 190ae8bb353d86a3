/** Financial analysis: the API's types, query keys, and the page's logic (thresholds, ratio display, the trend chart). */
import type { components } from '../../api/schema'

export type AnalysisRead = components['schemas']['FinancialAnalysisRead']
export type RatioRead = components['schemas']['RatioRead']
export type FluxLineRead = components['schemas']['FluxLineRead']
export type IndicatorRead = components['schemas']['IndicatorRead']
export type TrendsRead = components['schemas']['TrendsRead']
export type TrendMonth = components['schemas']['TrendMonth']

export const analysisKeys = {
  all: (engagementId: string) => ['financial-analysis', engagementId] as const,
}

export const SOURCE_LABELS: Record<AnalysisRead['flux_thresholds']['amount_source'], string> = {
  request: 'as entered',
  performance_materiality: 'performance materiality',
  none: 'no materiality determined yet: the percent alone decides',
}

/** A ratio's value as shown: days with " days", fractions as given (4 decimals), a dash for null. */
export function formatRatio(value: string | null | undefined, unit: RatioRead['unit']): string {
  if (value === null || value === undefined) return '–'
  return unit === 'days' ? `${value} days` : value
}

/** A change with its sign ("+0.1250", "-3.0 days"), a dash when either year is missing. */
export function formatChange(value: string | null | undefined, unit: RatioRead['unit']): string {
  if (value === null || value === undefined) return '–'
  const signed = value.startsWith('-') ? value : `+${value}`
  return unit === 'days' ? `${signed} days` : signed
}

/** A percent of change ("12.50%"), or "new" when the prior year was zero and this year is not. */
export function formatFluxPercent(line: Pick<FluxLineRead, 'percent' | 'prior' | 'current'>): string {
  if (line.percent !== null && line.percent !== undefined) return `${line.percent}%`
  if (line.prior !== null && line.prior !== undefined && Number(line.prior) === 0 && Number(line.current) !== 0) return 'new'
  return '–'
}

export interface ThresholdForm {
  amount: string
  percent: string
}

const DECIMAL = /^\d+(\.\d{1,2})?$/
const PERCENT = /^\d+(\.\d{1,4})?$/

/**
 * The query the thresholds form asks for: blank fields fall back to the API's defaults (performance
 * materiality, 10%); anything else must be a non-negative decimal (cents for the amount).
 */
export function thresholdQuery(form: ThresholdForm): { query: { amount_threshold?: string; percent_threshold?: string }; errors: Partial<ThresholdForm> } {
  const query: { amount_threshold?: string; percent_threshold?: string } = {}
  const errors: Partial<ThresholdForm> = {}
  const amount = form.amount.trim().replace(/,/g, '')
  const percent = form.percent.trim().replace(/%$/, '')
  if (amount) {
    if (DECIMAL.test(amount)) query.amount_threshold = amount
    else errors.amount = 'An amount of at least 0, with at most 2 decimals'
  }
  if (percent) {
    if (PERCENT.test(percent)) query.percent_threshold = percent
    else errors.percent = 'A percent of at least 0, with at most 4 decimals'
  }
  return { query, errors }
}

/** Which flux lines to list: captions or accounts, optionally only the flagged ones. */
export function visibleFlux(lines: FluxLineRead[], level: FluxLineRead['level'], flaggedOnly: boolean): FluxLineRead[] {
  return lines.filter((line) => line.level === level && (!flaggedOnly || line.flagged))
}

export const SERIES: { key: keyof Omit<TrendMonth, 'month'>; label: string; color: string }[] = [
  { key: 'revenue', label: 'Revenue', color: '#4c78a8' },
  { key: 'cost_of_sales', label: 'Cost of sales', color: '#f58518' },
  { key: 'operating_expenses', label: 'Operating expenses', color: '#54a24b' },
  { key: 'cash_movement', label: 'Cash, net movement', color: '#9d755d' },
]

export interface TrendGeometry {
  width: number
  height: number
  /** y of the zero line */
  zero: number
  x: number[]
  lines: { key: string; label: string; color: string; points: string }[]
  min: number
  max: number
}

/** The chart's coordinates: months evenly across, amounts scaled between the smallest and largest (zero always in range). */
export function trendGeometry(months: TrendMonth[], width = 720, height = 260, pad = 28): TrendGeometry {
  const values = months.flatMap((month) => SERIES.map((s) => Number(month[s.key])))
  const min = Math.min(0, ...values)
  const max = Math.max(0, ...values)
  const span = max - min || 1
  const step = months.length > 1 ? (width - 2 * pad) / (months.length - 1) : 0
  const x = months.map((_, index) => (months.length > 1 ? pad + index * step : width / 2))
  const y = (value: number) => pad + ((max - value) / span) * (height - 2 * pad)
  const round = (n: number) => Math.round(n * 10) / 10
  return {
    width,
    height,
    zero: round(y(0)),
    x: x.map(round),
    min,
    max,
    lines: SERIES.map((s) => ({
      key: s.key,
      label: s.label,
      color: s.color,
      points: months.map((month, index) => `${round(x[index])},${round(y(Number(month[s.key])))}`).join(' '),
    })),
  }
}
