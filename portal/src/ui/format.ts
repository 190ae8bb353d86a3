/** Display formats. Amounts arrive as exact decimal strings and are formatted as text, never as floats. */

/** "1234567.5" -> "1,234,567.50"; negatives in parentheses, as on a lead sheet. */
export function formatAmount(value: string | number | null | undefined, decimals = 2): string {
  if (value === null || value === undefined || value === '') return ''
  const text = typeof value === 'number' ? value.toFixed(decimals) : value.trim()
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text)
  if (!match) return text
  const [, sign, whole, fraction = ''] = match
  const digits = (whole || '0').replace(/^0+(?=\d)/, '')
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const frac = decimals > 0 ? '.' + (fraction + '0'.repeat(decimals)).slice(0, decimals) : ''
  const isZero = /^0*$/.test(digits) && /^0*$/.test(fraction)
  return sign === '-' && !isZero ? `(${grouped}${frac})` : `${grouped}${frac}`
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : value.toLocaleString('en-US')
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return ''
  return value.slice(0, 10)
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return ''
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return value
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })
}

export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined) return ''
  return `${(fraction * 100).toFixed(digits)}%`
}

/** snake_case codes as words: "round_amount" -> "Round amount". */
export function humanize(code: string | null | undefined): string {
  if (!code) return ''
  const words = code.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return ''
  const units = ['B', 'KB', 'MB', 'GB']
  let size = bytes
  let unit = 0
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024
    unit += 1
  }
  return `${unit === 0 ? size : size.toFixed(1)} ${units[unit]}`
}
