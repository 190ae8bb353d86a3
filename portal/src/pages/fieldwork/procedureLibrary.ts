/**
 * The forms that shape the audit program: a custom procedure written for one engagement, and the firm's
 * own library procedures. The vocabularies are the API's (program_schemas.py); the checks here only say
 * before sending what the API would refuse, so the user fixes it in the form rather than after a round trip.
 */
import type { components } from '../../api/schema'

type LibraryCreate = components['schemas']['LibraryProcedureCreate']
export type Assertion = LibraryCreate['assertions'][number]
export type AreaCode = LibraryCreate['areas'][number]
export type Nature = LibraryCreate['nature']
export type RiskResponse = NonNullable<LibraryCreate['risk_responses']>[number]
export type Risk = components['schemas']['RiskRead']

export const ASSERTIONS: readonly Assertion[] = [
  'existence',
  'completeness',
  'accuracy',
  'valuation',
  'cut_off',
  'rights_and_obligations',
  'presentation',
  'occurrence',
  'classification',
]

export const RISK_RESPONSES: readonly { value: RiskResponse; label: string }[] = [
  { value: 'routine', label: 'Routine' },
  { value: 'significant_risk', label: 'Significant risk' },
  { value: 'fraud_risk', label: 'Fraud risk' },
  { value: 'controls_reliance', label: 'Reliance on controls' },
]

/** The words of an assertion code as a user reads them ("cut_off" → "cut off"). */
export const assertionLabel = (assertion: string) => assertion.replace(/_/g, ' ')

/** The library's code shape (letters, digits, dot, dash, underscore; starting with a letter or digit). */
export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export interface CustomDraft {
  title: string
  objective: string
  area: AreaCode | ''
  nature: Nature | ''
  assertions: Assertion[]
}

/** What a custom procedure lacks before it is added to the program. */
export function customProblems(draft: CustomDraft): string[] {
  const problems: string[] = []
  if (!draft.title.trim()) problems.push('Give the procedure a title.')
  if (!draft.area) problems.push('Choose the account area it belongs to.')
  if (!draft.nature) problems.push('Choose its nature.')
  return problems
}

export interface LibraryDraft {
  code: string
  title: string
  objective: string
  assertions: Assertion[]
  areas: AreaCode[]
  risk_responses: RiskResponse[]
  nature: Nature | ''
}

export const emptyLibraryDraft = (): LibraryDraft => ({
  code: '',
  title: '',
  objective: '',
  assertions: [],
  areas: [],
  risk_responses: [],
  nature: '',
})

/** What a firm library procedure lacks before it is saved; the code only when it is new (it never changes). */
export function libraryProblems(draft: LibraryDraft, isNew: boolean): string[] {
  const problems: string[] = []
  if (isNew && !CODE_PATTERN.test(draft.code.trim())) {
    problems.push('Give it a code of letters, digits, dots, dashes or underscores, starting with a letter or digit.')
  }
  if (!draft.title.trim()) problems.push('Give the procedure a title.')
  if (!draft.objective.trim()) problems.push('Say what the procedure is for (its objective).')
  if (draft.assertions.length === 0) problems.push('Choose at least one assertion it addresses.')
  if (draft.areas.length === 0) problems.push('Choose at least one account area.')
  if (!draft.nature) problems.push('Choose its nature.')
  return problems
}

/** The label of a risk of the register as the program shows it: area / assertion, and why it matters. */
export function riskLabel(risk: Risk): string {
  const flags = [risk.significant_risk ? 'significant' : '', risk.fraud_risk ? 'fraud' : ''].filter(Boolean).join(', ')
  return `${risk.area} / ${assertionLabel(risk.assertion)}${flags ? ` (${flags})` : ''}`
}

/** A checkbox list's next selection after one box changes. */
export function toggled<T>(now: readonly T[], value: T, checked: boolean): T[] {
  return checked ? (now.includes(value) ? [...now] : [...now, value]) : now.filter((v) => v !== value)
}
