/**
 * The related parties register as the page shows it: what a new party's form must hold before it is
 * sent, the words for relationships and red flags, and one sentence for a search and for a party's
 * disclosure. The totals and the flags are the API's; nothing here re-decides them.
 */
import type { components } from '../../api/schema'
import { formatAmount, humanize } from '../../ui/format'

export type Party = components['schemas']['RelatedPartyRead']
export type PartyCreate = components['schemas']['RelatedPartyCreate']
export type PartyUpdate = components['schemas']['RelatedPartyUpdate']
/** The search's parameters all have defaults (threshold 88, 5 days, round base 1,000): an empty body uses them. */
export type PartySearch = components['schemas']['RelatedPartySearch']
export type Relationship = PartyCreate['relationship']
export type Transaction = components['schemas']['RelatedPartyTransactionRead']
export type Flag = Transaction['flags'][number]
export type Scan = components['schemas']['RelatedPartySearchRead']

export const RELATIONSHIPS: readonly [Relationship, string][] = [
  ['parent', 'Parent'],
  ['subsidiary', 'Subsidiary'],
  ['affiliate', 'Affiliate'],
  ['key_management', 'Key management'],
  ['board_member', 'Board member'],
  ['family_of_key_management', 'Family of key management'],
  ['owner', 'Owner'],
  ['other', 'Other'],
]

export const FLAG_LABELS: Record<Flag, string> = {
  round_amount: 'Round amount',
  near_period_end: 'Near period end',
  no_business_purpose: 'No business purpose noted',
}

export function relationshipLabel(code: string): string {
  return RELATIONSHIPS.find(([value]) => value === code)?.[1] ?? humanize(code)
}

/** "Smyth Holdings, SH LLC" -> the trimmed, non-empty names, each once. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[,;\n]/).map((part) => part.trim()).filter(Boolean))]
}

export interface PartyForm {
  name: string
  aliases: string
  relationship: Relationship | ''
  ownership: string
  identifiedHow: string
  accounts: string
  relationshipDisclosed: boolean
  transactionsDisclosed: boolean
}

export const EMPTY_PARTY: PartyForm = {
  name: '',
  aliases: '',
  relationship: '',
  ownership: '',
  identifiedHow: '',
  accounts: '',
  relationshipDisclosed: false,
  transactionsDisclosed: false,
}

/** What the form lacks, in words; an empty list when it may be sent. */
export function partyProblems(form: PartyForm): string[] {
  const problems: string[] = []
  if (!form.name.trim()) problems.push('Give the party a name.')
  if (!form.relationship) problems.push('Choose how the party is related.')
  const ownership = form.ownership.trim()
  if (ownership && !(/^\d+(\.\d{1,2})?$/.test(ownership) && Number(ownership) <= 100)) {
    problems.push(`Ownership is a percentage from 0 to 100 with at most two decimals, not “${ownership}”.`)
  }
  return problems
}

export function partyBody(form: PartyForm): PartyCreate {
  return {
    name: form.name.trim(),
    aliases: splitList(form.aliases),
    relationship: form.relationship as Relationship,
    ownership_percent: form.ownership.trim() || null,
    identified_how: form.identifiedHow.trim() || null,
    accounts: splitList(form.accounts),
    relationship_disclosed: form.relationshipDisclosed,
    transactions_disclosed: form.transactionsDisclosed,
  }
}

/** One sentence for a search of the ledger. */
export function scanText(scan: Scan): string {
  const found = scan.parties.reduce((sum, party) => sum + party.found, 0)
  const fresh = scan.parties.reduce((sum, party) => sum + party.new, 0)
  const parties = scan.parties.length === 1 ? '1 party' : `${scan.parties.length} parties`
  const removed = scan.removed ? ` ${scan.removed} undecided ${scan.removed === 1 ? 'match was' : 'matches were'} no longer found and removed.` : ''
  return `The ledger search found ${found} ${found === 1 ? 'transaction' : 'transactions'} for ${parties}, ${fresh} new.${removed}`
}

/** What the statements still have to say about the party, or that they say it. */
export function disclosureText(party: Party): string {
  if (!party.relationship_disclosed) return 'Relationship not disclosed'
  if (party.totals.confirmed > 0 && !party.transactions_disclosed) return 'Transactions not disclosed'
  return party.transactions_disclosed ? 'Relationship and transactions disclosed' : 'Relationship disclosed'
}

/** "Name, 92.86" or "Account 2700": how a line was found. */
export function matchText(transaction: Transaction): string {
  if (transaction.matched_by === 'account') return `Account ${transaction.matched_text ?? transaction.account_number}`
  const score = transaction.score ? ` (${Number(transaction.score).toFixed(0)}% alike)` : ''
  return `Name “${transaction.matched_text ?? ''}”${score}`
}

export function totalsText(party: Party): string {
  const { confirmed, confirmed_amount } = party.totals
  return confirmed ? `${confirmed} confirmed, ${formatAmount(confirmed_amount)}` : 'None confirmed'
}
