import '../engagements/engagements.css'
import type { Client } from '../engagements/useClients'
import { CLIENT_ROLES, FIRM_ROLES, USER_ROLE_LABELS, isClientRole, type UserRole } from '../engagements/vocab'

/**
 * What the API's role rules refuse (shared/auth/permissions.py validate_roles and the client binding
 * of functions/identity/service.py), as a sentence; null when the choice is acceptable.
 */
export function rolesProblem(roles: readonly string[], clientId: string): string | null {
  if (roles.length === 0) return 'Choose at least one role.'
  const client = roles.some(isClientRole)
  if (client && roles.some((r) => !isClientRole(r))) return 'Firm roles and client roles cannot be combined: a person is either in the firm or a client’s contact.'
  if (client && !clientId) return 'Choose the client this person belongs to: client roles need a client.'
  return null
}

/** The body members of roles (roles and, for client roles only, the client). */
export function rolesBody(roles: readonly UserRole[], clientId: string): { roles: UserRole[]; client_id: string | null } {
  return { roles: [...roles], client_id: roles.some(isClientRole) ? clientId : null }
}

/** Checkboxes of the firm's and the client roles, with the client picker when a client role is chosen. */
export function RolesPicker({
  idPrefix,
  roles,
  onRoles,
  clientId,
  onClient,
  clients,
  disabled,
}: {
  idPrefix: string
  roles: readonly UserRole[]
  onRoles: (roles: UserRole[]) => void
  clientId: string
  onClient: (clientId: string) => void
  clients: readonly Client[]
  disabled?: boolean
}) {
  const toggle = (role: UserRole, on: boolean) => onRoles(on ? [...roles.filter((r) => r !== role), role] : roles.filter((r) => r !== role))
  const box = (role: UserRole) => (
    <label key={role} className="check">
      <input type="checkbox" checked={roles.includes(role)} disabled={disabled} onChange={(e) => toggle(role, e.target.checked)} />
      {USER_ROLE_LABELS[role]}
    </label>
  )
  const clientRole = roles.some(isClientRole)
  return (
    <fieldset className="roles" disabled={disabled}>
      <legend>Roles</legend>
      <div className="small muted" id={`${idPrefix}-firm-roles`}>
        Firm roles
      </div>
      <div className="role-group" role="group" aria-labelledby={`${idPrefix}-firm-roles`}>
        {FIRM_ROLES.map(box)}
      </div>
      <div className="small muted" id={`${idPrefix}-client-roles`}>
        Client roles (a client’s own people, who see only that client’s engagements)
      </div>
      <div className="role-group" role="group" aria-labelledby={`${idPrefix}-client-roles`}>
        {CLIENT_ROLES.map(box)}
      </div>
      {clientRole && (
        <label>
          Client
          <select value={clientId} onChange={(e) => onClient(e.target.value)}>
            <option value="">Choose the client…</option>
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      )}
    </fieldset>
  )
}
