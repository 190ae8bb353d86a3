/**
 * The PBC list's wording and rules as the portal shows them. The API decides (status flow, overdue,
 * who may do what); these only label, order and pre-check what the API will check again.
 */
import type { components } from '../../api/schema'

export type RequestRead = components['schemas']['RequestRead']
export type RequestDetail = components['schemas']['RequestDetail']
export type RequestSummary = components['schemas']['RequestSummary']
export type RequestStatus = RequestRead['status']

export const STATUS_LABELS: Record<RequestStatus, string> = {
  open: 'Open',
  submitted: 'Submitted, waiting for acceptance',
  accepted: 'Accepted',
  returned: 'Returned',
}

/** Words a client reads about their own request (the team's view says the same, from its side). */
export function statusLabel(status: RequestStatus, isClient: boolean): string {
  if (!isClient) return STATUS_LABELS[status]
  return { open: 'To send', submitted: 'Sent, with the audit team', accepted: 'Accepted', returned: 'Returned to you' }[status]
}

/** The API's rule (functions/client_requests/pbc.py): at least three words, for the client to act on. */
export const MIN_REASON_WORDS = 3

export function reasonProblem(reason: string): string | null {
  const words = reason.trim().split(/\s+/).filter(Boolean).length
  return words < MIN_REASON_WORDS ? `Say what is wrong in at least ${MIN_REASON_WORDS} words, for the client to act on.` : null
}

/** Whether the client may still send files against it (the API answers 409 request_closed otherwise). */
export const mayStillSend = (r: Pick<RequestRead, 'status'>) => r.status !== 'accepted'

/** Whether the team may accept or return it now: only what the client submitted. */
export const awaitsDecision = (r: Pick<RequestRead, 'status'>) => r.status === 'submitted'

/** Overdue first, then soonest due, then the rest by due date: the order a PBC list is worked in. */
export function byUrgency(a: RequestRead, b: RequestRead): number {
  const rank = (r: RequestRead) => (r.overdue ? 0 : r.status === 'accepted' ? 2 : 1)
  return rank(a) - rank(b) || a.due_date.localeCompare(b.due_date) || a.title.localeCompare(b.title)
}

/** One line for a dashboard: what is overdue and what waits for the team. */
export function summaryLine(summary: RequestSummary | undefined): string {
  if (!summary) return ''
  if (summary.total === 0) return 'No client requests.'
  return `${summary.overdue} overdue · ${summary.submitted} waiting for acceptance · ${summary.open} waiting on the client · ${summary.accepted} accepted`
}
