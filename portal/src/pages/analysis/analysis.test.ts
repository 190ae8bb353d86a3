import { describe, expect, it } from 'vitest'
import { formatChange, formatFluxPercent, formatRatio, thresholdQuery, trendGeometry, visibleFlux } from './analysis'
import { analysis, trends } from './fixtures'

describe('analysis logic', () => {
  it('shows ratios and their changes with their unit, a dash for null', () => {
    expect(formatRatio('0.3917', 'ratio')).toBe('0.3917')
    expect(formatRatio('42.6', 'days')).toBe('42.6 days')
    expect(formatRatio(null, 'ratio')).toBe('–')
    expect(formatChange('0.8000', 'ratio')).toBe('+0.8000')
    expect(formatChange('-3.5', 'days')).toBe('-3.5 days')
    expect(formatChange(null, 'days')).toBe('–')
  })

  it('says "new" for a line whose prior year was zero', () => {
    expect(formatFluxPercent({ percent: '12.50', prior: '800.00', current: '900.00' })).toBe('12.50%')
    expect(formatFluxPercent({ percent: null, prior: '0.00', current: '900.00' })).toBe('new')
    expect(formatFluxPercent({ percent: null, prior: null, current: '900.00' })).toBe('–')
  })

  it('turns the thresholds form into the query, leaving blanks to the defaults and refusing what the API would', () => {
    expect(thresholdQuery({ amount: '', percent: '' })).toEqual({ query: {}, errors: {} })
    expect(thresholdQuery({ amount: '1,500.50', percent: '12.5%' })).toEqual({
      query: { amount_threshold: '1500.50', percent_threshold: '12.5' },
      errors: {},
    })
    const bad = thresholdQuery({ amount: '-1', percent: 'ten' })
    expect(bad.query).toEqual({})
    expect(Object.keys(bad.errors).sort()).toEqual(['amount', 'percent'])
    expect(thresholdQuery({ amount: '1.234', percent: '0' }).errors.amount).toBeDefined()
  })

  it('lists captions or accounts, optionally only the flagged ones', () => {
    const lines = analysis().flux
    expect(visibleFlux(lines, 'caption', false).map((l) => l.key)).toEqual(['caption:current_assets.cash_and_cash_equivalents', 'caption:equity.common_stock'])
    expect(visibleFlux(lines, 'caption', true).map((l) => l.key)).toEqual(['caption:current_assets.cash_and_cash_equivalents'])
    expect(visibleFlux(lines, 'account', true).map((l) => l.key)).toEqual(['account:1000'])
  })

  it('scales the trend chart between the smallest and the largest amount, zero included', () => {
    const g = trendGeometry(trends().months, 200, 100, 10)
    expect(g.min).toBe(-450.25)
    expect(g.max).toBe(1200)
    expect(g.x).toEqual([10, 100, 190])
    const revenue = g.lines.find((l) => l.key === 'revenue')!
    // 1,200 is the top (y = 10); 0 sits at 10 + 1200 / 1650.25 x 80 = 68.2
    expect(revenue.points.split(' ')[0]).toBe('10,10')
    expect(g.zero).toBe(68.2)
    const cash = g.lines.find((l) => l.key === 'cash_movement')!
    expect(cash.points.split(' ')[2]).toBe('190,90') // the lowest amount at the bottom
    expect(trendGeometry([trends().months[0]], 200, 100, 10).x).toEqual([100])
  })
})
