import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { download } from '../../api/transfer'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { mappingKeys, type StatementRead } from './mapping'
import './mapping.css'

type Name = StatementRead['statement']
const TITLES: Record<Name, string> = { balance_sheet: 'Balance sheet', income_statement: 'Income statement' }
const SUBTOTALS: Record<string, string> = {
  total_assets: 'Total assets',
  total_liabilities: 'Total liabilities',
  total_equity: 'Total equity',
  total_liabilities_and_equity: 'Total liabilities and equity',
  gross_profit: 'Gross profit',
  operating_income: 'Operating income',
  income_before_tax: 'Income before income tax',
  net_income: 'Net income',
}

/** The balance sheet and the income statement from the confirmed mapping, with comparatives, and the workbook. */
export function Statements() {
  const { engagement } = useEngagement()
  const [name, setName] = useState<Name>('balance_sheet')
  const query = useQuery({
    queryKey: [...mappingKeys.all(engagement.id), 'statement', name],
    queryFn: async () => {
      try {
        return await ok(
          api.GET('/api/engagements/{engagement_id}/statements/{statement}', {
            params: { path: { engagement_id: engagement.id, statement: name } },
          }),
        )
      } catch (error) {
        if (error instanceof ApiError && error.code === 'no_trial_balance') return null
        throw error
      }
    },
  })
  const workbook = useMutation({
    mutationFn: () => download(`/api/engagements/${engagement.id}/statements-workbook`, 'statements.xlsx'),
  })
  return (
    <div className="mapping-page">
      <PageHeader title="Statements">
        <button type="button" onClick={() => workbook.mutate()} disabled={workbook.isPending}>
          Download workbook (.xlsx)
        </button>
      </PageHeader>
      <ErrorMessage error={workbook.error} title="The workbook could not be downloaded" />
      <nav className="tabs" aria-label="Statement">
        {(Object.keys(TITLES) as Name[]).map((n) => (
          <button key={n} type="button" aria-pressed={n === name} onClick={() => setName(n)}>
            {TITLES[n]}
          </button>
        ))}
      </nav>
      {query.isPending ? (
        <Loading label="Building the statement…" />
      ) : query.isError ? (
        <ErrorMessage error={query.error} title="The statement could not be built" />
      ) : query.data === null ? (
        <Empty>No trial balance has been loaded for this engagement yet.</Empty>
      ) : (
        <StatementTable statement={query.data} />
      )}
    </div>
  )
}

export function StatementTable({ statement }: { statement: StatementRead }) {
  const prior = statement.comparatives !== null
  return (
    <section aria-label={TITLES[statement.statement]}>
      <p>
        <span className={`statement-balanced ${statement.balanced ? 'yes' : 'no'}`} role="status">
          {statement.balanced ? 'Balanced' : `Not balanced: difference ${formatAmount(statement.difference)}`}
        </span>{' '}
        {prior && <span className="muted">Comparatives from {statement.comparatives === 'opening_balances' ? 'the opening balances' : 'the prior-year trial balance'}</span>}
      </p>
      <table className="statement-table" aria-label={`${TITLES[statement.statement]} lines`}>
        <thead>
          <tr>
            <th scope="col"></th>
            <th scope="col" className="amount">Current year</th>
            {prior && <th scope="col" className="amount">Prior year</th>}
          </tr>
        </thead>
        <tbody>
          {statement.sections.map((section) => [
            <tr key={section.section} className="section-title">
              <td colSpan={prior ? 3 : 2}>{section.title}</td>
            </tr>,
            ...section.captions.map((caption) => (
              <tr key={`${section.section}-${caption.caption}`}>
                <td className="caption">{caption.caption}</td>
                <td className="amount">{formatAmount(caption.current)}</td>
                {prior && <td className="amount">{formatAmount(caption.prior)}</td>}
              </tr>
            )),
            <tr key={`${section.section}-total`} className="total">
              <td>Total {section.title.toLowerCase()}</td>
              <td className="amount">{formatAmount(section.total.current)}</td>
              {prior && <td className="amount">{formatAmount(section.total.prior)}</td>}
            </tr>,
          ])}
          {Object.entries(statement.subtotals).map(([key, amounts]) => (
            <tr key={key} className="subtotal">
              <td>{SUBTOTALS[key] ?? key}</td>
              <td className="amount">{formatAmount(amounts.current)}</td>
              {prior && <td className="amount">{formatAmount(amounts.prior)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {statement.unmapped.length > 0 && (
        <section className="panel" aria-label="Accounts not mapped">
          <h2>Accounts not confirmed ({statement.unmapped.length})</h2>
          <ul>
            {statement.unmapped.map((item) => (
              <li key={item.account_number}>
                {item.account_number} {item.account_name}: {formatAmount(item.amount)} ({item.status})
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  )
}
