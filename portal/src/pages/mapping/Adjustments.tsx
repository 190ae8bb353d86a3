import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { KINDS, KIND_LABELS, entryTotals, formatCents, mappingKeys, type AdjustmentRead, type Kind, type SummaryRead } from './mapping'
import './mapping.css'

type LineForm = { account_number: string; debit: string; credit: string }
const emptyLine = (): LineForm => ({ account_number: '', debit: '', credit: '' })
const CONCLUSIONS: Record<SummaryRead['conclusion'], string> = {
  none: 'No uncorrected misstatements.',
  no_materiality: 'Materiality has not been determined: the differences cannot be judged yet.',
  clearly_trivial: 'Every difference, and their total, is clearly trivial.',
  below_performance: 'The uncorrected misstatements are below performance materiality.',
  below_overall: 'The uncorrected misstatements reach performance materiality but stay below overall materiality.',
  material: 'The uncorrected misstatements are material.',
}

/** Adjusting entries: proposed, recorded and passed, the form to add one, and the summary of unadjusted differences. */
export function Adjustments() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const mayWrite = can('engagement.update') && !engagement.locked
  const queryClient = useQueryClient()
  const params = { path: { engagement_id: engagement.id } }
  const entries = useQuery({
    queryKey: [...mappingKeys.all(engagement.id), 'adjustments'],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/adjustments', { params: { ...params, query: { page: 1, page_size: 500 } } })),
  })
  const summary = useQuery({
    queryKey: [...mappingKeys.all(engagement.id), 'adjustments-summary'],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/adjustments/summary', { params })),
  })
  const refresh = () => queryClient.invalidateQueries({ queryKey: mappingKeys.all(engagement.id) })
  const changeKind = useMutation({
    mutationFn: ({ id, kind }: { id: string; kind: Kind }) =>
      ok(
        api.PATCH('/api/engagements/{engagement_id}/adjustments/{adjustment_id}', {
          params: { path: { engagement_id: engagement.id, adjustment_id: id } },
          body: { kind, description: null },
        }),
      ),
    onSuccess: () => void refresh(),
  })

  return (
    <div className="mapping-page">
      <PageHeader title="Adjusting entries" />
      <div className="mapping-grid">
        <div>
          {summary.data && <SummaryPanel summary={summary.data} />}
          <ErrorMessage error={changeKind.error} title="The entry was not changed" />
          {entries.isPending ? (
            <Loading />
          ) : entries.isError ? (
            <ErrorMessage error={entries.error} title="The entries could not be loaded" />
          ) : entries.data.items.length === 0 ? (
            <Empty>No adjusting entry yet.</Empty>
          ) : (
            entries.data.items.map((entry) => (
              <EntryPanel key={entry.id} entry={entry} mayWrite={mayWrite} onKind={(kind) => changeKind.mutate({ id: entry.id, kind })} />
            ))
          )}
        </div>
        {mayWrite && <EntryForm engagementId={engagement.id} onSaved={() => void refresh()} />}
      </div>
    </div>
  )
}

