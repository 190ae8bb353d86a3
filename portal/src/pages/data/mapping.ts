/**
 * The pure parts of the Data tab: which header each field ends up read from once the user has
 * changed the preview's mapping, what is still missing, the column map to send, how a file goes
 * over the wire, and exact sums of decimal strings.
 */
import type { components } from '../../api/schema'

export type Preview = components['schemas']['PreviewRead']
export type PreviewField = components['schemas']['PreviewField']
export type DatasetKind = components['schemas']['DatasetRead']['kind']

export const KINDS: { value: DatasetKind; label: string }[] = [
  { value: 'general_ledger', label: 'General ledger' },
  { value: 'trial_balance', label: 'Trial balance' },
  { value: 'chart_of_accounts', label: 'Chart of accounts' },
]

export function kindLabel(kind: string): string {
  return KINDS.find((k) => k.value === kind)?.label ?? kind
}

/** The user's choices: field -> header, or null for "no column". Fields not listed keep the preview's match. */
export type Overrides = Record<string, string | null>

/**
 * The header each field is read from, as the load will decide it: the user's choices first; a header
 * the user gave to one field is no longer matched to another by its name (the column map wins).
 */
export function effectiveMapping(fields: readonly PreviewField[], overrides: Overrides): Record<string, string | null> {
  const taken = new Set(Object.values(overrides).filter((v): v is string => !!v))
  const result: Record<string, string | null> = {}
  for (const field of fields) {
    if (field.field in overrides) result[field.field] = overrides[field.field]
    else result[field.field] = field.column && !taken.has(field.column) ? field.column : null
  }
  return result
}

/**
 * Required fields with no header. An amount is given either as its signed column or as debit and
 * credit columns together, so a required amount is satisfied by both of its parts as well.
 */
export function missingRequired(fields: readonly PreviewField[], mapping: Record<string, string | null>): string[] {
  const missing: string[] = []
  for (const field of fields) {
    if (!field.required || mapping[field.field]) continue
    const parts = fields.filter((f) => f.amount_of === field.field)
    const debit = parts.find((p) => p.part === 'debit')
    const credit = parts.find((p) => p.part === 'credit')
    if (debit && credit && mapping[debit.field] && mapping[credit.field]) continue
    missing.push(field.field)
  }
  return missing
}

/**
 * Whether the user maps columns at all: a SAF-T file names every field by its own XML elements (the
 * preview's header is the canonical columns), so it has no mapping to choose or fix.
 */
export function needsMapping(preview: Pick<Preview, 'format'>): boolean {
  return preview.format !== 'saft'
}

/** The alternatives that satisfy a required amount, for the hint beside it ("or debit + credit"). */
export function alternativeOf(fields: readonly PreviewField[], field: PreviewField): string | null {
  const parts = fields.filter((f) => f.amount_of === field.field && (f.part === 'debit' || f.part === 'credit'))
  return parts.length === 2 ? parts.map((p) => p.field).join(' + ') : null
}

/**
 * The column map to send: only what the user changed to a header (a field the preview left empty,
 * or one they pointed elsewhere). "No column" cannot be asked for: the alias table matches by name.
 */
export function columnMapToSend(fields: readonly PreviewField[], overrides: Overrides): Record<string, string> {
  const map: Record<string, string> = {}
  for (const field of fields) {
    const chosen = overrides[field.field]
    if (field.field in overrides && chosen && chosen !== field.column) map[field.field] = chosen
  }
  return map
}

export type FileFormat = 'csv' | 'xlsx' | 'xml'

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** What the file is, by its name (the API checks the bytes and says so when they disagree). */
export function formatOf(file: { name: string; type?: string }): FileFormat {
  const name = file.name.toLowerCase()
  if (name.endsWith('.xlsx') || name.endsWith('.xlsm') || file.type === XLSX_TYPE) return 'xlsx'
  if (name.endsWith('.xml') || file.type === 'application/xml' || file.type === 'text/xml') return 'xml'
  return 'csv'
}

/** The Content-Type the API accepts for the file (browsers label CSV files inconsistently). */
export function contentTypeOf(file: { name: string; type?: string }): string {
  return { csv: 'text/csv', xlsx: XLSX_TYPE, xml: 'application/xml' }[formatOf(file)]
}

/** How much of a CSV the preview sends; workbooks and SAF-T files cannot be read from their start alone. */
export const PREVIEW_CSV_BYTES = 256 * 1024
/** The API's largest body (AURA_MAX_DIRECT_UPLOAD_MB at its maximum). */
export const MAX_DIRECT_BYTES = 100 * 1024 * 1024

export function previewPart(file: Blob & { name: string }): Blob {
  return formatOf(file) === 'csv' ? file.slice(0, PREVIEW_CSV_BYTES) : file
}

/** A Blob's bytes (jsdom's Blob has no arrayBuffer(), so FileReader is the fallback). */
export function readBytes(blob: Blob): Promise<ArrayBuffer> {
  if (typeof blob.arrayBuffer === 'function') return blob.arrayBuffer()
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(reader.result as ArrayBuffer)
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read'))
    reader.readAsArrayBuffer(blob)
  })
}

// --- exact sums of decimal strings -------------------------------------------------------------------

const SCALE = 2

function toCents(value: string | null | undefined): bigint {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec((value ?? '').trim())
  if (!match) return 0n
  const [, sign, whole, fraction = ''] = match
  const cents = BigInt((whole || '0') + (fraction + '0'.repeat(SCALE)).slice(0, SCALE))
  return sign === '-' ? -cents : cents
}

function fromCents(cents: bigint): string {
  const negative = cents < 0n
  const digits = (negative ? -cents : cents).toString().padStart(SCALE + 1, '0')
  return `${negative ? '-' : ''}${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`
}

/** The exact sum of amounts given as decimal strings ("1234.50"), as a decimal string. */
export function sumAmounts(values: readonly (string | null | undefined)[]): string {
  return fromCents(values.reduce((total, value) => total + toCents(value), 0n))
}

export function isZeroAmount(value: string | null | undefined): boolean {
  return toCents(value) === 0n
}
