/**
 * The re-run form's parameter fields, generated from a run's stored parameters (each test's parameters as
 * the API stored them: JSON numbers for integers, decimal strings for amounts and rates, lists, dates), and
 * the request body: every parameter of the chosen tests, the run's values with the user's edits, so a re-run
 * keeps the run's earlier choices (the API lays what it gets over each test's defaults, not over the run's).
 */

export type ItemKind = 'integer' | 'number' | 'decimal' | 'date' | 'text'
export type ParamKind = ItemKind | 'boolean' | 'optional' | 'list'

export interface ParamField {
  test: string
  name: string
  kind: ParamKind
  /** For lists: the kind of each item. */
  itemKind?: ItemKind
  original: unknown
}

export type FieldValue = string | boolean
export type Parsed = { ok: true; value: unknown } | { ok: false; error: string }

const DATE = /^\d{4}-\d{2}-\d{2}$/
const DECIMAL = /^-?\d+(\.\d+)?$/
const INTEGER = /^-?\d+$/

function kindOfScalar(value: unknown): ItemKind | 'boolean' | 'optional' {
  if (value === null || value === undefined) return 'optional'
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  if (typeof value === 'string') {
    if (DATE.test(value)) return 'date'
    if (DECIMAL.test(value)) return 'decimal'
  }
  return 'text'
}

/** The form fields of one test's stored parameters, in the order the API gave them. */
export function fieldsOf(test: string, parameters: Record<string, unknown> | undefined | null): ParamField[] {
  return Object.entries(parameters ?? {}).map(([name, original]) => {
    if (Array.isArray(original)) {
      const first = original.find((item) => item !== null && item !== undefined)
      const item = first === undefined ? 'text' : kindOfScalar(first)
      const itemKind: ItemKind = item === 'boolean' || item === 'optional' ? 'text' : item
      return { test, name, kind: 'list', itemKind, original }
    }
    if (original !== null && typeof original === 'object') return { test, name, kind: 'text', original: JSON.stringify(original) }
    return { test, name, kind: kindOfScalar(original), original }
  })
}

/** The value a field starts with in the form. */
export function initialValue(field: ParamField): FieldValue {
  if (field.kind === 'boolean') return Boolean(field.original)
  if (field.kind === 'list') return (field.original as unknown[]).map(String).join(', ')
  if (field.original === null || field.original === undefined) return ''
  return String(field.original)
}

function parseItem(kind: ItemKind, text: string): Parsed {
  switch (kind) {
    case 'integer':
      return INTEGER.test(text) ? { ok: true, value: Number(text) } : { ok: false, error: `“${text}” is not a whole number` }
    case 'number': {
      const value = Number(text)
      return text !== '' && Number.isFinite(value) ? { ok: true, value } : { ok: false, error: `“${text}” is not a number` }
    }
    case 'decimal':
      return DECIMAL.test(text) ? { ok: true, value: text } : { ok: false, error: `“${text}” is not a number (write it like 1000 or 0.5)` }
    case 'date': {
      const valid = DATE.test(text) && !Number.isNaN(new Date(`${text}T00:00:00Z`).getTime())
      return valid ? { ok: true, value: text } : { ok: false, error: `“${text}” is not a date (YYYY-MM-DD)` }
    }
    default:
      return { ok: true, value: text }
  }
}

/** The value to send for what the user entered, or why it cannot be sent. */
export function parseField(field: ParamField, input: FieldValue): Parsed {
  if (field.kind === 'boolean') return { ok: true, value: Boolean(input) }
  const text = String(input).trim()
  if (field.kind === 'list') {
    const items = text.split(',').map((item) => item.trim()).filter(Boolean)
    const values: unknown[] = []
    for (const item of items) {
      const parsed = parseItem(field.itemKind ?? 'text', item)
      if (!parsed.ok) return parsed
      values.push(parsed.value)
    }
    return { ok: true, value: values }
  }
  if (field.kind === 'optional') return { ok: true, value: text === '' ? null : text }
  if (text === '') return { ok: false, error: 'a value is required' }
  return parseItem(field.kind, text)
}

export interface RerunRequest {
  tests: string[]
  /** Per chosen test, all of its parameters: the run's values with the user's edits. */
  parameters: Record<string, Record<string, unknown>>
  /** Problems keyed "test.name". */
  errors: Record<string, string>
}

export const fieldKey = (field: Pick<ParamField, 'test' | 'name'>) => `${field.test}.${field.name}`

/** The body of the re-run from the tests chosen and the values entered. */
export function buildRerun(tests: readonly string[], fields: readonly ParamField[], values: Record<string, FieldValue>): RerunRequest {
  const chosen = new Set(tests)
  const parameters: Record<string, Record<string, unknown>> = {}
  const errors: Record<string, string> = {}
  for (const field of fields) {
    if (!chosen.has(field.test)) continue
    const key = fieldKey(field)
    const input = key in values ? values[key] : initialValue(field)
    const parsed = parseField(field, input)
    if (!parsed.ok) {
      errors[key] = parsed.error
      continue
    }
    ;(parameters[field.test] ??= {})[field.name] = parsed.value
  }
  return { tests: [...tests], parameters, errors }
}
