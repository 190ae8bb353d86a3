/**
 * What the sampling pages work out before calling the API and how they lay out what it answers: the
 * request bodies from the forms (rates typed in percent go as exact decimal text), the figures a size
 * came from, the audited values changed since the last save, and an evaluation as labelled rows.
 * Every figure is the API's; nothing here recomputes a size or a limit.
 */
import type { components } from '../../api/schema'
import { formatAmount, formatCount, humanize } from '../../ui/format'

export type SampleRead = components['schemas']['SampleRead']
export type SampleSummary = components['schemas']['SampleSummary']
export type SampleItem = components['schemas']['SampleItemRead']
export type SampleCreate = components['schemas']['SampleCreate']
export type ItemUpdate = components['schemas']['ItemUpdate']
export type Method = SampleCreate['method']

export const METHODS: readonly Method[] = ['mus', 'attribute', 'random', 'stratified']
export const METHOD_LABELS: Record<Method, string> = {
  mus: 'Monetary unit (MUS)',
  attribute: 'Attribute (test of controls)',
  random: 'Classical: simple random',
  stratified: 'Classical: stratified',
}

/** "95" (percent) -> "0.95", "2.5" -> "0.025", exactly; null when it is not a percentage below 100. */
export function percentToRate(typed: string): string | null {
  const text = typed.trim().replace(/%$/, '').trim()
  const match = /^(\d{1,2})(?:\.(\d{1,8}))?$/.exec(text)
  if (!match) return null
  const [, whole, fraction = ''] = match
  const digits = (whole.padStart(2, '0') + fraction).replace(/0+$/, '')
  const rate = `0.${digits}`
  return rate === '0.' ? '0' : rate
}

/** "0.05" -> "5%", "0.025" -> "2.5%": a rate the API answers, as a percentage, without float noise. */
export function rateAsPercent(rate: unknown): string {
  if (rate === null || rate === undefined || rate === '') return ''
  const text = String(rate)
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text)
  if (!match) return text
  const [, whole, fraction = ''] = match
  const padded = fraction.padEnd(2, '0')
  const integer = (whole + padded.slice(0, 2)).replace(/^0+(?=\d)/, '')
  const rest = padded.slice(2).replace(/0+$/, '')
  return `${integer}${rest ? '.' + rest : ''}%`
}

const MONEY = /^-?\d{1,18}(\.\d{1,2})?$/

export function moneyText(typed: string): string | null {
  const text = typed.replace(/[,\s]/g, '')
  return text === '' ? null : text
}

/** The plan-and-select form as typed. */
export interface SampleForm {
  name: string
  method: Method
  source: 'trial_balance' | 'general_ledger'
  account: string
  amounts: 'absolute' | 'as_recorded'
  confidence: string
  tolerableMisstatement: string
  expectedMisstatement: string
  bookValue: string
  tolerableRate: string
  expectedRate: string
  populationSize: string
  n: string
  strata: string
  seed: string
}

export function emptySampleForm(performanceMateriality?: string | null): SampleForm {
  return {
    name: '',
    method: 'mus',
    source: 'trial_balance',
    account: '',
    amounts: 'absolute',
    confidence: '95',
    tolerableMisstatement: performanceMateriality ?? '',
    expectedMisstatement: '0',
    bookValue: '',
    tolerableRate: '5',
    expectedRate: '0',
    populationSize: '',
    n: '',
    strata: '4',
    seed: '',
  }
}

type Built<T> = { body: T } | { problems: string[] }

function wholeNumber(typed: string, label: string, problems: string[], optional = false): number | null {
  const text = typed.trim()
  if (!text && optional) return null
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) {
    problems.push(`${label}: “${typed}” is not a whole number of at least 1`)
    return null
  }
  return Number(text)
}

function rate(typed: string, label: string, problems: string[], zeroAllowed = false): string | null {
  const value = percentToRate(typed)
  if (value === null || (!zeroAllowed && value === '0')) {
    problems.push(`${label}: “${typed}” is not a percentage${zeroAllowed ? '' : ' above 0'} and below 100`)
    return null
  }
  return value
}

function money(typed: string, label: string, problems: string[]): string | null {
  const value = moneyText(typed)
  if (value === null || !MONEY.test(value)) {
    problems.push(`${label}: “${typed}” is not an amount (e.g. 65000.00)`)
    return null
  }
  return value
}

