import { describe, expect, it } from 'vitest'
import { checkerProblems, describeReference, segments, topicProgress } from './disclosures'
import { checklist, leaseNote } from './fixtures'

describe('segments', () => {
  it('cuts a body at its references and citations, each with what it resolves to', () => {
    const found = segments(leaseNote())
    expect(found).toEqual([
      { kind: 'text', text: 'Lease liability: ' },
      { kind: 'reference', key: 'tb:21700', value: '118,000.40' },
      { kind: 'text', text: ' (prior year ' },
      { kind: 'reference', key: 'tb:21700:prior', value: '130,000.00' },
      { kind: 'text', text: '). ' },
      { kind: 'citation', key: 'source:asc-842#disclosure-maturity', citation: leaseNote().citations[0] },
    ])
  })

  it('marks a reference the data no longer gives and a citation with no text', () => {
    const found = segments({ body: 'Debt {{tb:99}} [[chunk:abc]]', values: {}, citations: [] })
    expect(found[1]).toEqual({ kind: 'reference', key: 'tb:99', value: null })
    expect(found[3]).toEqual({ kind: 'citation', key: 'chunk:abc', citation: null })
  })
})

describe('describeReference', () => {
  it('says where an amount comes from', () => {
    expect(describeReference('tb:21700')).toBe('mapped balance of account 21700')
    expect(describeReference('tb:21700:prior')).toBe('mapped balance of account 21700, prior year')
    expect(describeReference('rp:p-1:total')).toBe('confirmed transactions with related party p-1')
  })
})

describe('checkerProblems', () => {
  it('reads the problems of a 422 and nothing else', () => {
    expect(checkerProblems({ problems: [{ kind: 'literal_number', text: '5', message: 'the number 5 is written' }] })).toEqual([
      'the number 5 is written',
    ])
    expect(checkerProblems({ detail: 'x' })).toEqual([])
    expect(checkerProblems(undefined)).toEqual([])
  })
})

describe('topicProgress', () => {
  it('counts the items on and answered', () => {
    const [, leases, debt] = checklist().topics
    expect(topicProgress(leases)).toBe('2 of 2 items on, 1 answered')
    expect(topicProgress(debt)).toBe('nothing turns it on')
  })
})
