/**
 * The auditor's report as the page handles it: the opinion choices (a modified opinion needs its
 * basis), the draft's request body, where a report is in its life (draft, approved, signed) and the
 * words for a refused signature. The report's text and PDF are the API's.
 */
import { ApiError } from '../../api/errors'
import type { components } from '../../api/schema'
import { formatDateTime } from '../../ui/format'

type Schemas = components['schemas']
export type ReportRead = Schemas['ReportRead']
export type ReportCreate = Schemas['ReportCreate']
export type SignResult = Schemas['SignatureRead']
export type Verification = Schemas['VerificationRead']
export type Opinion = ReportRead['opinion']
export type Standards = ReportRead['standards']
export type ReportStatus = ReportRead['status']

export const OPINIONS: readonly Opinion[] = ['unmodified', 'qualified', 'adverse', 'disclaimer']
export const OPINION_LABELS: Record<Opinion, string> = {
  unmodified: 'Unmodified (clean)',
  qualified: 'Qualified',
  adverse: 'Adverse',
  disclaimer: 'Disclaimer of opinion',
}
export const OPINION_HINTS: Record<Opinion, string> = {
  unmodified: 'The statements are presented fairly in all material respects.',
  qualified: 'Fairly presented except for a matter that is material but not pervasive.',
  adverse: 'Misstatements are material and pervasive: the statements are not fairly presented.',
  disclaimer: 'Sufficient appropriate evidence could not be obtained; no opinion is expressed.',
}
export const STANDARDS_LABELS: Record<Standards, string> = {
  aicpa: 'AICPA (AU-C 700, non-issuers)',
  pcaob: 'PCAOB (AS 3101, issuers)',
}

export interface DraftForm {
  opinion: Opinion
  basis: string
  emphasis: string
  reportDate: string
  standards: '' | Standards
}

export const emptyDraft = (from?: ReportRead | null): DraftForm => ({
  opinion: from?.opinion ?? 'unmodified',
  basis: from?.basis_for_modification ?? '',
  emphasis: from?.emphasis_of_matter ?? '',
  reportDate: from?.report_date ?? '',
  standards: from?.standards ?? '',
})

export const isModified = (opinion: Opinion) => opinion !== 'unmodified'

/** The body to POST, or the problems to fix first. */
export function draftBody(form: DraftForm): { body: ReportCreate } | { problems: string[] } {
  const problems: string[] = []
  const basis = form.basis.trim()
  const emphasis = form.emphasis.trim()
  if (isModified(form.opinion) && !basis) {
    problems.push(`A ${OPINION_LABELS[form.opinion].toLowerCase()} opinion needs its basis for modification: say what the matter is and its effect.`)
  }
  if (!isModified(form.opinion) && basis) {
    problems.push('An unmodified opinion has no basis for modification: clear that field or choose a modified opinion.')
  }
  if (form.reportDate && !/^\d{4}-\d{2}-\d{2}$/.test(form.reportDate)) problems.push('The report date is not a date.')
  if (problems.length) return { problems }
  // What is left blank goes as null: the API takes today's date and the client's standards.
  const body: ReportCreate = {
    opinion: form.opinion,
    basis_for_modification: basis || null,
    emphasis_of_matter: emphasis || null,
    report_date: form.reportDate || null,
    standards: form.standards || null,
  }
  return { body }
}

/** The newest version first. */
export const newestFirst = (reports: readonly ReportRead[]) => [...reports].sort((a, b) => b.version - a.version)

/** What happens next to a report, for the page's one line of guidance. */
export function nextStep(report: ReportRead, locked: boolean): string {
  if (locked) return 'The engagement is finalized: this report is stored write-once.'
  switch (report.status) {
    case 'draft':
      return 'Next: a manager or partner on the team approves it.'
    case 'approved':
      return 'Next: the engagement partner signs it with their password.'
    case 'signed':
      return 'Signed. Next: the partner finalizes the engagement, which stores the PDF write-once.'
    case 'superseded':
      return 'Superseded: a later draft or a step back of the engagement replaced this version; it no longer counts.'
    default:
      return ''
  }
}

// 401 codes that mean the session's token, not the password typed: those are refreshed, not shown.
export const TOKEN_CODES = new Set(['missing_token', 'invalid_token', 'token_expired', 'session_ended'])

/** What a refused signature means to the partner. */
export function signRefusal(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null
  if (error.status === 401) return 'That password is not right, so the report was not signed. Too many wrong passwords lock the account.'
  if (error.status === 429) return `Too many wrong passwords: the report was not signed. ${error.message}`
  if (error.status === 403) return 'Only the engagement partner on the team can sign the report.'
  if (error.status === 409) return error.message
  return null
}

/** "ab12…" digests shown whole but breakable, in groups of eight. */
export const groupedDigest = (sha256: string) => sha256.replace(/(.{8})(?=.)/g, '$1 ')

/** Whether the report's approval (approved) or signature (signed) is older than the file: the API says so. */
export const isStale = (report: ReportRead) => Boolean(report.stale?.stale) && (report.status === 'approved' || report.status === 'signed')

/**
 * Why an approved or signed report no longer describes the file, and what to do: the API's reason ("The
 * report was signed before an account's mapping was set; draft, approve and sign it again") as a sentence.
 */
export function staleText(report: ReportRead): string | null {
  if (!isStale(report)) return null
  const what = report.status === 'signed' ? 'signature' : 'approval'
  const reason = (report.stale.reason ?? `something the report shows changed after the ${what}`).replace(/;\s*draft, approve and sign it again\.?$/, '')
  const lowered = reason.charAt(0).toLowerCase() + reason.slice(1)
  return `The ${what} is older than the file: ${lowered}. Draft the report again, then approve and sign the new version.`
}

/** What a superseded version had been: "was signed by X on Y, digest Z" (or approved by), or null for a draft. */
export function supersededText(report: ReportRead, nameOf: (id: string | null | undefined) => string): string | null {
  if (report.status !== 'superseded') return null
  if (report.signed_at && report.sha256) {
    return `Version ${report.version} was signed by ${nameOf(report.signed_by) || 'the partner'} on ${formatDateTime(report.signed_at)}, digest ${report.sha256}. It no longer counts; its signed PDF is kept.`
  }
  if (report.approved_at) {
    return `Version ${report.version} was approved by ${nameOf(report.approved_by) || 'a manager or partner'} on ${formatDateTime(report.approved_at)}. It no longer counts.`
  }
  return null
}
