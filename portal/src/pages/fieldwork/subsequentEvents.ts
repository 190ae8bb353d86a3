/**
 * The subsequent events register as the page shows it: what each type means, what an event led to
 * (its adjusting entry or its disclosure), and what the add form needs before it is sent. The rules
 * that decide (the date after the balance-sheet date, a balanced entry, what resolving needs) are the
 * API's too; the form only saves a round trip for what is plainly missing.
 */
import type { components } from '../../api/schema'
import { formatAmount } from '../../ui/format'

export type SubsequentEvent = components['schemas']['SubsequentEventRead']
export type Register = components['schemas']['SubsequentEventsRead']
export type EventCreate = components['schemas']['SubsequentEventCreate']
export type EventUpdate = components['schemas']['SubsequentEventUpdate']
export type LedgerReview = components['schemas']['LedgerReviewRead']
export type LedgerLine = components['schemas']['LedgerLineRead']
export type EventType = EventCreate['event_type']
export type Source = EventCreate['source']

export const TYPE_LABELS: Record<EventType, string> = {
  recognized: 'Type I: adjust',
  nonrecognized: 'Type II: disclose',
}

export const SOURCES: ReadonlyArray<readonly [Source, string]> = [
  ['inquiry', 'Inquiry of management'],
  ['minutes', 'Minutes'],
  ['ledger_review', 'Ledger review'],
  ['legal_letter', 'Legal letter'],
  ['other', 'Other'],
]

export interface EventForm {
  event_date: string
  description: string
  event_type: EventType
  amount: string
  source: Source
  disclosure: string
  debit_account: string
  credit_account: string
  entry_amount: string
}

export const EMPTY_FORM: EventForm = {
  event_date: '',
  description: '',
  event_type: 'recognized',
  amount: '',
  source: 'inquiry',
  disclosure: '',
  debit_account: '',
  credit_account: '',
  entry_amount: '',
}

const AMOUNT = /^-?\d+(\.\d{1,2})?$/

function wantsEntry(form: EventForm): boolean {
  return form.event_type === 'recognized' && [form.debit_account, form.credit_account, form.entry_amount].some((v) => v.trim() !== '')
}

/** What stops the form being sent, in the order of the fields. */
export function eventProblems(form: EventForm, periodEnd: string): string[] {
  const problems: string[] = []
  if (!form.event_date) problems.push('Date: give the date of the event.')
  else if (form.event_date <= periodEnd) problems.push(`Date: an event after the balance-sheet date ${periodEnd}.`)
  if (!form.description.trim()) problems.push('Description: say what happened.')
  if (form.amount.trim() && !AMOUNT.test(form.amount.trim())) problems.push('Amount: a number with at most 2 decimals.')
  if (wantsEntry(form)) {
    if (!form.debit_account.trim() || !form.credit_account.trim()) problems.push('Adjusting entry: give the account to debit and the account to credit.')
    else if (form.debit_account.trim() === form.credit_account.trim()) problems.push('Adjusting entry: debit and credit different accounts.')
    const amount = form.entry_amount.trim()
    if (!AMOUNT.test(amount) || Number(amount) <= 0) problems.push('Adjusting entry: an amount above 0 with at most 2 decimals.')
  }
  return problems
}

/** The request body for the form (a Type I event with an entry proposes it; a Type II one carries its disclosure). */
export function createBody(form: EventForm): EventCreate {
  const entryAmount = form.entry_amount.trim()
  return {
    event_date: form.event_date,
    description: form.description.trim(),
    event_type: form.event_type,
    amount: form.amount.trim() || null,
    source: form.source,
    status: 'open',
    disclosure: form.event_type === 'nonrecognized' && form.disclosure.trim() ? form.disclosure.trim() : null,
    adjustment: wantsEntry(form)
      ? {
          lines: [
            { account_number: form.debit_account.trim(), debit: entryAmount, credit: '0' },
            { account_number: form.credit_account.trim(), debit: '0', credit: entryAmount },
          ],
        }
      : null,
    adjustment_id: null,
  }
}

/** What the event led to, in words. */
export function outcomeText(event: Pick<SubsequentEvent, 'event_type' | 'adjustment' | 'disclosure'>): string {
  if (event.event_type === 'recognized') {
    return event.adjustment
      ? `Adjusting entry ${event.adjustment.number} (${event.adjustment.kind}), ${formatAmount(event.adjustment.amount)}`
      : 'No adjusting entry linked yet'
  }
  return event.disclosure ? `Disclosed: ${event.disclosure}` : 'No disclosure written yet'
}

/** The line QC's subsequent-events policy reads, as the page says it. */
export function reviewedThroughText(register: Pick<Register, 'review'>): string {
  return register.review
    ? `The subsequent events review was done through ${register.review.reviewed_through}.`
    : 'The date the subsequent events review was done through is not recorded yet.'
}

/** A new event's fields prefilled from a next-period ledger line the auditor says led to one. */
export function formFromLine(line: LedgerLine): EventForm {
  const words = line.description ?? `Journal ${line.journal_id} on account ${line.account_number}`
  return { ...EMPTY_FORM, event_date: line.effective_date, description: words, source: 'ledger_review', amount: line.amount }
}
