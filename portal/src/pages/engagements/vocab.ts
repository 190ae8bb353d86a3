/**
 * The words of engagements and roles as the API defines them (functions/engagement/schemas.py,
 * shared/auth/permissions.py), with the labels people read. The `satisfies Record<…>` checks keep
 * every list complete against the generated API types.
 */
import type { components } from '../../api/schema'

type Schemas = components['schemas']
export type Status = Schemas['EngagementRead']['status']
export type EngagementType = Schemas['EngagementRead']['engagement_type']
export type Framework = Schemas['EngagementRead']['framework']
export type TeamRole = Schemas['MemberCreate']['role']
export type UserRole = Schemas['RolesUpdate']['roles'][number]
export type EntityType = Schemas['ClientRead']['entity_type']

/** The codes of a label map, in its order. */
const codes = <K extends string>(labels: Record<K, string>) => Object.keys(labels) as K[]

export const STATUS_LABELS = {
  draft: 'Draft',
  planning: 'Planning',
  fieldwork: 'Fieldwork',
  review: 'Review',
  finalized: 'Finalized',
} as const satisfies Record<Status, string>
/** The lifecycle in order (docs/audit-rules.md section 2). */
export const STATUSES = codes(STATUS_LABELS)

export const TYPE_LABELS = {
  audit: 'Audit',
  review: 'Review',
  compilation: 'Compilation',
  agreed_upon_procedures: 'Agreed-upon procedures',
} as const satisfies Record<EngagementType, string>
export const TYPES = codes(TYPE_LABELS)

export const FRAMEWORK_LABELS = {
  us_gaap: 'US GAAP',
  ifrs: 'IFRS',
  tax_basis: 'Tax basis',
  cash_basis: 'Cash basis',
} as const satisfies Record<Framework, string>
export const FRAMEWORKS = codes(FRAMEWORK_LABELS)

export const TEAM_ROLE_LABELS = {
  partner: 'Partner',
  manager: 'Manager',
  senior: 'Senior',
  staff: 'Staff',
  qc_reviewer: 'QC reviewer',
} as const satisfies Record<TeamRole, string>
export const TEAM_ROLES = codes(TEAM_ROLE_LABELS)

export const ENTITY_TYPE_LABELS = {
  non_issuer: 'Non-issuer',
  issuer: 'Issuer',
} as const satisfies Record<EntityType, string>
export const ENTITY_TYPES = codes(ENTITY_TYPE_LABELS)

export const FIRM_ROLE_LABELS = {
  firm_admin: 'Firm admin',
  partner: 'Partner',
  manager: 'Manager',
  senior: 'Senior',
  staff: 'Staff',
  qc_reviewer: 'QC reviewer',
} as const
export const CLIENT_ROLE_LABELS = {
  client_admin: 'Client admin',
  client_user: 'Client user',
} as const
export const USER_ROLE_LABELS = { ...FIRM_ROLE_LABELS, ...CLIENT_ROLE_LABELS } satisfies Record<UserRole, string>
export const FIRM_ROLES: UserRole[] = codes(FIRM_ROLE_LABELS)
export const CLIENT_ROLES: UserRole[] = codes(CLIENT_ROLE_LABELS)
export const isClientRole = (role: string) => role === 'client_admin' || role === 'client_user'

export function label<K extends string>(labels: Record<K, string>, code: string | null | undefined): string {
  if (!code) return ''
  return (labels as Record<string, string>)[code] ?? code.replace(/_/g, ' ')
}

/** The moves the engagement service allows from a status: one step forward, one step back. */
export function nextSteps(status: Status): { forward: Status | null; back: Status | null } {
  if (status === 'finalized') return { forward: null, back: null }
  const index = STATUSES.indexOf(status)
  return {
    forward: STATUSES[index + 1] ?? null,
    back: index > 0 ? STATUSES[index - 1] : null,
  }
}

/** A step back needs a reason this long (MIN_BACK_STEP_REASON in functions/engagement/service.py). */
export const MIN_BACK_STEP_REASON = 10
