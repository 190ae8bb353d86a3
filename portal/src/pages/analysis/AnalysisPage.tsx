import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { download } from '../../api/transfer'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount, humanize } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import {
  SOURCE_LABELS,
  analysisKeys,
  formatChange,
  formatFluxPercent,
  formatRatio,
  thresholdQuery,
  trendGeometry,
  visibleFlux,
  type AnalysisRead,
  type FluxLineRead,
  type IndicatorRead,
  type RatioRead,
  type ThresholdForm,
  type TrendsRead,
} from './analysis'
import './analysis.css'

/** Analytical procedures: ratios for both years, flux with thresholds and explanations, trends, going-concern indicators. */
export function AnalysisPage() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const mayExplain = can('engagement.update') && !engagement.locked
  const [form, setForm] = useState<ThresholdForm>({ amount: '', percent: '' })
  const [applied, setApplied] = useState<ThresholdForm>({ amount: '', percent: '' })
  const { query: thresholds } = thresholdQuery(applied)
  const { errors } = thresholdQuery(form)
  const analysis = useQuery({
    queryKey: [...analysisKeys.all(engagement.id), 'analysis', thresholds],
    queryFn: async () => {
      try {
        return await ok(
          api.GET('/api/engagements/{engagement_id}/financial-analysis', {
            params: { path: { engagement_id: engagement.id }, query: thresholds },
          }),
        )
      } catch (error) {
        if (error instanceof ApiError && error.code === 'no_trial_balance') return null
        throw error
      }
    },
  })
  const trends = useQuery({
    queryKey: [...analysisKeys.all(engagement.id), 'trends'],
    // JSON unless format=png is asked for (the chart is downloaded apart).
    queryFn: async () =>
      (await ok(
        api.GET('/api/engagements/{engagement_id}/financial-analysis/trends', { params: { path: { engagement_id: engagement.id } } }),
      )) as TrendsRead,
  })
  const chart = useMutation({
    mutationFn: () => download(`/api/engagements/${engagement.id}/financial-analysis/trends.png`, 'trends.png'),
  })
  const apply = (event: FormEvent) => {
    event.preventDefault()
    if (Object.keys(errors).length === 0) setApplied(form)
  }

  return (
    <div className="analysis-page">
      <PageHeader title="Financial analysis" />
      {analysis.isPending ? (
        <Loading label="Computing the ratios…" />
      ) : analysis.isError ? (
        <ErrorMessage error={analysis.error} title="The analysis could not be computed" />
      ) : analysis.data === null ? (
        <Empty>No trial balance has been loaded for this engagement yet.</Empty>
      ) : (
        <>
          {analysis.data.unconfirmed_accounts > 0 && (
            <p className="muted" role="note">
              {analysis.data.unconfirmed_accounts} account(s) are not confirmed in the mapping and are left out of the ratios.
            </p>
          )}
          <Indicators indicators={analysis.data.indicators} />
          <Ratios ratios={analysis.data.ratios} hasPrior={analysis.data.comparatives === 'prior_year_trial_balance'} />
          <section aria-label="Flux">
            <h2>Flux against the prior year</h2>
            <form className="analysis-thresholds" onSubmit={apply} aria-label="Flux thresholds">
              <label>
                Amount threshold
                <input
                  value={form.amount}
                  placeholder={analysis.data.flux_thresholds.amount}
                  onChange={(e) => setForm({ ...form, amount: e.target.value })}
                  aria-invalid={errors.amount ? true : undefined}
                />
              </label>
              <label>
                Percent threshold
                <input
                  value={form.percent}
                  placeholder={analysis.data.flux_thresholds.percent}
                  onChange={(e) => setForm({ ...form, percent: e.target.value })}
                  aria-invalid={errors.percent ? true : undefined}
                />
              </label>
              <button type="submit" disabled={Object.keys(errors).length > 0}>
                Apply
              </button>
              <span className="muted">
                Flagged when the change exceeds {formatAmount(analysis.data.flux_thresholds.amount)} (
                {SOURCE_LABELS[analysis.data.flux_thresholds.amount_source]}) and {analysis.data.flux_thresholds.percent}% of the prior year.
              </span>
            </form>
            {(errors.amount || errors.percent) && (
              <p className="error" role="alert">
                {errors.amount ?? errors.percent}
              </p>
            )}
            <Flux analysis={analysis.data} mayExplain={mayExplain} />
          </section>
        </>
      )}
      <section aria-label="Trends">
        <h2>Monthly trends from the general ledger</h2>
        <button type="button" onClick={() => chart.mutate()} disabled={chart.isPending}>
          Download chart (.png)
        </button>
        <ErrorMessage error={chart.error} title="The chart could not be downloaded" />
        {trends.isPending ? (
          <Loading label="Summing the ledger…" />
        ) : trends.isError ? (
          <ErrorMessage error={trends.error} title="The trends could not be computed" />
        ) : (
          <Trends trends={trends.data} />
        )}
      </section>
    </div>
  )
}

