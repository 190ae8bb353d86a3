import { describe, expect, it } from 'vitest'
import { risk } from './fixtures'
import { emptyMaterialityForm, filterRisks, materialityBody, rmmMatrix } from './planning'

describe('materialityBody', () => {
  it('sends amounts as exact decimal text, the chosen one as the amount and the others beside it', () => {
    const form = emptyMaterialityForm()
    form.benchmark = 'revenue'
    form.amounts.revenue = '40,000,000.10'
    form.amounts.total_assets = ' 9000000 '
    form.percentage = '0.75'
    form.rationale = '  Revenue-driven business  '
    expect(materialityBody(form)).toEqual({
      body: {
        benchmark: 'revenue',
        percentage: '0.75',
        amount: '40000000.10',
        benchmark_amounts: { profit_before_tax: null, revenue: null, total_assets: '9000000', equity: null },
        risk_level: 'moderate',
        rationale: 'Revenue-driven business',
      },
    })
  })

  it('leaves blank amounts and percentage to the API (the mapped trial balance, the default)', () => {
    const form = emptyMaterialityForm()
    form.rationale = 'From the data'
    const result = materialityBody(form)
    expect('body' in result && result.body.amount).toBeNull()
    expect('body' in result && result.body.percentage).toBeNull()
  })

  it('names what is wrong instead of sending it', () => {
    const form = emptyMaterialityForm()
    form.amounts.profit_before_tax = '12.345'
    form.percentage = 'five'
    expect(materialityBody(form)).toEqual({
      problems: [
        'Profit before tax: “12.345” is not an amount (e.g. 1250000.00)',
        'Percentage: “five” is not a percentage (e.g. 5 or 0.5)',
        'Rationale: say why this benchmark and percentage',
      ],
    })
  })
})

describe('rmmMatrix', () => {
  const risks = [
    risk({ id: 'a', inherent_risk: 'high', control_risk: 'high', rmm: 'high', fraud_risk: true }),
    risk({ id: 'b', inherent_risk: 'high', control_risk: 'high', rmm: 'high', fraud_risk: false }),
    risk({ id: 'c', inherent_risk: 'low', control_risk: 'moderate', rmm: 'low', fraud_risk: false, significant_risk: false }),
  ]

  it('puts inherent risk high to low down the rows and control risk low to high across, with the API’s RMM', () => {
    const matrix = rmmMatrix(risks)
    expect(matrix.map((row) => row[0].inherent)).toEqual(['high', 'moderate', 'low'])
    expect(matrix[0].map((cell) => cell.control)).toEqual(['low', 'moderate', 'high'])
    expect(matrix[0][2]).toMatchObject({ rmm: 'high', fraud: 1, significant: 2 })
    expect(matrix[0][2].risks.map((r) => r.id)).toEqual(['a', 'b'])
    expect(matrix[2][1]).toMatchObject({ rmm: 'low', fraud: 0 })
    expect(matrix[1][1]).toMatchObject({ rmm: null, risks: [] })
  })

  it('filters by cell, fraud and significance together', () => {
    expect(filterRisks(risks, { cell: { inherent: 'high', control: 'high' }, fraudOnly: true, significantOnly: false }).map((r) => r.id)).toEqual(['a'])
    expect(filterRisks(risks, { cell: null, fraudOnly: false, significantOnly: true }).map((r) => r.id)).toEqual(['a', 'b'])
  })
})
