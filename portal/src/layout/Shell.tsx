import { NavLink, Outlet, useNavigate } from 'react-router'
import { useAuth } from '../auth/AuthProvider'

export function Shell() {
  const { me, can, signOut, isClientUser } = useAuth()
  const navigate = useNavigate()
  return (
    <div className="shell">
      <header className="topbar">
        <NavLink to="/" end className="brand">
          Aura
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Home
          </NavLink>
          <NavLink to="/engagements">Engagements</NavLink>
          {!isClientUser && can('client.manage') && <NavLink to="/clients">Clients</NavLink>}
          {can('users.read') && <NavLink to="/admin/users">Users</NavLink>}
          {can('users.manage') && <NavLink to="/admin/invitations">Invitations</NavLink>}
        </nav>
        <div className="who">
          <span title={me?.roles.join(', ')}>
            {me?.user.display_name || me?.user.email} · {me?.firm.name}
          </span>
          <button
            type="button"
            className="link"
            onClick={async () => {
              await signOut()
              navigate('/sign-in', { replace: true })
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  )
}
