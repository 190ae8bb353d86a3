import { describe, expect, it } from 'vitest'
import { closingOf, coverageText, createBody, draftProblems, emptyDraft, nextSteps, replyProblems, updateBody } from './confirmations'
import { confirmation, summaryLine } from './confirmations.fixtures'

describe('confirmation rules in the portal', () => {
  it('says what closing asks for, as the API decides it', () => {
    expect(closingOf(confirmation({ status: 'received', exception: true }))).toBe('resolution')
    expect(closingOf(confirmation({ status: 'received' }))).toBe('agreed')
    expect(closingOf(confirmation({ status: 'second_request_sent' }))).toBe('alternative')
    expect(closingOf(confirmation({ status: 'sent', form: 'negative' }))).toBe('negative_no_reply')
    expect(closingOf(confirmation({ status: 'draft' }))).toBeNull()
    expect(closingOf(confirmation({ status: 'closed' }))).toBeNull()
    expect(nextSteps(confirmation())).toEqual({ edit: true, send: true, reply: false, close: false })
    expect(nextSteps(confirmation({ status: 'sent' }))).toEqual({ edit: true, send: false, reply: true, close: true })
    expect(nextSteps(confirmation({ status: 'no_reply_alternative' }))).toEqual({ edit: false, send: false, reply: false, close: false })
  })

  it('checks a request before sending it', () => {
    expect(draftProblems(emptyDraft())).toEqual(['Name the confirming party.', 'Give the amount per books, or the trial balance account to read it from.'])
    expect(draftProblems({ ...emptyDraft(), kind: 'legal', party_name: 'Dewey' })).toEqual([])
    expect(draftProblems({ ...emptyDraft(), party_name: 'X', amount_per_books: '12,5x' })).toEqual(['The amount per books "12,5x" is not an amount like 1234.56.'])
    expect(draftProblems({ ...emptyDraft(), kind: 'payable', blank: true, party_name: 'X', account_number: '2000' })).toEqual([
      'Only a positive receivable request may be blank.',
    ])
    expect(draftProblems({ ...emptyDraft(), party_name: 'X', amount_per_books: '1,234.56', party_email: 'nope' })).toEqual(['"nope" is not an e-mail address.'])
  })

  it('sends only what was filled in, and only what changed', () => {
    expect(createBody({ ...emptyDraft(), party_name: ' Northwind ', amount_per_books: '1,234.50', account_number: '1100' })).toEqual({
      kind: 'receivable',
      form: 'positive',
      blank: false,
      party_name: 'Northwind',
      account_number: '1100',
      amount_per_books: '1234.50',
    })
    const before = confirmation({ party_contact: 'AP desk' })
    expect(updateBody(before, { ...emptyDraft(), party_name: 'Northwind Traders', account_number: '1100', amount_per_books: '3,000' })).toEqual({
      party_contact: null,
    })
    expect(updateBody(before, { ...emptyDraft(), party_name: 'Northwind Traders', party_contact: 'AP desk', account_number: '1000', amount_per_books: '2500' })).toEqual({
      account_number: '1000',
      amount_per_books: '2500',
    })
  })

  it('checks a reply and shows coverage', () => {
    const sent = confirmation({ status: 'sent', sent_date: '2027-01-10' })
    expect(replyProblems(sent, { received_date: '2027-01-09', response_amount: '', exception: 'auto' })).toEqual([
      'The reply cannot be received before the request was sent (2027-01-10).',
      'Give the amount the party stated.',
    ])
    expect(replyProblems({ ...sent, kind: 'legal' }, { received_date: '2027-01-20', response_amount: '', exception: 'auto' })).toEqual([])
    const line = summaryLine()
    expect(coverageText(line)).toBe('42.86%')
    expect(coverageText({ ...line, coverage_percent: null })).toBe('–')
  })
})
