import type { MaterialityRead, RiskRead } from './planning'

export function materiality(overrides: Partial<MaterialityRead> = {}): MaterialityRead {
  return {
    id: 'm-2', engagement_id: 'e-1', version: 2, benchmark: 'profit_before_tax', benchmark_amount: '2000000.00', percentage: '5',
    risk_level: 'moderate', overall_materiality: '100000.00', performance_materiality: '65000.00', clearly_trivial: '5000.00',
    rationale: 'Profit is stable and what users of the statements look at.',
    alternatives: [
      { benchmark: 'profit_before_tax', benchmark_amount: '2000000.00', default_percentage: '5', percentage: '5', overall_materiality: '100000.00', performance_materiality: '65000.00', clearly_trivial: '5000.00', chosen: true, usable: true, unusable_reason: null },
      { benchmark: 'revenue', benchmark_amount: '40000000.00', default_percentage: '0.5', percentage: '0.5', overall_materiality: '200000.00', performance_materiality: '130000.00', clearly_trivial: '10000.00', chosen: false, usable: true, unusable_reason: null },
    ],
    method: 'overall = 2,000,000.00 x 5% = 100,000.00\nperformance = 100,000.00 x 65% = 65,000.00',
    rounding: 'rounded down to the unit', created_by: 'u-1', created_at: '2026-02-01T10:00:00Z', current: true, warnings: [],
    ...overrides,
  } as MaterialityRead
}

export function risk(overrides: Partial<RiskRead> = {}): RiskRead {
  return {
    id: 'r-1', engagement_id: 'e-1', area: 'Revenue', assertion: 'cut_off', description: 'Sales recorded before delivery at year end',
    inherent_risk: 'high', control_risk: 'high', fraud_risk: true, significant_risk: true, rmm: 'high',
    response: {
      rmm: 'high', nature: 'substantive_only', tests_of_details_required: true, controls_tested_this_period: false, extent: 'high',
      detection_risk: '0.05', assurance_factor: '3.0', sample_size_multiplier: '1.5', timing: 'period_end', unpredictability: true, notes: [],
    },
    procedure_node_ids: ['n-1'], procedures: [{ node_id: 'n-1', index_code: 'R-100', title: 'Revenue cut-off test', kind: 'workpaper' }],
    created_by: 'u-1', created_at: '2026-02-01T10:00:00Z', updated_by: 'u-1', updated_at: '2026-02-01T10:00:00Z',
    ...overrides,
  } as RiskRead
}
