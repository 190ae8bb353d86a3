import { describe, expect, it } from 'vitest'
import { glPreview } from './fixtures'
import { columnMapToSend, contentTypeOf, effectiveMapping, isZeroAmount, missingRequired, sumAmounts, XLSX_TYPE } from './mapping'
import { uploadUrl } from './UploadPanel'

const fields = glPreview().fields

describe('the column mapping', () => {
  it('keeps the detected headers, applies the choices, and unmatches a header given to another field', () => {
    const mapping = effectiveMapping(fields, { journal_id: 'Account', description: null })
    expect(mapping.journal_id).toBe('Account')
    expect(mapping.account_number).toBeNull() // the column map wins over the name match
    expect(mapping.description).toBeNull()
    expect(missingRequired(fields, mapping)).toEqual(['account_number', 'amount', 'effective_date'])
  })

  it('counts debit and credit together as the amount', () => {
    const mapping = effectiveMapping(fields, { journal_id: 'Ref', effective_date: 'Booked', debit: 'Value' })
    expect(missingRequired(fields, mapping)).toEqual(['amount'])
    expect(missingRequired(fields, { ...mapping, credit: 'Memo' })).toEqual([])
  })

  it('sends only what the user changed to a header', () => {
    expect(columnMapToSend(fields, { journal_id: 'Ref', account_number: 'Account', description: null })).toEqual({ journal_id: 'Ref' })
    expect(columnMapToSend(fields, {})).toEqual({})
  })
})

describe('the upload request', () => {
  it('names the content type by the file, since browsers label CSV files inconsistently', () => {
    expect(contentTypeOf({ name: 'GL.CSV', type: 'application/vnd.ms-excel' })).toBe('text/csv')
    expect(contentTypeOf({ name: 'tb.xlsx', type: '' })).toBe(XLSX_TYPE)
    expect(contentTypeOf({ name: 'saft.xml', type: '' })).toBe('application/xml')
  })

  it('puts the options in the query, allow_unbalanced only for a trial balance', () => {
    const base = { columnMap: {}, dateOrder: '' as const, sheet: '', fiscalStart: '', fiscalEnd: '', allowUnbalanced: true, filename: 'x.csv' }
    const gl = new URL(uploadUrl('e-1', { ...base, kind: 'general_ledger' }), 'http://localhost')
    expect(gl.pathname).toBe('/api/engagements/e-1/datasets')
    expect([...gl.searchParams.keys()]).toEqual(['kind', 'filename'])
    const tb = new URL(uploadUrl('e-1', { ...base, kind: 'trial_balance', sheet: 'TB', fiscalEnd: '2026-12-31' }), 'http://localhost')
    expect(Object.fromEntries(tb.searchParams)).toEqual({ kind: 'trial_balance', sheet: 'TB', fiscal_end: '2026-12-31', allow_unbalanced: 'true', filename: 'x.csv' })
  })
})

describe('exact sums', () => {
  it('adds decimal strings without floating point', () => {
    expect(sumAmounts(['0.10', '0.20', '-0.30'])).toBe('0.00')
    expect(sumAmounts(['123456789012345.67', '0.01'])).toBe('123456789012345.68')
    expect(sumAmounts(['-12.5', '2'])).toBe('-10.50')
    expect(isZeroAmount('-0.00')).toBe(true)
  })
})
