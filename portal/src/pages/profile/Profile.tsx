import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useNavigate } from 'react-router'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { DataTable, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import { MAX_PASSWORD_LENGTH, passwordProblem } from '../passwordPolicy'
import '../admin/admin.css'

type Session = components['schemas']['SessionRead']

/** What is wrong with a password change before asking, or null. */
export function changeProblem(current: string, password: string, repeat: string): string | null {
  if (!current) return 'Type your current password.'
  if (password && password === current) return 'The new password is the same as the current one.'
  return passwordProblem(password, repeat)
}

function PasswordForm() {
  const [current, setCurrent] = useState('')
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const queryClient = useQueryClient()
  const change = useMutation({
    mutationFn: () => ok(api.POST('/api/auth/password', { body: { current_password: current, new_password: password } })),
    onSuccess: () => {
      setCurrent('')
      setPassword('')
      setRepeat('')
      void queryClient.invalidateQueries({ queryKey: ['my-sessions'] })
    },
  })
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const wrong = changeProblem(current, password, repeat)
    setProblem(wrong)
    if (!wrong) change.mutate()
  }
  return (
    <form className="panel admin-form" onSubmit={onSubmit} aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <label>
        Current password
        <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} maxLength={1024} />
      </label>
      <label>
        New password
        <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} maxLength={MAX_PASSWORD_LENGTH} />
      </label>
      <label>
        New password again
        <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} maxLength={MAX_PASSWORD_LENGTH} />
      </label>
      <p className="muted small">At least 12 characters. Your other sign-ins end when it changes; this one stays.</p>
      <button type="submit" className="primary" disabled={change.isPending}>
        Change password
      </button>
      {problem && (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      {change.isSuccess && (
        <p className="success" role="status">
          Password changed.{change.data.sessions_ended ? ` ${change.data.sessions_ended} other sign-in${change.data.sessions_ended === 1 ? '' : 's'} ended.` : ''}
        </p>
      )}
      <ErrorMessage error={change.error} title="The password was not changed" />
    </form>
  )
}

function Sessions() {
  const { signOut } = useAuth()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const sessions = useQuery({ queryKey: ['my-sessions'], queryFn: () => ok(api.GET('/api/auth/sessions')) })
  const end = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/api/auth/sessions/{session_id}', { params: { path: { session_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['my-sessions'] }),
  })
  const everywhere = useMutation({
    mutationFn: () => ok(api.POST('/api/auth/sessions/end-all')),
    onSuccess: async () => {
      await signOut()
      navigate('/sign-in', { replace: true })
    },
  })
  const columns: Column<Session>[] = [
    { key: 'started', header: 'Signed in', render: (s) => formatDateTime(s.started_at) },
    { key: 'active', header: 'Last active', render: (s) => formatDateTime(s.last_active_at) },
    { key: 'expires', header: 'Expires', render: (s) => formatDateTime(s.expires_at) },
    {
      key: 'end',
      header: '',
      render: (s) =>
        s.current ? (
          <strong>this sign-in</strong>
        ) : (
          <button type="button" disabled={end.isPending} onClick={() => end.mutate(s.id)} aria-label={`End the sign-in of ${formatDateTime(s.started_at)}`}>
            End
          </button>
        ),
    },
  ]
  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      {sessions.isPending && <Loading label="Reading your sign-ins…" />}
      {sessions.isError && <ErrorMessage error={sessions.error} title="Your sign-ins cannot be shown" />}
      {sessions.data && <DataTable rows={sessions.data.items} columns={columns} rowKey={(s) => s.id} caption="Your open sign-ins, newest first" empty="No open sign-in." />}
      <ErrorMessage error={end.error} title="The sign-in was not ended" />
      <p>
        <button type="button" className="danger" disabled={everywhere.isPending} onClick={() => everywhere.mutate()}>
          Sign out everywhere
        </button>{' '}
        <span className="muted small">Ends every sign-in, this one included.</span>
      </p>
      <ErrorMessage error={everywhere.error} title="Not every sign-in was ended" />
    </section>
  )
}

/** The signed-in user's own profile: who they are, their password, their sign-ins. */
export function Profile() {
  const { me } = useAuth()
  return (
    <section className="admin-page" aria-labelledby="profile-title">
      <PageHeader title={<span id="profile-title">Your profile</span>} />
      {me && (
        <dl className="admin-facts panel">
          <dt>Name</dt>
          <dd>{me.user.display_name || '—'}</dd>
          <dt>E-mail</dt>
          <dd>{me.user.email}</dd>
          <dt>Firm</dt>
          <dd>{me.firm.name}</dd>
          <dt>Roles</dt>
          <dd>{me.roles.join(', ')}</dd>
        </dl>
      )}
      <div className="admin-grid">
        <PasswordForm />
        <Sessions />
      </div>
    </section>
  )
}
