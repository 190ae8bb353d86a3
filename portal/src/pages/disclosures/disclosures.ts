import type { components } from '../../api/schema'

export type Checklist = components['schemas']['ChecklistRead']
export type Topic = components['schemas']['TopicRead']
export type Item = components['schemas']['ItemRead']
export type Note = components['schemas']['NoteRead']
export type Citation = components['schemas']['CitationRead']
export type AnswerSet = components['schemas']['AnswerSet']
export type TopicCode = components['schemas']['NoteDraft']['topic']

export const FRAMEWORK_LABELS: Record<Checklist['framework'], string> = {
  us_gaap_private: 'US GAAP, private company',
  sec_issuer: 'US GAAP, SEC issuer (with Regulation S-X)',
}

export const ANSWER_LABELS: Record<AnswerSet['answer'], string> = {
  yes: 'Yes, disclosed',
  no: 'No, not disclosed',
  not_applicable: 'Not applicable',
}

/** A piece of a note's body: plain text, a reference resolved to its amount, or a citation. */
export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'reference'; key: string; value: string | null }
  | { kind: 'citation'; key: string; citation: Citation | null }

const TOKEN = /\{\{\s*([a-z]+:[^{}\s]+?)\s*\}\}|\[\[\s*((?:chunk|source):[^[\]\s]+)\s*\]\]/g

/**
 * The body cut at its references ({{tb:21700}}) and citations ([[source:...]]), each reference with the
 * amount the API resolved it to (null when the data no longer gives it), each citation with its text.
 */
export function segments(note: Pick<Note, 'body' | 'values' | 'citations'>): Segment[] {
  const cited = new Map(note.citations.map((c) => [c.key, c]))
  const found: Segment[] = []
  let position = 0
  for (const match of note.body.matchAll(TOKEN)) {
    const start = match.index ?? 0
    if (start > position) found.push({ kind: 'text', text: note.body.slice(position, start) })
    if (match[1]) found.push({ kind: 'reference', key: match[1], value: note.values[match[1]] ?? null })
    else found.push({ kind: 'citation', key: match[2], citation: cited.get(match[2]) ?? null })
    position = start + match[0].length
  }
  if (position < note.body.length) found.push({ kind: 'text', text: note.body.slice(position) })
  return found
}

/** What a reference points at, in words: "account 21700, prior year" or "caption revenue". */
export function describeReference(key: string): string {
  const [kind, target, which] = key.split(':')
  const names: Record<string, string> = {
    tb: 'mapped balance of account',
    caption: 'statement caption',
    section: 'section',
    rp: 'confirmed transactions with related party',
    se: 'amount of subsequent event',
  }
  const base = `${names[kind] ?? kind} ${target}`
  return which === 'prior' ? `${base}, prior year` : base
}

/** The checker's refusal (422) as one line per problem, or nothing for another error. */
export function checkerProblems(problem: Record<string, unknown> | undefined): string[] {
  const problems = problem?.problems
  if (!Array.isArray(problems)) return []
  return problems.map((p) => String((p as { message?: unknown }).message ?? ''))
}

/** The topics with at least one item turned on: those a note should be drafted for. */
export function topicsOn(checklist: Checklist): Topic[] {
  return checklist.topics.filter((t) => t.on)
}

/** "3 of 5 items on, 2 answered" for a topic's heading. */
export function topicProgress(topic: Topic): string {
  const on = topic.items.filter((i) => i.on)
  const answered = on.filter((i) => i.answer).length
  return on.length === 0 ? 'nothing turns it on' : `${on.length} of ${topic.items.length} items on, ${answered} answered`
}