function SummaryPanel({ summary }: { summary: SummaryRead }) {
  return (
    <section className="panel" aria-label="Summary of unadjusted differences">
      <h2>Summary of unadjusted differences</h2>
      <p role="status">{CONCLUSIONS[summary.conclusion]}</p>
      <div className="muted">
        Effect on profit {formatAmount(summary.profit_effect)}
        {summary.overall_materiality && ` · overall materiality ${formatAmount(summary.overall_materiality)}`}
        {summary.performance_materiality && ` · performance ${formatAmount(summary.performance_materiality)}`}
        {summary.clearly_trivial && ` · clearly trivial ${formatAmount(summary.clearly_trivial)}`}
      </div>
      {summary.differences.length > 0 && (
        <table className="statement-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Description</th>
              <th scope="col">Kind</th>
              <th scope="col" className="amount">Amount</th>
              <th scope="col" className="amount">Effect on profit</th>
              <th scope="col">Clearly trivial</th>
            </tr>
          </thead>
          <tbody>
            {summary.differences.map((d) => (
              <tr key={d.number}>
                <td>{d.number}</td>
                <td>{d.description}</td>
                <td>{KIND_LABELS[d.kind]}</td>
                <td className="amount">{formatAmount(d.amount)}</td>
                <td className="amount">{formatAmount(d.profit_effect)}</td>
                <td>{d.clearly_trivial === null ? '–' : d.clearly_trivial ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function EntryPanel({ entry, mayWrite, onKind }: { entry: AdjustmentRead; mayWrite: boolean; onKind: (kind: Kind) => void }) {
  return (
    <section className="panel" aria-label={`Entry ${entry.number}`}>
      <h2>
        {entry.number}. {entry.description} <span className={`badge badge-${entry.kind}`}>{KIND_LABELS[entry.kind]}</span>
      </h2>
      <table className="statement-table">
        <tbody>
          {entry.lines.map((line) => (
            <tr key={line.line}>
              <td>{line.account_number}</td>
              <td className="amount">{Number(line.debit) ? formatAmount(line.debit) : ''}</td>
              <td className="amount">{Number(line.credit) ? formatAmount(line.credit) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {mayWrite && (
        <label>
          Kind
          <select value={entry.kind} onChange={(e) => onKind(e.target.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
      )}
    </section>
  )
}

function EntryForm({ engagementId, onSaved }: { engagementId: string; onSaved: () => void }) {
  const [kind, setKind] = useState<Kind>('proposed')
  const [description, setDescription] = useState('')
  const [lines, setLines] = useState<LineForm[]>([emptyLine(), emptyLine()])
  const totals = entryTotals(lines)
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/api/engagements/{engagement_id}/adjustments', {
          params: { path: { engagement_id: engagementId } },
          body: {
            kind,
            description: description.trim(),
            lines: lines
              .filter((l) => l.account_number.trim())
              .map((l) => ({ account_number: l.account_number.trim(), debit: l.debit.trim() || '0', credit: l.credit.trim() || '0' })),
          },
        }),
      ),
    onSuccess: () => {
      setDescription('')
      setLines([emptyLine(), emptyLine()])
      onSaved()
    },
  })
  const update = (index: number, change: Partial<LineForm>) => setLines((all) => all.map((l, i) => (i === index ? { ...l, ...change } : l)))
  return (
    <form
      className="panel"
      aria-label="Add an adjusting entry"
      onSubmit={(event) => {
        event.preventDefault()
        save.mutate()
      }}
    >
      <h2>Add an entry</h2>
      <label>
        Kind
        <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Description
        <input value={description} onChange={(e) => setDescription(e.target.value)} required />
      </label>
      <div className="adjustment-lines">
        {lines.map((line, index) => (
          <fieldset key={index} style={{ display: 'contents' }}>
            <label>
              Account {index + 1}
              <input value={line.account_number} onChange={(e) => update(index, { account_number: e.target.value })} />
            </label>
            <label>
              Debit {index + 1}
              <input inputMode="decimal" value={line.debit} onChange={(e) => update(index, { debit: e.target.value })} />
            </label>
            <label>
              Credit {index + 1}
              <input inputMode="decimal" value={line.credit} onChange={(e) => update(index, { credit: e.target.value })} />
            </label>
            <span />
          </fieldset>
        ))}
      </div>
      <button type="button" onClick={() => setLines((all) => [...all, emptyLine()])}>
        Add a line
      </button>
      <div className="adjustment-balance" aria-live="polite">
        Debits {formatAmount(formatCents(totals.debits))} · credits {formatAmount(formatCents(totals.credits))}
        {totals.difference !== 0 && ` · difference ${formatAmount(formatCents(totals.difference))}`}
      </div>
      <ErrorMessage error={save.error} title="The entry was refused" />
      <button type="submit" className="primary" disabled={save.isPending || !description.trim()}>
        Add entry
      </button>
    </form>
  )
}
