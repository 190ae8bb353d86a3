import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { Link, useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatAmount, formatCount } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { ledgerLink } from './ledgerFilters'
import './data.css'

type Row = components['schemas']['TrialBalanceRow']

const PAGE_SIZE = 100
const money = (value: string | number | null | undefined) => (value === null || value === undefined ? '' : formatAmount(value))

/** The current trial balance by account with its totals; each account opens its ledger lines. */
export function TrialBalance() {
  const { engagement } = useEngagement()
  const [search, setSearch] = useSearchParams()
  const page = Math.max(1, Number(search.get('page')) || 1)
  const balance = useQuery({
    queryKey: ['trial-balance-viewer', engagement.id, page],
    queryFn: () =>
      ok(api.GET('/api/engagements/{engagement_id}/trial-balance', { params: { path: { engagement_id: engagement.id }, query: { page, page_size: PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  })
  const columns: Column<Row>[] = [
    { key: 'account', header: 'Account', render: (r) => <Link to={ledgerLink(engagement.id, { account: r.account_number })}>{r.account_number}</Link> },
    { key: 'name', header: 'Name', render: (r) => r.account_name ?? '' },
    { key: 'opening', header: 'Opening', render: (r) => money(r.opening_balance), align: 'right' },
    { key: 'debit', header: 'Period debit', render: (r) => money(r.period_debit), align: 'right' },
    { key: 'credit', header: 'Period credit', render: (r) => money(r.period_credit), align: 'right' },
    { key: 'closing', header: 'Closing', render: (r) => money(r.closing_balance), align: 'right' },
  ]
  const totals = balance.data?.totals
  return (
    <section className="data-page" aria-labelledby="tb-title">
      <div className="page-header">
        <h2 id="tb-title">Trial balance</h2>
        <Link to={ledgerLink(engagement.id, {})}>General ledger</Link>
      </div>
      {balance.isPending && <Loading label="Reading the trial balance…" />}
      {balance.isError && <ErrorMessage error={balance.error} title="The trial balance cannot be shown" />}
      {balance.data && totals && (
        <>
          <p className="muted" aria-label="Totals">
            Version {balance.data.dataset.version} · {formatCount(totals.accounts)} accounts · closing debits {money(totals.closing_debit)}, credits{' '}
            {money(totals.closing_credit)}
            {totals.unbalanced ? `, out of balance by ${money(totals.difference)}` : ', in balance'}
          </p>
          <DataTable rows={balance.data.items} columns={columns} rowKey={(r) => `${r.row_number}`} caption="Trial balance by account" empty="No accounts." />
          <Pager
            page={balance.data.page}
            pageSize={balance.data.page_size}
            total={balance.data.total}
            onChange={(value) => setSearch(new URLSearchParams({ page: String(value) }))}
          />
        </>
      )}
    </section>
  )
}
