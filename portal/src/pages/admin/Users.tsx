import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { CodeOptions } from '../../ui/CodeOptions'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { Dialog, DialogActions } from '../../ui/Dialog'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import '../engagements/engagements.css'
import { useClients } from '../engagements/useClients'
import { USER_ROLE_LABELS, label, type UserRole } from '../engagements/vocab'
import { MIN_PASSWORD_LENGTH } from '../passwordPolicy'
import { RolesPicker, rolesBody, rolesProblem } from './RolesPicker'

type User = components['schemas']['UserRead']
const PAGE_SIZE = 50

const roleNames = (roles: readonly string[]) => roles.map((r) => label(USER_ROLE_LABELS, r)).join(', ')

/** The firm's users; with users.manage, their roles, activation and new accounts. */
export function Users() {
  const { can } = useAuth()
  const mayManage = can('users.manage')
  const clients = useClients()
  const [role, setRole] = useState<UserRole | ''>('')
  const [show, setShow] = useState<'active' | 'inactive' | 'all'>('all')
  const [page, setPage] = useState(1)
  const [open, setOpen] = useState<User | null>(null)
  const [creating, setCreating] = useState(false)
  const [outcome, setOutcome] = useState<string | null>(null)

  const query = useQuery({
    queryKey: ['users', { role, show, page }],
    queryFn: () =>
      ok(
        api.GET('/api/users', {
          params: {
            query: { role: role || undefined, active: show === 'all' ? undefined : show === 'active', page, page_size: PAGE_SIZE },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  })

  const columns: Column<User>[] = [
    { key: 'name', header: 'Name', render: (u) => u.display_name || <span className="muted">—</span>, sortValue: (u) => u.display_name },
    { key: 'email', header: 'E-mail', render: (u) => u.email, sortValue: (u) => u.email },
    { key: 'roles', header: 'Roles', render: (u) => roleNames(u.roles), sortValue: (u) => roleNames(u.roles) },
    {
      key: 'client',
      header: 'Client',
      render: (u) => (u.client_id ? (clients.byId.get(u.client_id)?.name ?? '') : ''),
      sortValue: (u) => (u.client_id ? (clients.byId.get(u.client_id)?.name ?? '') : ''),
    },
    {
      key: 'active',
      header: 'Active',
      render: (u) => (u.is_active ? 'Active' : <span className="badge badge-failed">Deactivated</span>),
      sortValue: (u) => (u.is_active ? 0 : 1),
    },
    { key: 'login', header: 'Last sign-in', render: (u) => formatDateTime(u.last_login_at), sortValue: (u) => u.last_login_at },
  ]

  return (
    <div>
      <PageHeader title="Users">
        {mayManage && (
          <button type="button" className="primary" onClick={() => { setOutcome(null); setCreating(true) }}>
            New user
          </button>
        )}
      </PageHeader>
      <form className="toolbar" aria-label="Filter users" onSubmit={(e) => e.preventDefault()}>
        <label>
          Role
          <select value={role} onChange={(e) => { setRole(e.target.value as UserRole | ''); setPage(1) }}>
            <option value="">All roles</option>
            <CodeOptions codes={Object.keys(USER_ROLE_LABELS) as UserRole[]} label={(r) => USER_ROLE_LABELS[r]} />
          </select>
        </label>
        <label>
          Show
          <select value={show} onChange={(e) => { setShow(e.target.value as typeof show); setPage(1) }}>
            <option value="all">Active and deactivated</option>
            <option value="active">Active only</option>
            <option value="inactive">Deactivated only</option>
          </select>
        </label>
      </form>
      {outcome && (
        <div className="success" role="status">
          {outcome}
        </div>
      )}
      {query.isPending ? (
        <Loading label="Loading users…" />
      ) : query.isError ? (
        <ErrorMessage error={query.error} title="The users could not be loaded" />
      ) : (
        <>
          <DataTable
            rows={query.data.items}
            columns={columns}
            rowKey={(u) => u.id}
            onOpen={(u) => { setOutcome(null); setOpen(u) }}
            empty="No users match."
          />
          <Pager page={page} pageSize={PAGE_SIZE} total={query.data.total} onChange={setPage} />
          <div className="muted small">{mayManage ? 'Enter or click on a user to change their roles or deactivate them.' : 'Enter or click on a user for details.'}</div>
        </>
      )}
      {open && <UserDialog user={open} mayManage={mayManage} clients={clients.clients} onClose={() => setOpen(null)} />}
      {creating && (
        <CreateUserDialog
          clients={clients.clients}
          onClose={() => setCreating(false)}
          onCreated={(user) => {
            setCreating(false)
            setOutcome(`Created ${user.email}. They can sign in with the password you set.`)
          }}
        />
      )}
    </div>
  )
}

function UserDialog({ user: opened, mayManage, clients, onClose }: { user: User; mayManage: boolean; clients: readonly components['schemas']['ClientRead'][]; onClose: () => void }) {
  const { me } = useAuth()
  const queryClient = useQueryClient()
  const [user, setUser] = useState(opened)
  const [roles, setRoles] = useState<UserRole[]>(user.roles as UserRole[])
  const [clientId, setClientId] = useState(user.client_id ?? '')
  const [problem, setProblem] = useState<string | null>(null)
  const [outcome, setOutcome] = useState<string | null>(null)
  const [confirming, setConfirming] = useState(false)
  const self = me?.user.id === user.id
  const clientName = user.client_id ? (clients.find((c) => c.id === user.client_id)?.name ?? user.client_id) : null

  const done = (saved: User, message: string) => {
    setUser(saved)
    setOutcome(message)
    void queryClient.invalidateQueries({ queryKey: ['users'] })
  }
  const saveRoles = useMutation({
    mutationFn: () => ok(api.PUT('/api/users/{user_id}/roles', { params: { path: { user_id: user.id } }, body: rolesBody(roles, clientId) })),
    onSuccess: (saved) => done(saved, `Saved: ${saved.email} now has ${roleNames(saved.roles)}.`),
  })
  const activation = useMutation({
    mutationFn: (active: boolean) =>
      ok(api.POST(active ? '/api/users/{user_id}/reactivate' : '/api/users/{user_id}/deactivate', { params: { path: { user_id: user.id } } })),
    onSuccess: (saved) => {
      setConfirming(false)
      done(saved, saved.is_active ? `${saved.email} is active again.` : `${saved.email} is deactivated and signed out everywhere.`)
    },
  })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    setOutcome(null)
    activation.reset()
    const wrong = rolesProblem(roles, clientId)
    setProblem(wrong)
    if (!wrong) saveRoles.mutate()
  }

  return (
    <Dialog title={user.display_name || user.email} onClose={onClose}>
      <dl className="facts">
        <dt>E-mail</dt>
        <dd>{user.email}</dd>
        <dt>Roles</dt>
        <dd>{roleNames(user.roles)}</dd>
        {clientName && (
          <>
            <dt>Client</dt>
            <dd>{clientName}</dd>
          </>
        )}
        <dt>Status</dt>
        <dd>{user.is_active ? 'Active' : 'Deactivated'}</dd>
        {user.locked_until && (
          <>
            <dt>Locked until</dt>
            <dd>{formatDateTime(user.locked_until)} (after failed sign-ins)</dd>
          </>
        )}
        <dt>Last sign-in</dt>
        <dd>{formatDateTime(user.last_login_at) || 'never'}</dd>
        <dt>Created</dt>
        <dd>{formatDateTime(user.created_at)}</dd>
      </dl>
      {mayManage && (
        <>
          <form className="form" onSubmit={submit} aria-label="Roles" style={{ marginTop: 12 }}>
            <RolesPicker
              idPrefix="user-roles"
              roles={roles}
              onRoles={setRoles}
              clientId={clientId}
              onClient={setClientId}
              clients={clients}
              disabled={saveRoles.isPending}
            />
            {problem && (
              <div className="error" role="alert">
                {problem}
              </div>
            )}
            <ErrorMessage error={saveRoles.error} title="The roles were not saved" />
            <div className="form-actions">
              <button type="submit" className="primary" disabled={saveRoles.isPending}>
                {saveRoles.isPending ? 'Saving…' : 'Save roles'}
              </button>
            </div>
          </form>
          <h3>Access</h3>
          {confirming ? (
            <div className="notice" role="group" aria-label="Confirm">
              <p style={{ marginTop: 0 }}>
                {user.is_active
                  ? `Deactivate ${user.email}? They are signed out at once and cannot sign in until reactivated.`
                  : `Reactivate ${user.email}? They can sign in again with their password.`}
              </p>
              <DialogActions
                label={user.is_active ? 'Yes, deactivate' : 'Yes, reactivate'}
                variant={user.is_active ? 'danger' : 'primary'}
                busy={activation.isPending}
                onConfirm={() => activation.mutate(!user.is_active)}
                onCancel={() => setConfirming(false)}
              />
            </div>
          ) : (
            <div className="form-actions">
              <button
                type="button"
                className={user.is_active ? 'danger' : undefined}
                disabled={self && user.is_active}
                onClick={() => {
                  setOutcome(null)
                  saveRoles.reset()
                  activation.reset()
                  setConfirming(true)
                }}
              >
                {user.is_active ? 'Deactivate' : 'Reactivate'}
              </button>
              {self && user.is_active && <span className="muted small">You cannot deactivate yourself.</span>}
            </div>
          )}
          <ErrorMessage error={activation.error} title={user.is_active ? 'The user was not deactivated' : 'The user was not reactivated'} />
        </>
      )}
      {outcome && (
        <div className="success" role="status">
          {outcome}
        </div>
      )}
    </Dialog>
  )
}

function CreateUserDialog({
  clients,
  onClose,
  onCreated,
}: {
  clients: readonly components['schemas']['ClientRead'][]
  onClose: () => void
  onCreated: (user: User) => void
}) {
  const queryClient = useQueryClient()
  const [email, setEmail] = useState('')
  const [displayName, setDisplayName] = useState('')
  const [password, setPassword] = useState('')
  const [roles, setRoles] = useState<UserRole[]>(['staff'])
  const [clientId, setClientId] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const create = useMutation({
    mutationFn: () =>
      ok(api.POST('/api/users', { body: { email: email.trim(), display_name: displayName.trim(), password, ...rolesBody(roles, clientId) } })),
    onSuccess: (user) => {
      void queryClient.invalidateQueries({ queryKey: ['users'] })
      onCreated(user)
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const wrong =
      password.length < MIN_PASSWORD_LENGTH ? `The password needs at least ${MIN_PASSWORD_LENGTH} characters.` : rolesProblem(roles, clientId)
    setProblem(wrong)
    if (!wrong) create.mutate()
  }
  return (
    <Dialog title="New user" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label>
          E-mail
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="off" />
        </label>
        <label>
          Display name
          <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={200} />
        </label>
        <label>
          Password
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password" aria-describedby="new-user-password-hint" />
        </label>
        <span id="new-user-password-hint" className="hint">
          At least {MIN_PASSWORD_LENGTH} characters. Give it to the person by a safe channel; an invitation lets them choose their own.
        </span>
        <RolesPicker idPrefix="new-user" roles={roles} onRoles={setRoles} clientId={clientId} onClient={setClientId} clients={clients} disabled={create.isPending} />
        {problem && (
          <div className="error" role="alert">
            {problem}
          </div>
        )}
        <ErrorMessage error={create.error} title="The user was not created" />
        <DialogActions label="Create user" busyLabel="Creating…" busy={create.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  )
}
