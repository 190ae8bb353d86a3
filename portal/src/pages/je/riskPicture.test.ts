import { describe, expect, it } from 'vitest'
import { DISPOSITION_STYLE, describe as describeBar, monthLabel, niceMax, shortNumber, stack, type RiskBar } from './riskPicture'

function bar(label: string, shares: Partial<Record<string, [number, string]>>): RiskBar {
  const order = ['open', 'investigating', 'explained', 'exception', 'false_positive'] as const
  const by = order.map((d) => ({ disposition: d, journals: shares[d]?.[0] ?? 0, amount: shares[d]?.[1] ?? '0' }))
  return { label, score_from: null, score_to: null, journals: by.reduce((n, s) => n + s.journals, 0), amount: '0', by_disposition: by }
}

describe('the picture of risk', () => {
  it('stacks each bar by disposition in triage order, leaving out empty ones', () => {
    const [a] = stack([bar('Feb', { exception: [1, '3000.00'], open: [2, '123.45'] })], 'amount')
    expect(a.total).toBeCloseTo(3123.45)
    expect(a.segments.map((s) => [s.disposition, s.start])).toEqual([
      ['open', 0],
      ['exception', 123.45],
    ])
    const [b] = stack([bar('0–10', { open: [2, '1'], false_positive: [3, '2'] })], 'journals')
    expect(b.segments.map((s) => s.value)).toEqual([2, 3])
    expect(b.total).toBe(5)
  })

  it('names each disposition in a bar’s description, so colour is never the only cue', () => {
    const [a] = stack([bar('Feb', { exception: [1, '3000.00'], open: [1, '100.00'] })], 'journals')
    expect(describeBar(a, 'journals', String)).toBe('Feb: 2 journals (Open: 1 journal, Exception: 1 journal)')
    const [m] = stack([bar('Mar', {})], 'amount')
    expect(describeBar(m, 'amount', (n) => n.toFixed(2))).toBe('Mar: 0.00')
  })

  it('gives the five dispositions five different colours', () => {
    const colours = Object.values(DISPOSITION_STYLE).map((s) => s.colour)
    expect(new Set(colours).size).toBe(5)
    expect(Object.values(DISPOSITION_STYLE).map((s) => s.label)).toEqual(['Open', 'Investigating', 'Explained', 'Exception', 'False positive'])
  })

  it('rounds axis tops and shortens figures', () => {
    expect(niceMax(0)).toBe(1)
    expect(niceMax(7)).toBe(10)
    expect(niceMax(3123.45)).toBe(5000)
    expect(niceMax(200)).toBe(200)
    expect(shortNumber(1200)).toBe('1.2k')
    expect(shortNumber(3_400_000)).toBe('3.4m')
    expect(shortNumber(40)).toBe('40')
    expect(monthLabel('2026-03')).toBe('Mar 2026')
    expect(monthLabel('3 other users')).toBe('3 other users')
  })
})
