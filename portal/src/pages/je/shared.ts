/** What the journal-entry pages share: types, the run query (polled while it runs), codes and labels. */
import { useQuery } from '@tanstack/react-query'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import type { components } from '../../api/schema'
import { humanize } from '../../ui/format'

export type Run = components['schemas']['RunRead']
export type TestResult = components['schemas']['TestResult']
export type RunSummary = components['schemas']['RunSummary']
export type FlaggedLine = components['schemas']['FlaggedLine']
export type JournalRisk = components['schemas']['JournalRisk']
export type ExceptionSummary = components['schemas']['ExceptionSummary']
export type RunCreate = components['schemas']['RunCreate']
export type TestCode = NonNullable<RunCreate['tests']>[number]
export type Disposition = components['schemas']['DispositionUpdate']['status']

/** Every test the API knows, in catalogue order (functions/analytics/je_tests.py). */
export const TEST_CODES = [
  'unbalanced', 'sequence_gap', 'duplicate_lines', 'round_amount', 'post_dated', 'weekend_entry', 'after_hours',
  'rare_user', 'rare_account', 'backdated', 'period_end', 'post_closing', 'missing_description', 'high_amount',
  'self_approved', 'unusual_account_pair', 'suspicious_keyword', 'amount_outlier', 'isolation_forest',
] as const satisfies readonly TestCode[]

export const DISPOSITIONS = ['open', 'investigating', 'explained', 'exception', 'false_positive'] as const satisfies readonly Disposition[]

/** Dispositions that conclude on a journal: the API refuses them without a note. */
export const NEEDS_NOTE: readonly Disposition[] = ['explained', 'exception', 'false_positive']

export const isTestCode = (code: string | null | undefined): code is TestCode => TEST_CODES.includes(code as TestCode)
export const isDisposition = (value: string | null | undefined): value is Disposition => DISPOSITIONS.includes(value as Disposition)

/** A test's name for people: "round_amount" -> "Round amount". */
export const testName = (code: string) => humanize(code)

export const runKey = (engagementId: string, runId: string | undefined) => ['je-run', engagementId, runId ?? 'latest'] as const
export const runsKey = (engagementId: string) => ['je-runs', engagementId] as const
export const exceptionsKey = (engagementId: string) => ['je-exceptions', engagementId] as const
export const journalsKey = (engagementId: string, runId: string) => ['je-journals', engagementId, runId] as const

export const isActive = (status: string | undefined) => status === 'queued' || status === 'running'
/** The rule-based results are readable; the Isolation Forest and the journal ranking are still being computed. */
export const isScoring = (status: string | undefined) => status === 'scoring'

/** An ApiError of this status (and code, when given). */
export function isProblem(error: unknown, status: number, code?: string): boolean {
  return error instanceof ApiError && error.status === status && (code === undefined || error.code === code)
}

export async function fetchRun(engagementId: string, runId: string | undefined): Promise<Run> {
  if (runId) {
    return ok(api.GET('/api/engagements/{engagement_id}/je-tests/{run_id}', { params: { path: { engagement_id: engagementId, run_id: runId } } }))
  }
  return ok(api.GET('/api/engagements/{engagement_id}/je-tests', { params: { path: { engagement_id: engagementId } } }))
}

/** The run (latest when runId is undefined), polled every second while it is queued, running or scoring. */
export function useRun(engagementId: string, runId: string | undefined, interval = 1000) {
  return useQuery({
    queryKey: runKey(engagementId, runId),
    queryFn: () => fetchRun(engagementId, runId),
    refetchInterval: (query) => (isActive(query.state.data?.status) || isScoring(query.state.data?.status) ? interval : false),
  })
}

/** The run's error document as a sentence. */
export function runErrorText(error: Run['error']): string {
  if (!error) return 'The run failed.'
  const message = error.message ?? error.detail ?? error.title
  if (typeof message === 'string' && message) return message
  return JSON.stringify(error)
}

export function exportUrl(engagementId: string, runId: string, what: 'flagged_lines' | 'journals', format: 'csv' | 'xlsx'): string {
  const query = new URLSearchParams({ what, format })
  return `/api/engagements/${encodeURIComponent(engagementId)}/je-tests/${encodeURIComponent(runId)}/export?${query}`
}

/** "4000 Sales": an account's number with its name (from the chart of accounts or trial balance) when known. */
export function accountLabel(line: { account_number: string; account_name?: string | null }): string {
  return line.account_name ? `${line.account_number} ${line.account_name}` : line.account_number
}
