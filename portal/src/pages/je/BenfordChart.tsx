import { chartGeometry, type ChartBin } from './benfordChart'

const LABEL = 'Benford chart: observed against expected'

/** Observed shares as bars (flagged bins in the warning colour), expected Benford shares as a line with markers. */
export function BenfordChart({ bins, xTitle, width = 640, height = 300 }: { bins: readonly ChartBin[]; xTitle: string; width?: number; height?: number }) {
  const g = chartGeometry(bins, width, height)
  const markerRadius = bins.length > 30 ? 1.6 : 3
  return (
    <figure className="je-chart">
      <svg role="img" aria-label={LABEL} viewBox={`0 0 ${g.width} ${g.height}`} width="100%" preserveAspectRatio="xMidYMid meet">
        <title>{LABEL}</title>
        <g className="je-chart-grid">
          {g.yTicks.map((tick) => (
            <g key={tick.value}>
              <line x1={g.plot.left} x2={g.plot.right} y1={tick.y} y2={tick.y} />
              <text x={g.plot.left - 6} y={tick.y} dy="0.32em" textAnchor="end">
                {tick.label}
              </text>
            </g>
          ))}
        </g>
        <g className="je-chart-bars">
          {g.bars.map((bar) => (
            <rect
              key={bar.digits}
              data-digits={bar.digits}
              data-flagged={bar.flagged ? 'true' : 'false'}
              className={bar.flagged ? 'je-bar je-bar-flagged' : 'je-bar'}
              x={bar.x}
              y={bar.y}
              width={bar.width}
              height={Math.max(0, bar.height)}
            >
              <title>{`${bar.digits}${bar.flagged ? ' (flagged)' : ''}`}</title>
            </rect>
          ))}
        </g>
        <path className="je-chart-expected" d={g.expectedPath} fill="none" />
        <g className="je-chart-markers">
          {g.expected.map((point) => (
            <circle key={point.digits} cx={point.x} cy={point.y} r={markerRadius} />
          ))}
        </g>
        <g className="je-chart-axis">
          <line x1={g.plot.left} x2={g.plot.right} y1={g.plot.bottom} y2={g.plot.bottom} />
          <line x1={g.plot.left} x2={g.plot.left} y1={g.plot.top} y2={g.plot.bottom} />
          {g.xLabels.map((label) => (
            <text key={label.label} x={label.x} y={g.plot.bottom + 14} textAnchor="middle">
              {label.label}
            </text>
          ))}
          <text x={(g.plot.left + g.plot.right) / 2} y={g.height - 6} textAnchor="middle" className="je-chart-title">
            {xTitle}
          </text>
          <text transform={`translate(12 ${(g.plot.top + g.plot.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="je-chart-title">
            Share of amounts
          </text>
        </g>
      </svg>
      <figcaption className="je-legend">
        <span>
          <span className="je-swatch je-swatch-observed" aria-hidden="true" /> Observed
        </span>
        <span>
          <span className="je-swatch je-swatch-flagged" aria-hidden="true" /> Observed, flagged (|z| &gt; 1.96)
        </span>
        <span>
          <span className="je-swatch je-swatch-expected" aria-hidden="true" /> Expected (Benford)
        </span>
      </figcaption>
    </figure>
  )
}
