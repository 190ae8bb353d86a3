import { describe, expect, it } from 'vitest'
import { formatAmount, formatBytes, humanize } from './format'

describe('formatAmount', () => {
  it('groups thousands and keeps every digit of an exact decimal string', () => {
    expect(formatAmount('1234567.5')).toBe('1,234,567.50')
    expect(formatAmount('90071992547409931.07')).toBe('90,071,992,547,409,931.07')
  })
  it('puts negatives in parentheses, never a negative zero', () => {
    expect(formatAmount('-400.00')).toBe('(400.00)')
    expect(formatAmount('-0.00')).toBe('0.00')
  })
  it('leaves blanks blank and unknown text as it is', () => {
    expect(formatAmount(null)).toBe('')
    expect(formatAmount('n/a')).toBe('n/a')
  })
})

describe('other formats', () => {
  it('humanizes codes and sizes', () => {
    expect(humanize('round_amount')).toBe('Round amount')
    expect(formatBytes(1536)).toBe('1.5 KB')
  })
})
