import { useState, type FormEvent } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api, ok } from '../api/client'
import { ErrorMessage } from '../ui/ErrorMessage'
import { useAction } from '../ui/useAction'
import { NewPasswordFields, useNewPassword } from './NewPassword'

/** Join the firm from an invitation e-mail: choose a name and a password. */
export function AcceptInvitation() {
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const [displayName, setDisplayName] = useState('')
  const newPassword = useNewPassword()
  const { busy, error, run, clearError } = useAction()
  const [email, setEmail] = useState<string | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!newPassword.check()) return clearError()
    void run(async () => {
      const user = await ok(api.POST('/api/invitations/accept', { body: { token, password: newPassword.password, display_name: displayName.trim() } }))
      setEmail(user.email)
    })
  }

  if (!token) {
    return (
      <div className="auth-page">
        <div className="auth-card">
          <h1>Accept your invitation</h1>
          <div className="error" role="alert">
            This link is incomplete: it has no invitation token. Open the link from the invitation e-mail again (copy all of it), or ask
            whoever invited you for a new invitation.
          </div>
          <Link to="/sign-in">Sign in</Link>
        </div>
      </div>
    )
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-label="Accept your invitation">
        <h1>Accept your invitation</h1>
        {email !== null ? (
          <>
            <div className="success" role="status">
              Welcome to Aura. Your account {email} is ready; sign in with your new password.
            </div>
            <Link to="/sign-in">Sign in</Link>
          </>
        ) : (
          <>
            <p className="muted" style={{ margin: 0 }}>
              Choose the name others see and a password for your account.
            </p>
            <label>
              Your name
              <input autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={200} autoFocus />
            </label>
            <NewPasswordFields state={newPassword} label="Password" hintId="accept-password-hint" />
            <ErrorMessage error={error} title="The invitation could not be accepted" />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Accepting…' : 'Accept invitation'}
            </button>
          </>
        )}
      </form>
    </div>
  )
}
