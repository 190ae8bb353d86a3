import { NavLink } from 'react-router'

/** The fieldwork pages under the engagement's Program tab: the program and the registers beside it. */
export const FIELDWORK_PAGES = [
  ['program', 'Program'],
  ['confirmations', 'Confirmations'],
  ['cutoff', 'Cut-off'],
  ['subsequent-events', 'Subsequent events'],
  ['related-parties', 'Related parties'],
  ['estimates', 'Estimates'],
] as const

export function FieldworkNav() {
  return (
    <nav className="subtabs" aria-label="Fieldwork">
      {FIELDWORK_PAGES.map(([path, label]) => (
        <NavLink key={path} to={`../${path}`} relative="path">
          {label}
        </NavLink>
      ))}
    </nav>
  )
}
