/**
 * The ledger viewer's filters as the address keeps them (?account=…&date_from=…), so a drill-down from
 * any number elsewhere (a Benford bin, an account) is a link, and the query the API is asked.
 */
import type { operations } from '../../api/schema'

export type LedgerQuery = NonNullable<operations['list_journal_entries']['parameters']['query']>

export const LEDGER_FILTERS = [
  { param: 'account', label: 'Account' },
  { param: 'date_from', label: 'From', type: 'date' },
  { param: 'date_to', label: 'To', type: 'date' },
  { param: 'user', label: 'User' },
  { param: 'amount_min', label: 'Amount from', numeric: true },
  { param: 'amount_max', label: 'Amount to', numeric: true },
  { param: 'text', label: 'Description contains' },
  { param: 'journal_id', label: 'Journal' },
] as const

/** Filters a drill-down sets that the form shows as a note rather than a field. */
export const DRILL_FILTERS = ['leading_digits', 'sign'] as const

export type LedgerFilter = (typeof LEDGER_FILTERS)[number]['param'] | (typeof DRILL_FILTERS)[number]
export type LedgerFilters = Partial<Record<LedgerFilter, string>>

const ALL: readonly LedgerFilter[] = [...LEDGER_FILTERS.map((f) => f.param), ...DRILL_FILTERS]
const AMOUNT = /^\d+(\.\d{1,2})?$/

export function filtersFrom(search: URLSearchParams): LedgerFilters {
  const filters: LedgerFilters = {}
  for (const name of ALL) {
    const value = search.get(name)?.trim()
    if (value) filters[name] = value
  }
  return filters
}

/** What is wrong with the filters before asking (the API says the same, less kindly), or null. */
export function filterProblem(filters: LedgerFilters): string | null {
  for (const name of ['amount_min', 'amount_max'] as const) {
    const value = filters[name]
    if (value && !AMOUNT.test(value)) return 'Amounts are numbers of 0 or more with up to two decimals, such as 1000 or 99.95.'
  }
  if (filters.amount_min && filters.amount_max && Number(filters.amount_max) < Number(filters.amount_min)) {
    return '“Amount to” is below “Amount from”.'
  }
  if (filters.date_from && filters.date_to && filters.date_to < filters.date_from) return '“To” is before “From”.'
  return null
}

export function searchOf(filters: LedgerFilters): URLSearchParams {
  const search = new URLSearchParams()
  for (const name of ALL) if (filters[name]?.trim()) search.set(name, (filters[name] as string).trim())
  return search
}

export function ledgerQuery(filters: LedgerFilters, page: number, pageSize: number): LedgerQuery {
  const query: LedgerQuery = { page, page_size: pageSize }
  for (const name of ALL) if (filters[name]) (query as Record<string, unknown>)[name] = filters[name]
  return query
}

/** The ledger viewer's address for these filters, from anywhere in the engagement. */
export function ledgerLink(engagementId: string, filters: LedgerFilters): string {
  const search = searchOf(filters).toString()
  return `/engagements/${engagementId}/ledger${search ? `?${search}` : ''}`
}

/** The note a drill-down's filters leave above the table ("amounts beginning 1, debits only"). */
export function drillNote(filters: LedgerFilters): string | null {
  const parts: string[] = []
  if (filters.leading_digits) parts.push(`amounts beginning with ${filters.leading_digits}`)
  if (filters.sign === 'positive') parts.push('debits only')
  if (filters.sign === 'negative') parts.push('credits only')
  return parts.length ? parts.join(', ') : null
}

/** The export of the lines these filters select (every page), as CSV or XLSX. */
export function ledgerExportUrl(engagementId: string, filters: LedgerFilters, format: 'csv' | 'xlsx'): string {
  const search = searchOf(filters)
  search.set('format', format)
  return `/api/engagements/${encodeURIComponent(engagementId)}/ledger/export?${search}`
}

/** The address of a dataset version's original file. */
export function originalFileUrl(engagementId: string, datasetId: string): string {
  return `/api/engagements/${encodeURIComponent(engagementId)}/datasets/${encodeURIComponent(datasetId)}/original`
}