/** The sample's parameters, by method, as the API names them (MusParameters, AttributeParameters, ...). */
export function sampleParameters(form: SampleForm, problems: string[]): Record<string, unknown> {
  if (form.method === 'mus') {
    return {
      confidence: rate(form.confidence, 'Confidence', problems),
      tolerable_misstatement: money(form.tolerableMisstatement, 'Tolerable misstatement', problems),
      expected_misstatement: money(form.expectedMisstatement || '0', 'Expected misstatement', problems),
    }
  }
  if (form.method === 'attribute') {
    return {
      confidence: rate(form.confidence, 'Confidence', problems),
      tolerable_rate: rate(form.tolerableRate, 'Tolerable deviation rate', problems),
      expected_rate: rate(form.expectedRate || '0', 'Expected deviation rate', problems, true),
    }
  }
  const n = wholeNumber(form.n, 'Sample size', problems)
  return form.method === 'random' ? { n } : { n, strata: wholeNumber(form.strata, 'Strata', problems) }
}

/** POST .../samples: select from the engagement's loaded trial balance or general ledger. */
export function sampleBody(form: SampleForm): Built<SampleCreate> {
  const problems: string[] = []
  if (!form.name.trim()) problems.push('Name: give the sample a name')
  const parameters = sampleParameters(form, problems)
  const seedText = form.seed.trim()
  if (seedText && !(/^\d{1,16}$/.test(seedText) && Number(seedText) <= Number.MAX_SAFE_INTEGER)) problems.push(`Seed: “${form.seed}” is not a whole number below 2^53`)
  if (problems.length) return { problems }
  return {
    body: {
      name: form.name.trim(),
      method: form.method,
      population: {
        source: form.source,
        account: form.source === 'general_ledger' && form.account.trim() ? form.account.trim() : null,
        amounts: form.amounts,
        items: null,
      },
      parameters,
      // Seeds stay below 2^53, so a JSON number carries them exactly.
      seed: seedText ? Number(seedText) : null,
    },
  }
}

export type PlanRequest =
  | { kind: 'mus'; body: components['schemas']['MusPlanRequest'] }
  | { kind: 'attribute'; body: components['schemas']['AttributePlanRequest'] }

/** The calculator's request for a plan before selecting (MUS needs the book value; attribute may take N). */
export function planBody(form: SampleForm): Built<PlanRequest> {
  const problems: string[] = []
  if (form.method === 'mus') {
    const p = sampleParameters(form, problems)
    const bookValue = money(form.bookValue, 'Book value', problems)
    if (problems.length) return { problems }
    return {
      body: {
        kind: 'mus',
        body: {
          confidence: p.confidence as string,
          risk: null,
          book_value: bookValue as string,
          tolerable_misstatement: p.tolerable_misstatement as string,
          expected_misstatement: p.expected_misstatement as string,
          expansion_factor: null,
        },
      },
    }
  }
  if (form.method === 'attribute') {
    const p = sampleParameters(form, problems)
    const population = wholeNumber(form.populationSize, 'Population size', problems, true)
    if (problems.length) return { problems }
    return {
      body: {
        kind: 'attribute',
        body: {
          confidence: p.confidence as string,
          risk: null,
          tolerable_rate: p.tolerable_rate as string,
          expected_rate: p.expected_rate as string,
          population_size: population,
        },
      },
    }
  }
  return { problems: ['A classical sample takes the size you give; its evaluation says whether the precision was enough.'] }
}

/** One line of "where the size came from": what, the figure, and where the figure comes from. */
export interface SourceRow {
  what: string
  value: string
  source: string
}

const GUIDE = 'AICPA Audit Sampling Guide'
const text = (value: unknown) => (value === null || value === undefined ? '' : String(value))

/**
 * The figures a size came from, from a plan (the calculator's answer) or a stored sample's parameters
 * and design merged: inputs first, then the table factors, then the size.
 */
