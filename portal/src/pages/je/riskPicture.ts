/**
 * The picture of risk beside the ranked journals: stacked bars of a run's flagged journals by risk score,
 * month and user, each bar split by disposition. Each disposition has its own colour (contrast of at
 * least 3:1 on white, as WCAG asks of graphics) and its name in the legend and in every bar's tooltip and
 * table, so no reading depends on colour alone.
 */
import type { components } from '../../api/schema'
import { DISPOSITIONS, type Disposition } from './shared'

export type RiskPicture = components['schemas']['RiskPicture']
export type RiskBar = components['schemas']['RiskBar']
export type Measure = 'journals' | 'amount'

export const DISPOSITION_STYLE: Record<Disposition, { colour: string; label: string }> = {
  open: { colour: '#1f5fbf', label: 'Open' },
  investigating: { colour: '#b35c00', label: 'Investigating' },
  explained: { colour: '#2e7d32', label: 'Explained' },
  exception: { colour: '#b3261e', label: 'Exception' },
  false_positive: { colour: '#5f6368', label: 'False positive' },
}

export interface Segment {
  disposition: Disposition
  value: number
  start: number // where the segment starts along the bar, in the measure's units
}

export interface StackedBar {
  label: string
  total: number
  segments: Segment[] // non-empty ones only, in triage order
}

/** Each bar's segments by disposition (in triage order, empty ones left out) for the measure. */
export function stack(bars: readonly RiskBar[], measure: Measure): StackedBar[] {
  return bars.map((bar) => {
    let start = 0
    const segments: Segment[] = []
    for (const disposition of DISPOSITIONS) {
      const share = bar.by_disposition.find((s) => s.disposition === disposition)
      const value = share ? Number(share[measure]) : 0
      if (value > 0) {
        segments.push({ disposition, value, start })
        start += value
      }
    }
    return { label: bar.label, total: start, segments }
  })
}

/** A round top for the axis at or above `max` (1, 2 or 5 times a power of ten); 1 when there is nothing. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power
  return 10 * power
}

/** Short figures for an axis: 1,200 -> "1.2k", 3,400,000 -> "3.4m". */
export function shortNumber(value: number): string {
  const abs = Math.abs(value)
  const trim = (n: number) => n.toFixed(1).replace(/\.0$/, '')
  if (abs >= 1e9) return `${trim(value / 1e9)}bn`
  if (abs >= 1e6) return `${trim(value / 1e6)}m`
  if (abs >= 1e3) return `${trim(value / 1e3)}k`
  return String(Math.round(value))
}

/** A bar's tooltip: its label, total and each disposition by name. */
export function describe(bar: StackedBar, measure: Measure, format: (n: number) => string): string {
  const unit = measure === 'journals' ? (n: number) => `${n} journal${n === 1 ? '' : 's'}` : format
  const parts = bar.segments.map((s) => `${DISPOSITION_STYLE[s.disposition].label}: ${unit(s.value)}`)
  return `${bar.label}: ${unit(bar.total)}${parts.length ? ` (${parts.join(', ')})` : ''}`
}

/** Month labels for people: "2026-03" -> "Mar 2026". */
export function monthLabel(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month)
  if (!match) return month
  const names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  return `${names[Number(match[2]) - 1]} ${match[1]}`
}
