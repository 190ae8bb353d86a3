import type { AnalysisRead, RatioRead, TrendsRead } from './analysis'

export function ratio(overrides: Partial<RatioRead> = {}): RatioRead {
  return {
    code: 'current_ratio', title: 'Current ratio', formula: 'current assets / current liabilities', unit: 'ratio',
    value: '3.7358', prior: '2.0833', change: '1.6525',
    inputs: { current_assets: '19800.00', current_liabilities: '5300.00' },
    prior_inputs: { current_assets: '12500.00', current_liabilities: '6000.00' }, reason: null, prior_reason: null,
    ...overrides,
  }
}

export function analysis(overrides: Partial<AnalysisRead> = {}): AnalysisRead {
  return {
    comparatives: 'prior_year_trial_balance',
    unconfirmed_accounts: 0,
    ratios: [
      ratio(),
      ratio({ code: 'dso', title: 'Days sales outstanding', formula: 'accounts receivable (closing) / revenue x 365', unit: 'days', value: '46.0', prior: '41.1', change: '4.9' }),
      ratio({ code: 'interest_coverage', title: 'Interest coverage', value: '16.0000', prior: null, change: null, prior_reason: 'there is no interest expense' }),
    ],
    flux: [
      { key: 'caption:current_assets.cash_and_cash_equivalents', level: 'caption', label: 'Cash and cash equivalents', section: 'current_assets', caption: 'Cash and cash equivalents', account_number: null, current: '13500.00', prior: '8000.00', change: '5500.00', percent: '68.75', flagged: true, explanation: null },
      { key: 'caption:equity.common_stock', level: 'caption', label: 'Common stock', section: 'equity', caption: 'Common stock', account_number: null, current: '2000.00', prior: '2000.00', change: '0.00', percent: '0.00', flagged: false, explanation: null },
      { key: 'account:1000', level: 'account', label: '1000 Cash at bank', section: 'current_assets', caption: 'Cash and cash equivalents', account_number: '1000', current: '13500.00', prior: '8000.00', change: '5500.00', percent: '68.75', flagged: true, explanation: { key: 'account:1000', text: 'Collections in December', updated_by: 'u-1', updated_at: '2026-12-07T00:00:00Z' } },
    ],
    flux_thresholds: { amount: '375.00', amount_source: 'performance_materiality', percent: '10' },
    indicators: [
      { code: 'negative_working_capital', title: 'Negative working capital (current liabilities exceed current assets)', triggered: false, figures: { working_capital: '14500.00' }, note: null },
      { code: 'recurring_net_losses', title: 'Net loss in the current and in the prior year', triggered: null, figures: { net_income: '-100.00', prior_net_income: null }, note: 'no prior-year trial balance' },
      { code: 'interest_coverage_below_1_5', title: 'Interest coverage below 1.5', triggered: true, figures: { interest_coverage: '1.2000' }, note: null },
    ],
    ...overrides,
  } as AnalysisRead
}

export function trends(overrides: Partial<TrendsRead> = {}): TrendsRead {
  return {
    dataset_id: 'd-1',
    unmapped_lines: 1,
    months: [
      { month: '2026-01', revenue: '1200.00', cost_of_sales: '700.00', operating_expenses: '0.00', cash_movement: '500.00' },
      { month: '2026-02', revenue: '0.00', cost_of_sales: '0.00', operating_expenses: '0.00', cash_movement: '0.00' },
      { month: '2026-03', revenue: '999.99', cost_of_sales: '0.00', operating_expenses: '450.25', cash_movement: '-450.25' },
    ],
    ...overrides,
  }
}