export function sizeSources(method: Method, figures: Record<string, unknown>): SourceRow[] {
  const f = (key: string) => figures[key]
  const risk = f('risk')
  if (method === 'mus') {
    return [
      { what: 'Book value (positive items)', value: formatAmount(text(f('book_value'))), source: 'the population' },
      { what: 'Tolerable misstatement (TM)', value: formatAmount(text(f('tolerable_misstatement'))), source: 'your parameter' },
      { what: 'Expected misstatement (EM)', value: formatAmount(text(f('expected_misstatement') ?? '0')), source: 'your parameter' },
      { what: 'Risk of incorrect acceptance', value: rateAsPercent(risk), source: `1 − confidence` },
      {
        what: 'Confidence factor RF(0)',
        value: `${text(f('confidence_factor'))} (exact ${text(f('confidence_factor_exact'))})`,
        source: `${GUIDE}, Appendix C: Poisson factor for 0 misstatements at the risk`,
      },
      { what: 'Expansion factor (EF)', value: text(f('expansion_factor')), source: `${GUIDE}: expansion factors for expected misstatement, by risk` },
      { what: 'Sample size n', value: formatCount(Number(f('n'))), source: 'n = ceil(BV × RF(0) / (TM − EM × EF))' },
      { what: 'Sampling interval', value: formatAmount(text(f('interval'))), source: 'BV / n, rounded down to the cent' },
    ]
  }
  if (method === 'attribute') {
    return [
      { what: 'Risk of overreliance', value: rateAsPercent(risk), source: '1 − confidence' },
      { what: 'Tolerable deviation rate', value: rateAsPercent(f('tolerable_rate')), source: 'your parameter' },
      { what: 'Expected deviation rate', value: rateAsPercent(f('expected_rate') ?? '0'), source: 'your parameter' },
      { what: 'Population size', value: f('population_size') ? formatCount(Number(f('population_size'))) : 'not given (binomial)', source: 'the population' },
      {
        what: 'Distribution',
        value: text(f('distribution')),
        source: `${GUIDE}, Appendix A method (${f('distribution') === 'hypergeometric' ? 'without replacement, exact for N' : 'Table A-1 / A-2 values'})`,
      },
      { what: 'Sample size n', value: formatCount(Number(f('n'))), source: 'smallest n with P(X ≤ allowed | n, tolerable rate) ≤ risk' },
      { what: 'Deviations allowed', value: text(f('allowed_deviations')), source: 'ceil(n × expected rate)' },
      { what: 'Achieved risk', value: rateAsPercent(f('achieved_risk')), source: 'at this size, at the tolerable rate' },
    ]
  }
  return [{ what: 'Sample size n', value: formatCount(Number(f('n'))), source: method === 'stratified' ? text(f('formula')) || 'your parameter, allocated to strata' : 'your parameter' }]
}

export interface Stratum {
  number: number
  lower: string
  upper: string
  count: number
  total: string
  allocation: number
}

export function strataOf(design: Record<string, unknown>): Stratum[] {
  return Array.isArray(design.strata) ? (design.strata as Stratum[]) : []
}

/** An item's findings as typed on the page, by line. */
export interface Finding {
  audited: string
  deviation: '' | 'yes' | 'no'
  note: string
}

export function findingOf(item: SampleItem): Finding {
  return {
    audited: item.audited_value ?? '',
    deviation: item.deviation === null ? '' : item.deviation ? 'yes' : 'no',
    note: item.note ?? '',
  }
}

/**
 * The lines whose findings changed since they were loaded, as PUT .../items takes them; or the
 * problems (an audited value that is not an amount), naming each line.
 */
export function changedFindings(items: readonly SampleItem[], edits: ReadonlyMap<number, Finding>, attribute: boolean): Built<ItemUpdate[]> {
  const problems: string[] = []
  const updates: ItemUpdate[] = []
  for (const item of items) {
    const edit = edits.get(item.line)
    if (!edit) continue
    const before = findingOf(item)
    const update: ItemUpdate = { line: item.line } as ItemUpdate
    let changed = false
    if (attribute) {
      if (edit.deviation !== before.deviation) {
        update.deviation = edit.deviation === '' ? null : edit.deviation === 'yes'
        changed = true
      }
    } else {
      const typed = moneyText(edit.audited)
      const was = moneyText(before.audited)
      if (typed !== was) {
        if (typed !== null && !MONEY.test(typed)) problems.push(`Line ${item.line}: “${edit.audited}” is not an amount`)
        update.audited_value = typed
        changed = true
      }
    }
    if (edit.note.trim() !== before.note.trim()) {
      update.note = edit.note.trim() || null
      changed = true
    }
    if (changed) updates.push(update)
  }
  return problems.length ? { problems } : { body: updates }
}

export interface EvaluationRow {
  what: string
  value: string
}

const SKIP = new Set(['lines', 'strata', 'formula', 'method', 'conclusion'])

const RATE_KEYS = /rate|risk|confidence|tainting|upper_deviation_limit/

function shown(key: string, value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'number') return formatCount(value)
  const s = String(value)
  if (RATE_KEYS.test(key) && /^\d+(\.\d+)?$/.test(s)) return rateAsPercent(s)
  if (/^-?\d+\.\d{2}$/.test(s)) return formatAmount(s)
  return s
}

/** A stored evaluation as labelled rows (nested bounds flattened: "Overstatement: upper limit"). */
export function evaluationRows(evaluation: Record<string, unknown>): EvaluationRow[] {
  const rows: EvaluationRow[] = []
  for (const [key, value] of Object.entries(evaluation)) {
    if (SKIP.has(key)) continue
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value as Record<string, unknown>)) rows.push({ what: `${humanize(key)}: ${humanize(inner).toLowerCase()}`, value: shown(inner, v) })
    } else if (!Array.isArray(value)) {
      rows.push({ what: humanize(key), value: shown(key, value) })
    }
  }
  return rows
}

export const CONCLUSION_LABELS: Record<string, string> = {
  accept: 'Accept: the population is not materially misstated',
  reject: 'Reject: misstatement may exceed the tolerable amount',
  rely: 'Rely on the control',
  do_not_rely: 'Do not rely on the control',
}
