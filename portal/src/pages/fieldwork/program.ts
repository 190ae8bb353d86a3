/**
 * The audit program as the page shows it: procedures grouped by account area in the program's order,
 * what the team may do with each, and the form rule for "not applicable" (a reason of at least 10
 * characters, as the API requires). Coverage of the risks is the API's verdict; nothing here re-decides it.
 */
import type { components } from '../../api/schema'

export type Program = components['schemas']['ProgramRead']
export type ProgramProcedure = components['schemas']['ProgramProcedureRead']
export type ProcedureStatus = ProgramProcedure['status']
export type Library = components['schemas']['LibraryRead']
export type LibraryProcedure = components['schemas']['LibraryProcedureRead']
export type Area = components['schemas']['AreaRead']

export const MIN_NA_REASON = 10

export const STATUSES: readonly { value: ProcedureStatus; label: string }[] = [
  { value: 'not_started', label: 'Not started' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'completed', label: 'Completed' },
  { value: 'not_applicable', label: 'Not applicable' },
]

export const NATURE_LABELS: Record<ProgramProcedure['nature'], string> = {
  test_of_controls: 'Test of controls',
  substantive_analytical: 'Substantive analytics',
  test_of_details: 'Test of details',
}

export interface AreaGroup {
  area: Area
  procedures: ProgramProcedure[]
}

/** The procedures by area, areas in the API's order, procedures in the program's order within each. */
export function groupByArea(program: Program): AreaGroup[] {
  const known = new Map(program.areas.map((area) => [area.code, area]))
  const groups = new Map<string, AreaGroup>()
  for (const area of program.areas) groups.set(area.code, { area, procedures: [] })
  for (const procedure of [...program.procedures].sort((a, b) => a.position - b.position)) {
    const area = known.get(procedure.area) ?? { code: procedure.area, label: procedure.area }
    if (!groups.has(area.code)) groups.set(area.code, { area, procedures: [] })
    groups.get(area.code)!.procedures.push(procedure)
  }
  return [...groups.values()].filter((group) => group.procedures.length > 0)
}

export interface ProgressSummary {
  total: number
  completed: number
  notApplicable: number
}

export function progress(program: Program): ProgressSummary {
  const done = (status: ProcedureStatus) => program.procedures.filter((p) => p.status === status).length
  return { total: program.procedures.length, completed: done('completed'), notApplicable: done('not_applicable') }
}

/** What the form finds wrong before sending a status change. */
export function statusProblems(status: ProcedureStatus, reason: string, conclusion: string, procedure: ProgramProcedure): string[] {
  const problems: string[] = []
  if (status === 'not_applicable' && reason.trim().length < MIN_NA_REASON) {
    problems.push(`Say why it is not applicable (at least ${MIN_NA_REASON} characters).`)
  }
  if (status === 'completed') {
    if (!conclusion.trim()) problems.push('Write the conclusion before completing the procedure.')
    if (procedure.signed_workpapers.length === 0) {
      problems.push('Link a workpaper that is prepared and reviewed before completing the procedure.')
    }
  }
  return problems
}

/** A procedure is removed only before anyone starts it. */
export const removable = (procedure: ProgramProcedure) => procedure.status === 'not_started'

/**
 * The program's order with one procedure swapped with its neighbour in the same area (the page shows
 * areas apart, so that is the move a user sees); null at the area's edge.
 */
export function moved(program: Program, procedureId: string, direction: -1 | 1): string[] | null {
  const ordered = [...program.procedures].sort((a, b) => a.position - b.position)
  const index = ordered.findIndex((p) => p.id === procedureId)
  if (index < 0) return null
  const area = ordered[index].area
  let other = index + direction
  while (other >= 0 && other < ordered.length && ordered[other].area !== area) other += direction
  if (other < 0 || other >= ordered.length) return null
  const ids = ordered.map((p) => p.id)
  ;[ids[index], ids[other]] = [ids[other], ids[index]]
  return ids
}
