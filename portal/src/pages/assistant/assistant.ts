/**
 * The assistant's answers as the page shows them: the answer split at its [n] citation marks so each
 * can point at its passage, what each kind of passage is called, and which model answered. The
 * answer and its citations are the API's; nothing here adds to them.
 */
import type { components } from '../../api/schema'

export type AskResponse = components['schemas']['AskResponse']
export type Citation = components['schemas']['Citation']
export type AssistantStatus = components['schemas']['AssistantStatus']

export const MIN_QUESTION = 3
export const MAX_QUESTION = 2000

const KINDS: Record<Citation['kind'], string> = {
  workpaper: 'Workpaper',
  evidence: 'Evidence',
  review_note: 'Review note',
  trial_balance: 'Trial balance',
  journal_test: 'Journal entry test',
  source: 'Public source',
}

export function kindLabel(kind: Citation['kind']): string {
  return KINDS[kind] ?? kind
}

/** Who answers: the offline model says that nothing leaves the server; Azure OpenAI names its deployment. */
export function providerText(provider: string): string {
  if (provider === 'offline') return 'Offline model (extractive answers; nothing leaves Aura)'
  const deployment = provider.replace(/^azure-openai:/, '')
  return deployment === provider ? provider : `Azure OpenAI (deployment ${deployment})`
}

export type Segment = { text: string } | { cite: number }

/** The answer as text and citation marks, in order; a mark with no citation behind it stays text. */
export function segments(answer: string, cited: ReadonlySet<number>): Segment[] {
  const parts: Segment[] = []
  let rest = ''
  for (const piece of answer.split(/(\[\d+\])/)) {
    const mark = /^\[(\d+)\]$/.exec(piece)
    if (mark && cited.has(Number(mark[1]))) {
      if (rest) parts.push({ text: rest })
      rest = ''
      parts.push({ cite: Number(mark[1]) })
    } else {
      rest += piece
    }
  }
  if (rest) parts.push({ text: rest })
  return parts
}

/** What is wrong with a question before it is sent; empty when it may be asked. */
export function questionProblems(question: string): string[] {
  const length = question.trim().length
  if (length < MIN_QUESTION) return [`Write a question of at least ${MIN_QUESTION} characters.`]
  if (length > MAX_QUESTION) return [`The question is ${length} characters long; the limit is ${MAX_QUESTION}.`]
  return []
}
