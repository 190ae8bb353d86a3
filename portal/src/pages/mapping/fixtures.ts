import type { MappingRead, StatementRead } from './mapping'

export function account(overrides: Partial<MappingRead> = {}): MappingRead {
  return {
    account_number: '1100', account_name: 'Trade debtors', balance: '7000.00', standard_code: '1100', standard_name: 'Accounts receivable',
    section: 'current_assets', confidence: 0.97, method: 'similarity', status: 'suggested',
    alternatives: [
      { standard_code: '1130', name: 'Other receivables', section: 'current_assets', confidence: 0.62 },
      { standard_code: '2000', name: 'Accounts payable', section: 'current_liabilities', confidence: 0.55 },
    ],
    confirmed_by: null, confirmed_at: null,
    ...overrides,
  } as MappingRead
}

export function balanceSheet(overrides: Partial<StatementRead> = {}): StatementRead {
  const amounts = (current: string, prior: string | null = null) => ({ current, prior })
  return {
    statement: 'balance_sheet', comparatives: 'opening_balances', balanced: true, difference: '0.00', unmapped: [],
    sections: [
      { section: 'current_assets', title: 'Current assets', total: amounts('20500.00', '13000.00'), captions: [
        { caption: 'Cash and cash equivalents', current: '13500.00', prior: '8000.00', accounts: 1 },
        { caption: 'Accounts receivable, net', current: '7000.00', prior: '5000.00', accounts: 1 },
      ] },
      { section: 'equity', title: 'Equity', total: amounts('20500.00', '13000.00'), captions: [
        { caption: 'Common stock', current: '14500.00', prior: '13000.00', accounts: 1 },
        { caption: 'Net income for the year', current: '6000.00', prior: '0.00', accounts: 0 },
      ] },
    ],
    subtotals: {
      total_assets: amounts('20500.00', '13000.00'),
      total_liabilities: amounts('0.00', '0.00'),
      total_equity: amounts('20500.00', '13000.00'),
      total_liabilities_and_equity: amounts('20500.00', '13000.00'),
    },
    ...overrides,
  } as StatementRead
}
