import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { JeJournal, lineTests } from './JournalTests'
import { RiskCharts } from './RiskCharts'

const ORDER = ['open', 'investigating', 'explained', 'exception', 'false_positive'] as const

function bar(label: string, shares: Partial<Record<(typeof ORDER)[number], [number, string]>>) {
  const by = ORDER.map((d) => ({ disposition: d, journals: shares[d]?.[0] ?? 0, amount: shares[d]?.[1] ?? '0.00' }))
  return { label, journals: by.reduce((n, s) => n + s.journals, 0), amount: '0', by_disposition: by }
}

const picture = {
  run_id: 'r-1',
  score_buckets: Array.from({ length: 10 }, (_, i) => bar(`${i * 10}–${i * 10 + 10}`, i === 9 ? { exception: [1, '3000.00'] } : i === 4 ? { open: [2, '7000.00'] } : {})),
  months: [bar('2026-01', { open: [1, '5000.00'] }), bar('2026-02', { exception: [1, '3000.00'], open: [1, '123.45'] })],
  users: [bar('alice', { open: [1, '5000.00'] }), bar('bob', { exception: [1, '3000.00'], open: [1, '123.45'] })],
}

describe('the picture of risk beside the ranked journals', () => {
  it('draws the score distribution and the flagged amounts by month and user, with a legend naming each disposition', async () => {
    mockApi({ 'GET /api/engagements/e-1/je-tests/r-1/risk-picture': { body: picture } })
    const { container } = renderPage(<RiskCharts engagementId="e-1" runId="r-1" />, { route: '/engagements/:engagementId/x', path: '/engagements/e-1/x', engagement: makeEngagement() })
    expect(await screen.findByRole('img', { name: 'Journals by risk score' })).toBeInTheDocument()
    expect(screen.getByRole('img', { name: 'Flagged amount by month' })).toBeInTheDocument()
    expect(screen.getByRole('img', { name: 'Flagged amount by user' })).toBeInTheDocument()
    const legend = screen.getByRole('list', { name: 'Dispositions' })
    expect(within(legend).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Open', 'Investigating', 'Explained', 'Exception', 'False positive'])
    const feb = container.querySelector('[data-bar="Feb 2026"]')!
    expect(feb.querySelector('title')?.textContent).toBe('Feb 2026: 3,123.45 (Open: 123.45, Exception: 3,000.00)')
    expect([...feb.querySelectorAll('rect')].map((r) => r.getAttribute('data-disposition'))).toEqual(['open', 'exception'])
    const fills = new Set([...container.querySelectorAll('rect')].map((r) => r.getAttribute('fill')))
    expect(fills.size).toBe(2) // open and exception only
    expect(container.querySelector('[data-bar="90–100"]')?.getAttribute('data-total')).toBe('1')
  })

  it('shows a journal with the tests and scores of each line', async () => {
    mockApi({
      'GET /api/engagements/e-1/je-tests/r-1/journals/J2': {
        body: {
          run_id: 'r-1', journal_id: 'J2', flagged: true, rank: 1, score: '100.00', tests: ['amount_outlier', 'round_amount'], debit_total: '3000.00',
          disposition: null,
          lines: [
            { row_number: 3, journal_id: 'J2', line_number: 1, account_number: '1100', account_name: 'Debtors', amount: '3000.00', debit: '3000.00', credit: '0', effective_date: '2026-02-11', entered_date: null, entered_time: null, entered_by: 'bob', approved_by: null, document_date: null, period: null, source: null, description: null, header_description: null, tests: ['amount_outlier', 'round_amount'], scores: { amount_outlier: 4.25 } },
          ],
        },
      },
    })
    renderPage(<JeJournal />, { route: '/engagements/:engagementId/je-tests/:runId/journals/:journalId', path: '/engagements/e-1/je-tests/r-1/journals/J2', engagement: makeEngagement() })
    expect(await screen.findByRole('heading', { level: 2, name: /Journal J2/ })).toBeInTheDocument()
    expect(screen.getByText('Amount outlier 4.25')).toBeInTheDocument()
    expect(screen.getByText('Round amount')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Open in the ledger' })).toHaveAttribute('href', '/engagements/e-1/ledger?journal_id=J2')
    expect(lineTests({ tests: [], scores: {} })).toEqual([])
  })
})
