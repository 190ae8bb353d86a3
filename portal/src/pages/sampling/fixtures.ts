import type { SampleItem, SampleRead } from './sampling'

export function item(line: number, overrides: Partial<SampleItem> = {}): SampleItem {
  return {
    line, population_position: line * 3, key: `${4000 + line}`, description: `Account ${line}`, book_value: `${line * 1000}.00`,
    high_value: false, hits: 1, stratum: null, audited_value: null, deviation: null, note: null, audited_at: null,
    ...overrides,
  }
}

export function musSample(overrides: Partial<SampleRead> = {}): SampleRead {
  return {
    id: 's-1', engagement_id: 'e-1', name: 'Receivables MUS', method: 'mus',
    population: { source: 'trial_balance', amounts: 'absolute', dataset_id: 'd-1', dataset_version: 2, count: 120, total: '2500000.00' },
    parameters: { confidence: '0.95', tolerable_misstatement: '125000.00', expected_misstatement: '0' },
    design: {
      n: 60, interval: '41666.66', confidence_factor: '3.00', confidence_factor_exact: '2.995732', expansion_factor: '1.6', risk: '0.05',
      book_value: '2500000.00', random_start: '1234.56', selected_units: 60, high_value_count: 1, formula: 'n = ceil(BV x RF(0) / (TM - EM x EF)); interval = BV / n rounded down to the cent',
    },
    seed: 918273645, algorithm: 'pcg64-v1', evaluation: null, evaluated_at: null, item_count: 3, audited_count: 0,
    created_at: '2026-03-01T09:00:00Z', updated_at: '2026-03-01T09:00:00Z',
    items: [item(1), item(3)],
    high_value_items: [item(2, { high_value: true, book_value: '50000.00' })],
    ...overrides,
  } as SampleRead
}
