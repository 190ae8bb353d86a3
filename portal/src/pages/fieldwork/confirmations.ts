/** Confirmations: the words, the checks a form makes before sending, and what each request allows next. */
import type { components } from '../../api/schema'

export type Confirmation = components['schemas']['ConfirmationRead']
export type ConfirmationCreate = components['schemas']['ConfirmationCreate']
export type ConfirmationUpdate = components['schemas']['ConfirmationUpdate']
export type AccountSummary = components['schemas']['ConfirmationAccountSummary']
export type Kind = Confirmation['kind']
export type Status = Confirmation['status']

export const KINDS: [Kind, string][] = [
  ['bank', 'Bank'],
  ['receivable', 'Receivable'],
  ['payable', 'Payable'],
  ['legal', 'Legal (attorney)'],
  ['debt', 'Debt'],
]

export const STATUSES: [Status, string][] = [
  ['draft', 'Draft'],
  ['sent', 'Sent'],
  ['second_request_sent', 'Second request sent'],
  ['received', 'Reply received'],
  ['closed', 'Closed'],
  ['closed_with_exception', 'Closed with exception'],
  ['no_reply_alternative', 'No reply: alternative procedures'],
]

export const kindLabel = (kind: string) => KINDS.find(([k]) => k === kind)?.[1] ?? kind
export const statusLabel = (status: string) => STATUSES.find(([s]) => s === status)?.[1] ?? status

const AWAITING: Status[] = ['sent', 'second_request_sent']
const FINISHED: Status[] = ['closed', 'closed_with_exception', 'no_reply_alternative']

/** What closing a request asks for: nothing (agreed, or a negative without a reply), a resolution, or alternative procedures. */
export type Closing = 'agreed' | 'resolution' | 'alternative' | 'negative_no_reply'

export function closingOf(c: Confirmation): Closing | null {
  if (c.status === 'received') return c.exception ? 'resolution' : 'agreed'
  if (AWAITING.includes(c.status)) return c.form === 'positive' ? 'alternative' : 'negative_no_reply'
  return null
}

/** The next steps a request allows, for someone who may prepare confirmations. */
export function nextSteps(c: Confirmation): { edit: boolean; send: boolean; reply: boolean; close: boolean } {
  return {
    edit: !FINISHED.includes(c.status),
    send: c.status === 'draft',
    reply: AWAITING.includes(c.status),
    close: closingOf(c) !== null,
  }
}

const AMOUNT = /^-?\d{1,18}(\.\d{1,2})?$/
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

export interface Draft {
  kind: Kind
  form: 'positive' | 'negative'
  blank: boolean
  party_name: string
  party_contact: string
  party_address: string
  party_email: string
  account_number: string
  client_account_ref: string
  amount_per_books: string
}

export const emptyDraft = (): Draft => ({
  kind: 'receivable',
  form: 'positive',
  blank: false,
  party_name: '',
  party_contact: '',
  party_address: '',
  party_email: '',
  account_number: '',
  client_account_ref: '',
  amount_per_books: '',
})

export function draftOf(c: Confirmation): Draft {
  return {
    kind: c.kind,
    form: c.form,
    blank: c.blank,
    party_name: c.party_name,
    party_contact: c.party_contact ?? '',
    party_address: c.party_address ?? '',
    party_email: c.party_email ?? '',
    account_number: c.account_number ?? '',
    client_account_ref: c.client_account_ref ?? '',
    amount_per_books: c.amount_per_books ?? '',
  }
}

/** What the request form finds wrong before sending (the API checks again, and more). */
export function draftProblems(d: Draft): string[] {
  const problems: string[] = []
  if (!d.party_name.trim()) problems.push('Name the confirming party.')
  const amount = d.amount_per_books.trim().replace(/,/g, '')
  if (amount && !AMOUNT.test(amount)) problems.push(`The amount per books "${d.amount_per_books}" is not an amount like 1234.56.`)
  if (!amount && !d.account_number.trim() && d.kind !== 'legal') problems.push('Give the amount per books, or the trial balance account to read it from.')
  if (d.party_email.trim() && !EMAIL.test(d.party_email.trim())) problems.push(`"${d.party_email}" is not an e-mail address.`)
  if (d.blank && (d.kind !== 'receivable' || d.form !== 'positive')) problems.push('Only a positive receivable request may be blank.')
  return problems
}

const orNull = (text: string) => (text.trim() ? text.trim() : null)

/** The create body: empty fields left out, the amount without its thousands separators. */
export function createBody(d: Draft): ConfirmationCreate {
  const body: Partial<ConfirmationCreate> = { kind: d.kind, form: d.form, blank: d.blank, party_name: d.party_name.trim() }
  const optional = {
    party_contact: orNull(d.party_contact),
    party_address: orNull(d.party_address),
    party_email: orNull(d.party_email),
    account_number: orNull(d.account_number),
    client_account_ref: orNull(d.client_account_ref),
    amount_per_books: orNull(d.amount_per_books.replace(/,/g, '')),
  }
  for (const [name, value] of Object.entries(optional)) if (value !== null) Object.assign(body, { [name]: value })
  // The generated type lists every field with a default as required; the API takes them left out.
  return body as ConfirmationCreate
}

/** The PATCH body: only what changed from the request as it is. */
export function updateBody(before: Confirmation, d: Draft): ConfirmationUpdate {
  const was = draftOf(before)
  const body: Partial<ConfirmationUpdate> = {}
  if (d.form !== was.form) body.form = d.form
  if (d.blank !== was.blank) body.blank = d.blank
  if (d.party_name.trim() !== was.party_name) body.party_name = d.party_name.trim()
  for (const name of ['party_contact', 'party_address', 'party_email', 'account_number', 'client_account_ref'] as const) {
    if (d[name].trim() !== was[name]) body[name] = orNull(d[name])
  }
  const amount = d.amount_per_books.replace(/,/g, '').trim()
  if (amount !== was.amount_per_books && !(amount && was.amount_per_books && Number(amount) === Number(was.amount_per_books))) {
    body.amount_per_books = amount || null
  }
  return body as ConfirmationUpdate
}

export interface ReplyDraft {
  received_date: string
  response_amount: string
  exception: 'auto' | 'yes' | 'no'
}

export function replyProblems(c: Confirmation, r: ReplyDraft): string[] {
  const problems: string[] = []
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.received_date)) problems.push('Give the date the reply was received.')
  else if (c.sent_date && r.received_date < c.sent_date) problems.push(`The reply cannot be received before the request was sent (${c.sent_date}).`)
  const amount = r.response_amount.replace(/,/g, '').trim()
  if (!amount && c.kind !== 'legal') problems.push('Give the amount the party stated.')
  if (amount && !AMOUNT.test(amount)) problems.push(`The response amount "${r.response_amount}" is not an amount like 1234.56.`)
  return problems
}

/** Coverage as the summary shows it: "42.86%", or a dash when the balance gives none. */
export function coverageText(line: AccountSummary): string {
  return line.coverage_percent === null ? '–' : `${line.coverage_percent}%`
}
