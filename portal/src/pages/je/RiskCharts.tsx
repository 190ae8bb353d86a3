import { useQuery } from '@tanstack/react-query'
import { api, ok } from '../../api/client'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatAmount } from '../../ui/format'
import { DISPOSITIONS } from './shared'
import { DISPOSITION_STYLE, describe, monthLabel, niceMax, shortNumber, stack, type Measure, type RiskBar } from './riskPicture'

const money = (n: number) => formatAmount(n)

/** Vertical stacked bars (score buckets, months). */
function Columns({ title, bars, measure, xTitle }: { title: string; bars: readonly RiskBar[]; measure: Measure; xTitle: string }) {
  const stacked = stack(bars, measure)
  const width = 420
  const height = 200
  const plot = { left: 44, right: width - 8, top: 8, bottom: height - 34 }
  const top = niceMax(Math.max(0, ...stacked.map((b) => b.total)))
  const slot = (plot.right - plot.left) / Math.max(1, stacked.length)
  const y = (value: number) => plot.bottom - (value / top) * (plot.bottom - plot.top)
  const ticks = [0, top / 2, top]
  const every = Math.max(1, Math.ceil(stacked.length / 8))
  return (
    <figure className="je-chart je-risk-chart">
      <figcaption className="small">{title}</figcaption>
      <svg role="img" aria-label={title} viewBox={`0 0 ${width} ${height}`} width="100%">
        <title>{title}</title>
        <g className="je-chart-grid">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={plot.left} x2={plot.right} y1={y(t)} y2={y(t)} />
              <text x={plot.left - 4} y={y(t)} dy="0.32em" textAnchor="end">
                {measure === 'amount' ? shortNumber(t) : Number.isInteger(t) ? t : ''}
              </text>
            </g>
          ))}
        </g>
        {stacked.map((bar, i) => (
          <g key={bar.label} data-bar={bar.label} data-total={bar.total}>
            <title>{describe(bar, measure, money)}</title>
            {bar.segments.map((s) => (
              <rect key={s.disposition} data-disposition={s.disposition} fill={DISPOSITION_STYLE[s.disposition].colour} x={plot.left + i * slot + slot * 0.12} width={slot * 0.76} y={y(s.start + s.value)} height={Math.max(0.5, y(s.start) - y(s.start + s.value))} />
            ))}
            {i % every === 0 && (
              <text x={plot.left + i * slot + slot / 2} y={plot.bottom + 12} textAnchor="middle">
                {bar.label}
              </text>
            )}
          </g>
        ))}
        <text className="je-chart-title" x={(plot.left + plot.right) / 2} y={height - 4} textAnchor="middle">
          {xTitle}
        </text>
      </svg>
    </figure>
  )
}

/** Horizontal stacked bars (users), largest first. */
function Rows({ title, bars }: { title: string; bars: readonly RiskBar[] }) {
  const stacked = stack(bars, 'amount')
  const row = 18
  const width = 420
  const labelWidth = 110
  const height = Math.max(1, stacked.length) * row + 20
  const top = niceMax(Math.max(0, ...stacked.map((b) => b.total)))
  const x = (value: number) => labelWidth + (value / top) * (width - labelWidth - 50)
  return (
    <figure className="je-chart je-risk-chart">
      <figcaption className="small">{title}</figcaption>
      <svg role="img" aria-label={title} viewBox={`0 0 ${width} ${height}`} width="100%">
        <title>{title}</title>
        {stacked.map((bar, i) => (
          <g key={bar.label} data-bar={bar.label} data-total={bar.total}>
            <title>{describe(bar, 'amount', money)}</title>
            <text x={labelWidth - 4} y={i * row + row / 2 + 4} dy="0.32em" textAnchor="end">
              {bar.label.length > 16 ? `${bar.label.slice(0, 15)}…` : bar.label}
            </text>
            {bar.segments.map((s) => (
              <rect key={s.disposition} data-disposition={s.disposition} fill={DISPOSITION_STYLE[s.disposition].colour} x={x(s.start)} width={Math.max(0.5, x(s.start + s.value) - x(s.start))} y={i * row + 4} height={row - 6} />
            ))}
            <text x={x(bar.total) + 3} y={i * row + row / 2 + 4} dy="0.32em">
              {shortNumber(bar.total)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  )
}

export function DispositionLegend() {
  return (
    <ul className="je-legend je-risk-legend" aria-label="Dispositions">
      {DISPOSITIONS.map((d) => (
        <li key={d}>
          <span className="je-swatch" style={{ background: DISPOSITION_STYLE[d].colour }} aria-hidden="true" />
          {DISPOSITION_STYLE[d].label}
        </li>
      ))}
    </ul>
  )
}

/** The run's picture of risk: journals by risk score, flagged amounts by month and by user, by disposition. */
export function RiskCharts({ engagementId, runId }: { engagementId: string; runId: string }) {
  const picture = useQuery({
    queryKey: ['je-risk-picture', engagementId, runId],
    queryFn: () =>
      ok(api.GET('/api/engagements/{engagement_id}/je-tests/{run_id}/risk-picture', { params: { path: { engagement_id: engagementId, run_id: runId } } })),
  })
  if (picture.isPending) return <Loading label="Drawing the picture of risk…" />
  if (picture.isError) return <ErrorMessage error={picture.error} title="The picture of risk cannot be shown" />
  const data = picture.data
  const months = data.months.map((m) => ({ ...m, label: monthLabel(m.label) }))
  return (
    <section className="panel je-risk" aria-labelledby="je-risk-title">
      <h3 id="je-risk-title">Picture of risk</h3>
      <DispositionLegend />
      <Columns title="Journals by risk score" bars={data.score_buckets} measure="journals" xTitle="risk score" />
      {months.length > 0 && <Columns title="Flagged amount by month" bars={months} measure="amount" xTitle="month of effective date" />}
      {data.users.length > 0 && <Rows title="Flagged amount by user" bars={data.users} />}
      <details>
        <summary className="small">The figures as a table</summary>
        <table className="je-risk-table">
          <caption>Flagged journals and amounts by disposition</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              {DISPOSITIONS.map((d) => (
                <th key={d} scope="col">
                  {DISPOSITION_STYLE[d].label}
                </th>
              ))}
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {[...data.score_buckets.map((b) => ({ ...b, label: `Score ${b.label}` })), ...months, ...data.users].map((bar) => (
              <tr key={bar.label}>
                <th scope="row">{bar.label}</th>
                {DISPOSITIONS.map((d) => {
                  const share = bar.by_disposition.find((s) => s.disposition === d)
                  return <td key={d}>{share && share.journals ? `${share.journals} · ${formatAmount(share.amount)}` : ''}</td>
                })}
                <td>
                  {bar.journals} · {formatAmount(bar.amount)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  )
}
