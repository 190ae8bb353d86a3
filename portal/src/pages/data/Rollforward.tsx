import { useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { DataTable, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading, StatusBadge } from '../../ui/States'
import { formatAmount, formatCount, formatDate } from '../../ui/format'
import { ledgerLink } from './ledgerFilters'
import { isZeroAmount, sumAmounts } from './mapping'
import { dataKeys, type RollforwardRow } from './queries'

const amount = (value: string) => Number(value)

/** Each account and each difference opens the account's ledger lines (the current general ledger's period). */
const columnsFor = (engagementId: string): Column<RollforwardRow>[] => [
  {
    key: 'account',
    header: 'Account',
    render: (r) => <Link to={ledgerLink(engagementId, { account: r.account_number })}>{r.account_number}</Link>,
    sortValue: (r) => r.account_number,
  },
  { key: 'name', header: 'Name', render: (r) => r.account_name ?? '', sortValue: (r) => r.account_name ?? '' },
  { key: 'opening', header: 'Opening', render: (r) => formatAmount(r.opening_balance), sortValue: (r) => amount(r.opening_balance), align: 'right' },
  { key: 'activity', header: 'Activity', render: (r) => formatAmount(r.activity), sortValue: (r) => amount(r.activity), align: 'right' },
  { key: 'closing', header: 'Closing', render: (r) => formatAmount(r.closing_balance), sortValue: (r) => amount(r.closing_balance), align: 'right' },
  {
    key: 'difference',
    header: 'Difference',
    render: (r) =>
      isZeroAmount(r.difference) ? (
        <span className="muted">0.00</span>
      ) : (
        <Link to={ledgerLink(engagementId, { account: r.account_number })} aria-label={`Ledger lines of ${r.account_number} behind a difference of ${formatAmount(r.difference)}`}>
          <strong className="diff">{formatAmount(r.difference)}</strong>
        </Link>
      ),
    sortValue: (r) => Math.abs(amount(r.difference)),
    align: 'right',
  },
  {
    key: 'status',
    header: 'Status',
    render: (r) => (
      <>
        <StatusBadge status={r.status === 'reconciled' ? 'reconciled' : 'difference'} />
        {r.note && <span className="muted small"> {r.note}</span>}
      </>
    ),
    sortValue: (r) => r.status,
  },
]

/** Why there is no roll-forward yet, in the page's words (the API answers 409 rollforward_unavailable). */
function unavailableText(error: ApiError): string {
  if (/opening balances/i.test(error.message)) {
    return 'The current trial balance has no opening balances. Upload a trial balance with opening and closing balances to see the roll-forward.'
  }
  const needs = [/trial balance/i.test(error.message) && 'a trial balance', /general ledger/i.test(error.message) && 'a general ledger'].filter(Boolean)
  return `No roll-forward yet: it needs ${needs.length ? needs.join(' and ') : 'a trial balance and a general ledger'}. Upload ${needs.length > 1 ? 'them' : 'it'} above.`
}

/** Completeness: per account, opening + general-ledger activity against the closing balance. */
export function Rollforward({ engagementId }: { engagementId: string }) {
  const [onlyDifferences, setOnlyDifferences] = useState(false)
  const query = useQuery({
    queryKey: dataKeys.rollforward(engagementId),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/rollforward', { params: { path: { engagement_id: engagementId } } })),
  })
  const data = query.data
  const totals = useMemo(
    () =>
      data && {
        opening: sumAmounts(data.items.map((r) => r.opening_balance)),
        activity: sumAmounts(data.items.map((r) => r.activity)),
        closing: sumAmounts(data.items.map((r) => r.closing_balance)),
        difference: sumAmounts(data.items.map((r) => r.difference)),
      },
    [data],
  )
  const rows = useMemo(() => (data ? (onlyDifferences ? data.items.filter((r) => r.status === 'difference') : data.items) : []), [data, onlyDifferences])
  const unavailable = query.error instanceof ApiError && query.error.status === 409

  return (
    <section className="panel" aria-labelledby="rollforward-heading">
      <h2 id="rollforward-heading">Roll-forward</h2>
      {query.isLoading && <Loading />}
      {unavailable && <Empty>{unavailableText(query.error as ApiError)}</Empty>}
      {query.error && !unavailable && <ErrorMessage error={query.error} />}
      {data && totals && (
        <>
          {data.status === 'reconciled' ? (
            <div className="success" role="status">
              The roll-forward ties: opening balance + activity = closing balance for all {formatCount(data.accounts)} accounts.
            </div>
          ) : (
            <div className="error" role="status">
              The roll-forward does not tie: {formatCount(data.accounts_with_differences)} of {formatCount(data.accounts)} accounts differ, by{' '}
              {formatAmount(data.total_difference)} in all (differences of opposite sign do not cancel; the largest are listed first).
            </div>
          )}
          <p className="muted small">
            Trial balance version {data.trial_balance.version} against general ledger version {data.general_ledger.version}, activity from{' '}
            {formatDate(data.period_start)} to {formatDate(data.period_end)}.
          </p>
          <dl className="facts totals" aria-label="Totals">
            <dt>Opening</dt>
            <dd className="num">{formatAmount(totals.opening)}</dd>
            <dt>Activity</dt>
            <dd className="num">{formatAmount(totals.activity)}</dd>
            <dt>Closing</dt>
            <dd className="num">{formatAmount(totals.closing)}</dd>
            <dt>Difference</dt>
            <dd className="num">{formatAmount(totals.difference)}</dd>
          </dl>
          <div className="toolbar">
            <label className="checkbox">
              <input type="checkbox" checked={onlyDifferences} onChange={(e) => setOnlyDifferences(e.target.checked)} />
              Only accounts with a difference
            </label>
          </div>
          <DataTable
            rows={rows}
            columns={columnsFor(engagementId)}
            rowKey={(r) => r.account_number}
            rowClassName={(r) => (r.status === 'difference' ? 'has-difference' : undefined)}
            caption="Roll-forward by account"
            empty={onlyDifferences ? 'No account has a difference.' : 'No accounts.'}
          />
        </>
      )}
    </section>
  )
}
