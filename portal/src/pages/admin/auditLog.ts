/** The audit log screen's filters as the address keeps them, and what the API is asked. */
import type { operations } from '../../api/schema'

export type AuditQuery = NonNullable<operations['list_audit_log']['parameters']['query']>

export const AUDIT_FILTERS = [
  { param: 'actor', label: 'Actor (user id)' },
  { param: 'action', label: 'Action (or its start)' },
  { param: 'target', label: 'Target (id or type)' },
  { param: 'date_from', label: 'From', type: 'date' },
  { param: 'date_to', label: 'To', type: 'date' },
] as const

export type AuditFilter = (typeof AUDIT_FILTERS)[number]['param']
export type AuditFilters = Partial<Record<AuditFilter, string>>

export function auditFiltersFrom(search: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {}
  for (const { param } of AUDIT_FILTERS) {
    const value = search.get(param)?.trim()
    if (value) filters[param] = value
  }
  return filters
}

export function auditSearchOf(filters: AuditFilters): URLSearchParams {
  const search = new URLSearchParams()
  for (const { param } of AUDIT_FILTERS) if (filters[param]?.trim()) search.set(param, (filters[param] as string).trim())
  return search
}

export function auditQuery(filters: AuditFilters, page: number, pageSize: number): AuditQuery {
  return { page, page_size: pageSize, ...filters }
}

export function auditFilterProblem(filters: AuditFilters): string | null {
  if (filters.date_from && filters.date_to && filters.date_to < filters.date_from) return '“To” is before “From”.'
  return null
}

/** A record's data for people: "engagement_id: …, filename: gl.csv" (keys in order, values shortened). */
export function dataSummary(data: Record<string, unknown>): string {
  return Object.entries(data)
    .map(([key, value]) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value)
      return `${key}: ${text.length > 60 ? `${text.slice(0, 59)}…` : text}`
    })
    .join(', ')
}
