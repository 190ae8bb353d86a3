import { describe, expect, it } from 'vitest'
import { byDueDate, daysBetween, dueWording, todayIso } from './due'

describe('dueWording', () => {
  const today = '2027-03-10'

  it('says overdue once the date has passed on an open engagement', () => {
    expect(dueWording('2027-03-09', 'fieldwork', today)).toEqual({ text: 'overdue by 1 day', overdue: true, days: -1 })
    expect(dueWording('2027-02-28', 'review', today)).toEqual({ text: 'overdue by 10 days', overdue: true, days: -10 })
  })

  it('says due today or due in N days before it', () => {
    expect(dueWording('2027-03-10', 'planning', today)?.text).toBe('due today')
    expect(dueWording('2027-03-11', 'planning', today)?.text).toBe('due in 1 day')
    // Across the end of March (31 days) and a daylight-saving change elsewhere: counted in UTC dates.
    expect(dueWording('2027-04-10', 'draft', today)).toEqual({ text: 'due in 31 days', overdue: false, days: 31 })
  })

  it('gives nothing without a due date, and only the date once finalized', () => {
    expect(dueWording(null, 'fieldwork', today)).toBeNull()
    expect(dueWording(undefined, 'fieldwork', today)).toBeNull()
    expect(dueWording('2027-01-31', 'finalized', today)).toEqual({ text: '', overdue: false, days: -38 })
  })

  it('counts days between dates and takes today in UTC', () => {
    expect(daysBetween('2026-12-31', '2027-03-01')).toBe(60)
    expect(todayIso(new Date('2027-03-10T23:30:00Z'))).toBe('2027-03-10')
  })
})

describe('byDueDate', () => {
  it('puts the soonest first and those without a due date last, keeping ties in order', () => {
    const items = [
      { id: 'a', due_date: null },
      { id: 'b', due_date: '2027-04-30' },
      { id: 'c' },
      { id: 'd', due_date: '2027-03-31' },
      { id: 'e', due_date: '2027-04-30' },
    ]
    expect(byDueDate(items).map((i) => i.id)).toEqual(['d', 'b', 'e', 'a', 'c'])
  })
})
