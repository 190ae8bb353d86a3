import { useEffect, useRef } from 'react'
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router'
import { useAuth } from '../auth/AuthProvider'
import { focusPageHeading } from './focus'

export function Shell() {
  const { me, can, signOut, isClientUser } = useAuth()
  const navigate = useNavigate()
  const { pathname } = useLocation()
  const main = useRef<HTMLElement>(null)
  const first = useRef(true)
  useEffect(() => {
    // The first page keeps the browser's focus; each later one moves it to the new page's heading.
    if (first.current) {
      first.current = false
      return
    }
    return main.current ? focusPageHeading(main.current) : undefined
  }, [pathname])
  return (
    <div className="shell">
      <a
        href="#main"
        className="skip-link"
        onClick={(event) => {
          event.preventDefault()
          main.current?.focus()
        }}
      >
        Skip to content
      </a>
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
          {can('audit_log.read') && <NavLink to="/admin/audit-log">Audit log</NavLink>}
          {can('firm.settings') && <NavLink to="/admin/firm">Firm</NavLink>}
        </nav>
        <div className="who">
          <NavLink to="/profile" title={`Your profile · ${me?.roles.join(', ')}`}>
            {me?.user.display_name || me?.user.email} · {me?.firm.name}
          </NavLink>
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
      <main className="content" id="main" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  )
}