function Indicators({ indicators }: { indicators: IndicatorRead[] }) {
  const label = (i: IndicatorRead) => (i.triggered === null ? 'Cannot tell' : i.triggered ? 'Triggered' : 'Not triggered')
  const css = (i: IndicatorRead) => (i.triggered === null ? 'unknown' : i.triggered ? 'triggered' : 'clear')
  return (
    <section aria-label="Going-concern indicators">
      <h2>Going-concern indicators</h2>
      <table className="analysis-table" aria-label="Going-concern indicators">
        <tbody>
          {indicators.map((i) => (
            <tr key={i.code}>
              <td>{i.title}</td>
              <td>
                <span className={`analysis-indicator ${css(i)}`}>{label(i)}</span>
              </td>
              <td className="muted">
                {Object.entries(i.figures)
                  .map(([name, value]) => `${humanize(name)}: ${value === null ? '–' : value}`)
                  .join(' · ')}
                {i.note ? ` (${i.note})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function Ratios({ ratios, hasPrior }: { ratios: RatioRead[]; hasPrior: boolean }) {
  return (
    <section aria-label="Ratios">
      <h2>Ratios</h2>
      {!hasPrior && <p className="muted">No prior-year trial balance: upload one as the comparative to see the prior year.</p>}
      <table className="analysis-table" aria-label="Ratios">
        <thead>
          <tr>
            <th scope="col">Ratio</th>
            <th scope="col" className="amount">Current year</th>
            <th scope="col" className="amount">Prior year</th>
            <th scope="col" className="amount">Change</th>
          </tr>
        </thead>
        <tbody>
          {ratios.map((r) => (
            <tr key={r.code}>
              <td>
                {r.title}
                <div className="formula">{r.formula}</div>
              </td>
              <td className="amount" title={r.reason ?? undefined}>
                {formatRatio(r.value, r.unit)}
                {r.reason && <div className="formula">{r.reason}</div>}
              </td>
              <td className="amount" title={r.prior_reason ?? undefined}>
                {formatRatio(r.prior, r.unit)}
              </td>
              <td className="amount">{formatChange(r.change, r.unit)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function Flux({ analysis, mayExplain }: { analysis: AnalysisRead; mayExplain: boolean }) {
  const [level, setLevel] = useState<FluxLineRead['level']>('caption')
  const [flaggedOnly, setFlaggedOnly] = useState(false)
  const lines = visibleFlux(analysis.flux, level, flaggedOnly)
  const flagged = analysis.flux.filter((line) => line.flagged).length
  return (
    <>
      <nav className="tabs" aria-label="Flux level">
        <button type="button" aria-pressed={level === 'caption'} onClick={() => setLevel('caption')}>
          By caption
        </button>
        <button type="button" aria-pressed={level === 'account'} onClick={() => setLevel('account')}>
          By account
        </button>
        <label>
          <input type="checkbox" checked={flaggedOnly} onChange={(e) => setFlaggedOnly(e.target.checked)} /> Flagged only ({flagged})
        </label>
      </nav>
      {lines.length === 0 ? (
        <Empty>No lines to show.</Empty>
      ) : (
        <table className="analysis-table" aria-label="Flux lines">
          <thead>
            <tr>
              <th scope="col">{level === 'caption' ? 'Caption' : 'Account'}</th>
              <th scope="col" className="amount">Current year</th>
              <th scope="col" className="amount">Prior year</th>
              <th scope="col" className="amount">Change</th>
              <th scope="col" className="amount">%</th>
              <th scope="col">Explanation</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={line.key} className={line.flagged ? 'flagged' : undefined}>
                <td>
                  {line.label}
                  {line.flagged && <span className="analysis-indicator triggered"> Flagged</span>}
                </td>
                <td className="amount">{formatAmount(line.current)}</td>
                <td className="amount">{line.prior === null ? '–' : formatAmount(line.prior)}</td>
                <td className="amount">{line.change === null ? '–' : formatAmount(line.change)}</td>
                <td className="amount">{formatFluxPercent(line)}</td>
                <td className="analysis-explanation">
                  {line.flagged || line.explanation ? <Explanation line={line} mayExplain={mayExplain} /> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

function Explanation({ line, mayExplain }: { line: FluxLineRead; mayExplain: boolean }) {
  const { engagement } = useEngagement()
  const queryClient = useQueryClient()
  const [text, setText] = useState(line.explanation?.text ?? '')
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PUT('/api/engagements/{engagement_id}/financial-analysis/flux/{key}/explanation', {
          params: { path: { engagement_id: engagement.id, key: line.key } },
          body: { text },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: analysisKeys.all(engagement.id) }),
  })
  if (!mayExplain) return <span>{line.explanation?.text ?? <span className="muted">Not explained</span>}</span>
  const unchanged = text.trim() === (line.explanation?.text ?? '')
  return (
    <div>
      <textarea aria-label={`Explanation of ${line.label}`} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="button" onClick={() => save.mutate()} disabled={save.isPending || !text.trim() || unchanged}>
        Save explanation
      </button>
      {save.isSuccess && unchanged && <span className="muted" role="status"> Saved</span>}
      <ErrorMessage error={save.error} title="The explanation was not saved" />
    </div>
  )
}

function Trends({ trends }: { trends: TrendsRead }) {
  if (trends.months.length === 0) return <Empty>No general ledger has been loaded (or none of its accounts is mapped) yet.</Empty>
  const g = trendGeometry(trends.months)
  return (
    <>
      <div className="analysis-legend">
        {g.lines.map((line) => (
          <span key={line.key} style={{ ['--swatch' as string]: line.color }}>
            {line.label}
          </span>
        ))}
      </div>
      <svg className="analysis-chart" role="img" aria-label="Monthly trends" viewBox={`0 0 ${g.width} ${g.height}`} width={g.width} height={g.height}>
        <line x1={0} x2={g.width} y1={g.zero} y2={g.zero} stroke="#999" strokeWidth={0.8} />
        {g.lines.map((line) => (
          <polyline key={line.key} points={line.points} fill="none" stroke={line.color} strokeWidth={2} />
        ))}
        {trends.months.map((month, index) => (
          <text key={month.month} x={g.x[index]} y={g.height - 6} fontSize={10} textAnchor="middle">
            {month.month}
          </text>
        ))}
      </svg>
      {trends.unmapped_lines > 0 && <p className="muted">{trends.unmapped_lines} ledger line(s) on accounts not confirmed in the mapping are left out.</p>}
      <table className="analysis-table" aria-label="Monthly trends">
        <thead>
          <tr>
            <th scope="col">Month</th>
            <th scope="col" className="amount">Revenue</th>
            <th scope="col" className="amount">Cost of sales</th>
            <th scope="col" className="amount">Operating expenses</th>
            <th scope="col" className="amount">Cash, net movement</th>
          </tr>
        </thead>
        <tbody>
          {trends.months.map((m) => (
            <tr key={m.month}>
              <td>{m.month}</td>
              <td className="amount">{formatAmount(m.revenue)}</td>
              <td className="amount">{formatAmount(m.cost_of_sales)}</td>
              <td className="amount">{formatAmount(m.operating_expenses)}</td>
              <td className="amount">{formatAmount(m.cash_movement)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
