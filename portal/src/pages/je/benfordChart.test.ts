import { describe, expect, it } from 'vitest'
import { chartGeometry, labelEvery, niceMax, niceStep, percentLabel, type ChartBin } from './benfordChart'

const firstDigit: ChartBin[] = [0.301, 0.176, 0.125, 0.097, 0.079, 0.067, 0.058, 0.051, 0.046].map((expected, i) => ({
  digits: String(i + 1),
  expected,
  observed: i === 0 ? 0.36 : expected,
  flagged: i === 0 || i === 4,
}))

describe('scales', () => {
  it('rounds the axis up to a nice step', () => {
    expect(niceStep(0.36)).toBeCloseTo(0.1)
    expect(niceMax(0.36)).toEqual({ max: expect.closeTo(0.4, 9), step: expect.closeTo(0.1, 9) })
    expect(niceMax(0.0123).max).toBeCloseTo(0.0125)
    expect(niceMax(0).max).toBeGreaterThan(0)
  })
  it('labels percentages with the decimals the step needs', () => {
    expect(percentLabel(0.3, 0.1)).toBe('30%')
    expect(percentLabel(0.025, 0.025)).toBe('2.5%')
    expect(percentLabel(0.0025, 0.0025)).toBe('0.25%')
  })
  it('thins the digit labels of long tests', () => {
    expect(labelEvery(9)).toBe(1)
    expect(labelEvery(90)).toBe(5)
    expect(labelEvery(100)).toBe(5)
  })
})

describe('chartGeometry', () => {
  const g = chartGeometry(firstDigit, 600, 300, { top: 10, right: 10, bottom: 40, left: 50 })

  it('draws one bar per bin inside the plot, heights in proportion to the share', () => {
    expect(g.bars).toHaveLength(9)
    expect(g.yMax).toBeCloseTo(0.4)
    const plotHeight = 300 - 40 - 10
    expect(g.bars[0].height).toBeCloseTo((0.36 / 0.4) * plotHeight)
    expect(g.bars[0].y + g.bars[0].height).toBeCloseTo(260)
    for (const bar of g.bars) {
      expect(bar.x).toBeGreaterThanOrEqual(50)
      expect(bar.x + bar.width).toBeLessThanOrEqual(590)
    }
    expect(g.bars[1].x).toBeGreaterThan(g.bars[0].x)
  })
  it('keeps the flags and puts the expected markers at the bin centres', () => {
    expect(g.bars.filter((b) => b.flagged).map((b) => b.digits)).toEqual(['1', '5'])
    expect(g.expected[2].x).toBeCloseTo(g.bars[2].cx)
    expect(g.expected[2].y).toBeCloseTo(260 - (0.125 / 0.4) * 250)
    expect(g.expectedPath.startsWith('M')).toBe(true)
    expect(g.expectedPath.split('L')).toHaveLength(9)
  })
  it('ticks the y axis from 0 to the top', () => {
    expect(g.yTicks.map((t) => t.label)).toEqual(['0%', '10%', '20%', '30%', '40%'])
    expect(g.yTicks[0].y).toBe(260)
    expect(g.yTicks[4].y).toBeCloseTo(10)
  })
})
