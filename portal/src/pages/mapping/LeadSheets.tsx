import { useQuery } from '@tanstack/react-query'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { mappingKeys, type LeadSheetsRead } from './mapping'
import './mapping.css'

type Row = LeadSheetsRead['unplaced'][number]

/** Lead sheets by letter: each account's prior year, unadjusted balance, adjustments and final balance. */
export function LeadSheets() {
  const { engagement } = useEngagement()
  const query = useQuery({
    queryKey: [...mappingKeys.all(engagement.id), 'lead-sheets'],
    queryFn: async () => {
      try {
        return await ok(api.GET('/api/engagements/{engagement_id}/lead-sheets', { params: { path: { engagement_id: engagement.id } } }))
      } catch (error) {
        if (error instanceof ApiError && error.code === 'no_trial_balance') return null
        throw error
      }
    },
  })
  return (
    <div className="mapping-page">
      <PageHeader title="Lead sheets" />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorMessage error={query.error} title="The lead sheets could not be built" />
      ) : query.data === null ? (
        <Empty>No trial balance has been loaded for this engagement yet.</Empty>
      ) : query.data.lead_sheets.length === 0 ? (
        <Empty>No account is confirmed yet: confirm the mapping first.</Empty>
      ) : (
        <>
          {query.data.lead_sheets.map((sheet) => (
            <section key={sheet.letter} className="panel" aria-label={`Lead sheet ${sheet.letter}`}>
              <h2>
                {sheet.letter} · {sheet.title}
              </h2>
              <Rows rows={sheet.accounts} totals={sheet.totals} />
            </section>
          ))}
          {query.data.unplaced.length > 0 && (
            <section className="panel" aria-label="Accounts not confirmed">
              <h2>Not confirmed ({query.data.unplaced.length})</h2>
              <Rows rows={query.data.unplaced} />
            </section>
          )}
        </>
      )}
    </div>
  )
}

function Rows({ rows, totals }: { rows: Row[]; totals?: { prior: string | null; unadjusted: string; adjustments: string; final: string } }) {
  return (
    <table className="statement-table">
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Name</th>
          <th scope="col" className="amount">Prior year</th>
          <th scope="col" className="amount">Unadjusted</th>
          <th scope="col" className="amount">Adjustments</th>
          <th scope="col" className="amount">Final</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.account_number}>
            <td>{row.account_number}</td>
            <td>{row.account_name}</td>
            <td className="amount">{formatAmount(row.prior)}</td>
            <td className="amount">{formatAmount(row.unadjusted)}</td>
            <td className="amount">{formatAmount(row.adjustments)}</td>
            <td className="amount">{formatAmount(row.final)}</td>
          </tr>
        ))}
        {totals && (
          <tr className="total">
            <td colSpan={2}>Total</td>
            <td className="amount">{formatAmount(totals.prior)}</td>
            <td className="amount">{formatAmount(totals.unadjusted)}</td>
            <td className="amount">{formatAmount(totals.adjustments)}</td>
            <td className="amount">{formatAmount(totals.final)}</td>
          </tr>
        )}
      </tbody>
    </table>
  )
}
