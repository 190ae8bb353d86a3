import { describe, expect, it } from 'vitest'
import { item } from './fixtures'
import { changedFindings, emptySampleForm, evaluationRows, percentToRate, planBody, rateAsPercent, sampleBody, sizeSources } from './sampling'

describe('rates', () => {
  it('turns a percentage into an exact rate and back', () => {
    expect(percentToRate('95')).toBe('0.95')
    expect(percentToRate('2.5%')).toBe('0.025')
    expect(percentToRate('5')).toBe('0.05')
    expect(percentToRate('0')).toBe('0')
    expect(percentToRate('100')).toBeNull()
    expect(percentToRate('abc')).toBeNull()
    expect(rateAsPercent('0.05')).toBe('5%')
    expect(rateAsPercent('0.025')).toBe('2.5%')
    expect(rateAsPercent('0.95')).toBe('95%')
    expect(rateAsPercent('1')).toBe('100%')
  })
})

describe('sampleBody', () => {
  it('builds an MUS selection from the trial balance with its parameters as exact text', () => {
    const form = { ...emptySampleForm('65000.00'), name: ' Receivables ', seed: '9007199254740991' }
    expect(sampleBody(form)).toEqual({
      body: {
        name: 'Receivables',
        method: 'mus',
        population: { source: 'trial_balance', account: null, amounts: 'absolute', items: null },
        parameters: { confidence: '0.95', tolerable_misstatement: '65000.00', expected_misstatement: '0' },
        seed: 9007199254740991,
      },
    })
  })

  it('builds attribute and classical parameters, with the ledger account when given', () => {
    const attribute = { ...emptySampleForm(), name: 'Approvals', method: 'attribute' as const, source: 'general_ledger' as const, account: '4000', tolerableRate: '6', expectedRate: '1' }
    const built = sampleBody(attribute)
    expect('body' in built && built.body.parameters).toEqual({ confidence: '0.95', tolerable_rate: '0.06', expected_rate: '0.01' })
    expect('body' in built && built.body.population.account).toBe('4000')
    const stratified = sampleBody({ ...emptySampleForm(), name: 'Stock', method: 'stratified', n: '40', strata: '3' })
    expect('body' in stratified && stratified.body.parameters).toEqual({ n: 40, strata: 3 })
  })

  it('names each problem instead of sending', () => {
    expect(sampleBody({ ...emptySampleForm(), tolerableMisstatement: 'lots', seed: '-1' })).toEqual({
      problems: ['Name: give the sample a name', 'Tolerable misstatement: “lots” is not an amount (e.g. 65000.00)', 'Seed: “-1” is not a whole number below 2^53'],
    })
    expect(planBody({ ...emptySampleForm('1000.00'), method: 'random' })).toHaveProperty('problems')
  })

  it('plans MUS with the book value typed, and attribute with the population size if given', () => {
    expect(planBody({ ...emptySampleForm('125000'), bookValue: '2,500,000' })).toEqual({
      body: { kind: 'mus', body: { confidence: '0.95', risk: null, book_value: '2500000', tolerable_misstatement: '125000', expected_misstatement: '0', expansion_factor: null } },
    })
    expect(planBody({ ...emptySampleForm(), method: 'attribute', populationSize: '' })).toEqual({
      body: { kind: 'attribute', body: { confidence: '0.95', risk: null, tolerable_rate: '0.05', expected_rate: '0', population_size: null } },
    })
  })
})

describe('sizeSources', () => {
  it('shows the MUS size with the factors from the guide’s tables', () => {
    const rows = sizeSources('mus', { n: 60, interval: '41666.66', confidence_factor: '3.00', confidence_factor_exact: '2.995732', expansion_factor: '1.6', risk: '0.05', book_value: '2500000.00', tolerable_misstatement: '125000.00' })
    const byWhat = Object.fromEntries(rows.map((r) => [r.what, r.value]))
    expect(byWhat['Confidence factor RF(0)']).toBe('3.00 (exact 2.995732)')
    expect(byWhat['Expansion factor (EF)']).toBe('1.6')
    expect(byWhat['Risk of incorrect acceptance']).toBe('5%')
    expect(byWhat['Sample size n']).toBe('60')
    expect(byWhat['Sampling interval']).toBe('41,666.66')
    expect(rows.find((r) => r.what.startsWith('Confidence factor'))?.source).toMatch(/Appendix C/)
  })

  it('shows the attribute size with its distribution and allowed deviations', () => {
    const rows = sizeSources('attribute', { n: 93, allowed_deviations: 1, risk: '0.05', tolerable_rate: '0.05', expected_rate: '0.01', distribution: 'binomial', achieved_risk: '0.0453', population_size: null })
    const byWhat = Object.fromEntries(rows.map((r) => [r.what, r.value]))
    expect(byWhat).toMatchObject({ 'Sample size n': '93', 'Deviations allowed': '1', 'Tolerable deviation rate': '5%', 'Achieved risk': '4.53%', 'Population size': 'not given (binomial)' })
  })
})

describe('changedFindings', () => {
  const items = [item(1), item(2, { audited_value: '2000.00', note: 'agreed' })]

  it('sends only lines that changed, blanks as null', () => {
    const edits = new Map([
      [1, { audited: '900.00', deviation: '' as const, note: '' }],
      [2, { audited: '', deviation: '' as const, note: 'agreed' }],
    ])
    expect(changedFindings(items, edits, false)).toEqual({ body: [{ line: 1, audited_value: '900.00' }, { line: 2, audited_value: null }] })
  })

  it('sends deviations for attribute samples and names a bad amount', () => {
    expect(changedFindings(items, new Map([[1, { audited: '', deviation: 'yes' as const, note: 'no approval' }]]), true)).toEqual({
      body: [{ line: 1, deviation: true, note: 'no approval' }],
    })
    expect(changedFindings(items, new Map([[1, { audited: '9.999', deviation: '' as const, note: '' }]]), false)).toEqual({ problems: ['Line 1: “9.999” is not an amount'] })
  })
})

describe('evaluationRows', () => {
  it('flattens the bounds and shows amounts and rates', () => {
    const rows = evaluationRows({ method: 'mus', interval: '41666.66', risk: '0.05', overstatement: { upper_limit: '130000.00' }, lines: [], conclusion: 'accept' })
    expect(rows).toEqual([
      { what: 'Interval', value: '41,666.66' },
      { what: 'Risk', value: '5%' },
      { what: 'Overstatement: upper limit', value: '130,000.00' },
    ])
  })
})
