import { describe, expect, it } from 'vitest'
import { buildRerun, fieldKey, fieldsOf, initialValue, parseField } from './params'

const stored = {
  round_amount: { base: '1000' },
  weekend_entry: { weekend_days: [6, 7], holidays: [] },
  after_hours: { from_hour: 20, to_hour: 5 },
  high_amount: { threshold: null, top_percent: '1' },
  duplicate_lines: { keys: ['account_number', 'period', 'amount'] },
  flags: { strict: true, since: '2026-01-01' },
}
const fields = Object.entries(stored).flatMap(([code, params]) => fieldsOf(code, params))
const field = (test: string, name: string) => fields.find((f) => f.test === test && f.name === name)!
const tests = Object.keys(stored)

describe('fieldsOf', () => {
  it('reads each stored parameter as the kind of field it needs', () => {
    expect(field('round_amount', 'base').kind).toBe('decimal')
    expect(field('after_hours', 'from_hour').kind).toBe('integer')
    expect(field('weekend_entry', 'weekend_days')).toMatchObject({ kind: 'list', itemKind: 'integer' })
    expect(field('weekend_entry', 'holidays')).toMatchObject({ kind: 'list', itemKind: 'text' })
    expect(field('high_amount', 'threshold').kind).toBe('optional')
    expect(field('flags', 'strict').kind).toBe('boolean')
    expect(field('flags', 'since').kind).toBe('date')
    expect(initialValue(field('duplicate_lines', 'keys'))).toBe('account_number, period, amount')
  })
})

describe('parseField', () => {
  it('explains what is wrong with an entry', () => {
    expect(parseField(field('after_hours', 'from_hour'), '7.5')).toEqual({ ok: false, error: '“7.5” is not a whole number' })
    expect(parseField(field('round_amount', 'base'), 'lots')).toMatchObject({ ok: false })
    expect(parseField(field('round_amount', 'base'), ' ')).toEqual({ ok: false, error: 'a value is required' })
    expect(parseField(field('weekend_entry', 'weekend_days'), '6, x')).toEqual({ ok: false, error: '“x” is not a whole number' })
    expect(parseField(field('flags', 'since'), '2026-13-45')).toMatchObject({ ok: false })
  })
  it('gives integers as numbers, amounts as exact strings and lists as arrays', () => {
    expect(parseField(field('after_hours', 'from_hour'), '21')).toEqual({ ok: true, value: 21 })
    expect(parseField(field('round_amount', 'base'), '50.00')).toEqual({ ok: true, value: '50.00' })
    expect(parseField(field('weekend_entry', 'weekend_days'), '5, 6,7')).toEqual({ ok: true, value: [5, 6, 7] })
    expect(parseField(field('high_amount', 'threshold'), '')).toEqual({ ok: true, value: null })
  })
})

describe('buildRerun', () => {
  it('sends the run\'s own values when nothing changed, so a re-run repeats the run', () => {
    const request = buildRerun(['after_hours', 'round_amount'], fields, {})
    expect(request).toEqual({ tests: ['after_hours', 'round_amount'], parameters: { after_hours: { from_hour: 20, to_hour: 5 }, round_amount: { base: '1000' } }, errors: {} })
  })
  it('sends every parameter of the chosen tests, with the edits, and nothing of the others', () => {
    const values = {
      [fieldKey(field('round_amount', 'base'))]: '50',
      [fieldKey(field('weekend_entry', 'holidays'))]: '2026-12-25, 2026-12-26',
      [fieldKey(field('high_amount', 'threshold'))]: '25000',
      [fieldKey(field('flags', 'strict'))]: false,
    }
    const request = buildRerun(tests.filter((t) => t !== 'flags'), fields, values)
    expect(request.errors).toEqual({})
    expect(request.parameters).toEqual({
      round_amount: { base: '50' },
      weekend_entry: { weekend_days: [6, 7], holidays: ['2026-12-25', '2026-12-26'] },
      after_hours: { from_hour: 20, to_hour: 5 },
      high_amount: { threshold: '25000', top_percent: '1' },
      duplicate_lines: { keys: ['account_number', 'period', 'amount'] },
    })
  })
  it('collects the problems of the chosen tests only', () => {
    const values = { 'round_amount.base': '-', 'after_hours.to_hour': 'late' }
    expect(buildRerun(['round_amount'], fields, values).errors).toEqual({ 'round_amount.base': expect.stringContaining('not a number') })
  })
})
