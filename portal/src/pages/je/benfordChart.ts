/** The geometry of the Benford chart: pure scales and shapes, drawn by BenfordChart.tsx. */

export interface ChartBin {
  digits: string
  observed: number
  expected: number
  flagged: boolean
}

export interface Margins {
  top: number
  right: number
  bottom: number
  left: number
}

export interface Bar {
  digits: string
  x: number
  y: number
  width: number
  height: number
  /** The centre of the bin on the x axis. */
  cx: number
  flagged: boolean
}

export interface Tick {
  value: number
  y: number
  label: string
}

export interface Geometry {
  width: number
  height: number
  plot: { left: number; top: number; right: number; bottom: number }
  yMax: number
  bars: Bar[]
  expected: { digits: string; x: number; y: number }[]
  /** The expected shares as one SVG path through the bin centres. */
  expectedPath: string
  yTicks: Tick[]
  xLabels: { x: number; label: string }[]
}

export const DEFAULT_MARGINS: Margins = { top: 12, right: 12, bottom: 40, left: 52 }

/** A round step for about `count` ticks up to `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 0.1
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? 10 * power
  return step
}

/** The top of the y axis: the smallest multiple of a nice step at or above the highest share. */
export function niceMax(max: number, count = 5): { max: number; step: number } {
  const step = niceStep(max, count)
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step)
  return { max: top, step }
}

/** "12.5%" with as many decimals as the step needs. */
export function percentLabel(value: number, step: number): string {
  const percentStep = step * 100
  let decimals = 0
  while (decimals < 4 && Math.abs(Math.round(percentStep * 10 ** decimals) - percentStep * 10 ** decimals) > 1e-6) decimals++
  return `${(value * 100).toFixed(decimals)}%`
}

/** Every k-th bin is labelled so that no more than `most` labels share the axis. */
export function labelEvery(bins: number, most = 20): number {
  return Math.max(1, Math.ceil(bins / most))
}

export function chartGeometry(bins: readonly ChartBin[], width = 640, height = 300, margins: Margins = DEFAULT_MARGINS): Geometry {
  const plot = { left: margins.left, top: margins.top, right: width - margins.right, bottom: height - margins.bottom }
  const plotWidth = Math.max(1, plot.right - plot.left)
  const plotHeight = Math.max(1, plot.bottom - plot.top)
  const highest = bins.reduce((m, b) => Math.max(m, b.observed, b.expected), 0)
  const { max: yMax, step } = niceMax(highest)
  const y = (share: number) => plot.bottom - (Math.max(0, share) / yMax) * plotHeight
  const slot = bins.length ? plotWidth / bins.length : plotWidth
  const barWidth = slot * 0.72
  const bars: Bar[] = bins.map((bin, i) => {
    const top = y(bin.observed)
    return {
      digits: bin.digits,
      x: plot.left + i * slot + (slot - barWidth) / 2,
      y: top,
      width: barWidth,
      height: plot.bottom - top,
      cx: plot.left + i * slot + slot / 2,
      flagged: bin.flagged,
    }
  })
  const expected = bins.map((bin, i) => ({ digits: bin.digits, x: plot.left + i * slot + slot / 2, y: y(bin.expected) }))
  const expectedPath = expected.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)},${round(p.y)}`).join(' ')
  const yTicks: Tick[] = []
  for (let k = 0; k * step <= yMax + step / 1e6; k++) {
    const value = k * step
    yTicks.push({ value, y: y(value), label: percentLabel(value, step) })
  }
  const every = labelEvery(bins.length)
  const xLabels = bins.flatMap((bin, i) => (i % every === 0 ? [{ x: plot.left + i * slot + slot / 2, label: bin.digits }] : []))
  return { width, height, plot, yMax, bars, expected, expectedPath, yTicks, xLabels }
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
