/**
 * How an engagement's report due date reads (issue 22, item 1): "overdue by N days" once it has passed on
 * an engagement not yet finalized, "due today", "due in N days", or nothing when there is no due date.
 * Dates are the API's YYYY-MM-DD; today is the UTC date, as the API counts it.
 */

export type Due = { text: string; overdue: boolean; days: number }

const DAY_MS = 86_400_000

/** Today's date (UTC) as YYYY-MM-DD. */
export function todayIso(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10)
}

/** Whole days from `from` to `to`, both YYYY-MM-DD (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to.slice(0, 10)}T00:00:00Z`) - Date.parse(`${from.slice(0, 10)}T00:00:00Z`)) / DAY_MS)
}

const plural = (n: number) => `${n} day${n === 1 ? '' : 's'}`

/** The wording of a due date; null when there is none. A finalized engagement's date is only a date. */
export function dueWording(dueDate: string | null | undefined, status: string, today: string = todayIso()): Due | null {
  if (!dueDate) return null
  const days = daysBetween(today, dueDate)
  if (status === 'finalized') return { text: '', overdue: false, days }
  if (days < 0) return { text: `overdue by ${plural(-days)}`, overdue: true, days }
  if (days === 0) return { text: 'due today', overdue: false, days }
  return { text: `due in ${plural(days)}`, overdue: false, days }
}

/** Engagements by due date, soonest (most overdue) first, those without one last; ties keep their order. */
export function byDueDate<T extends { due_date?: string | null }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      const x = a.item.due_date ?? null
      const y = b.item.due_date ?? null
      if (x === y) return a.index - b.index
      if (x === null) return 1
      if (y === null) return -1
      return x < y ? -1 : 1
    })
    .map(({ item }) => item)
}
